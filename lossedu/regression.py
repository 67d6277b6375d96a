r"""Chapter 02: regression losses.

Losses on a residual :math:`d = x - y` between a prediction ``input`` (:math:`x`) and a
``target`` (:math:`y`). Five of them carry exactly the semantics of their namesakes in
:mod:`torch.nn.functional` on valid input (:func:`mse_loss`, :func:`l1_loss`,
:func:`huber_loss`, :func:`smooth_l1_loss`, :func:`gaussian_nll_loss`,
:func:`poisson_nll_loss`); the others
(:func:`rmse_loss`, :func:`log_cosh_loss`, :func:`quantile_loss`,
:func:`tukey_biweight_loss`) have no torch counterpart.

Conventions shared by every function here:

* ``input`` and ``target`` must be floating-point tensors of **the same shape**. torch only
  warns and broadcasts a ``(N,)`` target against an ``(N, 1)`` prediction into an
  ``(N, N)`` matrix of residuals; lossedu raises a :class:`ValueError` instead.
* ``reduction`` is ``'none'`` (element-wise losses), ``'mean'`` (the default) or ``'sum'``.
* Piecewise losses are written with a clamp rather than a branch, so that no branch that
  is not taken can put a NaN or an infinity into the gradient. Huber and Smooth L1 use
  :math:`m\,(d - \tfrac12 m)` with :math:`m = \operatorname{clamp}(d, -\delta, \delta)`, which is
  :math:`\tfrac12 d^2` when :math:`|d| \le \delta` and :math:`\delta(|d| - \tfrac12\delta)`
  otherwise; its gradient is :math:`m` itself, which a small :class:`torch.autograd.Function`
  recomputes from the saved residual (no chain of intermediate tensors for autograd to walk
  back through, and still exact under a double backward).
"""

from __future__ import annotations

import math

import torch

from ._checks import (
    check_bool,
    check_in_interval,
    check_nonnegative_tensor,
    check_positive,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
    reduce,
    first_bad_value,
    validate_args_enabled,
)

__all__ = [
    "mse_loss",
    "rmse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "log_cosh_loss",
    "quantile_loss",
    "tukey_biweight_loss",
    "gaussian_nll_loss",
    "poisson_nll_loss",
]


def _pair(input, target, reduction="mean", allowed=("none", "mean", "sum")):
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    check_same_device(input, target, "input", "target")
    check_reduction(reduction, allowed)


def _weight(weight, input):
    if weight is None:
        return
    check_tensor(weight, "weight")
    check_same_shape(weight, input, "weight", "input")
    check_same_device(weight, input, "weight", "input")


def mse_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Mean squared error, as :func:`torch.nn.functional.mse_loss`.

    .. math:: \ell_i = (x_i - y_i)^2

    Reduction: ``'mean'`` averages :math:`\ell_i` over every element, ``'sum'`` adds them,
    ``'none'`` returns them. With a ``weight`` (same shape as ``input``) each
    :math:`\ell_i` is multiplied by :math:`w_i`, and ``'mean'`` becomes the weighted mean
    :math:`\sum_i w_i \ell_i / \sum_i w_i` (torch's convention for this loss).

    Shapes: ``input`` and ``target`` of any one shape; ``'none'`` keeps it.
    Minimising it over a constant gives the mean of the targets.
    Reference: :cite:t:`goodfellow2016deep`, *Deep Learning*, sec. 5.5.1.

    >>> mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]))
    tensor(1.)
    """
    _pair(input, target, reduction)
    _weight(weight, input)
    return reduce((input - target).square(), reduction, weight)


def rmse_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Root mean squared error :math:`\sqrt{\tfrac1n \sum_i (x_i - y_i)^2}`.

    RMSE is not an element-wise loss, so ``reduction`` says how the squared errors are
    pooled *before* the square root: ``'mean'`` gives RMSE, ``'sum'`` gives the Euclidean
    distance :math:`\lVert x - y \rVert_2`. ``'none'`` is refused (it would be :math:`|d_i|`,
    which is :func:`l1_loss` with ``reduction='none'``).

    The gradient :math:`(x - y) / (n\,\mathrm{RMSE})` is undefined at a perfect fit: there it
    is ``nan`` (0/0), which is one reason to train with :func:`mse_loss` and only *report*
    RMSE. Reference: :cite:t:`hyndman2006another`,
    "Another look at measures of forecast accuracy".

    >>> rmse_loss(torch.tensor([1.5, 2.0, 3.2]), torch.tensor([1.0, 2.5, 2.8]))
    tensor(0.4690)
    """
    _pair(input, target, reduction, ("mean", "sum"))
    return reduce((input - target).square(), reduction).sqrt()


