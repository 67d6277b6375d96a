"""Chapter 01: what a loss is.

A *loss* scores one prediction, a *cost* averages the losses over a data set,
and an *objective* adds a regulariser to the cost. This module holds the losses
the chapter compares and the pieces of a regulariser:

* :func:`zero_one_loss` and :func:`hinge_loss` for binary labels in {-1, +1},
  written as functions of the score ``s`` and the label ``y`` (so of the margin ``y s``);
* :func:`multi_margin_loss`, the multi-class hinge loss, with exactly the semantics
  of :func:`torch.nn.functional.multi_margin_loss`;
* :func:`l1_penalty` and :func:`l2_penalty` over an iterable of parameters, and
  :func:`softshrink`, the proximal step of the L1 penalty
  (same as :func:`torch.nn.functional.softshrink`);
* :func:`decay_param_groups`, which builds optimizer parameter groups that leave
  biases and normalisation layers out of weight decay.
"""

from __future__ import annotations

import torch
from torch import nn

from ._checks import (
    check_class_indices,
    check_class_weights,
    check_positive,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_sign_labels,
    check_tensor,
    reduce,
)

__all__ = [
    "zero_one_loss",
    "hinge_loss",
    "multi_margin_loss",
    "l1_penalty",
    "l2_penalty",
    "softshrink",
    "decay_param_groups",
]


