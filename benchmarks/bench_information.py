"""Benchmark rows for chapter 03 (lossedu.information)."""

import scipy.special
import torch
import torch.nn.functional as F

import lossedu


def _kl_inputs():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 1000, generator=g).log_softmax(-1).requires_grad_(True)
    y = torch.randn(4096, 1000, generator=g).softmax(-1)
    return [x, y]


def _rel_entr_inputs():
    g = torch.Generator().manual_seed(1)
    p = torch.rand(1024, 1000, generator=g, dtype=torch.float64).softmax(-1)
    q = torch.rand(1024, 1000, generator=g, dtype=torch.float64).softmax(-1)
    return [p, q]


def _scipy_kl(p, q):
    return torch.from_numpy(scipy.special.rel_entr(p.cpu().numpy(), q.cpu().numpy()).sum(-1))


CASES = [
    ("kl_div batchmean 4096x1000 (vs F.kl_div)", _kl_inputs,
     lambda x, y: lossedu.kl_div(x, y, reduction="batchmean"),
     lambda x, y: F.kl_div(x, y, reduction="batchmean")),
    ("kl_divergence 1024x1000 forward (vs scipy rel_entr)", _rel_entr_inputs,
     lossedu.kl_divergence, _scipy_kl, {"devices": ("cpu",)}),
]
