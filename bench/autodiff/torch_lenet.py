"""PyTorch side of the autodiff benchmark: one forward+backward step of the Multi-Fashion two-task LeNet.

Usage: /usr/bin/python3 torch_lenet.py [--batch 256] [--threads 2] [--iterations 30] [--warmup 5] [--json PATH]

The model matches bench/MtlOnnx.Bench.Autodiff/MultiFashionLeNet.cs. A step is zero_grad, forward, both
cross-entropy losses summed, backward (every parameter gradient). Prints one JSON line.
"""

import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F

from multifashion_lenet import MultiFashionLeNet


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    x = torch.rand(args.batch, 1, 36, 36) * 2 - 1
    left = torch.randint(0, 10, (args.batch,))
    right = torch.randint(0, 10, (args.batch,))
    baseline = peak_rss_mb()

    def losses():
        logits_left, logits_right = model(x)
        return F.cross_entropy(logits_left, left), F.cross_entropy(logits_right, right)

    def step():
        model.zero_grad(set_to_none=True)
        loss_left, loss_right = losses()
        (loss_left + loss_right).backward()

    def forward():
        with torch.no_grad():
            losses()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    forward_times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        forward()
        forward_times.append((time.perf_counter() - start) * 1000)

    report = {
        "side": "pytorch",
        "version": torch.__version__,
        "blas": "generic" if "BLAS_INFO=generic" in torch.__config__.show() else "other",
        "batch": args.batch,
        "threads": args.threads,
        "iterations": args.iterations,
        "step_median_ms": statistics.median(times),
        "step_min_ms": min(times),
        "forward_median_ms": statistics.median(forward_times),
        "peak_rss_mb": peak_rss_mb(),
        "baseline_rss_mb": baseline,
    }
    line = json.dumps(report)
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            f.write(line)


if __name__ == "__main__":
    main()
