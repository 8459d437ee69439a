"""The convolution and pooling pieces of one Multi-Fashion LeNet training step (batch 256), for the trainer benchmark's
cost breakdown: writes each piece as a one-node (or few-node) ONNX model for bench/MtlOnnx.Bench.Profile and times
PyTorch's equivalent, so that both sides' processor milliseconds and their FLOP rates can be compared.

Usage: /usr/bin/python3 conv_ops.py OUT_DIR [--threads 2] [--iterations 20]
Prints one JSON line per PyTorch piece; the ONNX models are OUT_DIR/<piece>.onnx.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

N = 256
F = TensorProto.FLOAT
# piece: multiply-adds (for the FLOP rate)
MACS = {
    "conv1_forward": N * 10 * 28 * 28 * 81,
    "conv1_weight_gradient": N * 10 * 28 * 28 * 81,
    "conv1_polyphase_forward": N * 40 * 14 * 14 * 100,
    "conv1_polyphase_weight_gradient": N * 40 * 14 * 14 * 100,
    "conv2_forward": N * 20 * 10 * 10 * 250,
    "conv2_input_gradient": N * 20 * 10 * 10 * 250,
    "conv2_weight_gradient": N * 20 * 10 * 10 * 250,
}


def save(folder, name, nodes, inputs):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(n, F, s) for n, s in inputs],
                              [helper.make_tensor_value_info("y", F, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(folder, name + ".onnx"))


def weight_gradient(folder, name, x_shape, dy_shape):
    # The autodiff's form: one convolution of the transposed input by the transposed output gradient.
    save(folder, name, [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2, 3]),
                        helper.make_node("Transpose", ["dy"], ["dt"], perm=[1, 0, 2, 3]),
                        helper.make_node("Conv", ["xt", "dt"], ["c"]),
                        helper.make_node("Transpose", ["c"], ["y"], perm=[1, 0, 2, 3])],
         [("x", x_shape), ("dy", dy_shape)])


def write_models(folder):
    os.makedirs(folder, exist_ok=True)
    conv = [helper.make_node("Conv", ["x", "w"], ["y"])]
    save(folder, "conv1_forward", conv, [("x", [N, 1, 36, 36]), ("w", [10, 1, 9, 9])])
    weight_gradient(folder, "conv1_weight_gradient", [N, 1, 36, 36], [N, 10, 28, 28])
    save(folder, "conv1_polyphase_forward", conv, [("x", [N, 4, 18, 18]), ("w", [40, 4, 5, 5])])
    weight_gradient(folder, "conv1_polyphase_weight_gradient", [N, 4, 18, 18], [N, 40, 14, 14])
    save(folder, "conv2_forward", conv, [("x", [N, 10, 14, 14]), ("w", [20, 10, 5, 5])])
    save(folder, "conv2_input_gradient", [helper.make_node("ConvTranspose", ["dy", "w"], ["y"])],
         [("dy", [N, 20, 10, 10]), ("w", [20, 10, 5, 5])])
    weight_gradient(folder, "conv2_weight_gradient", [N, 10, 14, 14], [N, 20, 10, 10])
    for name, outputs in (("maxpool_with_indices", ["y", "i"]), ("maxpool", ["y"])):
        pool = helper.make_node("MaxPool", ["x"], outputs, kernel_shape=[2, 2], strides=[2, 2])
        save(folder, name, [pool], [("x", [N, 10, 28, 28])])


def timed(f, iterations):
    for _ in range(3):
        f()
    walls = []
    cpu = time.process_time()
    for _ in range(iterations):
        start = time.perf_counter()
        f()
        walls.append(time.perf_counter() - start)
    return sorted(walls)[iterations // 2] * 1000, (time.process_time() - cpu) / iterations * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    write_models(args.out)
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    rand = lambda *shape: torch.rand(*shape, generator=g)
    x1, w1, dy1 = rand(N, 1, 36, 36), rand(10, 1, 9, 9), rand(N, 10, 28, 28)
    x2, w2, dy2 = rand(N, 10, 14, 14), rand(20, 10, 5, 5), rand(N, 20, 10, 10)
    backward = torch.ops.aten.convolution_backward
    pieces = {
        "conv1_forward": lambda: torch.nn.functional.conv2d(x1, w1),
        "conv1_weight_gradient": lambda: backward(dy1, x1, w1, [10], [1, 1], [0, 0], [1, 1], False, [0, 0], 1,
                                                  [False, True, False]),
        "conv2_forward": lambda: torch.nn.functional.conv2d(x2, w2),
        "conv2_input_gradient": lambda: backward(dy2, x2, w2, [20], [1, 1], [0, 0], [1, 1], False, [0, 0], 1,
                                                 [True, False, False]),
        "conv2_weight_gradient": lambda: backward(dy2, x2, w2, [20], [1, 1], [0, 0], [1, 1], False, [0, 0], 1,
                                                  [False, True, False]),
        "maxpool_with_indices": lambda: torch.nn.functional.max_pool2d_with_indices(dy1, 2),
    }
    with torch.no_grad():
        for name, f in pieces.items():
            wall, cpu = timed(f, args.iterations)
            rate = 2 * MACS[name] / cpu / 1e6 if name in MACS else None
            print(json.dumps({"side": "pytorch", "piece": name, "wall_median_ms": wall, "cpu_ms": cpu,
                              "gflops_per_cpu_second": rate}), flush=True)


if __name__ == "__main__":
    main()
