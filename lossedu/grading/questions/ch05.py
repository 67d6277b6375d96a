"""Exercise 05: imbalance and hard examples."""

from __future__ import annotations

import torch

from lossedu import imbalance as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(values, dtype=F64):
    return torch.tensor(values, dtype=dtype)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _inverse_cases():
    return [
        Case((_t([900, 90, 10], torch.long),), label="counts 900/90/10"),
        Case((_t([50, 50], torch.long),), label="a balanced problem: all ones"),
        Case((_t([1, 999], torch.long),), label="one positive in a thousand"),
        Case((_t([120.0, 30.0, 7.0, 3.0]),), label="float counts, four classes"),
        Case((_t([7], torch.long),), label="a single class"),
    ]


def _counts(seed, n, high):
    return torch.randint(1, high, (n,), generator=_gen(seed))


def _inverse_hidden(seed):
    return [Case((_counts(seed, 5, 5000),), label="hidden: five classes")]


def _effective_cases():
    counts = _t([900, 90, 10], torch.long)
    return [
        Case((counts,), {"beta": 0.99}, label="beta = 0.99"),
        Case((counts,), {"beta": 0.0}, label="beta = 0: all ones"),
        Case((counts,), {"beta": 0.9999}, label="beta = 0.9999: close to inverse frequency"),
        Case((_t([20000, 10000, 5], torch.long),), {"beta": 0.999}, label="two large classes saturate"),
        Case((_t([100.0, 10.0]),), label="the default beta = 0.999"),
    ]


def _effective_hidden(seed):
    return [Case((_counts(seed, 4, 3000),), {"beta": 0.995}, label="hidden: four classes")]


def _binary(seed, n, soft=False):
    g = _gen(seed)
    x = torch.randn(n, generator=g, dtype=F64) * 3
    y = torch.rand(n, generator=g, dtype=F64)
    return x, (y if soft else (y < 0.3).to(F64))


def _sigmoid_focal_cases():
    x, y = _binary(50, 12)
    xs, ys = _binary(51, 8, soft=True)
    return [
        Case((_t([3.0, -1.0, 0.5]), _t([1.0, 1.0, 0.0])), label="the defaults: alpha=0.25, gamma=2, 'none'"),
        Case((x, y), {"alpha": -1, "gamma": 0.0}, label="alpha=-1, gamma=0: plain BCE with logits"),
        Case((x, y), {"alpha": 0.75, "gamma": 0.0, "reduction": "sum"}, label="gamma=0: α-balanced BCE, 'sum'"),
        Case((x, y), {"gamma": 3.0, "reduction": "mean"}, label="gamma=3, 'mean'"),
        Case((xs, ys), {"alpha": 0.4, "gamma": 1.5}, label="soft targets"),
        Case((_t([[1e4, -1e4], [-1e4, 1e4]]), _t([[1.0, 0.0], [1.0, 0.0]])), label="logits ±1e4: finite"),
    ]


def _sigmoid_focal_hidden(seed):
    x2, y2 = _binary(seed, 10)
    return [Case((x2.reshape(2, 5), y2.reshape(2, 5)), {"alpha": 0.3, "gamma": 2.5, "reduction": "sum"},
                 label="hidden: a 2-D batch")]


def _multi(seed, n, c, ignore=0.0):
    g = _gen(seed)
    x = torch.randn(n, c, generator=g, dtype=F64) * 2
    t = torch.randint(0, c, (n,), generator=g)
    if ignore:
        t = torch.where(torch.rand(n, generator=g) < ignore, torch.full_like(t, -100), t)
    return x, t


def _focal_cases():
    x, t = _multi(60, 8, 4)
    xi, ti = _multi(61, 10, 3, ignore=0.3)
    alpha = _t([0.25, 1.0, 2.0])
    g = _gen(62)
    seg_x = torch.randn(2, 3, 2, 2, generator=g, dtype=F64)
    seg_t = torch.randint(0, 3, (2, 2, 2), generator=g)
    seg_t[0, 0, 0] = 255
    return [
        Case((x, t), {"gamma": 0.0}, label="gamma=0: cross-entropy"),
        Case((x, t), {"gamma": 2.0, "reduction": "none"}, label="gamma=2, 'none'"),
        Case((x, t), {"gamma": 2.0, "reduction": "sum"}, label="gamma=2, 'sum'"),
        Case((xi, ti), {"gamma": 2.0, "reduction": "none"}, label="ignored targets give 0 in 'none'"),
        Case((xi, ti), {"gamma": 2.0}, label="'mean' over the non-ignored elements"),
        Case((xi, ti), {"alpha": alpha, "gamma": 1.0}, label="alpha: 'mean' divides by the sum of selected alphas"),
        Case((seg_x, seg_t), {"gamma": 2.0, "ignore_index": 255}, label="segmentation shape (N, C, H, W), ignore_index=255"),
    ]


def _focal_hidden(seed):
    xh, th = _multi(seed, 9, 5, ignore=0.2)
    th[0] = 1  # at least one target is not ignored, so 'mean' is defined
    return [
        Case((xh, th), {"alpha": _t([1.0, 0.5, 2.0, 3.0, 0.1]), "gamma": 0.5, "reduction": "sum"},
             label="hidden: alpha, gamma=0.5, 'sum'"),
        Case((xh, th), {"alpha": _t([1.0, 0.5, 2.0, 3.0, 0.1]), "gamma": 3.0}, label="hidden: alpha, gamma=3, 'mean'"),
    ]


