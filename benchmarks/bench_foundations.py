"""Benchmark rows for chapter 01 (lossedu.foundations).

The binary hinge loss has no torch function with the same semantics
(``F.hinge_embedding_loss`` takes a distance, not a score), so its reference is the
equivalent element-wise torch expression ``F.relu(margin - y * s)``.
"""

import torch
import torch.nn.functional as F

import lossedu


def _multi_inputs(weighted=False):
    def make():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(4096, 100, generator=g).requires_grad_(True)
        t = torch.randint(0, 100, (4096,), generator=g)
        out = [x, t]
        if weighted:
            out.append(torch.rand(100, generator=g))
        return out

    return make


def _binary_inputs():
    g = torch.Generator().manual_seed(1)
    s = torch.randn(1_000_000, generator=g).requires_grad_(True)
    y = (torch.randint(0, 2, (1_000_000,), generator=g) * 2 - 1).float()
    return [s, y]


def _shrink_inputs():
    g = torch.Generator().manual_seed(2)
    return [torch.randn(1_000_000, generator=g).requires_grad_(True)]


CASES = [
    ("multi_margin_loss p=1 4096x100 (vs F.multi_margin_loss)", _multi_inputs(),
     lambda x, t: lossedu.multi_margin_loss(x, t),
     lambda x, t: F.multi_margin_loss(x, t)),
    ("multi_margin_loss p=2 weighted 4096x100 (vs F.multi_margin_loss)", _multi_inputs(True),
     lambda x, t, w: lossedu.multi_margin_loss(x, t, p=2, margin=0.5, weight=w),
     lambda x, t, w: F.multi_margin_loss(x, t, p=2, margin=0.5, weight=w)),
    ("hinge_loss 1e6 (vs F.relu(1 - y*s).mean())", _binary_inputs,
     lossedu.hinge_loss,
     lambda s, y: F.relu(1.0 - y * s).mean()),
    ("softshrink 1e6 (vs F.softshrink)", _shrink_inputs,
     lambda x: lossedu.softshrink(x, 0.5),
     lambda x: F.softshrink(x, 0.5)),
]
