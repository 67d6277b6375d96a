"""Input validation shared by every loss in ``lossedu``.

Every public function checks its arguments here, so that a bad argument
fails in one consistent way: a :class:`TypeError` for the wrong kind of
object or dtype, a :class:`ValueError` for a wrong shape, range or option.
Each message names the argument, says what was expected and what was given.

Two kinds of check live here, following :mod:`torch.distributions`:

* **metadata checks** (type, dtype, shape, device, Python options) always run:
  they cost nothing and never touch a tensor's values;
* **value checks** (probabilities in [0, 1], class indices in range, non-negative
  weights, ...) read the data. They are on by default and turned off, for a
  training loop that must not stall a GPU, with :func:`set_validate_args`
  (``lossedu.set_validate_args(False)``, or as a context manager). With value
  checks off, no function in ``lossedu`` reads a tensor's values on the host:
  no ``.item()``, no ``bool(tensor)``, no boolean-mask indexing.
"""

from __future__ import annotations

from typing import Iterable, Literal

import torch

Reduction = Literal["none", "mean", "sum"]
REDUCTIONS = ("none", "mean", "sum")

_VALIDATE_ARGS = True


class set_validate_args:
    """Turn the value checks of every ``lossedu`` function on or off.

    ``lossedu.set_validate_args(False)`` switches them off for the rest of the
    program (like ``torch.distributions.Distribution.set_default_validate_args``);
    used in a ``with`` statement it switches them for the block only and restores
    the previous setting afterwards. Checks of types, dtypes, shapes, devices and
    options always run. With value checks off a loss never synchronises the host
    with the device, and a wrong input gives a wrong number instead of an error:
    turn them off once the pipeline is known to be right.

    >>> import torch, lossedu
    >>> with lossedu.set_validate_args(False):
    ...     lossedu.validate_args_enabled()
    False
    >>> lossedu.validate_args_enabled()
    True
    """

    def __init__(self, value: bool):
        global _VALIDATE_ARGS
        if not isinstance(value, bool):
            raise TypeError(f"value must be a bool, got {type(value).__name__}")
        self._previous = _VALIDATE_ARGS
        _VALIDATE_ARGS = value

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        global _VALIDATE_ARGS
        _VALIDATE_ARGS = self._previous

    def __repr__(self) -> str:
        return f"set_validate_args({_VALIDATE_ARGS})"


def validate_args_enabled() -> bool:
    """Whether ``lossedu`` checks the values of its inputs (see :func:`set_validate_args`)."""
    return _VALIDATE_ARGS


def first_bad_value(x: torch.Tensor, bad: torch.Tensor):
    """The first entry of ``x`` where the boolean tensor ``bad`` is set, or ``None``.

    A value check: it synchronises with the device, so callers run it only when
    :func:`validate_args_enabled` is true. On valid input it costs one reduction.
    """
    if not bool(bad.any()):
        return None
    return x[bad].flatten()[0].item()


def check_tensor(x, name: str, *, floating: bool = True) -> None:
    """``x`` must be a tensor; with ``floating=True`` it must be a float tensor."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if floating and not x.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor (e.g. torch.float32), got dtype {x.dtype}"
        )


def check_integer_tensor(x, name: str) -> None:
    """``x`` must be a tensor of integer dtype (e.g. class indices)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(
            f"{name} must be an integer tensor of class indices (e.g. torch.long), got dtype {x.dtype}"
        )


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Refuse to broadcast: ``a`` and ``b`` must have exactly the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and "
            f"{tuple(b.shape)} (lossedu does not broadcast them: a silent broadcast "
            f"usually hides a bug)"
        )


def check_same_device(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    if a.device != b.device:
        raise ValueError(
            f"{name_a} and {name_b} must be on the same device, got {a.device} and {b.device}"
        )


def check_reduction(reduction, allowed: Iterable[str] = REDUCTIONS) -> None:
    """``reduction`` must be one of ``allowed``."""
    allowed = tuple(allowed)
    if not isinstance(reduction, str) or reduction not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"reduction must be one of {options}, got {reduction!r}")


