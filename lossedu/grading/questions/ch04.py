"""Exercise 04: classification losses."""

from __future__ import annotations

import torch

from lossedu import classification as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(rows):
    return torch.tensor(rows, dtype=F64)


def _logits(seed: int, *shape, scale: float = 3.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=F64) * scale


def _labels(seed: int, n: int, classes: int):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, classes, (n,), generator=g)


NOTES_LOGITS = [[1.2, 0.4, -0.5, 2.1, 0.3], [0.8, 1.9, -1.2, 0.4, 1.1], [-0.1, 2.4, 0.7, 1.5, -0.5]]
NOTES_TARGETS = [3, 1, 4]
NOTES_WEIGHT = [0.1, 0.2, 0.3, 0.2, 0.2]


def _log_softmax_cases():
    return [
        Case((_t([1.0, 2.0, 3.0]),), label="three logits"),
        Case((_t([0.0, 0.0, 0.0, 0.0]),), label="equal logits: log(1/4) everywhere"),
        Case((_t([1000.0, 1001.0, 1002.0]),), label="large logits (exp overflows)"),
        Case((_t([0.0, -1e4]),), label="a very negative logit: finite, not -inf"),
        Case((_t([[1e4, -1e4, 0.0], [-5.0, 2.0, 0.5]]),), label="a batch: rows normalised separately"),
        Case((_logits(40, 4, 6),), label="random 4x6 logits"),
    ]


def _log_softmax_hidden(seed):
    return [Case((_logits(seed, 3, 2, 5, scale=50.0),), label="hidden: 3-D input, last dim")]


def _weighted_ce_cases():
    x = _t(NOTES_LOGITS)
    t = torch.tensor(NOTES_TARGETS)
    w = _t(NOTES_WEIGHT)
    xr, tr = _logits(42, 6, 4), _labels(43, 6, 4)
    tr_ignored = tr.clone()
    tr_ignored[[1, 4]] = -100
    return [
        Case((x, t), label="the 3x5 example, no weight"),
        Case((x, t), {"weight": w}, label="the 3x5 example with class weights (divide by the sum of used weights)"),
        Case((x, torch.tensor([3, -100, 4])), label="one target ignored (ignore_index=-100)"),
        Case((x, torch.tensor([3, 1, 4])), {"weight": w, "ignore_index": 1},
             label="weights and ignore_index=1 together"),
        Case((xr, tr_ignored), {"weight": _t([1.0, 2.0, 0.5, 1.5])}, label="random 6x4, weights, two ignored"),
        Case((_t([[1e4, -1e4, 0.0]]), torch.tensor([1])), label="extreme logits: finite (20000)"),
    ]


def _weighted_ce_hidden(seed):
    return [Case((_logits(seed, 5, 3), _labels(seed + 1, 5, 3)), {"weight": _t([0.2, 1.0, 3.0])},
                 label="hidden: random weighted batch")]


def _smoothing_cases():
    x = _t(NOTES_LOGITS)
    t = torch.tensor(NOTES_TARGETS)
    return [
        Case((x, t, 0.0), label="eps = 0: plain cross-entropy"),
        Case((x, t, 0.1), label="eps = 0.1 on the 3x5 example"),
        Case((x, t, 1.0), label="eps = 1: the target is uniform"),
        Case((_logits(46, 8, 10), _labels(47, 8, 10), 0.2), label="random 8x10, eps = 0.2"),
        Case((_t([[1e4, -1e4, 0.0, 5.0]]), torch.tensor([0]), 0.1), label="extreme logits, eps = 0.1"),
    ]


def _smoothing_hidden(seed):
    return [Case((_logits(seed, 4, 6, scale=10.0), _labels(seed + 1, 4, 6), 0.05), label="hidden: eps = 0.05")]


def _bce_logits_cases():
    x = _t([1.5, -1.2, 0.4, 2.1])
    y = _t([1.0, 0.0, 1.0, 1.0])
    g = torch.Generator().manual_seed(50)
    soft = torch.rand(3, 4, generator=g, dtype=F64)
    return [
        Case((x, y), label="the notes' four logits"),
        Case((x, y), {"pos_weight": _t(3.0)}, label="pos_weight = 3"),
        Case((_t([1e4, -1e4, 1e4, -1e4]), _t([1.0, 0.0, 0.0, 1.0])), label="logits of ±1e4: 0 or 1e4, never inf"),
        Case((_t([0.0, 0.0]), _t([1.0, 0.0])), label="zero logits: log 2"),
        Case((_logits(51, 3, 4), soft), {"pos_weight": _t([1.0, 2.0, 0.5, 4.0])},
             label="soft targets, one pos_weight per class (last dim)"),
    ]


def _bce_logits_hidden(seed):
    return [Case((_logits(seed, 5, 3, scale=30.0), (_logits(seed + 1, 5, 3) > 0).to(F64)),
                 {"pos_weight": _t([2.0, 1.0, 0.25])}, label="hidden: large logits with pos_weight")]


_F, _NN = "torch.nn.functional.", "torch.nn."
FORBIDDEN = tuple(
    _F + n
    for n in ("softmax", "log_softmax", "nll_loss", "cross_entropy", "binary_cross_entropy",
              "binary_cross_entropy_with_logits", "logsigmoid", "softplus", "one_hot")
)
FORBIDDEN += tuple(
    _NN + n for n in ("Softmax", "LogSoftmax", "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss",
                      "LogSigmoid", "Softplus")
)
FORBIDDEN += ("torch.softmax", "torch.log_softmax", "torch.special.softmax", "torch.special.log_softmax",
              "torch.distributions", "scipy")

QUESTIONS = [
    Question(
        name="ch04.stable_log_softmax",
        function="stable_log_softmax",
        reference=lambda x: ref.log_softmax(x, -1),
        cases=_log_softmax_cases,
        hidden=_log_softmax_hidden,
        description="log-softmax over the last dimension, finite for any finite input.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch04.weighted_cross_entropy",
        function="weighted_cross_entropy",
        reference=lambda x, t, weight=None, ignore_index=-100: ref.cross_entropy(
            x, t, weight=weight, ignore_index=ignore_index
        ),
        cases=_weighted_ce_cases,
        hidden=_weighted_ce_hidden,
        description="mean cross-entropy from (N, C) logits with class weights and ignore_index.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch04.smoothed_cross_entropy",
        function="smoothed_cross_entropy",
        reference=lambda x, t, eps: ref.cross_entropy(x, t, label_smoothing=eps),
        cases=_smoothing_cases,
        hidden=_smoothing_hidden,
        description="mean cross-entropy with label smoothing eps.",
        forbidden=FORBIDDEN,
    ),
    Question(
        name="ch04.bce_with_logits",
        function="bce_with_logits",
        reference=lambda x, y, pos_weight=None: ref.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight),
        cases=_bce_logits_cases,
        hidden=_bce_logits_hidden,
        description="mean binary cross-entropy on logits with an optional pos_weight.",
        forbidden=FORBIDDEN,
    ),
]