# --------------------------------------------------------------------------- binary losses
class _Step(torch.autograd.Function):
    """The indicator ``1[m <= 0]`` whose derivative is 0 (it is 0 wherever it exists)."""

    @staticmethod
    def forward(ctx, margin):
        return (margin <= 0).to(margin.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return torch.zeros_like(grad_output)


def _binary_args(scores, target, reduction):
    check_tensor(scores, "scores")
    check_sign_labels(target, "target")
    check_same_shape(scores, target, "scores", "target")
    check_same_device(scores, target, "scores", "target")
    check_reduction(reduction)


def zero_one_loss(scores: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Zero-one loss of a real score against a label in {-1, +1}: :math:`\ell(s, y) = \mathbb{1}[\,y s \le 0\,]`.

    The prediction is the sign of the score; the loss is 1 for a mistake and 0 for a
    correct prediction. A score of exactly 0 is counted as a mistake (it picks no class).
    The loss is flat almost everywhere, so its derivative is 0: autograd returns zeros,
    which is why training uses a surrogate such as :func:`hinge_loss` instead.

    ``reduction``: ``'none'`` keeps one loss per element, ``'mean'`` gives the error
    rate, ``'sum'`` the number of mistakes.

    Shapes: ``scores`` (any shape, floating point) and ``target`` (same shape, values
    in {-1, +1}, any real dtype). The result has ``scores``' dtype.

    Reference: with predicted labels ``where(s > 0, 1, -1)`` it equals
    ``sklearn.metrics.zero_one_loss`` (``normalize=True`` for ``'mean'``,
    ``normalize=False`` for ``'sum'``) except at ``s = 0``;
    :cite:t:`bartlett2006convexity`, *Convexity, classification, and risk bounds*.

    >>> zero_one_loss(torch.tensor([2.0, -0.5, 0.0, 0.3]), torch.tensor([1, 1, -1, -1]), reduction="none")
    tensor([0., 1., 1., 1.])
    >>> zero_one_loss(torch.tensor([2.0, -0.5, 0.0, 0.3]), torch.tensor([1, 1, -1, -1]))
    tensor(0.7500)
    """
    _binary_args(scores, target, reduction)
    margin = scores * target.to(scores.dtype)
    return reduce(_Step.apply(margin), reduction)


def hinge_loss(
    scores: torch.Tensor, target: torch.Tensor, margin: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Binary hinge loss: :math:`\ell(s, y) = \max(0,\ \text{margin} - y s)` with :math:`y \in \{-1, +1\}`.

    Zero once the example is on the right side with room to spare (:math:`y s \ge`
    ``margin``), linear otherwise. Its derivative with respect to ``s`` is :math:`-y`
    inside the margin and 0 outside (0 is used at the kink). With ``margin=0`` it is the
    perceptron criterion. It bounds the zero-one loss from above when ``margin >= 1``.

    ``reduction``: ``'none'`` | ``'mean'`` (default) | ``'sum'``.

    Shapes: ``scores`` (any shape, floating point), ``target`` (same shape, values in
    {-1, +1}, any real dtype; other labels, such as 0/1, are refused).

    Torch has no function with these semantics: ``F.relu(margin - target * scores)``
    is the same loss element-wise, and with two classes it is twice
    :func:`multi_margin_loss` on the scores ``[0, s]``. Beware that
    :func:`torch.nn.functional.hinge_embedding_loss` is a different loss (it takes a
    distance and returns ``x`` itself when ``y = 1``). Reference: :cite:t:`cortes1995support`,
    *Support-vector networks*.

    >>> hinge_loss(torch.tensor([2.0, 0.5, -1.0]), torch.tensor([1, 1, 1]), reduction="none")
    tensor([0.0000, 0.5000, 2.0000])
    >>> hinge_loss(torch.tensor([2.0, 0.5, -1.0]), torch.tensor([1, 1, 1]))
    tensor(0.8333)
    """
    _binary_args(scores, target, reduction)
    check_positive(margin, "margin", strict=False)
    loss = torch.relu(margin - scores * target.to(scores.dtype))
    return reduce(loss, reduction)


# --------------------------------------------------------------------------- multi-class
def multi_margin_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Multi-class hinge loss with the semantics of :func:`torch.nn.functional.multi_margin_loss`.

    For one sample with scores :math:`x \in \mathbb{R}^C` and true class :math:`y`,

    .. math:: \ell(x, y) = \frac{1}{C} \sum_{i \ne y} w_y \max(0,\ \text{margin} - x_y + x_i)^p ,

    with :math:`w_y = 1` when ``weight`` is None. Every wrong class whose score comes
    within ``margin`` of the true class's score adds to the loss. Note the division by
    the number of classes ``C`` (not ``C - 1``) and that the weight of the *true* class
    multiplies every term.

    ``reduction``: ``'none'`` (one loss per sample), ``'mean'`` (plain mean over the
    samples, not a weighted mean) or ``'sum'``.

    Shapes: ``input`` is ``(N, C)`` or ``(C,)``; ``target`` holds class indices in
    ``[0, C)``, shape ``(N,)`` for a 2-D input, ``()`` or ``(1,)`` for a 1-D input;
    ``weight`` is ``(C,)``, non-negative, with the input's dtype. ``p`` is 1 or 2 and ``margin`` >= 0.
    torch's deprecated ``size_average`` and ``reduce`` arguments are left out; an empty
    batch and out-of-range class indices are refused.

    Reference: :cite:t:`weston1999support`, *Support vector machines for multi-class
    pattern recognition*; PyTorch's ``MultiMarginLoss``.

    >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> multi_margin_loss(x, torch.tensor([3]))
    tensor(0.3250)
    >>> multi_margin_loss(x, torch.tensor([3]), p=2, margin=0.5)
    tensor(0.0025)
    """
    check_tensor(input, "input")
    check_reduction(reduction)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or p not in (1, 2):
        raise ValueError(f"p must be 1 or 2 (as in torch), got {p!r}")
    check_positive(margin, "margin", strict=False)
    if input.dim() not in (1, 2):
        raise ValueError(
            f"input must have shape (N, C) or (C,), got a tensor of shape {tuple(input.shape)}"
        )
    num_classes = input.shape[-1]
    if num_classes == 0:
        raise ValueError(f"input must have at least one class, got shape {tuple(input.shape)}")
    if input.dim() == 2:
        expected = [(input.shape[0],)]
        if input.shape[0] == 0:
            raise ValueError("input must hold at least one sample, got an empty batch of shape "
                             f"{tuple(input.shape)}")
    else:
        expected = [(), (1,)]
    check_class_indices(target, num_classes, "target")
    if tuple(target.shape) not in expected:
        allowed = " or ".join(str(e) for e in expected)
        raise ValueError(
            f"target must have shape {allowed} for input of shape {tuple(input.shape)}, "
            f"got {tuple(target.shape)}"
        )
    check_same_device(input, target, "input", "target")
    if weight is not None:
        check_class_weights(weight, num_classes, input)

    x = input.reshape(-1, num_classes)
    t = target.reshape(-1)
    true_score = x.gather(1, t.unsqueeze(1))  # (N, 1)
    z = torch.relu(margin - true_score + x)
    if p == 2:
        z = z * z
    is_true = torch.arange(num_classes, device=x.device).unsqueeze(0) == t.unsqueeze(1)
    z = torch.where(is_true, torch.zeros((), dtype=z.dtype, device=z.device), z)
    per_sample = z.sum(dim=1) / num_classes
    if weight is not None:
        per_sample = per_sample * weight[t]
    if input.dim() == 1:
        per_sample = per_sample.reshape(target.shape)
    return reduce(per_sample, reduction)


# --------------------------------------------------------------------------- penalties
def _parameter_list(parameters) -> list[torch.Tensor]:
    if isinstance(parameters, torch.Tensor):
        params = [parameters]
    else:
        try:
            params = list(parameters)
        except TypeError:
            raise TypeError(
                "parameters must be a tensor or an iterable of tensors (e.g. model.parameters()), "
                f"got {type(parameters).__name__}"
            ) from None
    if not params:
        raise ValueError(
            "parameters must contain at least one tensor, got an empty iterable "
            "(a generator such as model.parameters() is empty once it has been consumed)"
        )
    for i, w in enumerate(params):
        check_tensor(w, f"parameters[{i}]")
        check_same_device(params[0], w, "parameters[0]", f"parameters[{i}]")
    return params


def l1_penalty(parameters) -> torch.Tensor:
    r"""L1 penalty :math:`R_1(w) = \sum_j |w_j|` over every entry of every tensor given.

    Add :math:`\alpha R_1(w)` to a cost to favour sparse weights. Its derivative is
    :math:`\operatorname{sign}(w_j)` (autograd uses 0 at :math:`w_j = 0`), so plain
    (sub)gradient descent makes weights oscillate around zero rather than land on it:
    exact zeros need a proximal step, :func:`softshrink`.

    ``parameters``: one tensor or an iterable of floating-point tensors on one device
    (e.g. ``model.parameters()`` or ``[model.weight]``). Returns a 0-dim tensor.

    Reference: :cite:t:`tibshirani1996regression`, *Regression shrinkage and selection via the lasso*.

    >>> l1_penalty([torch.tensor([1.0, -2.0]), torch.tensor([[0.5]])])
    tensor(3.5000)
    """
    params = _parameter_list(parameters)
    return sum((w.abs().sum() for w in params[1:]), params[0].abs().sum())


def l2_penalty(parameters) -> torch.Tensor:
    r"""L2 penalty :math:`R_2(w) = \sum_j w_j^2 = \lVert w \rVert_2^2` over every entry of every tensor given.

    This is the *squared* Euclidean norm, with no factor :math:`\tfrac12`. Its gradient
    is :math:`2w`, so SGD with ``weight_decay=λ`` (which adds :math:`\lambda w` to the
    gradient) is the same as adding :math:`\tfrac{\lambda}{2} R_2(w)` to the loss.
    With Adam that equivalence still holds for ``Adam(weight_decay=λ)``, but not for
    ``AdamW``, whose decay is decoupled from the gradient.

    ``parameters``: one tensor or an iterable of floating-point tensors on one device.
    Returns a 0-dim tensor.

    Reference: :cite:t:`goodfellow2016deep`, *Deep Learning*, section 7.1.1.

    >>> l2_penalty([torch.tensor([1.0, -2.0]), torch.tensor([[0.5]])])
    tensor(5.2500)
    """
    params = _parameter_list(parameters)
    return sum(((w * w).sum() for w in params[1:]), (params[0] * params[0]).sum())


def softshrink(input: torch.Tensor, lambd: float = 0.5) -> torch.Tensor:
    r"""Soft thresholding, the proximal step of the L1 penalty, as :func:`torch.nn.functional.softshrink`.

    .. math:: \operatorname{prox}_{\lambda |\cdot|}(x) = \operatorname{sign}(x)\max(|x| - \lambda, 0)
              = \begin{cases} x - \lambda & x > \lambda \\ 0 & |x| \le \lambda \\ x + \lambda & x < -\lambda \end{cases}

    It is the minimiser of :math:`\tfrac12 (u - x)^2 + \lambda |u|` over :math:`u`. After a
    gradient step of size :math:`\eta` on the cost, applying it with
    ``lambd = η·α`` is one step of proximal gradient descent (ISTA) for the cost plus
    :math:`\alpha \lVert w \rVert_1`; unlike a subgradient step it sets small weights to
    exactly 0. Element-wise; ``lambd`` >= 0.

    Reference: :cite:t:`parikh2014proximal`, *Proximal algorithms*, section 6.5.2.

    >>> softshrink(torch.tensor([1.5, 0.2, -0.4, -2.0]), lambd=0.5)
    tensor([ 1.0000,  0.0000,  0.0000, -1.5000])
    """
    check_tensor(input, "input")
    check_positive(lambd, "lambd", strict=False)
    # x - clamp(x, -λ, λ) is x - λ above, x + λ below and exactly 0 in between; its
    # derivative is 0 at x = ±λ, as torch's
    return input - input.clamp(-lambd, lambd)


# --------------------------------------------------------------------------- parameter groups
_NORM_TYPES: tuple[type, ...] = tuple(
    t
    for t in (
        nn.modules.batchnorm._NormBase,  # BatchNorm*d, InstanceNorm*d
        nn.LayerNorm,
        nn.GroupNorm,
        getattr(nn, "RMSNorm", None),
    )
    if t is not None
)


def decay_param_groups(module: nn.Module, weight_decay: float) -> list[dict]:
    r"""Two optimizer parameter groups: one decayed by ``weight_decay``, one not decayed.

    An optimizer's ``weight_decay`` applies to *every* parameter of the group it is set
    on, biases and normalisation scales included. This helper puts every bias
    (a parameter named ``bias``) and every parameter of a normalisation layer
    (``BatchNorm``, ``InstanceNorm``, ``LayerNorm``, ``GroupNorm``, ``RMSNorm``) in a
    group with ``weight_decay=0.0``, and everything else in a group with
    ``weight_decay=weight_decay``. Frozen parameters (``requires_grad=False``) are left
    out; a parameter shared by several layers appears once. Each group also carries a
    ``"names"`` list for inspection (optimizers keep extra keys untouched).

    Pass the result to any optimizer: ``torch.optim.AdamW(decay_param_groups(model, 0.01), lr=1e-3)``.

    Reference: :cite:t:`loshchilov2019decoupled`, *Decoupled weight decay regularization*.

    >>> net = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1))
    >>> [(g["names"], g["weight_decay"]) for g in decay_param_groups(net, 0.1)]
    [(['0.weight', '2.weight'], 0.1), (['0.bias', '1.weight', '1.bias', '2.bias'], 0.0)]
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    check_positive(weight_decay, "weight_decay", strict=False)
    decay: dict = {"params": [], "weight_decay": float(weight_decay), "names": []}
    no_decay: dict = {"params": [], "weight_decay": 0.0, "names": []}
    seen: set[int] = set()
    for module_name, sub in module.named_modules():
        for param_name, param in sub.named_parameters(recurse=False):
            if id(param) in seen or not param.requires_grad:
                continue
            seen.add(id(param))
            full = f"{module_name}.{param_name}" if module_name else param_name
            group = no_decay if (param_name == "bias" or isinstance(sub, _NORM_TYPES)) else decay
            group["params"].append(param)
            group["names"].append(full)
    return [decay, no_decay]
