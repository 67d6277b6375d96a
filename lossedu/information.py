"""Chapter 03: from information to cross-entropy.

Entropy, Kullback–Leibler and Jensen–Shannon divergences and the cross-entropy
between two distributions, all in nats (natural logarithms), plus
:func:`kl_div` with exactly the semantics of :func:`torch.nn.functional.kl_div`.

Conventions shared by every function here:

* ``0 · log 0 = 0``: an outcome with zero probability under ``p`` contributes nothing;
* ``p · log(p / 0) = +inf`` for ``p > 0``: a support mismatch gives an infinite divergence;
* inputs must be probability vectors along ``dim`` (non-negative, summing to 1);
  they are never renormalised silently.
"""

from __future__ import annotations

import math

import torch

from ._checks import (
    check_dim,
    check_distribution,
    check_probability,
    check_reduction,
    check_same_shape,
    check_tensor,
    reduce,
    first_bad_value,
    validate_args_enabled,
)

__all__ = [
    "self_information",
    "entropy",
    "cross_entropy_between",
    "kl_divergence",
    "js_divergence",
    "js_distance",
    "kl_div",
]


def _pair(p, q, dim):
    check_tensor(p, "p")
    check_tensor(q, "q")
    check_same_shape(p, q, "p", "q")
    check_dim(p, dim, "p")
    check_distribution(p, "p", dim)
    check_distribution(q, "q", dim)


def self_information(p: torch.Tensor) -> torch.Tensor:
    r"""Surprise of an outcome of probability ``p``: :math:`I(p) = -\log p` (nats).

    Element-wise; ``p`` must lie in [0, 1]. ``I(1) = 0`` and ``I(0) = +inf``.

    >>> self_information(torch.tensor([1.0, 0.5, 0.25]))
    tensor([0.0000, 0.6931, 1.3863])
    """
    check_tensor(p, "p")
    check_probability(p, "p")
    return 0.0 - torch.log(p)  # 0.0 - x: a certain outcome gives +0, not -0


