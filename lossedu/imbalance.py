"""Chapter 05: imbalance and hard examples.

Losses for data sets where one class is rare, or where most examples are easy:

* class weights from class counts: :func:`inverse_frequency_weights` and
  :func:`effective_number_weights` (ready for ``cross_entropy``'s ``weight`` or
  :func:`focal_loss`'s ``alpha``);
* the focal loss of :cite:t:`lin2017focal` in its two forms: :func:`sigmoid_focal_loss`
  (one logit per element, with exactly the semantics of
  ``torchvision.ops.sigmoid_focal_loss``) and :func:`focal_loss` (softmax over classes,
  with the conventions of :func:`torch.nn.functional.cross_entropy`);
* the soft Dice loss for segmentation masks, :func:`dice_loss`.

Every loss is built from torch primitives and stays finite for logits as large as ±1e4.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._checks import (
    check_class_input,
    check_ignore_index,
    check_index_target,
    class_dim,
    check_positive,
    check_probability,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
    reduce,
    first_bad_value,
    validate_args_enabled,
)

__all__ = [
    "inverse_frequency_weights",
    "effective_number_weights",
    "sigmoid_focal_loss",
    "focal_loss",
    "dice_loss",
]


def _check_counts(counts) -> torch.Tensor:
    if not isinstance(counts, torch.Tensor):
        raise TypeError(f"counts must be a torch.Tensor, got {type(counts).__name__}")
    if counts.is_complex() or counts.dtype == torch.bool:
        raise TypeError(f"counts must be an integer or floating-point tensor, got dtype {counts.dtype}")
    if counts.dim() != 1 or counts.numel() == 0:
        raise ValueError(
            f"counts must be a non-empty 1-D tensor with one count per class, got shape {tuple(counts.shape)}"
        )
    dtype = counts.dtype if counts.is_floating_point() else torch.get_default_dtype()
    counts = counts.to(dtype)
    value = first_bad_value(counts, ~(counts > 0) | ~torch.isfinite(counts)) if validate_args_enabled() else None
    if value is not None:
        raise ValueError(
            f"counts must be positive and finite (every class needs at least one sample), got a count of {value!r}"
        )
    return counts


def inverse_frequency_weights(counts: torch.Tensor) -> torch.Tensor:
    r"""Class weights inversely proportional to class frequency: :math:`w_c = \dfrac{N}{C\, n_c}`.

    ``counts[c]`` is :math:`n_c`, the number of training examples of class ``c``;
    :math:`N = \sum_c n_c` and :math:`C` is the number of classes. Every class then carries
    the same total weight :math:`n_c w_c = N / C`, and a balanced data set gets weights of 1.
    This is scikit-learn's ``class_weight="balanced"``.

    Shapes: ``counts`` is ``(C,)`` (integer or float, every entry > 0); the result is
    ``(C,)``, float (``counts``' dtype, or the default dtype for integer counts).

    Reference: :cite:t:`king2001logistic`, *Logistic Regression in Rare Events Data*;
    ``sklearn.utils.class_weight.compute_class_weight``.

    >>> inverse_frequency_weights(torch.tensor([900, 90, 10]))
    tensor([ 0.3704,  3.7037, 33.3333])
    """
    n = _check_counts(counts)
    return n.sum() / (n.numel() * n)


def effective_number_weights(counts: torch.Tensor, beta: float = 0.999) -> torch.Tensor:
    r"""Class-balanced weights from the effective number of samples :cite:p:`cui2019class`.

    The effective number of :math:`n` samples is :math:`E_n = (1 - \beta^{n}) / (1 - \beta)`:
    it grows like :math:`n` for few samples and saturates at :math:`1/(1-\beta)`, because new
    samples increasingly overlap the ones already seen. The weight of class ``c`` is

    .. math:: w_c = \frac{C}{\sum_k 1/E_{n_k}} \cdot \frac{1}{E_{n_c}},

    normalised so that :math:`\sum_c w_c = C`. ``beta = 0`` gives all ones (no weighting);
    ``beta → 1`` tends to inverse frequency (normalised to sum to ``C``).

    Shapes: ``counts`` is ``(C,)`` with every entry > 0; ``beta`` lies in [0, 1).
    The result is ``(C,)``, float (as in :func:`inverse_frequency_weights`).

    Reference: :cite:t:`cui2019class`, *Class-Balanced Loss Based on Effective
    Number of Samples*, CVPR 2019.

    >>> effective_number_weights(torch.tensor([900, 90, 10]), beta=0.99)
    tensor([0.2284, 0.3836, 2.3880])
    """
    n = _check_counts(counts)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)):
        raise TypeError(f"beta must be a number, got {type(beta).__name__}")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must lie in [0, 1), got {beta!r}")
    if beta == 0:
        return torch.ones_like(n)
    # 1 / E_n = (1 - beta) / (1 - beta^n); expm1 keeps 1 - beta^n accurate for beta near 1
    inv_effective = -(1 - beta) / torch.expm1(n * math.log(beta))
    return inv_effective * (n.numel() / inv_effective.sum())


def _check_gamma(gamma) -> None:
    check_positive(gamma, "gamma", strict=False)
    if gamma == float("inf"):
        raise ValueError(f"gamma must be finite, got {gamma!r}")


def _modulating_factor(q: torch.Tensor, gamma: float) -> torch.Tensor:
    """``q ** gamma`` with a finite gradient at ``q = 0`` even when ``0 < gamma < 1``."""
    if 0 < gamma < 1:
        # the derivative gamma * q**(gamma - 1) is infinite at q = 0; clamping to the smallest
        # normal number changes the value by at most tiny**gamma and keeps the gradient finite
        q = q.clamp_min(torch.finfo(q.dtype).tiny)
    return q.pow(gamma)


def sigmoid_focal_loss(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
) -> torch.Tensor:
    r"""Binary focal loss on logits, with the semantics of ``torchvision.ops.sigmoid_focal_loss``.

    With :math:`p = \sigma(x)`, :math:`p_t = p\,y + (1-p)(1-y)` and
    :math:`\alpha_t = \alpha\,y + (1-\alpha)(1-y)`, element-wise

    .. math:: \ell(x, y) = -\alpha_t\,(1 - p_t)^{\gamma}\,\log p_t
              = \alpha_t\,(1 - p_t)^{\gamma}\,\mathrm{BCEWithLogits}(x, y).

    (For a soft target the log term is the BCE :math:`-y\log p - (1-y)\log(1-p)`.)
    A negative ``alpha`` (torchvision uses ``-1``) switches the :math:`\alpha_t` factor off;
    ``gamma = 0`` gives the α-balanced binary cross-entropy, and ``gamma = 0, alpha = -1``
    gives ``binary_cross_entropy_with_logits`` itself. ``alpha = 0.25`` is the paper's value
    for the *rare* positive class: it down-weights positives, because ``gamma`` has already
    removed most of the negatives' loss.

    Reduction: ``'none'`` (the default, as in torchvision) keeps the element-wise loss;
    ``'mean'`` averages over **all** elements; ``'sum'`` adds them up.

    Shapes: ``inputs`` (logits) and ``targets`` have the same, arbitrary shape; ``targets``
    are floats in [0, 1] (hard 0/1 labels or soft ones). ``alpha`` is ≤ 1 (negative: off);
    ``gamma`` ≥ 0. Unlike torchvision, mismatched shapes, targets outside [0, 1],
    ``alpha > 1`` and ``gamma < 0`` are refused.

    The factor :math:`1 - p_t` is computed as :math:`y\,\sigma(-x) + (1-y)\,\sigma(x)`, which
    is exact for hard labels, and the BCE term from ``logsigmoid``: the loss and its gradient
    stay finite for logits of ±1e4.

    Reference: :cite:t:`lin2017focal`, *Focal Loss for Dense Object Detection*,
    ICCV 2017; ``torchvision.ops.sigmoid_focal_loss``.

    >>> x = torch.tensor([3.0, -1.0, 0.5]); y = torch.tensor([1.0, 1.0, 0.0])
    >>> sigmoid_focal_loss(x, y)
    tensor([2.7321e-05, 1.7547e-01, 2.8306e-01])
    """
    check_tensor(inputs, "inputs")
    check_tensor(targets, "targets")
    check_same_shape(inputs, targets, "inputs", "targets")
    check_same_device(inputs, targets, "inputs", "targets")
    check_probability(targets, "targets")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise TypeError(f"alpha must be a number, got {type(alpha).__name__}")
    if not alpha <= 1:
        raise ValueError(f"alpha must be <= 1 (or negative, e.g. -1, to switch it off), got {alpha!r}")
    _check_gamma(gamma)
    check_reduction(reduction)

    # written as -(a) - b rather than -(a + b) so that a perfect prediction gives +0.0, not -0.0
    bce = -(targets * F.logsigmoid(inputs)) - (1 - targets) * F.logsigmoid(-inputs)
    one_minus_pt = targets * torch.sigmoid(-inputs) + (1 - targets) * torch.sigmoid(inputs)
    loss = _modulating_factor(one_minus_pt, gamma) * bce
    if alpha >= 0:
        alpha_t = (1 - alpha) + (2 * alpha - 1) * targets  # alpha * y + (1 - alpha) * (1 - y)
        loss = alpha_t * loss
    return reduce(loss, reduction)


def focal_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    alpha: torch.Tensor | None = None,
    gamma: float = 2.0,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-class (softmax) focal loss, with the conventions of ``F.cross_entropy``.

    With :math:`p_{i} = \mathrm{softmax}(x_i)` over the class dimension and the true class
    :math:`y_i`, the loss of element :math:`i` is

    .. math:: \ell_i = -\,\alpha_{y_i}\,(1 - p_{i, y_i})^{\gamma}\,\log p_{i, y_i},

    and :math:`\ell_i = 0` where :math:`y_i` equals ``ignore_index``. ``alpha`` is a per-class
    weight tensor of length ``C``, exactly like ``cross_entropy``'s ``weight``
    (``None`` means all ones). ``gamma = 0`` gives ``cross_entropy(input, target,
    weight=alpha, ignore_index=ignore_index, reduction=reduction)`` in every reduction.

    Reduction: ``'none'`` returns the loss per element (the shape of ``target``, 0 at ignored
    positions); ``'sum'`` adds it up; ``'mean'`` is the **weighted mean of cross_entropy**:
    :math:`\sum_i \ell_i / \sum_i \alpha_{y_i}` over the non-ignored elements (with no
    ``alpha``, the plain mean over non-ignored elements). Dividing by the selected weights,
    not by the count, is what keeps ``gamma = 0`` equal to ``cross_entropy``; it also makes
    the mean invariant to rescaling ``alpha``. When every element is ignored, ``'mean'``
    is ``0/0 = nan``, as in ``cross_entropy``.

    Shapes: ``input`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dk)`` (logits, classes along
    dim 1, or dim 0 when unbatched); ``target`` is ``()``, ``(N,)`` or ``(N, d1, ..., dk)``
    (integer class indices in ``[0, C)`` or ``ignore_index``); ``alpha`` is ``(C,)``,
    non-negative, with ``input``'s dtype and device. Probability targets are not supported.

    The factor :math:`1 - p_t` is computed as ``-expm1(log p_t)`` from ``log_softmax``, so an
    easy example's tiny :math:`1 - p_t` keeps its digits, and the loss and gradient stay
    finite for logits of ±1e4.

    Reference: :cite:t:`lin2017focal`, *Focal Loss for Dense Object Detection*, ICCV 2017,
    eq. (5).

    >>> x = torch.tensor([[2.0, 0.0, -1.0], [0.0, 0.5, 0.3]]); y = torch.tensor([0, 2])
    >>> focal_loss(x, y, gamma=2.0, reduction="none")
    tensor([0.0041, 0.4765])
    >>> focal_loss(x, y, gamma=0.0), torch.nn.functional.cross_entropy(x, y)
    (tensor(0.6279), tensor(0.6279))
    """
    num_classes = check_class_input(input)
    check_ignore_index(ignore_index)
    check_index_target(input, target, ignore_index, float_hint="focal_loss does not take probability targets")
    _check_gamma(gamma)
    check_reduction(reduction)
    if alpha is not None:
        if not isinstance(alpha, torch.Tensor):
            raise TypeError(
                f"alpha must be None or a 1-D tensor of {num_classes} per-class weights "
                f"(like cross_entropy's weight), got {type(alpha).__name__}; "
                "for a single binary alpha use sigmoid_focal_loss"
            )
        if alpha.shape != (num_classes,):
            raise ValueError(
                f"alpha must have shape ({num_classes},), one weight per class, got {tuple(alpha.shape)}"
            )
        if alpha.dtype != input.dtype:
            raise TypeError(f"alpha must have input's dtype {input.dtype}, got dtype {alpha.dtype}")
        check_same_device(input, alpha, "input", "alpha")
        value = None
        if validate_args_enabled():
            value = first_bad_value(alpha, ~(alpha >= 0) | ~torch.isfinite(alpha))
        if value is not None:
            raise ValueError(f"alpha must hold non-negative, finite class weights, got a value of {value!r}")

    cdim = class_dim(input)
    log_p = torch.log_softmax(input, dim=cdim)
    keep = target != ignore_index
    safe_target = torch.where(keep, target, torch.zeros_like(target))
    log_pt = log_p.gather(cdim, safe_target.unsqueeze(cdim)).squeeze(cdim)
    one_minus_pt = -torch.expm1(log_pt)
    loss = _modulating_factor(one_minus_pt, gamma) * (0.0 - log_pt)  # 0.0 - x: no -0.0 when log_pt = 0
    if alpha is None:
        weight = keep.to(input.dtype)
    else:
        weight = alpha[safe_target] * keep.to(input.dtype)
    return reduce(loss, reduction, weight)


def dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    smooth: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Soft Dice loss between predicted probabilities and a (soft) mask, per sample.

    For sample :math:`n`, with sums over all of its pixels (every non-batch dimension),

    .. math:: \ell_n = 1 - \frac{2\sum_j p_{nj}\, t_{nj} + s}{\sum_j p_{nj} + \sum_j t_{nj} + s},

    where ``s = smooth``. With hard 0/1 arrays the fraction is the Dice coefficient
    :math:`2|P \cap T| / (|P| + |T|)`; the smoothing term keeps it defined (equal to 1, a loss
    of 0) when both the prediction and the mask are empty, and pulls small objects' loss
    toward 0. ``smooth = 0`` gives ``0/0 = nan`` for an empty mask and an empty prediction.

    Reduction: ``'none'`` returns the ``(N,)`` per-sample losses; ``'mean'`` and ``'sum'``
    reduce them over the batch. Dice is *not* averaged over pixels: a sample's loss depends
    on ratios of sums, which is why a tiny object weighs as much as a large one.

    Shapes: ``input`` (probabilities, e.g. after ``sigmoid``) and ``target`` have the same
    shape ``(N, d1, ..., dk)`` with ``k ≥ 1``; both lie in [0, 1]. For a multi-class mask
    ``(N, C, H, W)`` the sums run over the classes too; call it per class for per-class Dice.

    Reference: :cite:t:`milletari2016vnet`, *V-Net*, 3DV 2016 (who square the denominator's
    terms; this is the common linear form); :cite:t:`sudre2017generalised`, *Generalised Dice Overlap as a
    Deep Learning Loss Function for Highly Unbalanced Segmentations*, 2017.

    >>> p = torch.tensor([[0.9, 0.8, 0.1, 0.0]]); t = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    >>> dice_loss(p, t)
    tensor(0.0833)
    >>> dice_loss(p, t, smooth=0.0)
    tensor(0.1053)
    """
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    check_same_device(input, target, "input", "target")
    if input.dim() < 2:
        raise ValueError(
            f"input must have shape (N, d1, ...): a batch dimension and at least one more, "
            f"got shape {tuple(input.shape)}"
        )
    check_probability(input, "input")
    check_probability(target, "target")
    check_positive(smooth, "smooth", strict=False)
    check_reduction(reduction)
    dims = tuple(range(1, input.dim()))
    intersection = (input * target).sum(dim=dims)
    total = input.sum(dim=dims) + target.sum(dim=dims)
    loss = 1 - (2 * intersection + smooth) / (total + smooth)
    return reduce(loss, reduction)