def l1_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Mean absolute error, as :func:`torch.nn.functional.l1_loss`.

    .. math:: \ell_i = |x_i - y_i|

    Reduction as :func:`mse_loss` (with ``weight``, ``'mean'`` is :math:`\sum w\ell / \sum w`).
    The gradient is :math:`\operatorname{sign}(x_i - y_i)` (0 at a zero residual): its size does
    not shrink near the optimum. Minimising it over a constant gives a median of the targets.
    Reference: :cite:t:`koenker2005quantile`, *Quantile Regression*, ch. 1.

    >>> l1_loss(torch.tensor([1.5, 2.0, 3.2]), torch.tensor([1.0, 2.5, 2.8]))
    tensor(0.4667)
    """
    _pair(input, target, reduction)
    _weight(weight, input)
    return reduce((input - target).abs(), reduction, weight)


class _ClampedQuadratic(torch.autograd.Function):
    r"""Element-wise Huber loss :math:`m\,(d - \tfrac12 m)`, :math:`m = \operatorname{clamp}(d, -t, t)`,
    divided by ``t`` when ``divide`` is true (Smooth L1 with :math:`\beta = t`).

    With :math:`|d| \le t`, :math:`m = d` and the product is :math:`d \cdot \tfrac12 d`; beyond,
    :math:`m = \pm t` and it is :math:`t(|d| - \tfrac12 t)`: no branch, and only a clamped value
    is ever squared. The gradient with respect to :math:`d` is :math:`m` (over ``t`` for Smooth
    L1), recomputed from the saved residual, so the backward pass is one clamp and one product.
    """

    @staticmethod
    def forward(ctx, d, t, divide):
        m = d.clamp(-t, t)
        out = torch.add(d, m, alpha=-0.5).mul_(m)
        if divide:
            out = out.div_(t)
        ctx.t, ctx.divide = t, divide
        ctx.save_for_backward(d)
        return out

    @staticmethod
    def backward(ctx, grad):
        (d,) = ctx.saved_tensors
        t = ctx.t
        if torch.is_grad_enabled():  # create_graph=True: keep every op differentiable
            # the same m, written so that its derivative is 1 only for |d| < t, as in torch
            m = torch.where(d.abs() < t, d, d.sign() * t)
            return (m / t if ctx.divide else m) * grad, None, None
        m = d.clamp(-t, t)
        if ctx.divide:
            m = m.div_(t)
        return m.mul_(grad), None, None


def huber_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Huber loss, as :func:`torch.nn.functional.huber_loss`.

    .. math::
        \ell_i = \begin{cases} \tfrac12 d_i^2 & |d_i| < \delta \\
                 \delta\,(|d_i| - \tfrac12 \delta) & \text{otherwise} \end{cases},
        \qquad d_i = x_i - y_i .

    Quadratic near zero, linear in the tails; the gradient is :math:`d_i` clipped to
    :math:`[-\delta, \delta]`. ``delta`` must be > 0. It equals
    ``delta * smooth_l1_loss(..., beta=delta)``; as :math:`\delta \to \infty` it becomes half
    the squared error. Reduction as :func:`mse_loss`, except that with a ``weight`` torch's
    ``'mean'`` is the plain mean of :math:`w_i \ell_i` (not divided by :math:`\sum w`).
    Reference: :cite:t:`huber1964robust`, "Robust Estimation of a Location Parameter".

    >>> huber_loss(torch.tensor([0.6, 0.4]), torch.tensor([0.0, 1.0]))
    tensor(0.1800)
    """
    _pair(input, target, reduction)
    check_positive(delta, "delta")
    _weight(weight, input)
    loss = _ClampedQuadratic.apply(input - target, float(delta), False)
    if weight is not None:
        loss = loss * weight
    return reduce(loss, reduction)


