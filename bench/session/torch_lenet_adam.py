"""PyTorch side of the training-session benchmark: the full training step of the Multi-Fashion two-task LeNet.

Usage: /usr/bin/python3 torch_lenet_adam.py [--batch 256] [--threads 2] [--iterations 30] [--warmup 5] [--json PATH]

The model matches bench/MtlOnnx.Bench.Session/LeNetForward.cs. A step is zero_grad, forward, the two
cross-entropy losses summed, backward and torch.optim.Adam's step (lr 1e-3). Prints one JSON line.
"""

import argparse
import json
import statistics
import time

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autodiff"))
from multifashion_lenet import MultiFashionLeNet  # noqa: E402


def loaded_blas():
    # Debian's torch links the system's libblas.so.3, so the BLAS in use is whichever library is mapped now.
    with open("/proc/self/maps") as maps:
        text = maps.read()
    for name in ("openblas", "blis", "mkl"):
        if "lib" + name in text:
            return name
    return "reference (netlib)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = MultiFashionLeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.batch, 1, 36, 36) * 2 - 1
    left = torch.randint(0, 10, (args.batch,))
    right = torch.randint(0, 10, (args.batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits_left, logits_right = model(x)
        loss = F.cross_entropy(logits_left, left) + F.cross_entropy(logits_right, right)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)

    report = {
        "side": "pytorch",
        "version": torch.__version__,
        "blas": loaded_blas(),
        "batch": args.batch,
        "threads": args.threads,
        "iterations": args.iterations,
        "step_median_ms": statistics.median(times),
        "step_min_ms": min(times),
    }
    line = json.dumps(report)
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            f.write(line)


if __name__ == "__main__":
    main()
