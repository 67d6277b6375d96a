"""Chapter 08: training with a loss.

Measuring and fixing what a trained classifier's probabilities mean, and the small
helpers the chapter's training runs share:

* calibration metrics: :func:`expected_calibration_error` (with exactly the binning of
  ``torchmetrics.functional.classification.multiclass_calibration_error``),
  :func:`reliability_diagram` (the per-bin numbers behind the plot) and
  :func:`brier_score`;
* temperature scaling: :func:`temperature_scale` and :func:`fit_temperature`, which
  finds the temperature that minimises the negative log-likelihood on held-out data;
* a readable training loop: :func:`train` (mini-batches, a ``tqdm`` progress bar, a
  history of loss and accuracy curves) and :func:`evaluate`.

Every metric is built from torch primitives, runs on any device and, with
``lossedu.set_validate_args(False)``, never reads a tensor's values on the host.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch

from ._checks import (
    check_bool,
    check_distribution,
    check_index_target,
    check_reduction,
    check_same_device,
    check_tensor,
    first_bad_value,
    reduce,
    validate_args_enabled,
)

__all__ = [
    "expected_calibration_error",
    "reliability_diagram",
    "ReliabilityDiagram",
    "brier_score",
    "temperature_scale",
    "fit_temperature",
    "evaluate",
    "train",
]

NORMS = ("l1", "l2", "max")


# ----------------------------------------------------------------------------- checks
def _check_n_bins(n_bins) -> None:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int):
        raise TypeError(f"n_bins must be an int, got {type(n_bins).__name__}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")


def _check_rows_and_target(x, name: str, what: str, target) -> None:
    """``x`` is ``(N, C)``, one non-empty row of ``what`` per example; ``target`` ``(N,)`` class indices."""
    check_tensor(x, name)
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, C): one row of {what} per example, got shape {tuple(x.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"target must be a torch.Tensor, got {type(target).__name__}")
    check_index_target(x, target)


def _check_probs_and_target(probs, target) -> None:
    _check_rows_and_target(probs, "probs", "class probabilities", target)
    check_distribution(probs, "probs", dim=1)


def _check_logits_and_target(logits, target) -> None:
    _check_rows_and_target(logits, "logits", "logits", target)


def _check_temperature(temperature, like: torch.Tensor) -> None:
    """A positive number, or a positive 0-d tensor on ``like``'s device."""
    if isinstance(temperature, torch.Tensor):
        check_tensor(temperature, "temperature")
        if temperature.dim() != 0:
            raise ValueError(
                f"temperature must be a number or a 0-d tensor, got shape {tuple(temperature.shape)}"
            )
        check_same_device(temperature, like, "temperature", "logits")
        if validate_args_enabled():
            value = first_bad_value(temperature, ~(temperature > 0) | ~torch.isfinite(temperature))
            if value is not None:
                raise ValueError(f"temperature must be positive and finite, got {value!r}")
        return
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a number or a 0-d tensor, got {type(temperature).__name__}")
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be positive and finite, got {temperature!r}")


# ----------------------------------------------------------------------------- calibration
def _bin_statistics(probs: torch.Tensor, target: torch.Tensor, n_bins: int):
    """Per-bin count, summed confidence and summed accuracy of the top-1 predictions.

    Bins are ``[b_k, b_{k+1})`` for the ``n_bins + 1`` boundaries ``linspace(0, 1)``; a
    confidence of exactly 1 falls in an extra slot ``n_bins`` (torchmetrics' convention).
    """
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == target).to(probs.dtype)
    boundaries = torch.linspace(0, 1, n_bins + 1, dtype=probs.dtype, device=probs.device)
    index = torch.bucketize(confidence.detach(), boundaries, right=True) - 1
    index = index.clamp(0, n_bins)  # only reachable for values outside [0, 1], checked above
    zeros = torch.zeros(n_bins + 1, dtype=probs.dtype, device=probs.device)
    count = zeros.scatter_add(0, index, torch.ones_like(confidence))
    conf_sum = zeros.scatter_add(0, index, confidence)
    acc_sum = zeros.scatter_add(0, index, correct)
    return count, conf_sum, acc_sum


