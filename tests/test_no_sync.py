"""No public loss stalls a GPU once value checks are off.

A host-device synchronisation happens whenever Python needs a tensor's *values*:
``.item()``, ``bool(t)`` (an ``if`` on a tensor), ``.tolist()``, ``int(t)``,
``.nonzero()``, boolean-mask indexing (its output size depends on the data) and
copies to the host. On the CPU nothing stalls, so CI cannot watch a GPU do it;
instead every public function runs here under a :class:`TorchFunctionMode` that
raises on each of those calls. With ``lossedu.set_validate_args(False)`` none may
happen; with validation on, the same guard must catch the value checks (so the
guard itself is shown to work).

A new public function must get an entry in ``CALLS`` (or a documented reason in
``EXEMPT``): the coverage test fails otherwise.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from torch.overrides import TorchFunctionMode

import lossedu

F64 = torch.float64

_SYNCING = {
    torch.Tensor.item: "Tensor.item",
    torch.Tensor.__bool__: "bool(tensor)",
    torch.Tensor.tolist: "Tensor.tolist",
    torch.Tensor.__int__: "int(tensor)",
    torch.Tensor.__float__: "float(tensor)",
    torch.Tensor.__index__: "tensor used as a Python index",
    torch.Tensor.nonzero: "Tensor.nonzero",
    torch.nonzero: "torch.nonzero",
    torch.Tensor.numpy: "Tensor.numpy",
    torch.Tensor.cpu: "Tensor.cpu",
    torch.masked_select: "torch.masked_select",
    torch.Tensor.masked_select: "Tensor.masked_select",
    torch.unique: "torch.unique",
    torch.Tensor.unique: "Tensor.unique",
    torch.argwhere: "torch.argwhere",
    torch.Tensor.argwhere: "Tensor.argwhere",
}


def _has_bool_tensor(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in items)


class HostSyncError(AssertionError):
    pass


class ForbidHostSync(TorchFunctionMode):
    """Raise on every call that reads a tensor's values on the host."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _SYNCING:
            raise HostSyncError(f"{_SYNCING[func]} reads a tensor's values on the host")
        if func in (torch.Tensor.__getitem__, torch.Tensor.__setitem__) and _has_bool_tensor(args[1]):
            raise HostSyncError("boolean-mask indexing has a data-dependent size")
        if func is torch.where and len(args) + len(kwargs) == 1:
            raise HostSyncError("torch.where(condition) is nonzero()")
        if func in (torch.repeat_interleave, torch.Tensor.repeat_interleave) and "output_size" not in kwargs:
            if len(args) > 1 and isinstance(args[1], torch.Tensor):
                raise HostSyncError("repeat_interleave with tensor repeats and no output_size")
        return func(*args, **kwargs)


def _g(seed):
    return torch.Generator().manual_seed(seed)


def _x(*shape, seed=0, grad=True):
    return torch.randn(*shape, generator=_g(seed), dtype=F64).requires_grad_(grad)


def _p(*shape, seed=0):
    return torch.rand(*shape, generator=_g(seed), dtype=F64).softmax(-1)


def _prob(*shape, seed=0, grad=False):
    return torch.rand(*shape, generator=_g(seed), dtype=F64).clamp(0.01, 0.99).requires_grad_(grad)


def _w(*shape, seed=7):
    return torch.rand(*shape, generator=_g(seed), dtype=F64)


def _idx(n, c, seed=0):
    return torch.randint(0, c, (n,), generator=_g(seed))


def _signs(n, seed=0):
    return torch.randint(0, 2, (n,), generator=_g(seed)).to(F64) * 2 - 1


def _logp(*shape, seed=0):
    return torch.randn(*shape, generator=_g(seed), dtype=F64).log_softmax(-1).requires_grad_(True)


