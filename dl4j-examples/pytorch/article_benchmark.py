#!/usr/bin/env python3
"""The reference article's PyTorch SparseLinear, timed on the shapes of dl4j-sparse's MlpBenchmark.

Same MLP as the Java benchmark: in-h1-h2-out, ReLU, softmax cross-entropy, Adam(1e-3); the two hidden layers are
either nn.Linear ("dense") or the article's SparseLinear (mask = rand > sparsity, weight * mask on every forward
pass); the output layer is nn.Linear in both. One thread (torch.set_num_threads(1)), like the JMH runs.

Prints a Markdown table of ms/op (mean ± 99.9% interval over rounds of ~1 s); with --jmh-json FILE (JMH's JSON
result of MlpBenchmark) it adds the DL4J / PyTorch ratio of every variant.

Usage: python3 article_benchmark.py [--jmh-json results.json] [--rounds 8] [--configs 784-1024-1024-10/32,...]
       [--variants dense,sparse0.9,sparse0.99]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.optim as optim


class SparseLinear(nn.Module):
    """The article's layer, verbatim in substance."""

    def __init__(self, in_features, out_features, sparsity):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * 0.01)
        self.bias = nn.Parameter(torch.zeros(out_features))
        mask = torch.rand(out_features, in_features)
        mask = (mask > sparsity).float()
        self.register_buffer("mask", mask)

    def forward(self, x):
        sparse_weight = self.weight * self.mask
        return x @ sparse_weight.t() + self.bias


def mlp(dims, sparsity):
    def hidden(i, o):
        return nn.Linear(i, o) if sparsity is None else SparseLinear(i, o, sparsity)
    return nn.Sequential(hidden(dims[0], dims[1]), nn.ReLU(), hidden(dims[1], dims[2]), nn.ReLU(),
                         nn.Linear(dims[2], dims[3]))


def time_op(op, rounds, round_seconds=1.0, warmup_seconds=3.0):
    end = time.perf_counter() + warmup_seconds
    while time.perf_counter() < end:
        op()
    means = []
    for _ in range(rounds):
        n = 0
        start = time.perf_counter()
        while True:
            op()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= round_seconds:
                break
        means.append(elapsed / n * 1000.0)
    mean = statistics.mean(means)
    # JMH-like 99.9% interval: t(0.9995, n-1) * s / sqrt(n); t ~ 5.4 for n = 8
    t = {4: 12.9, 5: 8.6, 8: 5.41, 10: 4.78, 16: 4.07}.get(rounds, 3.3)
    err = t * statistics.stdev(means) / math.sqrt(rounds) if rounds > 1 else float("nan")
    return mean, err


def measure(config, variant, rounds):
    shape, batch = config.split("/")
    dims = [int(d) for d in shape.split("-")]
    batch = int(batch)
    torch.manual_seed(42)
    sparsity = None if variant == "dense" else float(variant[len("sparse"):])
    model = mlp(dims, sparsity)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, dims[0])
    y = torch.arange(batch) % dims[3]

    def train_step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    def inference():
        with torch.no_grad():
            model(x)

    return {"trainingStep": time_op(train_step, rounds), "inference": time_op(inference, rounds)}


def jmh_scores(path):
    scores = {}
    with open(path) as f:
        for r in json.load(f):
            method = r["benchmark"].rsplit(".", 1)[1]
            p = r.get("params", {})
            if "config" in p and "layers" in p:
                scores[(method, p["config"], p["layers"])] = (float(r["primaryMetric"]["score"]),
                                                            float(r["primaryMetric"]["scoreError"]))
    return scores


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jmh-json")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--configs", default="784-1024-1024-10/32,784-1024-1024-10/256",
                        help="comma-separated shape/batch list")
    parser.add_argument("--variants", default="dense,sparse0.9,sparse0.99",
                        help="comma-separated: dense (nn.Linear) or sparseX (the article's SparseLinear at X)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    jmh = jmh_scores(args.jmh_json) if args.jmh_json else {}
    configs = args.configs.split(",")
    variants = args.variants.split(",")
    print(f"PyTorch {torch.__version__}, 1 thread")
    print("| benchmark | config | variant | PyTorch ms/op | DL4J ms/op | DL4J / PyTorch |")
    print("|---|---|---|---|---|---|")
    torch_dense = {}
    for config in configs:
        for variant in variants:
            results = measure(config, variant, args.rounds)
            for method, (mean, err) in results.items():
                if variant == "dense":
                    torch_dense[(method, config)] = mean
                dl4j = jmh.get((method, config, variant))
                dl4j_text = f"{dl4j[0]:.3f} ± {dl4j[1]:.3f}" if dl4j else ""
                ratio = f"{dl4j[0] / mean:.2f}" if dl4j else ""
                print(f"| {method} | {config} | {variant} | {mean:.3f} ± {err:.3f} | {dl4j_text} | {ratio} |", flush=True)
    if torch_dense and jmh:
        # what a user would pick instead: every DL4J variant against PyTorch's dense nn.Linear network
        print()
        print("| benchmark | config | DL4J variant | DL4J ms/op | PyTorch dense ms/op | DL4J / PyTorch dense |")
        print("|---|---|---|---|---|---|")
        for (method, config, layers), (score, err) in sorted(jmh.items()):
            base = torch_dense.get((method, config))
            if base:
                print(f"| {method} | {config} | {layers} | {score:.3f} ± {err:.3f} | {base:.3f} | {score / base:.2f} |")


if __name__ == "__main__":
    main()
