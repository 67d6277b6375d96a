"""Chapter 04: classification losses.

Softmax and log-softmax (computed through log-sum-exp, so they never overflow),
the negative log-likelihood of a class index, cross-entropy from logits with
class weights, an ignored label, label smoothing, probability targets and
K-dimensional (segmentation) inputs, and the binary cross-entropy on
probabilities and on logits.

Every function has exactly the name, signature, defaults and results of its
counterpart in :mod:`torch.nn.functional` on valid input. Where torch silently
accepts something that is almost always a bug (a negative ``label_smoothing``,
a target outside [0, 1] for the logit form of BCE, probabilities passed to
``nll_loss``, targets that are not distributions, negative weights), lossedu
raises a ``ValueError`` or ``TypeError`` that names the argument; it never
broadcasts ``input`` against ``target``.

Each loss is written with torch primitives (:func:`torch.logsumexp`, ``gather``,
``scatter_add``, ``logsigmoid``, element-wise operations); the hot paths are small
:class:`torch.autograd.Function` classes whose backward passes are the closed-form
gradients derived in chapter 04, so no one-hot or log-softmax matrix is stored.

Conventions: natural logarithms (nats); the class axis is dimension 1, or 0 for
an unbatched 1-D input, as in torch.
"""

from __future__ import annotations

import warnings

import torch

from ._checks import (
    check_class_input,
    check_ignore_index,
    first_bad_value,
    validate_args_enabled,
    check_index_target,
    class_dim,
    check_broadcastable_to,
    check_class_weights,
    check_dim,
    check_distribution,
    check_in_interval,
    check_nonnegative_tensor,
    check_probability,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
)

__all__ = [
    "softmax",
    "log_softmax",
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]

#: ``binary_cross_entropy`` clamps each logarithm from below at this value.
LOG_CLAMP = -100.0
#: the floor of ``x (1 - x)`` in the gradient torch uses for ``binary_cross_entropy``.
_BCE_GRAD_EPS = 1e-12