def entropy(p: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \log p_i` in nats, reduced over ``dim``.

    Terms with :math:`p_i = 0` contribute 0. The result lies in :math:`[0, \log C]`
    for ``C`` outcomes. Reference: :cite:t:`cover2006elements`,
    *Elements of Information Theory*, ch. 2.

    >>> entropy(torch.tensor([0.5, 0.5]))
    tensor(0.6931)
    """
    check_tensor(p, "p")
    check_dim(p, dim, "p")
    check_distribution(p, "p", dim)
    return 0.0 - torch.special.xlogy(p, p).sum(dim=dim)  # 0.0 - x: a certain outcome gives +0, not -0


def cross_entropy_between(p: torch.Tensor, q: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Cross-entropy of ``q`` relative to ``p``: :math:`H(p, q) = -\sum_i p_i \log q_i`.

    Equals :math:`H(p) + D_{KL}(p \,\|\, q)`. It is ``+inf`` when some :math:`q_i = 0`
    while :math:`p_i > 0`. With a one-hot ``p`` it is the negative log-likelihood of the
    true class, which is what :func:`torch.nn.functional.cross_entropy` computes from logits.

    >>> cross_entropy_between(torch.tensor([0.0, 1.0, 0.0]), torch.tensor([0.05, 0.95, 0.0]))
    tensor(0.0513)
    """
    _pair(p, q, dim)
    return -torch.special.xlogy(p, q).sum(dim=dim)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Kullback–Leibler divergence :math:`D_{KL}(p \,\|\, q) = \sum_i p_i \log(p_i / q_i)`.

    Non-negative, zero exactly when ``p == q``, not symmetric, and ``+inf`` when ``q``
    puts zero mass where ``p`` does not. Matches ``scipy.special.rel_entr(p, q).sum(dim)``.

    >>> kl_divergence(torch.tensor([0.5, 0.5]), torch.tensor([0.9, 0.1]))
    tensor(0.5108)
    """
    _pair(p, q, dim)
    return (torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum(dim=dim)


def js_divergence(p: torch.Tensor, q: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Jensen–Shannon divergence :math:`\tfrac12 D_{KL}(p\|m) + \tfrac12 D_{KL}(q\|m)`, :math:`m = \tfrac12(p+q)`.

    Symmetric, always finite, and bounded by :math:`\log 2`. Its square root is a
    metric, :func:`js_distance` (what :func:`scipy.spatial.distance.jensenshannon` returns).

    >>> js_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))
    tensor(0.6931)
    """
    _pair(p, q, dim)
    # log m = log(p + q) - log 2, computed without forming m: halving the smallest
    # subnormal number underflows to 0 and would turn a finite JS into inf. Where
    # p + q = 0 both terms below are 0; the log is taken of 1 there to keep gradients finite.
    total = p + q
    log_m = torch.log(torch.where(total > 0, total, torch.ones_like(total))) - math.log(2.0)

    def kl_to_m(a):
        return (torch.special.xlogy(a, a) - a * log_m).sum(dim=dim)

    return 0.5 * kl_to_m(p) + 0.5 * kl_to_m(q)


def js_distance(p: torch.Tensor, q: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""Jensen–Shannon *distance* :math:`\sqrt{JS(p, q)}`: a true metric, bounded by :math:`\sqrt{\log 2}`.

    Same as ``scipy.spatial.distance.jensenshannon(p, q)`` (natural log).

    >>> js_distance(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))
    tensor(0.8326)
    """
    return js_divergence(p, q, dim).clamp_min(0).sqrt()


def kl_div(
    input: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> torch.Tensor:
    r"""KL divergence loss with the semantics of :func:`torch.nn.functional.kl_div`.

    ``input`` holds **log-probabilities** (e.g. from ``log_softmax``); ``target`` holds
    probabilities, or log-probabilities when ``log_target=True``. Element-wise,

    .. math:: \ell = y \,(\log y - x) \quad(\text{with } 0 \log 0 = 0),
              \qquad\text{or}\qquad \ell = e^{y}\,(y - x)\ \text{ if log\_target}.

    ``reduction``: ``'none'`` keeps the element-wise loss; ``'sum'`` adds it up;
    ``'batchmean'`` divides the sum by the batch size ``input.shape[0]`` and is the
    true KL divergence per sample; ``'mean'`` divides by the number of *elements*,
    which is the KL divergence divided by the number of classes as well.

    Unlike torch, mismatched shapes are refused rather than broadcast, positive
    "log-probabilities" in ``input`` (a sign that probabilities were passed) are refused,
    and ``target`` must lie in [0, 1] (or be ≤ 0 with ``log_target=True``).

    >>> x = torch.tensor([[0.5, 0.5]]).log(); y = torch.tensor([[0.9, 0.1]])
    >>> kl_div(x, y, reduction="batchmean")
    tensor(0.3681)
    """
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    check_reduction(reduction, ("none", "batchmean", "sum", "mean"))
    if not isinstance(log_target, bool):
        raise TypeError(f"log_target must be a bool, got {type(log_target).__name__}")
    value = first_bad_value(input, input > 1e-6) if validate_args_enabled() else None
    if value is not None:
        raise ValueError(
            f"input must hold log-probabilities (<= 0), got a value of {value!r}; "
            "did you pass probabilities? use log_softmax (or .log()) first"
        )
    if log_target:
        value = first_bad_value(target, target > 1e-6) if validate_args_enabled() else None
        if value is not None:
            raise ValueError(f"target must hold log-probabilities (<= 0) when log_target=True, got a value of {value!r}")
        pointwise = torch.exp(target) * (target - input)
    else:
        check_probability(target, "target")
        pointwise = torch.special.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = pointwise.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return reduce(pointwise, reduction)
