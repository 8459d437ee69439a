"""Builds the benchmark's LeNet-like multi-task network in PyTorch, exports it with torch.onnx.export, and writes its
weights in MtlOnnx's layout so that the C# side builds the same network as an eval graph.

Usage: /usr/bin/python3 torch_lenet.py OUT_DIR IMAGE_SIZE
Writes OUT_DIR/torch.onnx, OUT_DIR/weights.bin (float32, little-endian) and OUT_DIR/weights.json (name, shape,
offset in floats), with MtlOnnx's parameter names (MatMul weights as [in, out]).
"""
import json
import sys

import numpy as np
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.drop1 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(features, 32)
        self.bn3 = nn.BatchNorm1d(32)
        self.drop2 = nn.Dropout(0.3)
        self.shape_hidden = nn.Linear(32, 16)
        self.shape_bn = nn.BatchNorm1d(16)
        self.shape_out = nn.Linear(16, 5)
        self.size = nn.Linear(32, 1)
        self.defect = nn.Linear(32, 1)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.drop1(x.view(x.size(0), -1))
        trunk = self.drop2(torch.relu(self.bn3(self.fc1(x))))
        h = torch.relu(self.shape_bn(self.shape_hidden(trunk)))
        return self.shape_out(h), self.size(trunk), self.defect(trunk)


def main():
    out, size = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(7)
    features = 8 * (size // 2 - 2) ** 2
    model = LeNet(features)
    with torch.no_grad():
        for bn in [model.bn1, model.bn2, model.bn3, model.shape_bn]:
            bn.weight.normal_(1.0, 0.2)
            bn.bias.normal_(0.0, 0.2)
            bn.running_mean.normal_(0.0, 0.3)
            bn.running_var.uniform_(0.5, 1.5)
    model.eval()

    example = torch.randn(2, 3, size, size)
    torch.onnx.export(
        model, example, f"{out}/torch.onnx", opset_version=17, input_names=["image"],
        output_names=["shape", "size", "defect"],
        dynamic_axes={"image": {0: "batch"}, "shape": {0: "batch"}, "size": {0: "batch"}, "defect": {0: "batch"}})

    names = {
        "conv1.weight": model.conv1.weight, "conv1.bias": model.conv1.bias,
        "conv2.weight": model.conv2.weight, "fc1.weight": model.fc1.weight, "fc1.bias": model.fc1.bias,
        "shape.hidden.weight": model.shape_hidden.weight.t(), "shape.hidden.bias": model.shape_hidden.bias,
        "shape.out.weight": model.shape_out.weight.t(), "shape.out.bias": model.shape_out.bias,
        "size.weight": model.size.weight, "size.bias": model.size.bias,
        "defect.weight": model.defect.weight, "defect.bias": model.defect.bias,
    }
    for prefix, bn in [("bn1", model.bn1), ("bn2", model.bn2), ("bn3", model.bn3), ("shape.bn", model.shape_bn)]:
        names[prefix + ".weight"] = bn.weight
        names[prefix + ".bias"] = bn.bias
        names[prefix + ".running_mean"] = bn.running_mean
        names[prefix + ".running_var"] = bn.running_var

    manifest, chunks, offset = [], [], 0
    for name, tensor in names.items():
        array = tensor.detach().contiguous().numpy().astype("<f4")
        manifest.append({"name": name, "shape": list(array.shape), "offset": offset})
        chunks.append(array.ravel())
        offset += array.size
    np.concatenate(chunks).tofile(f"{out}/weights.bin")
    with open(f"{out}/weights.json", "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