def smooth_l1_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    beta: float = 1.0,
) -> torch.Tensor:
    r"""Smooth L1 loss, as :func:`torch.nn.functional.smooth_l1_loss`.

    .. math::
        \ell_i = \begin{cases} \tfrac{1}{2\beta} d_i^2 & |d_i| < \beta \\
                 |d_i| - \tfrac12 \beta & \text{otherwise} \end{cases},
        \qquad d_i = x_i - y_i .

    The gradient is :math:`d_i/\beta` clipped to :math:`[-1, 1]`. ``beta`` must be >= 0;
    ``beta=0`` is exactly :func:`l1_loss`. For ``beta > 0`` it equals
    ``huber_loss(..., delta=beta) / beta``. Reduction as :func:`mse_loss`.
    Reference: :cite:t:`girshick2015fast`, "Fast R-CNN" (ICCV).

    >>> smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    _pair(input, target, reduction)
    check_positive(beta, "beta", strict=False)
    if beta == 0:
        return reduce((input - target).abs(), reduction)
    return reduce(_ClampedQuadratic.apply(input - target, float(beta), True), reduction)


def log_cosh_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""Log-cosh loss :math:`\ell_i = \log\cosh(x_i - y_i)`.

    About :math:`\tfrac12 d^2` for small residuals and :math:`|d| - \log 2` for large ones,
    smooth everywhere, with gradient :math:`\tanh(d)` (bounded by 1). Computed as
    :math:`|d| + \operatorname{softplus}(-2|d|) - \log 2`, which never overflows (a naive
    ``cosh`` overflows in float32 beyond :math:`|d| \approx 89`). Reduction as :func:`mse_loss`.
    Reference: :cite:t:`chen2019log`, "Log Hyperbolic Cosine Loss Improves Variational
    Auto-Encoder".

    >>> log_cosh_loss(torch.tensor([0.0, 1.0, 100.0]), torch.zeros(3), reduction="none")
    tensor([ 0.0000,  0.4338, 99.3069])
    """
    _pair(input, target, reduction)
    a = (input - target).abs()
    loss = a + torch.nn.functional.softplus(-2.0 * a) - math.log(2.0)
    return reduce(loss, reduction)


def quantile_loss(
    input: torch.Tensor, target: torch.Tensor, q: float, reduction: str = "mean"
) -> torch.Tensor:
    r"""Quantile (pinball) loss for the ``q``-quantile, with :math:`r_i = y_i - x_i`.

    .. math:: \ell_i = \max\big(q\, r_i,\ (q - 1)\, r_i\big)
              = q\,\max(r_i, 0) + (1 - q)\max(-r_i, 0)

    An under-prediction (:math:`r > 0`) costs :math:`q` per unit, an over-prediction
    :math:`1 - q`; the constant that minimises the mean loss is a ``q``-quantile of the
    targets. ``q`` must lie in (0, 1); ``q=0.5`` is half the absolute error. The gradient
    with respect to ``input`` is :math:`-q` or :math:`1 - q` (0 at a zero residual).
    Reduction as :func:`mse_loss`. Reference: :cite:t:`koenker1978regression`,
    "Regression Quantiles".

    >>> quantile_loss(torch.tensor([0.0, 0.0]), torch.tensor([1.0, -1.0]), q=0.9, reduction="none")
    tensor([0.9000, 0.1000])
    """
    _pair(input, target, reduction)
    check_in_interval(q, "q", 0.0, 1.0, closed=False)
    r = target - input
    loss = q * torch.relu(r) + (1.0 - q) * torch.relu(-r)
    return reduce(loss, reduction)


