#!/usr/bin/env python3
"""Cuts the Fashion-MNIST sample shipped (in the library jar) from src/main/resources/dl4jsparse/fashion-mnist-sample from the real files.

Keeps the first N_TRAIN training and N_TEST test examples, in file order, as gzipped IDX files with the same names,
and copies the data set's MIT licence beside them. Deterministic: the same input gives the same bytes (gzip mtime 0).

Usage: python3 scripts/cut-fashion-mnist-subset.py [SOURCE_DIR] [TARGET_DIR] [N_TRAIN] [N_TEST]
Defaults: /usr/share/datasets/fashion-mnist src/main/resources/dl4jsparse/fashion-mnist-sample 2000 500
"""
import gzip
import os
import shutil
import struct
import sys


def cut(source, target, n):
    with gzip.open(source, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank]))
    item = 1
    for d in dims[1:]:
        item *= d
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * rank, n, *dims[1:])
    start = 4 + 4 * rank
    body = raw[start:start + n * item]
    with open(target, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
            gz.write(header + body)


def main():
    args = sys.argv[1:]
    source_dir = args[0] if len(args) > 0 else "/usr/share/datasets/fashion-mnist"
    target_dir = args[1] if len(args) > 1 else "src/main/resources/dl4jsparse/fashion-mnist-sample"
    n_train = int(args[2]) if len(args) > 2 else 2000
    n_test = int(args[3]) if len(args) > 3 else 500
    os.makedirs(target_dir, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        for kind in ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"):
            name = f"{prefix}-{kind}"
            cut(os.path.join(source_dir, name), os.path.join(target_dir, name), n)
    licence = "/usr/share/doc/dataset-fashion-mnist/copyright"
    if os.path.exists(licence):
        shutil.copy(licence, os.path.join(target_dir, "LICENSE"))


if __name__ == "__main__":
    main()
