"""Exercise 03: from information to cross-entropy."""

from __future__ import annotations

import torch

from lossedu import information as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _dist(*rows):
    return torch.tensor(rows if len(rows) > 1 else rows[0], dtype=F64)


def _random_pairs(seed: int, n: int, classes: int):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(n, classes, generator=g, dtype=F64).softmax(-1)
    q = torch.rand(n, classes, generator=g, dtype=F64).pow(3).softmax(-1)
    return p, q


def _entropy_cases():
    p, _ = _random_pairs(30, 4, 6)
    return [
        Case((_dist(0.5, 0.5),), label="a fair coin: log 2"),
        Case((_dist(0.25, 0.25, 0.25, 0.25),), label="uniform over 4 outcomes: log 4"),
        Case((_dist(1.0, 0.0, 0.0),), label="a certain outcome (uses 0·log 0 = 0)"),
        Case((_dist(0.7, 0.2, 0.1, 0.0),), label="a zero among non-zeros"),
        Case((p,), label="a batch of 4 distributions, reduced over the last dim"),
    ]


def _entropy_hidden(seed):
    return [Case((_random_pairs(seed, 3, 5)[0],), label="hidden: another batch")]


def _kl_cases():
    p, q = _random_pairs(32, 4, 5)
    return [
        Case((_dist(0.5, 0.5), _dist(0.9, 0.1)), label="two coins"),
        Case((_dist(0.9, 0.1), _dist(0.5, 0.5)), label="the same coins swapped (KL is not symmetric)"),
        Case((_dist(0.0, 0.5, 0.5), _dist(0.2, 0.4, 0.4)), label="p has a zero: 0·log 0 = 0"),
        Case((_dist(0.5, 0.5, 0.0), _dist(1.0, 0.0, 0.0)), label="q has a zero where p does not: +inf"),
        Case((p, q), label="a batch of 4 pairs"),
        Case((q, q), label="KL(q, q) = 0"),
    ]


def _kl_hidden(seed):
    return [Case(_random_pairs(seed, 2, 7), label="hidden: another batch")]


def _js_cases():
    p, q = _random_pairs(34, 3, 4)
    return [
        Case((_dist(1.0, 0.0), _dist(0.0, 1.0)), label="disjoint supports: log 2"),
        Case((_dist(0.5, 0.5), _dist(0.9, 0.1)), label="two coins"),
        Case((_dist(0.0, 0.5, 0.5), _dist(0.2, 0.4, 0.4)), label="zeros in p"),
        Case((p, q), label="a batch of 3 pairs"),
    ]


def _js_hidden(seed):
    return [Case(_random_pairs(seed, 2, 6), label="hidden: another batch")]


def _ce_cases():
    p, q = _random_pairs(36, 4, 5)
    onehot = torch.nn.functional.one_hot(torch.tensor([2, 0, 4, 1]), 5).to(F64)
    return [
        Case((_dist(0.0, 1.0, 0.0), _dist(0.05, 0.95, 0.0)), label="a one-hot target: -log 0.95"),
        Case((_dist(0.5, 0.5), _dist(0.9, 0.1)), label="two coins"),
        Case((p, q), label="a batch: H(p) + KL(p, q)"),
        Case((onehot, q), label="one-hot rows: the NLL of each true class"),
        Case((_dist(0.5, 0.5, 0.0), _dist(1.0, 0.0, 0.0)), label="q misses p's support: +inf"),
    ]


def _ce_hidden(seed):
    return [Case(_random_pairs(seed, 3, 8), label="hidden: another batch")]


# Each answer is written with tensor operations, not with a library's ready-made version.
FORBIDDEN = ("scipy", "torch.distributions", "torch.nn.functional.kl_div", "torch.special.entr", "torch.nn.KLDivLoss")

QUESTIONS = [
    Question(
        name="ch03.entropy",
        function="entropy",
        reference=lambda p: ref.entropy(p),
        cases=_entropy_cases,
        hidden=_entropy_hidden,
        description="Shannon entropy in nats over the last dimension, with 0·log 0 = 0.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch03.kl_divergence",
        function="kl_divergence",
        reference=lambda p, q: ref.kl_divergence(p, q),
        cases=_kl_cases,
        hidden=_kl_hidden,
        description="KL(p‖q) over the last dimension; +inf where q = 0 < p.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch03.js_divergence",
        function="js_divergence",
        reference=lambda p, q: ref.js_divergence(p, q),
        cases=_js_cases,
        hidden=_js_hidden,
        description="Jensen–Shannon divergence (not the distance) over the last dimension.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch03.cross_entropy",
        function="cross_entropy",
        reference=lambda p, q: ref.cross_entropy_between(p, q),
        cases=_ce_cases,
        hidden=_ce_hidden,
        description="Cross-entropy H(p, q) over the last dimension.",
        forbidden=FORBIDDEN + ("torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss"),
    ),
]
