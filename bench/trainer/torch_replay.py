"""Replays a run of MtlOnnx's trainer in PyTorch from the same start, to compare the two step by step.

Reads the folder bench/trainer/Replay writes (initial parameters, every training batch in the order the trainer's
loader gave it, the test split, MtlOnnx's per-step losses and final parameters), trains MultiFashionLeNet from the
same initial parameters on the same batches with Adam 1e-3 and the sum of the two cross-entropies, and prints the
per-step loss differences, the parameter differences at the end and both sides' test accuracy per epoch.

Usage: /usr/bin/python3 torch_replay.py FOLDER [--threads 2] [--init torch|mtlonnx] [--seed 0] [--shuffle-seed N]
       [--lr 1e-3] [--epochs N] [--json PATH]
  --init torch         start from torch.nn's default initialisation (seeded) instead of MtlOnnx's parameters
  --init uniform       start from NumPy draws of torch.nn's distribution (seeded by --seed)
  --init-from FOLDER   start from another run's initial parameters (for example another job seed's)
  --torch-init-for A,B keep torch.nn's initialisation for these parameters only
  --shuffle-seed N     feed the same samples in another order (a fresh permutation per epoch) instead of the trainer's
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autodiff"))
from multifashion_lenet import MultiFashionLeNet  # noqa: E402

# MtlOnnx's parameter names to MultiFashionLeNet's.
NAMES = {"trunk.conv1": "conv1", "trunk.conv2": "conv2", "trunk.fc": "fc", "heads.left.fc1": "left.fc1",
         "heads.left.out": "left.fc2", "heads.right.fc1": "right.fc1", "heads.right.out": "right.fc2"}


def torch_name(name):
    layer, kind = name.rsplit(".", 1)
    return NAMES[layer] + "." + kind


def read_parameters(folder):
    index = json.load(open(os.path.join(folder, "index.json")))
    return {torch_name(e["name"]): np.fromfile(os.path.join(folder, e["file"]), dtype=np.float32).reshape(e["shape"])
            for e in index}


def read_batches(path, side, tasks=2):
    batches = []
    with open(path, "rb") as f:
        while True:
            header = f.read(4)
            if not header:
                break
            count = int.from_bytes(header, "little")
            pixels = np.frombuffer(f.read(count * side), dtype=np.uint8).reshape(count, 1, 36, 36)
            labels = [np.frombuffer(f.read(count * 8), dtype=np.int64) for _ in range(tasks)]
            batches.append((pixels, labels))
    return batches


def accuracy(model, test):
    model.eval()
    right = [0, 0]
    total = 0
    with torch.no_grad():
        for pixels, labels in test:
            out = model(torch.from_numpy(pixels.copy()).float() / 255)
            for t in range(2):
                right[t] += int((out[t].argmax(1).numpy() == labels[t]).sum())
            total += len(pixels)
    model.train()
    return [r / total for r in right]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init", choices=["torch", "mtlonnx", "uniform"], default="mtlonnx")
    parser.add_argument("--init-from", help="a folder of initial parameters (the tool's initial/) to start from")
    parser.add_argument("--torch-init-for", default="",
                        help="comma-separated torch parameter names that keep torch.nn's initialisation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shuffle-seed", type=int)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--json", help="also write the comparison (per-step loss and final parameter differences) here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    meta = json.load(open(os.path.join(args.folder, "mtlonnx.json")))
    train = read_batches(os.path.join(args.folder, "train.bin"), meta["side"])
    test = read_batches(os.path.join(args.folder, "test.bin"), meta["side"])
    model = MultiFashionLeNet()
    initial = read_parameters(args.init_from or os.path.join(args.folder, "initial"))
    keep = set(filter(None, args.torch_init_for.split(",")))
    rng = np.random.default_rng(args.seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in keep or args.init == "torch":
                continue
            if args.init == "uniform":
                # torch.nn's distribution (uniform on +-1/sqrt(fan_in)), drawn by NumPy.
                fan_in = int(np.prod(model.get_parameter(name.rsplit(".", 1)[0] + ".weight").shape[1:]))
                bound = 1 / np.sqrt(fan_in)
                p.copy_(torch.from_numpy(rng.uniform(-bound, bound, size=p.shape).astype(np.float32)))
            else:
                p.copy_(torch.from_numpy(initial[name]))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    per_epoch = meta["batches_per_epoch"]
    epochs = args.epochs or meta["epochs"]
    if args.shuffle_seed is not None:
        # The same samples per epoch, regrouped into batches by another permutation.
        rng = np.random.default_rng(args.shuffle_seed)
        regrouped = []
        for e in range(meta["epochs"]):
            chunk = train[e * per_epoch:(e + 1) * per_epoch]
            x = np.concatenate([b[0] for b in chunk])
            y = [np.concatenate([b[1][t] for b in chunk]) for t in range(2)]
            order = rng.permutation(len(x))
            size = meta["batch_size"]
            regrouped += [(x[order[i:i + size]], [y[t][order[i:i + size]] for t in range(2)])
                          for i in range(0, len(x), size)]
        train = regrouped
    steps = meta["steps"]
    model.train()
    summary = {"loss_abs_diff": [], "torch_test": [], "parameter_max_abs_diff": {}, "parameter_relative_diff": {}}
    for epoch in range(epochs):
        differences = []
        for b in range(per_epoch):
            step = epoch * per_epoch + b
            pixels, labels = train[step % len(train)]
            out = model(torch.from_numpy(pixels.copy()).float() / 255)
            losses = [F.cross_entropy(o, torch.from_numpy(t.copy())) for o, t in zip(out, labels)]
            optimizer.zero_grad()
            sum(losses).backward()
            optimizer.step()
            if step < len(steps):
                theirs = steps[step]
                differences.append([float(losses[0]) - theirs[0], float(losses[1]) - theirs[1]])
                if step < 5 or step % 10 == 0:
                    print(f"step {step + 1}: torch {float(losses[0]):.6f} {float(losses[1]):.6f}  "
                          f"mtlonnx {theirs[0]:.6f} {theirs[1]:.6f}", flush=True)
        d = np.abs(np.array(differences)) if differences else np.zeros((1, 2))
        summary["loss_abs_diff"] += d.max(axis=1).tolist()
        summary["torch_test"].append(accuracy(model, test))
        ours = meta["epoch_metrics"][epoch] if epoch < len(meta["epoch_metrics"]) else {}
        print(json.dumps({"epoch": epoch + 1, "torch_test": summary["torch_test"][-1], "mtlonnx_test": ours,
                          "loss_abs_diff_mean": float(d.mean()), "loss_abs_diff_max": float(d.max())}), flush=True)
    if epochs == meta["epochs"] and args.init == "mtlonnx" and not keep and not args.init_from \
            and args.shuffle_seed is None:
        final = read_parameters(os.path.join(args.folder, "final"))
        for name, p in model.named_parameters():
            a = p.detach().numpy()
            b = final[name]
            summary["parameter_max_abs_diff"][name] = float(np.abs(a - b).max())
            summary["parameter_relative_diff"][name] = float(np.linalg.norm(a - b) / np.linalg.norm(b))
            print(f"{name}: max |torch - mtlonnx| {np.abs(a - b).max():.3e}, "
                  f"relative {np.linalg.norm(a - b) / np.linalg.norm(b):.3e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f)


if __name__ == "__main__":
    main()
