"""PyTorch twin of LstmTiming: nn.LSTM(features -> hidden) over `steps` time steps, last step -> Linear(10), Adam,
random sequences, one thread: median training step and inference over repeated calls after a warm-up. Dense: PyTorch
has no sparse LSTM.

Run in the same hour as LstmTiming, with glibc's malloc thresholds raised (else step times are bimodal):
    MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 OMP_NUM_THREADS=1 \
        python3 dl4j-examples/pytorch/lstm_benchmark.py [--hidden 512] [--batch 64] [--steps 28] [--rounds 20]
Needs Debian's python3-torch (apt-get install python3-torch libopenblas0).
"""
import argparse

import torch

from timing import median_ms


class Net(torch.nn.Module):
    def __init__(self, features, hidden):
        super().__init__()
        self.lstm = torch.nn.LSTM(features, hidden, batch_first=True)
        self.out = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h[:, -1, :])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=28)
    parser.add_argument("--features", type=int, default=28)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(7)
    net = Net(args.features, args.hidden)
    x = torch.rand(args.batch, args.steps, args.features)
    y = torch.arange(args.batch) % 10
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        net.train()
        optimizer.zero_grad()
        loss_fn(net(x), y).backward()
        optimizer.step()

    def infer():
        net.eval()
        with torch.no_grad():
            net(x)

    train = median_ms(step, args.rounds, warmup=3)
    inference = median_ms(infer, args.rounds, warmup=3)
    print(f"PyTorch {torch.__version__} nn.LSTM({args.hidden}), {args.steps} steps of {args.features} features, "
          f"batch {args.batch}, 1 thread: training step {train:.1f} ms, inference {inference:.1f} ms")


if __name__ == "__main__":
    main()