def tukey_biweight_loss(
    input: torch.Tensor, target: torch.Tensor, c: float = 4.685, reduction: str = "mean"
) -> torch.Tensor:
    r"""Tukey's biweight (bisquare) loss with tuning constant ``c``.

    .. math::
        \ell_i = \frac{c^2}{6} \begin{cases} 1 - \big(1 - (d_i/c)^2\big)^3 & |d_i| \le c \\
                 1 & |d_i| > c \end{cases}, \qquad d_i = x_i - y_i .

    Near zero it is about :math:`\tfrac12 d^2`; beyond ``c`` it is flat, so its gradient
    :math:`d\,(1 - (d/c)^2)^2` is exactly 0 for a gross outlier: the outlier is ignored.
    The price is non-convexity (a fit can stall far from the optimum). ``c`` must be > 0; the
    default 4.685 is meant for residuals on a unit scale (e.g. divided by a robust estimate
    of their spread). Reduction as :func:`mse_loss`.
    Reference: :cite:t:`beaton1974fitting`; :cite:t:`belagiannis2015robust`, "Robust
    Optimization for Deep Regression" (ICCV).

    >>> tukey_biweight_loss(torch.tensor([0.0, 1.0, 10.0]), torch.zeros(3), reduction="none")
    tensor([0.0000, 0.4776, 3.6582])
    """
    _pair(input, target, reduction)
    check_positive(c, "c")
    u = torch.clamp((input - target).abs() / c, max=1.0)
    loss = (c * c / 6.0) * (1.0 - (1.0 - u.square()).pow(3))
    return reduce(loss, reduction)


def _var_shape_ok(input_shape, var_shape) -> bool:
    if var_shape == input_shape or var_shape == input_shape[:-1]:
        return True
    if len(var_shape) != len(input_shape):
        return False
    mismatched = [v for i, v in zip(input_shape, var_shape) if i != v]
    return len(mismatched) == 1 and mismatched[0] == 1


