#!/usr/bin/env python3
"""PyTorch's dense twin of dl4j-sparse's LeNet-5 (models.SparseLeNet5), timed as LeNet5Benchmark times the DL4J one.

conv 5x5x20 - max-pool 2 - conv 5x5x50 - max-pool 2 - dense 500 - output 10, ReLU, softmax cross-entropy,
Adam(1e-3), float32, random 28x28 images; nn.Conv2d / nn.Linear, one thread (torch.set_num_threads(1)).

Prints a Markdown table of ms per training step and per inference (median over rounds of ~1 s, and the spread);
with --jmh-json FILE (JMH's JSON result of LeNet5Benchmark) it adds the DL4J / PyTorch ratio of every variant.

glibc's malloc is tuned first (mmap threshold 256 MB, trim threshold 1 GB, through mallopt): with its defaults the
training step at batch 128 was bimodal on the project's machine (33 to 112 ms from run to run: the step's large
temporaries went back and forth to the kernel), tuned it was 34 ms every time. --no-malloc-tuning measures the default.

Usage: python3 lenet5_benchmark.py [--jmh-json results.json] [--rounds 9] [--batches 128,32] [--no-malloc-tuning]
"""
import ctypes
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.optim as optim


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))


def per_call_ms(op, rounds, round_seconds=1.0, warmup_seconds=3.0):
    end = time.perf_counter() + warmup_seconds
    while time.perf_counter() < end:
        op()
    times = []
    for _ in range(rounds):
        n = 0
        start = time.perf_counter()
        while True:
            op()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= round_seconds:
                break
        times.append(elapsed / n * 1e3)
    return statistics.median(times), min(times), max(times)


def jmh_scores(path):
    scores = {}
    with open(path) as f:
        for r in json.load(f):
            name = r["benchmark"].rsplit(".", 1)[1]
            p = r["params"]
            scores[(name, int(p["batch"]), p["layers"])] = r["primaryMetric"]["score"]
    return scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jmh-json")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--batches", default="128,32")
    ap.add_argument("--no-malloc-tuning", action="store_true")
    args = ap.parse_args()
    if not args.no_malloc_tuning:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)    # M_TRIM_THRESHOLD
    torch.set_num_threads(1)
    torch.manual_seed(1)
    scores = jmh_scores(args.jmh_json) if args.jmh_json else {}
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, dense LeNet-5 twin, malloc "
          + ("default" if args.no_malloc_tuning else "tuned"))
    header = "| batch | PyTorch training step (ms) | PyTorch inference (ms) |"
    if scores:
        header += " DL4J / PyTorch, training step | DL4J / PyTorch, inference |"
    print(header)
    print("|---|---|---|" + ("---|---|" if scores else ""))
    for batch in [int(b) for b in args.batches.split(",")]:
        net = lenet5()
        opt = optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, 1, 28, 28)
        y = torch.arange(batch) % 10

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()

        def infer():
            with torch.no_grad():
                net(x)

        train = per_call_ms(step, args.rounds)
        inference = per_call_ms(infer, args.rounds)
        row = f"| {batch} | {train[0]:.2f} ({train[1]:.2f}-{train[2]:.2f}) | {inference[0]:.2f} ({inference[1]:.2f}-{inference[2]:.2f}) |"
        if scores:
            ratios = []
            for name, ms in (("trainingStep", train[0]), ("inference", inference[0])):
                cells = [f"{layers} {scores[(name, batch, layers)] / ms:.2f}x" for (n, b, layers) in sorted(scores)
                         if n == name and b == batch]
                ratios.append(", ".join(cells))
            row += f" {ratios[0]} | {ratios[1]} |"
        print(row)


if __name__ == "__main__":
    main()
