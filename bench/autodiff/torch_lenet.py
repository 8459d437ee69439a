"""PyTorch side of the autodiff benchmark: one forward+backward step of the Multi-Fashion two-task LeNet.

Usage: /usr/bin/python3 torch_lenet.py [--batch 256] [--threads 2] [--iterations 30] [--warmup 5] [--json PATH]

The model matches bench/Shared/MultiFashionLeNet.cs. A step is zero_grad, forward, both cross-entropy losses
summed, backward (every parameter gradient). Prints one JSON line.
"""

import resource
import statistics

import torch
import torch.nn.functional as F

from multifashion_lenet import report, seeded_batch, step_arguments, time_ms


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    args = step_arguments(__doc__)
    model, x, left, right = seeded_batch(args)
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

    time_ms(step, args.warmup)
    times = time_ms(step, args.iterations)
    forward_times = time_ms(forward, args.iterations)
    report(args, step_median_ms=statistics.median(times), step_min_ms=min(times),
           forward_median_ms=statistics.median(forward_times), peak_rss_mb=peak_rss_mb(), baseline_rss_mb=baseline)


if __name__ == "__main__":
    main()