def expected_calibration_error(
    probs: torch.Tensor, target: torch.Tensor, n_bins: int = 15, norm: str = "l1"
) -> torch.Tensor:
    r"""Top-label calibration error: how far confidence is from accuracy, bin by bin.

    Each example's confidence is its largest probability :math:`c_i = \max_k p_{ik}`, and
    it is correct when that class is the target. With the examples grouped into bins
    :math:`B_1, \dots, B_M` of equal width by confidence,

    .. math:: \mathrm{ECE} = \sum_{m} \frac{|B_m|}{N}\,
              \bigl|\,\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\,\bigr|,

    where :math:`\mathrm{acc}(B_m)` is the fraction correct and :math:`\mathrm{conf}(B_m)`
    the mean confidence in bin :math:`m`. ``norm='l2'`` returns
    :math:`\sqrt{\sum_m \frac{|B_m|}{N}(\mathrm{acc} - \mathrm{conf})^2}` and ``norm='max'``
    the largest gap :math:`\max_m |\mathrm{acc}(B_m) - \mathrm{conf}(B_m)|` (the MCE).

    Binning follows ``torchmetrics.functional.classification.multiclass_calibration_error``
    exactly: bin :math:`m` is :math:`[\frac{m-1}{M}, \frac{m}{M})` with the boundaries of
    ``torch.linspace(0, 1, M + 1)``, and confidences of exactly 1 form a group of their own.
    Empty bins contribute nothing. The result is differentiable in ``probs`` almost
    everywhere (the bin memberships and correctness are piecewise constant).

    Shapes: ``probs`` is ``(N, C)``, each row a probability vector (a softmax output, not
    logits); ``target`` is ``(N,)`` integer class indices. Returns a 0-d tensor in ``probs``'
    dtype. ``n_bins >= 1``.

    References: :cite:t:`naeini2015obtaining`, *Obtaining Well Calibrated Probabilities
    Using Bayesian Binning*, AAAI; :cite:t:`guo2017calibration`, *On Calibration of
    Modern Neural Networks*, ICML.

    >>> probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> target = torch.tensor([0, 1, 1, 0])
    >>> expected_calibration_error(probs, target, n_bins=5)
    tensor(0.3500)
    """
    _check_probs_and_target(probs, target)
    _check_n_bins(n_bins)
    if norm not in NORMS:
        raise ValueError(f"norm must be one of 'l1', 'l2', 'max', got {norm!r}")
    count, conf_sum, acc_sum = _bin_statistics(probs, target, n_bins)
    safe = count.clamp_min(1)  # an empty bin has sums of 0: its gap is 0
    gap = (acc_sum - conf_sum) / safe
    weight = count / probs.shape[0]
    if norm == "l1":
        return (weight * gap.abs()).sum()
    if norm == "l2":
        return (weight * gap.square()).sum().sqrt()
    return gap.abs().max()


class ReliabilityDiagram(NamedTuple):
    """The numbers behind a reliability diagram (one entry per bin)."""

    edges: torch.Tensor  #: ``(n_bins + 1,)`` bin boundaries, ``linspace(0, 1)``
    confidence: torch.Tensor  #: ``(n_bins,)`` mean confidence per bin (``nan`` when empty)
    accuracy: torch.Tensor  #: ``(n_bins,)`` fraction correct per bin (``nan`` when empty)
    count: torch.Tensor  #: ``(n_bins,)`` number of examples per bin


