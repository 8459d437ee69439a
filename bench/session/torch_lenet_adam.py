"""PyTorch side of the training-session benchmark: the full training step of the Multi-Fashion two-task LeNet.

Usage: /usr/bin/python3 torch_lenet_adam.py [--batch 256] [--threads 2] [--iterations 30] [--warmup 5] [--json PATH]

The model matches bench/Shared/MultiFashionLeNet.cs. A step is zero_grad, forward, the two cross-entropy losses
summed, backward and torch.optim.Adam's step (lr 1e-3). Prints one JSON line.
"""

import os
import statistics
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autodiff"))
from multifashion_lenet import report, seeded_batch, step_arguments, time_ms  # noqa: E402


def main():
    args = step_arguments(__doc__)
    model, x, left, right = seeded_batch(args)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits_left, logits_right = model(x)
        loss = F.cross_entropy(logits_left, left) + F.cross_entropy(logits_right, right)
        loss.backward()
        optimizer.step()

    time_ms(step, args.warmup)
    times = time_ms(step, args.iterations)
    report(args, step_median_ms=statistics.median(times), step_min_ms=min(times))


if __name__ == "__main__":
    main()
