"""The Multi-Fashion two-task LeNet in PyTorch, shared by the autodiff, training-session and trainer benchmarks.

Input 1x36x36; shared conv 1->10 9x9, max-pool 2, ReLU, conv 10->20 5x5, max-pool 2, ReLU, linear 500->50, ReLU; per
task linear 50->50, ReLU, linear 50->10. It matches MtlOnnx's LeNet trunk with two 50-unit heads (the
multi-fashion-lenet preset) and the forward graphs of bench/MtlOnnx.Bench.Autodiff and bench/MtlOnnx.Bench.Session.
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(50, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, z):
        return self.fc2(F.relu(self.fc1(z)))


class MultiFashionLeNet(nn.Module):
    """Returns the left and right logits; parameters are created (and so drawn) trunk first, then left, then right."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 9)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc = nn.Linear(500, 50)
        self.left = Head()
        self.right = Head()

    def forward(self, x):
        h = F.relu(F.max_pool2d(self.conv1(x), 2))
        h = F.relu(F.max_pool2d(self.conv2(h), 2))
        z = F.relu(self.fc(torch.flatten(h, 1)))
        return self.left(z), self.right(z)


def step_arguments(description):
    """Parses the options every step benchmark takes: batch, threads, iterations, warm-up steps and a JSON path."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json")
    return parser.parse_args()


def seeded_batch(args):
    """Sets the threads and seed, then returns the model and one random batch: images in [-1, 1] and both labels."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = MultiFashionLeNet()
    x = torch.rand(args.batch, 1, 36, 36) * 2 - 1
    left = torch.randint(0, 10, (args.batch,))
    right = torch.randint(0, 10, (args.batch,))
    return model, x, left, right


def time_ms(function, iterations):
    """Calls a function the given number of times and returns each call's wall time in milliseconds."""
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def loaded_blas():
    """Names the BLAS in use: Debian's torch links the system's libblas.so.3, whichever library is mapped now."""
    with open("/proc/self/maps") as maps:
        text = maps.read()
    for name in ("openblas", "blis", "mkl"):
        if "lib" + name in text:
            return name
    return "reference (netlib)"


def report(args, **figures):
    """Prints the PyTorch side's JSON line (and writes it to --json): the setup, then the given figures."""
    fields = {"side": "pytorch", "version": torch.__version__, "blas": loaded_blas(), "batch": args.batch,
              "threads": args.threads, "iterations": args.iterations, **figures}
    line = json.dumps(fields)
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            f.write(line)