def reliability_diagram(probs: torch.Tensor, target: torch.Tensor, n_bins: int = 15) -> ReliabilityDiagram:
    r"""Per-bin mean confidence, accuracy and count: the data of a reliability diagram.

    Examples are binned by their confidence :math:`\max_k p_{ik}` into ``n_bins`` bins of
    equal width, as in :func:`expected_calibration_error`, except that a confidence of
    exactly 1 is put in the last bin (so every example appears in a drawn bar). A perfectly
    calibrated model has ``accuracy == confidence`` in every bin: its bars lie on the
    diagonal. Empty bins have ``nan`` confidence and accuracy (nothing to draw).

    ``sum(count / N * |accuracy - confidence|)`` over non-empty bins is the ECE (exactly so
    unless some confidence equals 1).

    Shapes: ``probs`` ``(N, C)`` rows of probabilities; ``target`` ``(N,)`` class indices.
    Returns a :class:`ReliabilityDiagram` of tensors in ``probs``' dtype and device.

    Reference: :cite:t:`degroot1983comparison`; :cite:t:`guo2017calibration`, ICML,
    figure 1.

    >>> probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> d = reliability_diagram(probs, torch.tensor([0, 1, 1, 0]), n_bins=2)
    >>> d.count, d.accuracy, d.confidence
    (tensor([0., 4.]), tensor([   nan, 0.7500]), tensor([   nan, 0.7500]))
    """
    _check_probs_and_target(probs, target)
    _check_n_bins(n_bins)
    count, conf_sum, acc_sum = _bin_statistics(probs, target, n_bins)
    # fold the "exactly 1" slot into the last bin, which is then closed: [1 - 1/M, 1]
    count = torch.cat([count[:-2], count[-2:].sum(0, keepdim=True)])
    conf_sum = torch.cat([conf_sum[:-2], conf_sum[-2:].sum(0, keepdim=True)])
    acc_sum = torch.cat([acc_sum[:-2], acc_sum[-2:].sum(0, keepdim=True)])
    edges = torch.linspace(0, 1, n_bins + 1, dtype=probs.dtype, device=probs.device)
    return ReliabilityDiagram(edges, conf_sum / count, acc_sum / count, count)