def _extractor():
    """An untrained DigitsNet in float64 (what matters here is the code path, not the weights)."""
    from lossedu.data import DigitsNet

    torch.manual_seed(0)
    return DigitsNet().double().eval().requires_grad_(False)


def C(fn, *args, **kwargs):
    """One call of ``fn``, kept as data so that a test can move its tensors to a device."""
    return fn, args, kwargs


def to_device(obj, device):
    """Move every tensor in ``obj`` (nested lists and tuples too) to ``device``, keeping leaves."""
    if isinstance(obj, torch.Tensor):
        out = obj.detach().to(device)
        return out.requires_grad_(obj.requires_grad)
    if isinstance(obj, torch.nn.Module):
        return obj.to(device)
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    return obj


def _evaluate_loss(weight, x, y):
    """lossedu.evaluate's loss (its result is a dict of tensors) for a linear model."""
    model = torch.nn.Linear(3, 4, bias=False, device=weight.device, dtype=weight.dtype)
    with torch.no_grad():
        model.weight.copy_(weight)
    return lossedu.evaluate(model, lossedu.cross_entropy, x, y)["loss"]


# Each entry: name -> list of zero-argument callables, each returning one call C(fn, *args, **kwargs).
CALLS = {
    "zero_one_loss": [lambda: C(lossedu.zero_one_loss, _x(8, grad=False), _signs(8))],
    "hinge_loss": [lambda: C(lossedu.hinge_loss, _x(8), _signs(8))],
    "multi_margin_loss": [
        lambda: C(lossedu.multi_margin_loss, _x(6, 4), _idx(6, 4)),
        lambda: C(lossedu.multi_margin_loss, _x(6, 4), _idx(6, 4), p=2, weight=_w(4)),
    ],
    "l1_penalty": [lambda: C(lossedu.l1_penalty, [_x(3, 2), _x(4)])],
    "l2_penalty": [lambda: C(lossedu.l2_penalty, [_x(3, 2), _x(4)])],
    "softshrink": [lambda: C(lossedu.softshrink, _x(10), 0.5)],
    "mse_loss": [lambda: C(lossedu.mse_loss, _x(5, 3), _x(5, 3, seed=1, grad=False))],
    "rmse_loss": [lambda: C(lossedu.rmse_loss, _x(5, 3), _x(5, 3, seed=1, grad=False))],
    "l1_loss": [lambda: C(lossedu.l1_loss, _x(5, 3), _x(5, 3, seed=1, grad=False))],
    "huber_loss": [lambda: C(lossedu.huber_loss, _x(5, 3), _x(5, 3, seed=1, grad=False), delta=0.5)],
    "smooth_l1_loss": [lambda: C(lossedu.smooth_l1_loss, _x(5, 3), _x(5, 3, seed=1, grad=False), beta=0.5)],
    "log_cosh_loss": [lambda: C(lossedu.log_cosh_loss, _x(5, 3), _x(5, 3, seed=1, grad=False))],
    "quantile_loss": [lambda: C(lossedu.quantile_loss, _x(5, 3), _x(5, 3, seed=1, grad=False), q=0.9)],
    "tukey_biweight_loss": [lambda: C(lossedu.tukey_biweight_loss, _x(5, 3), _x(5, 3, seed=1, grad=False))],
    "gaussian_nll_loss": [
        lambda: C(lossedu.gaussian_nll_loss, _x(5, 3), _x(5, 3, seed=1, grad=False), _w(5, 3)),
        lambda: C(lossedu.gaussian_nll_loss, _x(5, 3), _x(5, 3, seed=1, grad=False), 0.5, full=True),
    ],
    "poisson_nll_loss": [
        lambda: C(lossedu.poisson_nll_loss, _x(5, 3), torch.poisson(torch.full((5, 3), 2.0, dtype=F64), _g(1))),
        lambda: C(lossedu.poisson_nll_loss, 
            _prob(5, 3, grad=True), torch.poisson(torch.full((5, 3), 2.0, dtype=F64), _g(1)),
            log_input=False, full=True,
        ),
    ],
    "self_information": [lambda: C(lossedu.self_information, _prob(6))],
    "entropy": [lambda: C(lossedu.entropy, _p(4, 5))],
    "cross_entropy_between": [lambda: C(lossedu.cross_entropy_between, _p(4, 5), _p(4, 5, seed=1))],
    "kl_divergence": [lambda: C(lossedu.kl_divergence, _p(4, 5), _p(4, 5, seed=1))],
    "js_divergence": [lambda: C(lossedu.js_divergence, _p(4, 5), _p(4, 5, seed=1))],
    "js_distance": [lambda: C(lossedu.js_distance, _p(4, 5), _p(4, 5, seed=1))],
    "kl_div": [
        lambda: C(lossedu.kl_div, _logp(4, 5), _p(4, 5, seed=1), reduction="batchmean"),
        lambda: C(lossedu.kl_div, _logp(4, 5), _p(4, 5, seed=1).log(), reduction="sum", log_target=True),
    ],
    "softmax": [lambda: C(lossedu.softmax, _x(4, 5), dim=-1)],
    "log_softmax": [lambda: C(lossedu.log_softmax, _x(4, 5), dim=-1)],
    "nll_loss": [
        lambda: C(lossedu.nll_loss, _logp(6, 4), _idx(6, 4)),
        lambda: C(lossedu.nll_loss, _logp(6, 4), torch.tensor([0, -100, 2, 3, -100, 1]), weight=_w(4)),
    ],
    "cross_entropy": [
        lambda: C(lossedu.cross_entropy, _x(6, 4), _idx(6, 4)),
        lambda: C(lossedu.cross_entropy, _x(6, 4), torch.tensor([0, -100, 2, 3, -100, 1]), weight=_w(4)),
        lambda: C(lossedu.cross_entropy, _x(6, 4), _idx(6, 4), label_smoothing=0.1, reduction="sum"),
        lambda: C(lossedu.cross_entropy, _x(6, 4), _p(6, 4, seed=1)),
        lambda: C(lossedu.cross_entropy, _x(2, 4, 3, 3), torch.randint(0, 4, (2, 3, 3), generator=_g(2))),
    ],
    "binary_cross_entropy": [
        lambda: C(lossedu.binary_cross_entropy, _prob(8, grad=True), _prob(8, seed=1)),
        lambda: C(lossedu.binary_cross_entropy, _prob(8, grad=True), _prob(8, seed=1), weight=_w(8)),
    ],
    "binary_cross_entropy_with_logits": [
        lambda: C(lossedu.binary_cross_entropy_with_logits, _x(8, 3), _prob(8, 3, seed=1)),
        lambda: C(lossedu.binary_cross_entropy_with_logits, 
            _x(8, 3), _prob(8, 3, seed=1), pos_weight=_w(3) + 1
        ),
    ],
    "inverse_frequency_weights": [lambda: C(lossedu.inverse_frequency_weights, torch.tensor([10, 30, 60]))],
    "effective_number_weights": [lambda: C(lossedu.effective_number_weights, torch.tensor([10, 30, 60]), beta=0.99)],
    "sigmoid_focal_loss": [
        lambda: C(lossedu.sigmoid_focal_loss, _x(8), (_signs(8) + 1) / 2, reduction="mean"),
    ],
    "focal_loss": [
        lambda: C(lossedu.focal_loss, _x(6, 4), _idx(6, 4)),
        lambda: C(lossedu.focal_loss, _x(6, 4), torch.tensor([0, -100, 2, 3, -100, 1]), alpha=_w(4)),
    ],
    "dice_loss": [lambda: C(lossedu.dice_loss, _prob(2, 1, 5, 5, grad=True), (_prob(2, 1, 5, 5, seed=1) > 0.5).to(F64))],
    "expected_calibration_error": [
        lambda: C(lossedu.expected_calibration_error, _p(20, 4).requires_grad_(True), _idx(20, 4)),
        lambda: C(lossedu.expected_calibration_error, _p(20, 4), _idx(20, 4), n_bins=5, norm="max"),
    ],
    "reliability_diagram": [lambda: C(lossedu.reliability_diagram, _p(20, 4), _idx(20, 4), n_bins=5)],
    "brier_score": [lambda: C(lossedu.brier_score, _p(20, 4).requires_grad_(True), _idx(20, 4))],
    "temperature_scale": [
        lambda: C(lossedu.temperature_scale, _x(6, 4), 2.0),
        lambda: C(lossedu.temperature_scale, _x(6, 4), torch.tensor(1.5, dtype=F64, requires_grad=True)),
    ],
    "fit_temperature": [lambda: C(lossedu.fit_temperature, _x(30, 4, grad=False), _idx(30, 4))],
    "evaluate": [lambda: C(_evaluate_loss, _x(4, 3, grad=False), _x(8, 3, grad=False), _idx(8, 4))],
    "ssim": [
        lambda: C(lossedu.ssim, _prob(2, 1, 16, 16, grad=True), _prob(2, 1, 16, 16, seed=1), data_range=1.0),
        lambda: C(lossedu.ssim, _prob(2, 3, 16, 16, grad=True), _prob(2, 3, 16, 16, seed=1), data_range=1.0,
                  kernel_size=7, sigma=1.0, reduction="none"),
    ],
    "ssim_loss": [
        lambda: C(lossedu.ssim_loss, _prob(2, 1, 16, 16, grad=True), _prob(2, 1, 16, 16, seed=1), data_range=1.0),
    ],
    "gram_matrix": [lambda: C(lossedu.gram_matrix, _x(2, 4, 5, 5))],
    "perceptual_loss": [
        lambda: C(lossedu.perceptual_loss, _prob(3, 1, 16, 16, grad=True), _prob(3, 1, 16, 16, seed=1),
                  _extractor()),
        lambda: C(lossedu.perceptual_loss, _prob(3, 1, 16, 16, grad=True), _prob(3, 1, 16, 16, seed=1),
                  _extractor(), layers=("conv1", "conv2"), layer_weights=(1.0, 0.5), normalize=True),
    ],
    "style_loss": [
        lambda: C(lossedu.style_loss, _prob(3, 1, 16, 16, grad=True), _prob(3, 1, 16, 16, seed=1), _extractor()),
    ],
    "wasserstein_1d": [
        lambda: C(lossedu.wasserstein_1d, _x(7), _x(5, seed=1)),
        lambda: C(lossedu.wasserstein_1d, _x(7), _x(5, seed=1), _w(7), _w(5, seed=2)),
    ],
    "frechet_distance": [
        lambda: C(lossedu.frechet_distance, _x(3), torch.eye(3, dtype=F64) * 2, _x(3, seed=1),
                  torch.eye(3, dtype=F64) + 0.5),
    ],
    "fid": [lambda: C(lossedu.fid, _x(20, 4), _x(30, 4, seed=1)), lambda: C(lossedu.fid, _x(3, 5), _x(4, 5, seed=1))],
    "kid": [lambda: C(lambda *a, **k: lossedu.kid(*a, **k)[0],  # the mean: one scalar to backpropagate
                      _x(20, 4), _x(30, 4, seed=1), num_subsets=3, subset_size=10, generator=_g(0))],
}