def reduce(loss: torch.Tensor, reduction: str, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Apply ``'none'``, ``'mean'`` or ``'sum'`` to an element-wise loss.

    With ``weight`` (broadcastable to ``loss``) the loss is multiplied by it first, and
    ``'mean'`` divides by the sum of the weights rather than the count: PyTorch's
    weighted mean, as in ``cross_entropy(weight=...)``.
    """
    if weight is not None:
        loss = loss * weight
        if reduction == "mean":
            return loss.sum() / weight.expand_as(loss).sum()
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    check_reduction(reduction)
    raise AssertionError("unreachable")  # pragma: no cover


def check_probability(x: torch.Tensor, name: str) -> None:
    """Every entry of ``x`` must lie in [0, 1] (NaN is refused too).

    One pass on valid input (``aminmax``); the offending value is looked up only on failure.
    """
    if x.numel() == 0 or not _VALIDATE_ARGS:
        return
    low, high = torch.aminmax(x.detach())
    if bool(low >= 0) and bool(high <= 1):  # both False when x holds a NaN
        return
    bad = ~((x >= 0) & (x <= 1))
    value = x[bad].flatten()[0].item()
    raise ValueError(f"{name} must contain probabilities in [0, 1], got a value of {value!r}")


def check_distribution(p: torch.Tensor, name: str, dim: int = -1, atol: float | None = None) -> None:
    """``p`` must be non-negative and sum to 1 along ``dim``.

    The tolerance defaults to 1e-5 in float64 and 1e-4 in lower precision.
    Nothing is renormalised: a vector that is not a distribution is an error.
    """
    if p.dim() == 0:
        raise ValueError(f"{name} must have at least one dimension, got a scalar")
    if not _VALIDATE_ARGS:
        return
    if atol is None:
        atol = 1e-5 if p.dtype == torch.float64 else 1e-4
    q = p.detach()
    if q.numel() and bool(torch.amin(q) >= 0) and bool(((q.sum(dim=dim) - 1).abs() <= atol).all()):
        return  # the valid case in two passes (NaN fails both tests); what follows names the fault
    if bool(torch.isnan(p).any()):
        raise ValueError(f"{name} must not contain NaN")
    if bool((p < 0).any()):
        value = p[p < 0].flatten()[0].item()
        raise ValueError(f"{name} must be non-negative (a probability vector), got a value of {value!r}")
    sums = p.sum(dim=dim)
    off = (sums - 1).abs() > atol
    if bool(off.any()):
        value = sums[off].flatten()[0].item()
        raise ValueError(
            f"{name} must sum to 1 along dim={dim}, got a sum of {value:.6g} "
            f"(lossedu never renormalises silently; divide by the sum yourself if you mean to)"
        )


def check_positive(value, name: str, *, strict: bool = True) -> None:
    """A Python number that must be > 0 (``strict``) or >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if value != value or (value <= 0 if strict else value < 0):
        expected = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {expected}, got {value!r}")


def check_in_interval(value, name: str, low: float, high: float, *, closed: bool = True) -> None:
    """A Python number in [low, high] (``closed``) or (low, high)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    inside = (low <= value <= high) if closed else (low < value < high)
    if not inside:
        interval = f"[{low}, {high}]" if closed else f"({low}, {high})"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")


def check_dim(x: torch.Tensor, dim: int, name: str) -> int:
    """Return ``dim`` as a non-negative index into ``x``'s dimensions."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -x.dim() <= dim < max(x.dim(), 1):
        raise ValueError(f"dim={dim} is out of range for {name} with {x.dim()} dimension(s)")
    return dim % max(x.dim(), 1)


def check_class_indices(
    target: torch.Tensor, num_classes: int, name: str = "target", ignore_index: int | None = None
) -> None:
    """Class indices must lie in [0, num_classes), except entries equal to ``ignore_index``."""
    check_integer_tensor(target, name)
    if not _VALIDATE_ARGS:
        return
    valid = target if ignore_index is None else target[target != ignore_index]
    if valid.numel() == 0:
        return
    low, high = int(valid.min()), int(valid.max())
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        extra = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise ValueError(
            f"{name} contains the class index {bad}, but indices must lie in "
            f"[0, {num_classes - 1}] for {num_classes} classes{extra}"
        )


def check_nonnegative_tensor(x: torch.Tensor, name: str, *, finite: bool = False, what: str = "") -> None:
    """Every entry of the tensor ``x`` must be >= 0 (NaN is refused too), and finite with
    ``finite=True``. ``what`` is added to the message (e.g. ``" (a marginal)"``)."""
    if not _VALIDATE_ARGS:
        return
    bad = ~((x >= 0) & torch.isfinite(x)) if finite else ~(x >= 0)
    value = first_bad_value(x, bad)
    if value is not None:
        expected = "non-negative and finite" if finite else "non-negative"
        raise ValueError(f"{name} must be {expected}{what}, got a value of {value!r}")


def check_class_weights(weight, num_classes: int, like: torch.Tensor, name: str = "weight") -> None:
    """Per-class weights: a 1-D float tensor with ``num_classes`` non-negative entries,
    on ``like``'s device and with its dtype."""
    check_tensor(weight, name)
    if weight.dim() != 1 or weight.numel() != num_classes:
        raise ValueError(
            f"{name} must be a 1-D tensor with one entry per class ({num_classes} classes), "
            f"got shape {tuple(weight.shape)}"
        )
    if weight.dtype != like.dtype:
        raise TypeError(f"{name} must have the input's dtype {like.dtype}, got dtype {weight.dtype}")
    check_same_device(weight, like, name, "input")
    check_nonnegative_tensor(weight, name)


def check_broadcastable_to(x: torch.Tensor, shape, name: str, target_name: str) -> None:
    """``x`` must broadcast to ``shape`` without enlarging it (e.g. a per-class weight)."""
    try:
        out = torch.broadcast_shapes(x.shape, tuple(shape))
    except RuntimeError:
        out = None
    if out != torch.Size(shape):
        raise ValueError(
            f"{name} must broadcast to the shape of {target_name} {tuple(shape)}, "
            f"got shape {tuple(x.shape)}"
        )


def check_sign_labels(target, name: str = "target") -> None:
    """Binary labels in {-1, +1}: a real (integer or floating-point) tensor whose entries
    are all -1 or +1. Labels in {0, 1} are refused rather than reinterpreted."""
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(target).__name__}")
    if target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"{name} must be a real tensor of labels in {{-1, +1}}, got dtype {target.dtype}")
    if not _VALIDATE_ARGS:
        return
    value = first_bad_value(target, ~((target == 1) | (target == -1)))
    if value is not None:
        raise ValueError(
            f"{name} must contain labels in {{-1, +1}}, got a value of {value!r} "
            f"(map 0/1 labels with 2 * y - 1)"
        )