# --------------------------------------------------------------------------- helpers
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The deprecated ``size_average`` / ``reduce`` flags, resolved as torch resolves them."""
    if size_average is None and reduce is None:
        check_reduction(reduction)
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        result = "mean"
    elif reduce:
        result = "sum"
    else:
        result = "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
        stacklevel=3,
    )
    return result


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prepare_softmax_input(input, dim, stacklevel, dtype, name):
    check_tensor(input, "input", floating=dtype is not None)
    if dtype is not None:
        input = input.to(dtype)
    check_tensor(input, "input")
    if dim is None:
        dim = _softmax_dim(name, input.dim(), stacklevel + 1)
    check_dim(input, dim, "input")
    return input, dim


def _weighted_nll(picked, target, weight, ignore_index, reduction):
    """Reduce per-element losses ``picked`` (the NLL of each target) as ``nll_loss`` does.

    Each element is multiplied by the weight of its class (0 for an ignored element);
    ``'mean'`` divides the weighted sum by the sum of the weights that were used.
    """
    keep = target != ignore_index
    if weight is None:
        w = keep.to(picked.dtype)
    else:
        safe = torch.where(keep, target, 0)
        w = torch.where(keep, weight[safe], 0)
    loss = torch.where(keep, picked * w, 0)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


class _LogSumExpMinusPick(torch.autograd.Function):
    """Per-element :math:`\\log\\sum_c e^{x_c} - x_{y}` along the class dimension,
    returned with the log-sum-exp itself.

    The forward pass never forms the log-softmax matrix; the backward pass writes the
    gradient :math:`\\operatorname{softmax}(x) - \\operatorname{onehot}(y)` in one buffer
    (an ``exp`` and a ``scatter_add``), without a one-hot matrix. The log-sum-exp is an
    output, so a double backward through the saved tensors stays exact.
    """

    @staticmethod
    def forward(ctx, x, index, cdim):
        ctx.set_materialize_grads(False)
        lse = torch.logsumexp(x, cdim)
        out = lse - x.gather(cdim, index.unsqueeze(cdim)).squeeze(cdim)
        ctx.cdim = cdim
        ctx.save_for_backward(x, index, lse)
        return out, lse

    @staticmethod
    def backward(ctx, grad_out, grad_lse):
        x, index, lse = ctx.saved_tensors
        cdim = ctx.cdim
        if grad_out is None and grad_lse is None:
            return None, None, None
        idx = index.unsqueeze(cdim)
        g = grad_out if grad_out is not None else torch.zeros_like(lse)
        total = g if grad_lse is None else g + grad_lse
        g, total, lse = g.unsqueeze(cdim), total.unsqueeze(cdim), lse.unsqueeze(cdim)
        if torch.is_grad_enabled():  # create_graph=True: keep every op differentiable
            gx = torch.exp(x - lse) * total
            gx = gx.scatter_add(cdim, idx, -g)
        else:
            gx = torch.sub(x, lse).exp_().mul_(total)
            gx.scatter_add_(cdim, idx, -g)
        return gx, None, None


def _gather_classes(x, target, ignore_index):
    """``x[n, target[n], ...]`` along the class dimension (ignored entries read class 0)."""
    cdim = class_dim(x)
    safe = torch.where(target != ignore_index, target, 0)
    return x.gather(cdim, safe.unsqueeze(cdim)).squeeze(cdim)


# --------------------------------------------------------------------------- softmax
class _LogSoftmax(torch.autograd.Function):
    """:math:`x - \\operatorname{logsumexp}(x)` with the closed-form gradient
    :math:`g - \\operatorname{softmax}(x)\\sum g`, written from the saved output."""

    @staticmethod
    def forward(ctx, x, dim):
        out = x - torch.logsumexp(x, dim, keepdim=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        total = grad.sum(ctx.dim, keepdim=True)
        if torch.is_grad_enabled():
            return grad - torch.exp(out) * total, None
        return torch.addcmul(grad, torch.exp(out), total, value=-1), None


class _Softmax(torch.autograd.Function):
    """:math:`e^{x - m} / \\sum e^{x - m}` (:math:`m` the maximum) with the closed-form gradient
    :math:`s \\odot (g - \\langle g, s\\rangle)`, written from the saved output ``s``."""

    @staticmethod
    def forward(ctx, x, dim):
        out = torch.sub(x, torch.amax(x, dim, keepdim=True)).exp_()
        out = out.div_(out.sum(dim, keepdim=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        inner = (grad * out).sum(ctx.dim, keepdim=True)
        if torch.is_grad_enabled():
            return out * (grad - inner), None
        return torch.sub(grad, inner).mul_(out), None


def softmax(
    input: torch.Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    r"""Softmax along ``dim``: :math:`\sigma(x)_i = \dfrac{e^{x_i}}{\sum_j e^{x_j}}`.

    Computed as :math:`e^{x_i - m} / \sum_j e^{x_j - m}` with :math:`m = \max_j x_j`, which
    never overflows (the result is unchanged when a constant is added to every :math:`x_j`).
    ``dtype`` casts the input first; ``dim=None`` picks a dimension as torch does
    (with the same deprecation warning). Same shape as ``input``.
    Reference: :cite:t:`goodfellow2016deep`, *Deep Learning*, sec. 6.2.2.3.

    >>> softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.0900, 0.2447, 0.6652])
    >>> softmax(torch.tensor([1001.0, 1002.0, 1003.0]), dim=0)  # exp(1003) overflows, this does not
    tensor([0.0900, 0.2447, 0.6652])
    """
    input, dim = _prepare_softmax_input(input, dim, _stacklevel, dtype, "softmax")
    return _Softmax.apply(input, dim)


def log_softmax(
    input: torch.Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    r"""Log-softmax along ``dim``: :math:`\log\sigma(x)_i = x_i - \log\sum_j e^{x_j}`.

    The log-sum-exp is evaluated stably (:func:`torch.logsumexp` subtracts the maximum
    first), so the result is finite for any finite input, unlike ``log(softmax(x))``,
    which returns ``-inf`` once a probability underflows. ``dtype`` and ``dim=None``
    behave as in :func:`torch.nn.functional.log_softmax`. Same shape as ``input``.
    Reference: :cite:t:`goodfellow2016deep`, *Deep Learning*, sec. 6.2.2.3.

    >>> log_softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    >>> log_softmax(torch.tensor([0.0, -200.0]), dim=0)  # log(softmax(.)) would give -inf
    tensor([   0., -200.])
    """
    input, dim = _prepare_softmax_input(input, dim, _stacklevel, dtype, "log_softmax")
    return _LogSoftmax.apply(input, dim)


# --------------------------------------------------------------------------- NLL and CE
def nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood of class indices: :math:`\ell_n = -w_{y_n}\, x_{n, y_n}`.

    ``input`` holds **log-probabilities** (from :func:`log_softmax`); the loss picks the
    entry of the target class and negates it. :math:`w_c` is ``weight[c]`` (1 without
    ``weight``); an element whose target equals ``ignore_index`` contributes 0.

    ``reduction``: ``'none'`` returns :math:`\ell_n`; ``'sum'`` adds them;
    ``'mean'`` divides the sum by :math:`\sum_n w_{y_n}` over the elements not ignored
    (not by N), and is therefore NaN when every target is ignored.

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ...); ``target`` the same without
    the class dimension, integer indices in [0, C) or ``ignore_index``; ``weight`` (C,).
    Unlike torch, a positive "log-probability" at a target class is refused: it means
    probabilities or raw logits were passed (only the entries the loss reads are checked,
    which costs nothing). Reference: :cite:t:`murphy2022probabilistic`,
    *Probabilistic Machine Learning*, sec. 4.2.

    >>> logp = torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]).log()
    >>> nll_loss(logp, torch.tensor([0, 2]))
    tensor(0.4581)
    >>> nll_loss(logp, torch.tensor([0, 2]), weight=torch.tensor([1.0, 1.0, 3.0]))
    tensor(0.3406)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    check_ignore_index(ignore_index)
    num_classes = check_class_input(input)
    check_index_target(
        input, target, ignore_index,
        float_hint=f"probability targets must have input's shape {tuple(input.shape)}",
    )
    target = target.long()
    if weight is not None:
        check_class_weights(weight, num_classes, input)
    read = _gather_classes(input, target, ignore_index)
    value = None
    if validate_args_enabled():
        value = first_bad_value(read, (read > 1e-6) & (target != ignore_index))
    if value is not None:
        raise ValueError(
            f"input must hold log-probabilities (<= 0), got a value of {value!r} at a target class; "
            "did you pass probabilities or raw logits? apply log_softmax first, or call cross_entropy on logits"
        )
    return _weighted_nll(-read, target, weight, ignore_index, reduction)


def cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    r"""Cross-entropy from logits: ``nll_loss(log_softmax(input, 1), target)``.

    With class indices,

    .. math:: \ell_n = w_{y_n}\Big(\log\sum_c e^{x_{n,c}} - x_{n,y_n}\Big),

    evaluated from :func:`torch.logsumexp` and one ``gather``, without forming the
    log-softmax matrix. ``weight``, ``ignore_index`` and the ``'mean'`` reduction
    (sum divided by the sum of the selected weights) are those of :func:`nll_loss`.

    ``label_smoothing`` :math:`=\varepsilon \in [0, 1]` mixes the one-hot target with
    the uniform distribution: the loss becomes
    :math:`(1-\varepsilon)\,\ell^{\mathrm{NLL}} + \tfrac{\varepsilon}{C}\,\ell^{\mathrm{smooth}}`
    with :math:`\ell^{\mathrm{smooth}}_n = -\sum_c w_c \log\sigma(x_n)_c`, each part
    reduced on its own ('mean' divides both by the same sum of selected weights).

    Probability targets (``target`` a float tensor of input's shape, each slice along
    the class dimension a distribution):
    :math:`\ell_n = -\sum_c w_c\, y_{n,c} \log\sigma(x_n)_c`, smoothed to
    :math:`(1-\varepsilon)y + \varepsilon/C`; here ``'mean'`` divides by the number of
    elements N·d1·…, **not** by a sum of weights, and ``ignore_index`` is not allowed.

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ...) for K-dimensional (e.g.
    per-pixel) losses; ``target`` (), (N) or (N, d1, ...) of indices, or input's shape.
    Unlike torch, lossedu refuses a ``label_smoothing`` outside [0, 1] (torch ignores a
    negative one silently) and probability targets that are not distributions.
    Reference: :cite:t:`goodfellow2016deep`, *Deep Learning*, sec. 6.2.2.3;
    :cite:t:`szegedy2016rethinking` for label smoothing.

    >>> x = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    >>> cross_entropy(x, torch.tensor([0, 1]))
    tensor(0.3606)
    >>> cross_entropy(x, torch.tensor([0, 1]), label_smoothing=0.1)
    tensor(0.4773)
    >>> cross_entropy(x, torch.tensor([0, -100]))  # the second sample is ignored
    tensor(0.1698)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    check_ignore_index(ignore_index)
    check_in_interval(label_smoothing, "label_smoothing", 0.0, 1.0)
    num_classes = check_class_input(input)
    if weight is not None:
        check_class_weights(weight, num_classes, input)
    cdim = class_dim(input)

    if isinstance(target, torch.Tensor) and target.is_floating_point() and target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing, cdim)

    check_index_target(
        input, target, ignore_index,
        float_hint=f"probability targets must have input's shape {tuple(input.shape)}",
    )
    target = target.long()
    if label_smoothing == 0.0:
        safe = torch.where(target != ignore_index, target, 0)
        picked, _ = _LogSumExpMinusPick.apply(input, safe, cdim)
        return _weighted_nll(picked, target, weight, ignore_index, reduction)

    # Smoothing term without the log-softmax matrix: -sum_c w_c log softmax(x)_c
    # = (sum_c w_c) LSE(x) - sum_c w_c x_c.
    safe = torch.where(target != ignore_index, target, 0)
    picked, lse = _LogSumExpMinusPick.apply(input, safe, cdim)
    nll = _weighted_nll(picked, target, weight, ignore_index, reduction)
    if weight is None:
        smooth = num_classes * lse - input.sum(cdim)
    else:
        smooth = weight.sum() * lse - torch.matmul(input.movedim(cdim, -1), weight)
    keep = target != ignore_index
    smooth = torch.where(keep, smooth, 0)
    if reduction == "none":
        smooth_red = smooth
    elif reduction == "sum":
        smooth_red = smooth.sum()
    else:
        if weight is None:
            denom = keep.sum().to(smooth.dtype)
        else:
            denom = torch.where(keep, weight[safe], 0).sum()
        smooth_red = smooth.sum() / denom
    return (1 - label_smoothing) * nll + smooth_red * (label_smoothing / num_classes)


