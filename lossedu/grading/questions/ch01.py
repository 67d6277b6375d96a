"""Exercise 01: what a loss is."""

from __future__ import annotations

import torch

from lossedu import foundations as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(values, dtype=F64):
    return torch.tensor(values, dtype=dtype)


def _binary(seed: int, shape, scale: float = 2.0):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(shape, generator=g, dtype=F64) * scale
    y = torch.randint(0, 2, shape, generator=g) * 2 - 1
    return s, y


def _multi(seed: int, n: int, c: int, weighted: bool = False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, generator=g, dtype=F64)
    t = torch.randint(0, c, (n,), generator=g)
    w = torch.rand(c, generator=g, dtype=F64) * 2 if weighted else None
    return x, t, w


def _zero_one_cases():
    s, y = _binary(10, (12,))
    s2, y2 = _binary(11, (3, 4))
    return [
        Case((_t([2.0, -1.0, 0.5]), _t([1, -1, 1], torch.long)), label="all three right: 0"),
        Case((_t([2.0, -1.0, 0.5]), _t([-1, 1, -1], torch.long)), label="all three wrong: 1"),
        Case((_t([0.0, 0.0, 3.0, -3.0]), _t([1, -1, 1, 1], torch.long)), label="a score of exactly 0 is a mistake"),
        Case((s, y), label="12 random scores: the error rate"),
        Case((s2, y2.to(F64)), label="a 3x4 batch with float labels"),
    ]


def _zero_one_hidden(seed):
    return [Case(_binary(seed, (20,)), label="hidden: another batch")]


def _hinge_cases():
    s, y = _binary(20, (10,))
    return [
        Case((_t([2.0, 0.5, -1.0]), _t([1, 1, 1], torch.long)), label="three positives (beyond, inside, wrong side)"),
        Case((_t([1.0, -1.0]), _t([1, -1], torch.long)), label="exactly on the margin: 0"),
        Case((s, y), label="10 random scores, mean"),
        Case((s, y), {"reduction": "none"}, label="reduction='none'"),
        Case((s, y), {"reduction": "sum"}, label="reduction='sum'"),
        Case((s, y), {"margin": 0.0}, label="margin=0 (the perceptron criterion)"),
        Case((s, y), {"margin": 2.5, "reduction": "none"}, label="margin=2.5, reduction='none'"),
    ]


def _hinge_hidden(seed):
    return [Case(_binary(seed, (4, 3)), {"margin": 0.5, "reduction": "sum"}, label="hidden: a 4x3 batch")]


def _multi_margin_cases():
    x, t, w = _multi(30, 5, 4, weighted=True)
    x2, t2, _ = _multi(31, 3, 6)
    return [
        Case((_t([[0.1, 0.2, 0.4, 0.8]]), _t([3], torch.long)), label="one sample, true class ahead"),
        Case((x, t), label="5 samples, 4 classes, p=1, margin=1"),
        Case((x, t), {"p": 2}, label="p=2"),
        Case((x, t), {"margin": 0.3}, label="margin=0.3"),
        Case((x, t), {"weight": w}, label="per-class weights (the true class's weight)"),
        Case((x2, t2), {"p": 2, "margin": 2.0, "weight": torch.ones(6, dtype=F64)}, label="p=2, margin=2, unit weights"),
        Case((_t([[3.0, 0.0, 0.0]]), _t([0], torch.long)), label="every wrong class beyond the margin: 0"),
    ]


def _multi_margin_hidden(seed):
    x, t, w = _multi(seed + 1, 4, 3, weighted=True)
    return [
        Case(_multi(seed, 6, 5)[:2], {"p": 2, "margin": 0.5}, label="hidden: another batch"),
        Case((x, t), {"weight": w}, label="hidden: weighted"),
    ]


def _l2_cases():
    g = torch.Generator().manual_seed(40)
    w = torch.randn(3, 4, generator=g, dtype=F64)
    b = torch.randn(4, generator=g, dtype=F64)
    return [
        Case(([_t([1.0, -2.0])],), label="one tensor: 1 + 4"),
        Case(([_t([1.0, -2.0]), _t([[0.5]])],), label="two tensors of different shapes"),
        Case(([w, b],), label="a weight matrix and a bias"),
        Case(([torch.zeros(5, dtype=F64)],), label="all zeros: 0"),
    ]


def _l2_hidden(seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(2, 2, 2, generator=g, dtype=F64)
    return [Case(([w, torch.randn(4, generator=g, dtype=F64) * 100],), label="hidden: large values")]


def _soft_threshold_cases():
    g = torch.Generator().manual_seed(50)
    w = torch.randn(10, generator=g, dtype=F64)
    return [
        Case((_t([1.5, 0.2, -0.4, -2.0]), 0.5), label="above, inside, inside, below"),
        Case((_t([0.5, -0.5, 0.0]), 0.5), label="exactly at ±threshold: 0"),
        Case((w, 0.0), label="threshold 0 changes nothing"),
        Case((w, 0.7), label="10 random weights, threshold 0.7"),
        Case((w.reshape(2, 5), 0.3), label="a 2x5 matrix"),
    ]


def _soft_threshold_hidden(seed):
    g = torch.Generator().manual_seed(seed)
    return [Case((torch.randn(3, 3, generator=g, dtype=F64), 1.1), label="hidden: a 3x3 matrix")]


FORBIDDEN = ("sklearn", "torch.nn.functional.multi_margin_loss", "torch.nn.MultiMarginLoss")

QUESTIONS = [
    Question(
        name="ch01.zero_one_loss",
        function="zero_one_loss",
        reference=lambda scores, target: ref.zero_one_loss(scores, target),
        cases=_zero_one_cases,
        hidden=_zero_one_hidden,
        description="Error rate of sign(scores) against labels in {-1, +1}; a zero score is a mistake.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch01.hinge_loss",
        function="hinge_loss",
        reference=lambda scores, target, margin=1.0, reduction="mean": ref.hinge_loss(
            scores, target, margin=margin, reduction=reduction
        ),
        cases=_hinge_cases,
        hidden=_hinge_hidden,
        description="max(0, margin - y s) with labels in {-1, +1} and a reduction.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch01.multi_margin_loss",
        function="multi_margin_loss",
        reference=lambda input, target, p=1, margin=1.0, weight=None: ref.multi_margin_loss(
            input, target, p=p, margin=margin, weight=weight
        ),
        cases=_multi_margin_cases,
        hidden=_multi_margin_hidden,
        description="The multi-class hinge loss of torch.nn.functional.multi_margin_loss, mean over samples.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch01.l2_penalty",
        function="l2_penalty",
        reference=lambda parameters: ref.l2_penalty(parameters),
        cases=_l2_cases,
        hidden=_l2_hidden,
        description="Sum of squares of every entry of every tensor in a list.",
    ),
    Question(
        name="ch01.soft_threshold",
        function="soft_threshold",
        reference=lambda w, threshold: ref.softshrink(w, threshold),
        cases=_soft_threshold_cases,
        hidden=_soft_threshold_hidden,
        description="The proximal step of the L1 penalty: sign(w) * max(|w| - threshold, 0).",
        forbidden=("torch.nn.functional.softshrink", "torch.nn.Softshrink", "torch.softshrink"),
    ),
]
