"""Benchmark rows for chapter 05 (lossedu.imbalance)."""

import torch
import torch.nn.functional as F

import lossedu


def _binary_inputs():
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(4096, 1000, generator=g) * 3).requires_grad_(True)
    y = (torch.rand(4096, 1000, generator=g) < 0.05).float()
    return [x, y]


def _multiclass_inputs():
    g = torch.Generator().manual_seed(1)
    x = (torch.randn(4096, 1000, generator=g) * 2).requires_grad_(True)
    t = torch.randint(0, 1000, (4096,), generator=g)
    return [x, t]


def _torchvision_sigmoid_focal(inputs, targets, alpha=0.25, gamma=2.0):
    # torchvision.ops.sigmoid_focal_loss as documented, written with torch ops
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).mean()


CASES = [
    ("sigmoid_focal_loss 4096x1000 mean (vs torchvision formula)", _binary_inputs,
     lambda x, y: lossedu.sigmoid_focal_loss(x, y, reduction="mean"),
     _torchvision_sigmoid_focal),
    ("focal_loss gamma=0 4096x1000 (vs F.cross_entropy)", _multiclass_inputs,
     lambda x, t: lossedu.focal_loss(x, t, gamma=0.0),
     F.cross_entropy),
    ("focal_loss gamma=2 4096x1000 (vs F.cross_entropy)", _multiclass_inputs,
     lambda x, t: lossedu.focal_loss(x, t, gamma=2.0),
     F.cross_entropy),
]