def gaussian_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    var: torch.Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Gaussian negative log-likelihood, as :func:`torch.nn.functional.gaussian_nll_loss`.

    ``input`` is the predicted mean :math:`\mu_i`, ``var`` the predicted variance
    :math:`\sigma_i^2`, and ``target`` the observation :math:`y_i`:

    .. math:: \ell_i = \tfrac12\Big(\log \max(\sigma_i^2, \epsilon)
              + \frac{(\mu_i - y_i)^2}{\max(\sigma_i^2, \epsilon)}\Big)
              \;\big[+\ \tfrac12 \log 2\pi \text{ if } \texttt{full}\big]

    With a fixed :math:`\sigma^2` this is :math:`\tfrac{1}{2\sigma^2}` times the squared
    error plus a constant, so it has the same minimiser as :func:`mse_loss`. It can be
    negative (a density can exceed 1). Variances below ``eps`` are raised to ``eps``; as in
    torch, the clamp is invisible to autograd: the gradient with respect to ``var`` is the
    formula's derivative evaluated at the clamped value, even for clamped entries.

    Shapes: ``input`` and ``target`` the same shape ``S``. ``var`` has shape ``S``
    (one variance per element), or ``S[:-1]`` (one per row, used for every last-dim entry),
    or ``S`` with exactly one dimension replaced by 1 (shared along that dimension), or is a
    Python number (one variance for everything). Entries of ``var`` must be >= 0.
    Reduction as :func:`mse_loss`. Reference: :cite:t:`nix1994estimating`, "Estimating
    the mean and variance of the target probability distribution" (ICNN).

    >>> gaussian_nll_loss(torch.tensor([0.0]), torch.tensor([1.0]), torch.tensor([1.0]), full=True)
    tensor(1.4189)
    """
    _pair(input, target, reduction)
    if not isinstance(full, bool):
        raise TypeError(f"full must be a bool, got {type(full).__name__}")
    check_positive(eps, "eps", strict=False)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if not var >= 0:
            raise ValueError(f"var must be >= 0 (a variance), got {var!r}")
        var = torch.full_like(input, float(var))
    else:
        check_tensor(var, "var")
        check_same_device(var, input, "var", "input")
        if not _var_shape_ok(tuple(input.shape), tuple(var.shape)):
            raise ValueError(
                f"var must have the shape of input {tuple(input.shape)}, or that shape without "
                f"its last dimension {tuple(input.shape[:-1])}, or that shape with one dimension "
                f"set to 1; got {tuple(var.shape)}"
            )
        value = first_bad_value(var, var < 0) if validate_args_enabled() else None
        if value is not None:
            raise ValueError(f"var must be >= 0 (a variance), got a value of {value!r}")
        if var.shape == input.shape[:-1] and var.shape != input.shape:
            var = var.unsqueeze(-1)
    # Value of the clamp, gradient of the identity (torch clamps in place under no_grad).
    v = var.detach().clamp(min=eps) + (var - var.detach())
    loss = 0.5 * (torch.log(v) + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)


def poisson_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Poisson negative log-likelihood, as :func:`torch.nn.functional.poisson_nll_loss`.

    ``target`` holds counts :math:`y_i \ge 0` and ``input`` the predicted rate
    :math:`\lambda_i`, as its logarithm (``log_input=True``, the default) or as the rate itself:

    .. math:: \ell_i = \begin{cases} e^{x_i} - y_i\,x_i & \texttt{log\_input}
              \ (x_i = \log\lambda_i) \\
              x_i - y_i \log(x_i + \epsilon) & \text{otherwise}\ (x_i = \lambda_i)
              \end{cases}
              \;\big[+\ y_i\log y_i - y_i + \tfrac12\log(2\pi y_i)
              \text{ if } \texttt{full} \text{ and } y_i > 1\big]

    This is :math:`-\log P(y_i \mid \lambda_i) = \lambda_i - y_i\log\lambda_i + \log y_i!`
    without the constant :math:`\log y_i!`; ``full=True`` adds Stirling's approximation
    of it, for targets above 1 only (as torch does). ``eps`` keeps the rate form finite at
    :math:`\lambda = 0`. The minimiser in :math:`\lambda` of the expected loss is the mean
    count :math:`\mathbb{E}[y]`, whatever the form. With ``log_input=False`` the rates must
    be >= 0; the targets must be >= 0 in both forms (torch checks neither). Shapes and
    reduction as :func:`mse_loss`. Reference: the Poisson regression model, e.g.
    :cite:t:`murphy2022probabilistic`, *Probabilistic Machine Learning*, section on
    generalised linear models.

    >>> poisson_nll_loss(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 3.0]), reduction="none")
    tensor([ 1.0000, -0.2817])
    """
    _pair(input, target, reduction)
    check_bool(log_input, "log_input")
    check_bool(full, "full")
    check_positive(eps, "eps", strict=False)
    check_nonnegative_tensor(target, "target")
    if log_input:
        loss = torch.exp(input) - target * input
    else:
        check_nonnegative_tensor(input, "input (a rate, since log_input=False)")
        loss = input - target * torch.log(input + eps)
    if full:
        # Stirling's term where the target exceeds 1; a safe stand-in elsewhere keeps
        # log(0) out of both the value and the gradient.
        big = target > 1
        y = torch.where(big, target, torch.ones_like(target))
        stirling = y * torch.log(y) - y + 0.5 * torch.log(2 * math.pi * y)
        loss = loss + torch.where(big, stirling, torch.zeros_like(stirling))
    return reduce(loss, reduction)
