"""Exercise 08: training with a loss."""

from __future__ import annotations

import torch

from lossedu import classification as cls
from lossedu import training as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(values, dtype=F64):
    return torch.tensor(values, dtype=dtype)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _probs(seed, n, c, scale=2.0):
    g = _gen(seed)
    probs = (scale * torch.randn(n, c, generator=g, dtype=F64)).softmax(dim=1)
    return probs, torch.randint(0, c, (n,), generator=g)


def _logits(seed, n, c, scale=2.0, ignore=0.0):
    g = _gen(seed)
    z = scale * torch.randn(n, c, generator=g, dtype=F64)
    y = torch.randint(0, c, (n,), generator=g)
    if ignore:
        y = torch.where(torch.rand(n, generator=g) < ignore, torch.full_like(y, -100), y)
    return z, y


# ----------------------------------------------------------------------------- ECE
_SMALL = _t([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.65, 0.35]])
_SMALL_Y = torch.tensor([0, 1, 1, 0])


def _ece_cases():
    p, y = _probs(80, 200, 5)
    sharp, ys = _probs(81, 300, 10, scale=5.0)
    return [
        Case((_SMALL, _SMALL_Y), {"n_bins": 5}, label="four predictions, 5 bins"),
        Case((_SMALL, _SMALL_Y), {"n_bins": 1}, label="one bin: |accuracy - mean confidence|"),
        Case((p, y), label="200 predictions, the default 15 bins"),
        Case((p, y), {"n_bins": 7}, label="200 predictions, 7 bins"),
        Case((sharp, ys), {"n_bins": 20}, label="confident predictions, 20 bins"),
        Case((p, p.argmax(dim=1)), label="always right, with modest confidence"),
    ]


def _ece_hidden(seed):
    p, y = _probs(seed, 150, 4, scale=3.0)
    return [Case((p, y), {"n_bins": 12}, label="hidden: 150 predictions, 12 bins")]


# ----------------------------------------------------------------------------- Brier
def _brier_cases():
    p, y = _probs(82, 50, 6)
    return [
        Case((_SMALL, _SMALL_Y), label="four predictions, two classes"),
        Case((_t([[1.0, 0.0, 0.0]]), torch.tensor([0])), label="certain and right: 0"),
        Case((_t([[1.0, 0.0, 0.0]]), torch.tensor([2])), label="certain and wrong: 2"),
        Case((_t([[0.25, 0.25, 0.25, 0.25]]), torch.tensor([1])), label="uniform over 4 classes: 0.75"),
        Case((p, y), label="50 predictions, 6 classes"),
    ]


def _brier_hidden(seed):
    p, y = _probs(seed, 40, 3, scale=4.0)
    return [Case((p, y), label="hidden: 40 predictions, 3 classes")]


# ----------------------------------------------------------------------------- accumulation
def _denominator_reference(target, weight=None, ignore_index=-100):
    counted = (target != ignore_index).to(F64)
    if weight is None:
        return counted.sum()
    safe = torch.where(target == ignore_index, torch.zeros_like(target), target)
    return (weight[safe] * counted).sum()


def _denominator_cases():
    _, y = _logits(83, 12, 4, ignore=0.3)
    w = _t([0.5, 1.0, 2.0, 4.0])
    return [
        Case((torch.tensor([0, 2, 1, 1]),), label="no ignored targets: the batch size"),
        Case((torch.tensor([0, -100, 1, -100]),), label="two ignored targets"),
        Case((y,), label="12 targets, some ignored"),
        Case((y,), {"weight": w}, label="with class weights: the sum of the selected weights"),
        Case((torch.tensor([3, 255, 255, 0]),), {"weight": w, "ignore_index": 255}, label="ignore_index=255"),
    ]


def _denominator_hidden(seed):
    _, y = _logits(seed, 20, 5, ignore=0.25)
    return [Case((y,), {"weight": _t([1.0, 0.2, 3.0, 0.7, 1.5])}, label="hidden: weights, ignored targets")]


