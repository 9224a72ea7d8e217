"""PyTorch twins of the zoo models of ZooTiming: torchvision's dense ResNet-50 (224 x 224, batch 4) and VGG16 (64 x 64,
batch 8, its classifier 2048-4096-4096-10 as DL4J's zoo VGG16 has at that size), Adam, random images, one thread:
median training step and inference over interleaved-free repeated calls after a warm-up.

Run in the same hour as ZooTiming, with glibc's malloc thresholds raised (else step times are bimodal):
    MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 OMP_NUM_THREADS=1 \
        python3 dl4j-examples/pytorch/zoo_benchmark.py [--model resnet50|vgg16] [--rounds 5]
Needs Debian's python3-torch and python3-torchvision, and OpenBLAS for the system BLAS they link
(apt-get install python3-torch python3-torchvision libopenblas0): with only the reference libblas3 installed, the
ResNet-50 step takes 14 s instead of ~1 s.
"""
import argparse

import torch
import torchvision

from timing import median_ms


def build(model):
    if model == "resnet50":
        return torchvision.models.resnet50(num_classes=10), 224, 4
    net = torchvision.models.vgg16(num_classes=10)
    # DL4J's zoo VGG16 at 64 x 64: five poolings leave 2 x 2 x 512 = 2048 inputs to the first dense layer
    net.avgpool = torch.nn.Identity()
    net.classifier[0] = torch.nn.Linear(2048, 4096)
    return net, 64, 8


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="resnet50", choices=["resnet50", "vgg16"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(7)
    net, size, batch = build(args.model)
    x = torch.rand(batch, 3, size, size)
    y = torch.arange(batch) % 10
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

    train = median_ms(step, args.rounds, warmup=2)
    inference = median_ms(infer, args.rounds, warmup=2)
    print(f"| PyTorch {torch.__version__} dense {args.model}, {size} x {size}, batch {batch}, 1 thread "
          f"| {train:.0f} | {inference:.0f} |")


if __name__ == "__main__":
    main()