# Public names that are not tensor functions a training step calls, with the reason.
EXEMPT = {
    "device": "picks a device; reads no tensor",
    "check": "the student's feedback helper: it prints values by design",
    "set_validate_args": "the switch itself",
    "validate_args_enabled": "reads the switch",
    "decay_param_groups": "builds optimizer parameter groups once, before training",
    "train": "a training loop: it logs one loss and accuracy per epoch on the host by design",
    "ReliabilityDiagram": "the NamedTuple that reliability_diagram returns, not a function",
    "emd": "an exact combinatorial solver: it copies a, b and M to the host by design",
    "sinkhorn": "its stopping rule reads the marginal error every check_every iterations",
}


def _public_functions():
    return sorted(
        name for name in lossedu.__all__
        if inspect.isfunction(getattr(lossedu, name)) or inspect.isclass(getattr(lossedu, name))
    )


def test_every_public_function_has_a_no_sync_case_or_a_reason():
    missing = [n for n in _public_functions() if n not in CALLS and n not in EXEMPT]
    assert not missing, f"add a no-sync case to tests/test_no_sync.py for: {missing}"
    unknown = [n for n in list(CALLS) + list(EXEMPT) if n not in lossedu.__all__]
    assert not unknown, f"not public any more: {unknown}"


def _run(call, device=None):
    fn, args, kwargs = call()
    if device is not None:
        args, kwargs = to_device(args, device), to_device(kwargs, device)
    out = fn(*args, **kwargs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    leaves = [o for o in outs if isinstance(o, torch.Tensor) and o.requires_grad]
    for o in leaves:
        o.sum().backward()
    return out


CASES = [(name, i, call) for name, calls in CALLS.items() for i, call in enumerate(calls)]


@pytest.mark.parametrize("name,i,call", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_no_host_sync_with_validation_off(name, i, call):
    with lossedu.set_validate_args(False), ForbidHostSync():
        out = _run(call)
    # and the guarded call computed the same thing as an unguarded one
    expected = _run(call)
    got = out if isinstance(out, torch.Tensor) else out[0]
    want = expected if isinstance(expected, torch.Tensor) else expected[0]
    torch.testing.assert_close(got.detach(), want.detach(), equal_nan=True)


# With validation on, these calls read values (that is what a value check is): the guard
# must notice, or it proves nothing.
VALUE_CHECKED = ["cross_entropy", "nll_loss", "binary_cross_entropy", "kl_div", "kl_divergence",
                 "entropy", "focal_loss", "dice_loss", "gaussian_nll_loss",
                 "expected_calibration_error", "brier_score"]


@pytest.mark.parametrize("name", VALUE_CHECKED)
def test_the_guard_catches_value_checks_when_validation_is_on(name):
    assert lossedu.validate_args_enabled()
    with pytest.raises(HostSyncError):
        with ForbidHostSync():
            _run(CALLS[name][0])


def test_validation_off_skips_value_checks_but_not_shape_checks():
    bad_probs = torch.tensor([0.5, 1.5], dtype=F64)
    with pytest.raises(ValueError, match="probabilities in"):
        lossedu.binary_cross_entropy(bad_probs, torch.tensor([0.0, 1.0], dtype=F64))
    with lossedu.set_validate_args(False):
        lossedu.binary_cross_entropy(bad_probs, torch.tensor([0.0, 1.0], dtype=F64))  # no error: unchecked
        with pytest.raises(ValueError, match="same shape"):
            lossedu.binary_cross_entropy(bad_probs, torch.tensor([0.0, 1.0, 1.0], dtype=F64))
        with pytest.raises(TypeError, match="integer tensor"):
            lossedu.cross_entropy(_x(2, 3), torch.tensor([0.0, 1.0]))
    assert lossedu.validate_args_enabled()


def test_set_validate_args_is_global_and_a_context_manager():
    assert lossedu.validate_args_enabled()
    try:
        lossedu.set_validate_args(False)
        assert not lossedu.validate_args_enabled()
        with lossedu.set_validate_args(True):
            assert lossedu.validate_args_enabled()
        assert not lossedu.validate_args_enabled()
    finally:
        lossedu.set_validate_args(True)
    with pytest.raises(TypeError, match="value must be a bool"):
        lossedu.set_validate_args(0)
    assert lossedu.validate_args_enabled()
