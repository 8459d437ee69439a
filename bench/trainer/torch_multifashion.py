"""PyTorch's equivalent of `mtlonnx train models/multi-fashion-lenet.yaml`, for the trainer benchmark.

Builds Multi-Fashion the same way (two Fashion-MNIST items on a 36x36 canvas, top-left and bottom-right, each shifted
by up to 4 pixels, pixel-wise maximum; 120,000 training pairs from the training set, every image paired twice with
two different partners; 10,000 test pairs), trains the same LeNet (conv 1->10 9x9, max-pool 2, ReLU, conv 10->20 5x5,
max-pool 2, ReLU, linear 500->50, ReLU; per task linear 50->50, ReLU, linear 50->10) with Adam 1e-3, batch 256 and
equal weighting, and prints per-epoch test accuracy and samples per second (data loading included).

Usage: /usr/bin/python3 torch_multifashion.py [--epochs 20] [--threads 2] [--folder /usr/share/datasets/fashion-mnist]
       [--train-limit 120000] [--test-limit 10000] [--seed 0] [--init-from FOLDER]

--init-from starts from parameters bench/trainer/Replay wrote (its initial/ folder: MtlOnnx's initialisation for a job
seed) instead of torch.nn's default initialisation, to tell the effect of the initial draw from the rest of the loop.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autodiff"))
from multifashion_lenet import MultiFashionLeNet  # noqa: E402
from torch_replay import read_parameters  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def derangement(rng, n, avoid=None):
    p = rng.permutation(n)
    for i in range(n):
        for _ in range(64):
            if p[i] != i and (avoid is None or p[i] != avoid[i]):
                break
            j = rng.integers(n)
            if p[j] != i and p[i] != j and (avoid is None or (p[j] != avoid[i] and p[i] != avoid[j])):
                p[i], p[j] = p[j], p[i]
    return p


def build(images, labels, passes, limit, rng):
    n = len(images)
    partners = []
    for k in range(passes):
        partners.append(derangement(rng, n, partners[0] if partners else None))
    count = min(limit, n * passes)
    canvas = np.zeros((count, 1, 36, 36), dtype=np.uint8)
    left = np.empty(count, dtype=np.int64)
    right = np.empty(count, dtype=np.int64)
    shifts = rng.integers(0, 5, size=(count, 4))
    for k in range(count):
        p, i = divmod(k, n)
        j = partners[p][i]
        x0, y0, x1, y1 = shifts[k]
        canvas[k, 0, y0:y0 + 28, x0:x0 + 28] = images[i]
        region = canvas[k, 0, 8 - y1:36 - y1, 8 - x1:36 - x1]
        np.maximum(region, images[j], out=region)
        left[k], right[k] = labels[i], labels[j]
    return canvas, left, right


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folder", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-limit", type=int, default=120000, help="training pairs (the job's data.train_limit)")
    parser.add_argument("--test-limit", type=int, default=10000, help="test pairs (the job's data.test_limit)")
    parser.add_argument("--init-from", help="a folder of initial parameters written by bench/trainer/Replay")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    f = lambda name: os.path.join(args.folder, name)
    train = build(read_idx(f("train-images-idx3-ubyte.gz")), read_idx(f("train-labels-idx1-ubyte.gz")), 2, args.train_limit,
                  rng)
    test = build(read_idx(f("t10k-images-idx3-ubyte.gz")), read_idx(f("t10k-labels-idx1-ubyte.gz")), 1, args.test_limit, rng)
    model = MultiFashionLeNet()
    if args.init_from:
        initial = read_parameters(args.init_from)
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(torch.from_numpy(initial[name]))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_test = torch.from_numpy(test[0]).float() / 255
    for epoch in range(args.epochs):
        order = rng.permutation(len(train[0]))
        start = time.perf_counter()
        cpu_start = time.process_time()
        model.train()
        for b in range(len(order) // 256):
            idx = order[b * 256:(b + 1) * 256]
            x = torch.from_numpy(train[0][idx]).float() / 255
            y = [torch.from_numpy(train[1][idx]), torch.from_numpy(train[2][idx])]
            out = model(x)
            loss = sum(torch.nn.functional.cross_entropy(o, t) for o, t in zip(out, y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
        model.eval()
        with torch.no_grad():
            out = model(x_test)
        acc = [float((o.argmax(1).numpy() == t).mean()) for o, t in zip(out, test[1:])]
        print(json.dumps({"epoch": epoch + 1, "left": acc[0], "right": acc[1],
                          "samples_per_second": (len(order) // 256) * 256 / seconds,
                          "cpu_seconds_per_step": cpu_seconds / (len(order) // 256)}), flush=True)


if __name__ == "__main__":
    main()