def class_dim(input: torch.Tensor) -> int:
    """The class axis of a classification input: 0 for ``(C,)``, else 1 (``(N, C, d1, ...)``)."""
    return 0 if input.dim() == 1 else 1


def check_class_input(input) -> int:
    """``input`` is a float tensor with a class dimension; return the number of classes."""
    check_tensor(input, "input")
    if input.dim() == 0:
        raise ValueError(
            "input must have a class dimension: shape (C,), (N, C) or (N, C, d1, ...), got a scalar"
        )
    return input.shape[class_dim(input)]


def check_ignore_index(ignore_index) -> None:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")


def check_index_target(input: torch.Tensor, target, ignore_index: int | None = None, *, float_hint: str = "") -> None:
    """``target`` holds class indices in range, with input's shape minus the class dimension.

    ``float_hint`` is appended to the message for a floating-point ``target`` (say, where
    probability targets would be accepted instead).
    """
    num_classes = input.shape[class_dim(input)]
    if isinstance(target, torch.Tensor) and target.is_floating_point():
        raise TypeError(
            f"target must be an integer tensor of class indices (e.g. torch.long), got dtype "
            f"{target.dtype} with shape {tuple(target.shape)}" + (f"; {float_hint}" if float_hint else "")
        )
    check_integer_tensor(target, "target")
    check_same_device(input, target, "input", "target")
    expected = input.shape[:1] + input.shape[2:] if input.dim() >= 2 else torch.Size([])
    if target.shape != expected:
        if input.dim() >= 2 and target.dim() >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(
                f"input and target must have the same batch size, got {input.shape[0]} "
                f"(input shape {tuple(input.shape)}) and {target.shape[0]} "
                f"(target shape {tuple(target.shape)})"
            )
        raise ValueError(
            f"target must have shape {tuple(expected)} (input's shape {tuple(input.shape)} "
            f"without the class dimension), got shape {tuple(target.shape)}"
        )
    check_class_indices(target, num_classes, "target", ignore_index)


def check_bool(value, name: str) -> None:
    """``value`` must be a Python bool (not 0/1 or a tensor), e.g. an on/off option."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