def _dice_cases():
    g = _gen(70)
    p = torch.rand(3, 4, 4, generator=g, dtype=F64)
    t = (torch.rand(3, 4, 4, generator=g, dtype=F64) < 0.25).to(F64)
    empty = torch.zeros(1, 6, dtype=F64)
    tiny = torch.zeros(1, 6, dtype=F64)
    tiny[0, 2] = 1.0
    return [
        Case((_t([[0.9, 0.8, 0.1, 0.0]]), _t([[1.0, 1.0, 0.0, 0.0]])), label="one sample, smooth=1"),
        Case((_t([[0.9, 0.8, 0.1, 0.0]]), _t([[1.0, 1.0, 0.0, 0.0]])), {"smooth": 0.0}, label="smooth=0"),
        Case((p, t), label="a batch of 3 masks, 'mean' over the batch"),
        Case((p, t), {"reduction": "none"}, label="'none': one loss per sample"),
        Case((p, t), {"reduction": "sum", "smooth": 0.1}, label="'sum', smooth=0.1"),
        Case((empty, empty), label="empty mask, empty prediction: loss 0"),
        Case((empty, tiny), label="a one-pixel object missed entirely"),
    ]


def _dice_hidden(seed):
    g = _gen(seed)
    ph = torch.rand(2, 1, 3, 3, generator=g, dtype=F64)
    th = (torch.rand(2, 1, 3, 3, generator=g, dtype=F64) < 0.5).to(F64)
    return [Case((ph, th), {"smooth": 0.5, "reduction": "none"}, label="hidden: (N, 1, H, W)")]



def _detection_reference(logits, targets, alpha=0.25, gamma=2.0):
    per_anchor = ref.sigmoid_focal_loss(logits, targets, alpha=alpha, gamma=gamma, reduction="sum")
    return per_anchor / targets.sum().clamp(min=1.0)


def _detection_cases():
    x, y = _binary(52, 40)
    return [
        Case((_t([3.0, -1.0, 0.5, -4.0]), _t([1.0, 1.0, 0.0, 0.0])), label="two positives: the sum / 2"),
        Case((_t([-2.0, -3.0, -5.0]), _t([0.0, 0.0, 0.0])), label="no positives: the sum / 1"),
        Case((x, y), label="40 anchors, defaults alpha=0.25, gamma=2"),
        Case((x, y), {"alpha": -1, "gamma": 0.0}, label="alpha=-1, gamma=0: summed BCE / number of positives"),
        Case((x.reshape(4, 10), y.reshape(4, 10)), {"gamma": 1.0}, label="a (4, 10) batch of anchors, gamma=1"),
    ]


def _detection_hidden(seed):
    x, y = _binary(seed, 30)
    return [Case((x, y), {"alpha": 0.5, "gamma": 3.0}, label="hidden: alpha=0.5, gamma=3")]

_F = "torch.nn.functional."
_NN = "torch.nn."
# the losses a student might call instead of writing them (lossedu itself is always forbidden)
_LOSSES = tuple(_F + n for n in ("cross_entropy", "nll_loss", "binary_cross_entropy",
                                 "binary_cross_entropy_with_logits"))
_LOSSES += tuple(_NN + n for n in ("CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"))
_LOSSES += ("torchvision", "kornia", "monai", "segmentation_models_pytorch")
_WEIGHTS = ("sklearn",)

QUESTIONS = [
    Question(
        name="ch05.inverse_frequency_weights",
        function="inverse_frequency_weights",
        reference=lambda counts: ref.inverse_frequency_weights(counts.to(F64)),
        cases=_inverse_cases,
        hidden=_inverse_hidden,
        description="Class weights N / (C n_c) from a 1-D tensor of class counts.",
        forbidden=_WEIGHTS,
    ),
    Question(
        name="ch05.effective_number_weights",
        function="effective_number_weights",
        reference=lambda counts, beta=0.999: ref.effective_number_weights(counts.to(F64), beta),
        cases=_effective_cases,
        hidden=_effective_hidden,
        description="Class-balanced weights 1 / E_n with E_n = (1 - beta^n) / (1 - beta), normalised to sum to C.",
        forbidden=_WEIGHTS,
    ),
    Question(
        name="ch05.sigmoid_focal_loss",
        function="sigmoid_focal_loss",
        reference=ref.sigmoid_focal_loss,
        cases=_sigmoid_focal_cases,
        hidden=_sigmoid_focal_hidden,
        description="torchvision's sigmoid focal loss: alpha_t (1 - p_t)^gamma BCEWithLogits, alpha < 0 switches alpha off.",
        forbidden=_LOSSES,
    ),
    Question(
        name="ch05.focal_loss",
        function="focal_loss",
        reference=ref.focal_loss,
        cases=_focal_cases,
        hidden=_focal_hidden,
        description="Softmax focal loss with per-class alpha, ignore_index and cross_entropy's weighted mean.",
        forbidden=_LOSSES,
    ),
    Question(
        name="ch05.dice_loss",
        function="dice_loss",
        reference=ref.dice_loss,
        cases=_dice_cases,
        hidden=_dice_hidden,
        description="Soft Dice loss per sample over all non-batch dimensions, then reduced over the batch.",
        forbidden=_LOSSES,
    ),    Question(
        name="ch05.detection_focal_loss",
        function="detection_focal_loss",
        reference=_detection_reference,
        cases=_detection_cases,
        hidden=_detection_hidden,
        description="RetinaNet's focal loss: the sigmoid focal loss summed over anchors, divided by the number of positives (at least 1).",
        forbidden=_LOSSES,
    ),
]
