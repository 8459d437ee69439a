"""The Multi-Fashion two-task LeNet in PyTorch, shared by the autodiff, training-session and trainer benchmarks.

Input 1x36x36; shared conv 1->10 9x9, max-pool 2, ReLU, conv 10->20 5x5, max-pool 2, ReLU, linear 500->50, ReLU; per
task linear 50->50, ReLU, linear 50->10. It matches MtlOnnx's LeNet trunk with two 50-unit heads (the
multi-fashion-lenet preset) and the forward graphs of bench/MtlOnnx.Bench.Autodiff and bench/MtlOnnx.Bench.Session.
"""

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
