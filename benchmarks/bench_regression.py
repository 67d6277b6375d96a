"""Benchmark rows for chapter 02 (lossedu.regression)."""

import torch
import torch.nn.functional as F

import lossedu


def _pair():
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(4096, 256, generator=g) * 3).requires_grad_(True)
    y = torch.randn(4096, 256, generator=g)
    return [x, y]


def _gaussian():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4096, 256, generator=g).requires_grad_(True)
    y = torch.randn(4096, 256, generator=g)
    var = (torch.rand(4096, 256, generator=g) + 1e-7).requires_grad_(True)
    return [x, y, var]


CASES = [
    ("mse_loss 4096x256 (vs F.mse_loss)", _pair, lossedu.mse_loss, F.mse_loss),
    ("l1_loss 4096x256 (vs F.l1_loss)", _pair, lossedu.l1_loss, F.l1_loss),
    ("huber_loss delta=1.5 4096x256 (vs F.huber_loss)", _pair,
     lambda x, y: lossedu.huber_loss(x, y, delta=1.5), lambda x, y: F.huber_loss(x, y, delta=1.5)),
    ("smooth_l1_loss beta=0.5 4096x256 (vs F.smooth_l1)", _pair,
     lambda x, y: lossedu.smooth_l1_loss(x, y, beta=0.5), lambda x, y: F.smooth_l1_loss(x, y, beta=0.5)),
    ("gaussian_nll_loss 4096x256 (vs F.gaussian_nll)", _gaussian,
     lossedu.gaussian_nll_loss, F.gaussian_nll_loss),
]