class _SoftTargetCrossEntropy(torch.autograd.Function):
    """Per-element :math:`-\\sum_c y_c \\log\\sigma(x)_c = \\operatorname{LSE}(x)\\sum_c y_c - \\sum_c y_c x_c`
    along the class dimension, returned with the log-sum-exp (an output, so a double
    backward stays exact). Neither the log-softmax nor the softmax is kept in memory."""

    @staticmethod
    def forward(ctx, x, y, cdim):
        ctx.set_materialize_grads(False)
        lse = torch.logsumexp(x, cdim)
        out = lse * y.sum(cdim) - (x * y).sum(cdim)
        ctx.cdim = cdim
        ctx.save_for_backward(x, y, lse)
        return out, lse

    @staticmethod
    def backward(ctx, grad_out, grad_lse):
        x, y, lse = ctx.saved_tensors
        cdim = ctx.cdim
        if grad_out is None and grad_lse is None:
            return None, None, None
        g = grad_out if grad_out is not None else torch.zeros_like(lse)
        total = g * y.sum(cdim)
        if grad_lse is not None:
            total = total + grad_lse
        g, total, lse_k = g.unsqueeze(cdim), total.unsqueeze(cdim), lse.unsqueeze(cdim)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if torch.is_grad_enabled():  # create_graph=True: keep every op differentiable
                grad_x = torch.exp(x - lse_k) * total - y * g
            else:
                grad_x = torch.sub(x, lse_k).exp_().mul_(total).addcmul_(y, g, value=-1)
        if ctx.needs_input_grad[1]:
            grad_y = (lse_k - x) * g
        return grad_x, grad_y, None


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing, cdim):
    check_same_device(input, target, "input", "target")
    if ignore_index >= 0:
        raise ValueError(
            f"ignore_index is not supported with probability targets, got ignore_index={ignore_index} "
            "(leave it at its default, -100)"
        )
    check_distribution(target, "target", dim=cdim)
    num_classes = input.shape[cdim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    if weight is not None:
        shape = [1] * input.dim()
        shape[cdim] = num_classes
        target = target * weight.view(shape)
    loss, _ = _SoftTargetCrossEntropy.apply(input, target, cdim)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if input.numel() == 0:
        return loss.sum() * float("nan")
    return loss.sum() / (input.numel() / num_classes)


# --------------------------------------------------------------------------- binary
class _BinaryCrossEntropy(torch.autograd.Function):
    """Element-wise BCE on probabilities, with the clamped logs of the forward pass and
    the gradient torch uses, :math:`(x - y) / \\max(x(1-x), 10^{-12})`, which stays finite
    at x = 0 and x = 1 where the derivative of the clamped formula would be 0/0."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        log_x = torch.log(x).clamp_min(LOG_CLAMP)
        log_1mx = torch.log1p(-x).clamp_min(LOG_CLAMP)
        return (y - 1) * log_1mx - y * log_x

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - y) / (x * (1 - x)).clamp_min(_BCE_GRAD_EPS)
        if ctx.needs_input_grad[1]:
            grad_y = grad * (torch.log1p(-x) - torch.log(x))
        return grad_x, grad_y


def _check_binary(input, target, weight, name_weight="weight"):
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_device(input, target, "input", "target")
    check_same_shape(input, target, "input", "target")
    if weight is not None:
        check_tensor(weight, name_weight)
        check_same_device(input, weight, "input", name_weight)
        check_broadcastable_to(weight, input.shape, name_weight, "input")


def binary_cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy on probabilities:
    :math:`\ell_n = -w_n\big[y_n \log x_n + (1-y_n)\log(1-x_n)\big]`.

    Each logarithm is **clamped at -100** (no epsilon is added to ``x``), so
    :math:`x_n = 0` with :math:`y_n = 1` costs exactly 100, not infinity. The gradient
    is torch's, :math:`w_n (x_n - y_n)/\max(x_n(1-x_n), 10^{-12})`, finite everywhere.

    ``reduction``: ``'none'`` | ``'mean'`` (over all elements) | ``'sum'``.
    Shapes: ``input`` and ``target`` identical, any shape, both in [0, 1] (lossedu
    refuses anything else with a ValueError, torch with a RuntimeError); ``weight``
    broadcasts to that shape. Prefer :func:`binary_cross_entropy_with_logits`: a
    probability from ``sigmoid`` has already lost the information the log needs.
    Reference: Murphy, *Probabilistic Machine Learning*, sec. 10.2.

    >>> binary_cross_entropy(torch.tensor([0.8, 0.2]), torch.tensor([1.0, 0.0]))
    tensor(0.2231)
    >>> binary_cross_entropy(torch.tensor([0.0]), torch.tensor([1.0]))  # log 0 clamped at -100
    tensor(100.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_binary(input, target, weight)
    check_probability(input, "input")
    check_probability(target, "target")
    if weight is not None:
        check_nonnegative_tensor(weight, "weight")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _log_sigmoid(x: torch.Tensor) -> torch.Tensor:
    r"""Stable :math:`\log\sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})`.

    :func:`torch.nn.functional.logsigmoid` is the torch primitive that evaluates exactly
    this expression in one kernel (its gradient is :math:`\sigma(-x)`); chapter 04
    derives it and checks it against the formula written out by hand.
    """
    return torch.nn.functional.logsigmoid(x)


class _BinaryCrossEntropyWithLogits(torch.autograd.Function):
    """Element-wise :math:`(1-y)\\,x - (1 + (p-1)\\,y)\\log\\sigma(x)` with closed-form
    gradients, :math:`\\partial/\\partial x = (1 - y) - (1 + (p-1)y)\\,\\sigma(-x)`, written
    from the saved inputs (so a double backward stays exact)."""

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        log_sig = _log_sigmoid(x)
        if pos_weight is not None:
            log_sig = log_sig.mul_(y.mul(pos_weight - 1).add_(1))
        ctx.save_for_backward(x, y, pos_weight)
        return torch.sub(1, y).mul_(x).sub_(log_sig)

    @staticmethod
    def backward(ctx, grad):
        x, y, pw = ctx.saved_tensors
        grad_x = grad_y = grad_pw = None
        if ctx.needs_input_grad[0]:
            # sigmoid(x) - y (1 + (p - 1) sigmoid(-x)), which is sigmoid(x) - y when p = 1
            if torch.is_grad_enabled():  # create_graph=True: keep every op differentiable
                extra = 1 if pw is None else 1 + (pw - 1) * torch.sigmoid(-x)
                grad_x = (torch.sigmoid(x) - y * extra) * grad
            elif pw is None:
                grad_x = torch.sigmoid(x).sub_(y).mul_(grad)
            else:
                extra = torch.neg(x).sigmoid_().mul_(pw - 1).add_(1).mul_(y)
                grad_x = torch.sigmoid(x).sub_(extra).mul_(grad)
        if ctx.needs_input_grad[1]:
            grad_y = -x if pw is None else -x - (pw - 1) * _log_sigmoid(x)
            grad_y = grad_y * grad
        if ctx.needs_input_grad[2]:
            grad_pw = (-(y * _log_sigmoid(x)) * grad).sum_to_size(pw.shape)
        return grad_x, grad_y, grad_pw


def binary_cross_entropy_with_logits(
    input: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on logits:
    :math:`\ell_n = -w_n\big[p\, y_n \log\sigma(x_n) + (1-y_n)\log\sigma(-x_n)\big]`.

    :math:`p` is ``pos_weight`` (1 by default), the weight of the positive term.
    It is evaluated as :math:`(1-y)\,x - (1 + (p-1)\,y)\log\sigma(x)` with a stable
    :math:`\log\sigma(x) = \min(x,0) - \log(1+e^{-|x|})`, so it is exact for any finite
    logit, ±1e4 included, where ``sigmoid`` followed by BCE has long saturated.

    ``reduction``: ``'none'`` | ``'mean'`` (over all elements) | ``'sum'``.
    Shapes: ``input`` and ``target`` identical; ``weight`` and ``pos_weight``
    broadcast to that shape (``pos_weight`` usually has one entry per class, the last
    dimension). Unlike torch, lossedu refuses targets outside [0, 1] (torch returns a
    loss that can be negative) and a negative ``weight`` or ``pos_weight``.
    Reference: Murphy, *Probabilistic Machine Learning*, sec. 10.2.

    >>> binary_cross_entropy_with_logits(torch.tensor([1.5, -1.2]), torch.tensor([1.0, 0.0]))
    tensor(0.2323)
    >>> binary_cross_entropy_with_logits(torch.tensor([-1e4]), torch.tensor([1.0]))
    tensor(10000.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_binary(input, target, weight)
    check_probability(target, "target")
    if weight is not None:
        check_nonnegative_tensor(weight, "weight")
    if pos_weight is not None:
        check_tensor(pos_weight, "pos_weight")
        check_same_device(input, pos_weight, "input", "pos_weight")
        check_broadcastable_to(pos_weight, target.shape, "pos_weight", "target")
        check_nonnegative_tensor(pos_weight, "pos_weight")
    loss = _BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