def brier_score(probs: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    r"""The Brier score: squared distance between the probability vector and the one-hot target.

    .. math:: \ell_i = \sum_{k=1}^{C} \bigl(p_{ik} - [y_i = k]\bigr)^2 ,

    Brier's original multi-class score, between 0 (certain and right) and 2 (certain and
    wrong). It is a *proper* scoring rule, like the log loss: its expectation is minimised
    by the true class probabilities. Unlike the ECE it needs no bins, and it mixes
    calibration with sharpness (how decisive the predictions are). For two classes it is
    twice scikit-learn's binary ``brier_score_loss``.

    Reduction: ``'mean'`` (default) averages over the N examples, ``'sum'`` adds them,
    ``'none'`` returns the ``(N,)`` per-example scores.

    Shapes: ``probs`` ``(N, C)`` rows of probabilities; ``target`` ``(N,)`` class indices.

    Reference: :cite:t:`brier1950verification`, *Verification of Forecasts Expressed in Terms of Probability*,
    Monthly Weather Review, 1950.

    >>> probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> brier_score(probs, torch.tensor([0, 1, 1, 0]), reduction="none")
    tensor([0.0200, 1.2800, 0.1800, 0.3200])
    """
    _check_probs_and_target(probs, target)
    check_reduction(reduction)
    onehot = torch.zeros_like(probs).scatter(1, target[:, None], 1.0)
    return reduce((probs - onehot).square().sum(dim=1), reduction)


def temperature_scale(logits: torch.Tensor, temperature) -> torch.Tensor:
    r"""Divide logits by a temperature: :math:`z / T`, so that :math:`\mathrm{softmax}(z / T)`.

    :math:`T > 1` softens the probabilities (less confident), :math:`T < 1` sharpens them,
    and the argmax, hence the accuracy, never changes. ``temperature`` is a positive number
    or a positive 0-d tensor (such as :func:`fit_temperature`'s result); gradients flow to
    both arguments.

    Reference: :cite:t:`hinton2015distilling`; :cite:t:`guo2017calibration`, ICML,
    section 4.2.

    >>> temperature_scale(torch.tensor([[2.0, 0.0, -2.0]]), 2.0).softmax(dim=1)
    tensor([[0.6652, 0.2447, 0.0900]])
    """
    check_tensor(logits, "logits")
    if logits.dim() == 0:
        raise ValueError("logits must have a class dimension, got a scalar")
    _check_temperature(temperature, logits)
    return logits / temperature


def _nll_slope(logits: torch.Tensor, target: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """d/dβ of the mean NLL of softmax(β z): E_p[z] - z_y, averaged; increasing in β."""
    p = torch.softmax(beta * logits, dim=1)
    z_y = logits.gather(1, target[:, None]).squeeze(1)
    return ((p * logits).sum(dim=1) - z_y).mean()


def fit_temperature(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    bounds: tuple[float, float] = (0.05, 20.0),
    steps: int = 60,
) -> torch.Tensor:
    r"""The temperature :math:`T` that minimises the negative log-likelihood of ``softmax(logits / T)``.

    .. math:: T^\star = \arg\min_{T > 0}\; -\frac1N \sum_i \log
              \mathrm{softmax}(z_i / T)_{y_i}.

    Fit it on a held-out (validation) split, never on the training data, then divide test
    logits by it (:func:`temperature_scale`). With :math:`\beta = 1/T` the objective is
    convex in :math:`\beta` (a log-sum-exp of linear functions minus a linear function),
    and its derivative :math:`\frac1N\sum_i (\mathbb{E}_{p_i}[z_i] - z_{i,y_i})` is
    increasing: the minimiser is found by ``steps`` bisections of :math:`\log\beta` on
    ``1 / bounds``. This uses no optimiser, no learning rate and no host synchronisation;
    60 steps pin :math:`T` to about 1e-15 relative precision inside the bounds. When the
    optimum lies outside ``bounds`` (e.g. every training example is already fitted with
    a margin, so the NLL keeps falling as :math:`T \to 0`), the nearer bound is returned.

    Shapes: ``logits`` ``(N, C)``, ``target`` ``(N,)`` class indices. Returns a detached
    0-d tensor in ``logits``' dtype and device. :math:`T > 1` means the model was
    overconfident.

    Reference: :cite:t:`guo2017calibration`, *On Calibration of Modern Neural Networks*,
    ICML.

    >>> g = torch.Generator().manual_seed(0)
    >>> z = torch.randn(2000, 3, generator=g, dtype=torch.float64)
    >>> y = torch.multinomial(z.softmax(dim=1), 1, generator=g).squeeze(1)  # calibrated labels
    >>> round(float(fit_temperature(4 * z, y)), 1)  # logits 4x too large: T is about 4
    4.2
    """
    _check_logits_and_target(logits, target)
    if not (isinstance(bounds, tuple) and len(bounds) == 2):
        raise TypeError(f"bounds must be a tuple (low, high), got {bounds!r}")
    low, high = bounds
    for name, value in (("bounds[0]", low), ("bounds[1]", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be a positive temperature, got {value!r}")
    if not low < high:
        raise ValueError(f"bounds must satisfy bounds[0] < bounds[1], got {bounds!r}")
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"steps must be an int, got {type(steps).__name__}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    z = logits.detach()
    kw = {"dtype": z.dtype, "device": z.device}
    # log beta (beta = 1 / T); torch.full fills on the device, with no host-to-device copy
    lo = torch.full((), -math.log(high), **kw)
    hi = torch.full((), -math.log(low), **kw)
    for _ in range(steps):
        mid = (lo + hi) / 2
        rising = _nll_slope(z, target, mid.exp()) > 0  # past the minimum: go left
        hi = torch.where(rising, mid, hi)
        lo = torch.where(rising, lo, mid)
    return torch.exp(-(lo + hi) / 2)


# ----------------------------------------------------------------------------- training
def evaluate(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Loss, accuracy and logits of ``model`` on ``(x, y)``, in eval mode and without gradients.

    ``loss_fn(logits, y)`` must return the mean loss. Returns ``{"loss", "accuracy",
    "logits"}`` as tensors on the model's device (0-d for the first two), so calling it
    costs no host synchronisation; call ``float(...)`` when you want a number. The
    model's training mode is restored afterwards.

    >>> net = torch.nn.Linear(2, 3)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.eye(3, 2)); _ = net.bias.zero_()
    >>> out = evaluate(net, torch.nn.functional.cross_entropy,
    ...                torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 2]))
    >>> float(out["accuracy"]), round(float(out["loss"]), 4)
    (0.5, 1.2395)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    check_tensor(x, "x")
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor, got {type(y).__name__}")
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x and y must hold the same, non-zero number of examples, got {x.shape[0]} and {y.shape[0]}"
        )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(x)
            loss = loss_fn(logits, y)
            if logits.dim() == 2 and logits.shape[1] > 1:
                correct = logits.argmax(dim=1) == y
            else:  # one logit per example: positive means class 1
                correct = (logits.reshape(y.shape) > 0) == (y > 0.5)
            accuracy = correct.to(logits.dtype).mean()
    finally:
        model.train(was_training)
    return {"loss": loss, "accuracy": accuracy, "logits": logits}


def train(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int | None = None,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train ``model`` with mini-batch gradient descent; return the loss and accuracy curves.

    Each epoch visits the training examples once in a fresh random order (a CPU
    :class:`torch.Generator` seeded by ``seed``, so the order is the same on every device),
    in batches of ``batch_size`` (``None``: the whole set, full-batch descent). One step is
    the loop every PyTorch program writes::

        optimizer.zero_grad()
        loss = loss_fn(model(x_batch), y_batch)   # the mean loss of the batch
        loss.backward()
        optimizer.step()

    After each epoch the model is evaluated (:func:`evaluate`) on the whole training set
    and, when ``val=(x_val, y_val)`` is given, on the validation set. Returns a history
    ``{"train_loss", "train_accuracy", "val_loss", "val_accuracy"}`` of Python floats, one
    per epoch, with the values *before* training at index 0 (so a curve starts where the
    model started). ``progress`` shows a ``tqdm`` bar with the latest losses.

    This reads one number per curve and epoch on the host: it is a training loop, not a
    loss, and is not meant to run under ``lossedu.set_validate_args(False)``'s no-sync rule.

    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(64, 2, generator=g); y = (x[:, 0] > 0).long()
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Linear(2, 2)
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.5)
    >>> h = train(net, torch.nn.functional.cross_entropy, opt, x, y, epochs=20, progress=False)
    >>> len(h["train_loss"]), h["train_accuracy"][-1] > 0.9
    (21, True)
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise TypeError(f"epochs must be an int, got {type(epochs).__name__}")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(f"batch_size must be an int or None, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    check_bool(progress, "progress")
    if val is not None and not (isinstance(val, tuple) and len(val) == 2):
        raise TypeError("val must be None or a tuple (x_val, y_val)")
    history: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}

    def record() -> None:
        stats = evaluate(model, loss_fn, x, y)
        history["train_loss"].append(float(stats["loss"]))
        history["train_accuracy"].append(float(stats["accuracy"]))
        if val is not None:
            stats = evaluate(model, loss_fn, *val)
            history["val_loss"].append(float(stats["loss"]))
            history["val_accuracy"].append(float(stats["accuracy"]))

    record()  # evaluate also checks x, y and val
    n = x.shape[0]
    size = n if batch_size is None else batch_size
    gen = torch.Generator().manual_seed(seed)
    from tqdm import tqdm

    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress, leave=True)
    model.train()
    for _ in bar:
        order = torch.randperm(n, generator=gen).to(x.device)
        for start in range(0, n, size):
            batch = order[start : start + size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        record()
        postfix = {"train loss": f"{history['train_loss'][-1]:.4f}"}
        if val is not None:
            postfix["val loss"] = f"{history['val_loss'][-1]:.4f}"
        bar.set_postfix(postfix)
    bar.close()
    return history