def _micro_reference(logits, target, denominator, weight=None, ignore_index=-100):
    return cls.cross_entropy(logits, target, weight=weight, ignore_index=ignore_index, reduction="sum") / denominator


def _micro_cases():
    z, y = _logits(84, 16, 5, ignore=0.3)
    y[0] = 2  # at least one counted target
    w = _t([1.0, 0.5, 2.0, 3.0, 0.25])
    return [
        Case((z[:4], y[:4], _t(16.0)), label="a micro-batch of 4 out of a batch of 16"),
        Case((z, y, _t(9.0)), label="ignored targets add nothing"),
        Case((z[4:8], y[4:8], _t(7.5)), {"weight": w}, label="class weights"),
        Case((z, torch.where(y == -100, torch.full_like(y, 7), y), _t(20.0)), {"ignore_index": 7},
             label="ignore_index=7"),
        Case((_t([[1e4, 0.0, -1e4]]), torch.tensor([0]), _t(1.0)), label="logits of ±1e4: finite"),
    ]


def _micro_hidden(seed):
    z, y = _logits(seed, 10, 3, ignore=0.2)
    return [Case((z, y, _t(25.0)), {"weight": _t([0.3, 1.0, 2.5])}, label="hidden: weights and ignored targets")]


# ----------------------------------------------------------------------------- temperature
def _nll_reference(logits, target, temperature):
    return cls.cross_entropy(ref.temperature_scale(logits, temperature), target)


def _nll_cases():
    z, y = _logits(85, 30, 4)
    return [
        Case((_t([[2.0, 0.0, -2.0]]), torch.tensor([0]), 1.0), label="T = 1: cross-entropy"),
        Case((_t([[2.0, 0.0, -2.0]]), torch.tensor([0]), 2.0), label="T = 2 softens"),
        Case((z, y, 0.5), label="30 examples, T = 0.5"),
        Case((z, y, _t(1.7)), label="a 0-d tensor temperature"),
        Case((z * 100, y, 3.0), label="large logits stay finite"),
    ]


def _nll_hidden(seed):
    z, y = _logits(seed, 25, 6, scale=4.0)
    return [Case((z, y, 2.5), label="hidden: 25 examples, T = 2.5")]


_F = "torch.nn.functional."
_NN = "torch.nn."
_CE = (_F + "cross_entropy", _F + "nll_loss", _NN + "CrossEntropyLoss", _NN + "NLLLoss")
_METRICS = ("torchmetrics", "sklearn", "netcal")

QUESTIONS = [
    Question(
        name="ch08.expected_calibration_error",
        function="expected_calibration_error",
        reference=ref.expected_calibration_error,
        cases=_ece_cases,
        hidden=_ece_hidden,
        description="Top-label ECE with n_bins equal-width bins [m/M, (m+1)/M), weighted by bin size.",
        forbidden=_METRICS,
    ),
    Question(
        name="ch08.brier_score",
        function="brier_score",
        reference=ref.brier_score,
        cases=_brier_cases,
        hidden=_brier_hidden,
        description="Multi-class Brier score: the mean over examples of sum_k (p_k - [y = k])^2.",
        forbidden=_METRICS,
    ),
    Question(
        name="ch08.global_denominator",
        function="global_denominator",
        reference=_denominator_reference,
        cases=_denominator_cases,
        hidden=_denominator_hidden,
        description="The denominator of cross_entropy's 'mean': the count, or total class weight, of non-ignored targets.",
    ),
    Question(
        name="ch08.micro_batch_loss",
        function="micro_batch_loss",
        reference=_micro_reference,
        cases=_micro_cases,
        hidden=_micro_hidden,
        description="A micro-batch's summed (weighted) cross-entropy divided by the whole batch's denominator.",
        forbidden=_CE,
    ),
    Question(
        name="ch08.temperature_scaled_nll",
        function="temperature_scaled_nll",
        reference=_nll_reference,
        cases=_nll_cases,
        hidden=_nll_hidden,
        description="The mean negative log-likelihood of softmax(logits / T).",
        forbidden=_CE,
    ),
]
