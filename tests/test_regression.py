"""Tests for lossedu.regression: torch parity (values and gradients), properties, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lossedu
from lossedu import regression as R

from _helpers import F64, assert_matches

REDUCTIONS = ["none", "mean", "sum"]


def _random(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=F64) * scale
    y = torch.randn(shape, generator=g, dtype=F64) * scale
    return x, y


def _extreme():
    """Residuals of 0, exactly ±1 (the default thresholds), tiny, and ±1e6."""
    x = torch.tensor([0.0, 1.0, -1.0, 1e-12, 1e6, -1e6, 3.0, 2.5], dtype=F64)
    y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, -2.5], dtype=F64)
    return x, y


INPUTS = {
    "random (7,)": _random((7,), 0),
    "random (4, 5)": _random((4, 5), 1),
    "random (2, 3, 4) large": _random((2, 3, 4), 2, scale=50.0),
    "scalar": _random((), 3),
    "extreme residuals": _extreme(),
}

# (lossedu function, torch function, extra keyword arguments)
PAIRS = {
    "mse": (lossedu.mse_loss, F.mse_loss, {}),
    "l1": (lossedu.l1_loss, F.l1_loss, {}),
    "huber default": (lossedu.huber_loss, F.huber_loss, {}),
    "huber delta=0.3": (lossedu.huber_loss, F.huber_loss, {"delta": 0.3}),
    "huber delta=2.5": (lossedu.huber_loss, F.huber_loss, {"delta": 2.5}),
    "smooth_l1 default": (lossedu.smooth_l1_loss, F.smooth_l1_loss, {}),
    "smooth_l1 beta=0": (lossedu.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.0}),
    "smooth_l1 beta=0.3": (lossedu.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.3}),
    "smooth_l1 beta=2.5": (lossedu.smooth_l1_loss, F.smooth_l1_loss, {"beta": 2.5}),
}


# ----------------------------------------------------------------------------- torch parity
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("inputs", list(INPUTS), ids=str)
@pytest.mark.parametrize("pair", list(PAIRS), ids=str)
def test_matches_torch(pair, inputs, reduction):
    ours, theirs, kw = PAIRS[pair]
    assert_matches(ours, theirs, INPUTS[inputs], kwargs={**kw, "reduction": reduction})


@pytest.mark.parametrize("pair", list(PAIRS), ids=str)
def test_default_reduction_is_mean(pair):
    ours, theirs, kw = PAIRS[pair]
    assert_matches(ours, theirs, INPUTS["random (4, 5)"], kwargs=kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weight_matches_torch(name, reduction):
    x, y = _random((3, 4), 5)
    w = torch.rand((3, 4), generator=torch.Generator().manual_seed(6), dtype=F64) + 0.1
    ours, theirs = getattr(lossedu, name), getattr(F, name)
    assert_matches(ours, theirs, (x, y), kwargs={"reduction": reduction, "weight": w})


def test_float32_matches_torch():
    x, y = _random((50,), 7, scale=3.0)
    x, y = x.float(), y.float()
    for name, (ours, theirs, kw) in PAIRS.items():
        assert_matches(ours, theirs, (x, y), kwargs=kw, rtol=1e-5, atol=1e-6)


def test_huber_and_smooth_l1_gradients_match_torch_at_the_threshold():
    # residuals exactly at ±delta / ±beta, where the two pieces meet
    x = torch.tensor([0.5, -0.5, 2.0, -2.0], dtype=F64)
    y = torch.zeros(4, dtype=F64)
    assert_matches(lossedu.huber_loss, F.huber_loss, (x, y), kwargs={"delta": 0.5, "reduction": "none"})
    assert_matches(lossedu.smooth_l1_loss, F.smooth_l1_loss, (x, y), kwargs={"beta": 2.0, "reduction": "none"})


HUBER_LIKE = [
    ("huber delta=0.5", lossedu.huber_loss, F.huber_loss, {"delta": 0.5}),
    ("huber delta=2", lossedu.huber_loss, F.huber_loss, {"delta": 2.0}),
    ("smooth_l1 beta=0.5", lossedu.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.5}),
    ("smooth_l1 beta=2", lossedu.smooth_l1_loss, F.smooth_l1_loss, {"beta": 2.0}),
]


@pytest.mark.parametrize("name, ours, theirs, kw", HUBER_LIKE, ids=[c[0] for c in HUBER_LIKE])
def test_huber_and_smooth_l1_second_derivatives_match_torch(name, ours, theirs, kw):
    # residuals at 0, inside, exactly at the threshold, beyond it and huge: the second
    # derivative is 1 (1/beta) strictly inside the threshold and 0 from it on, as in torch
    t = kw.get("delta", kw.get("beta"))
    d = torch.tensor([0.0, 0.3 * t, -0.7 * t, t, -t, 1.5 * t, -4.0 * t, 1e6], dtype=F64)
    y = torch.linspace(-1, 1, d.numel(), dtype=F64)
    v = torch.linspace(0.5, 2.0, d.numel(), dtype=F64)
    results = []
    for fn in (ours, theirs):
        x = (y + d).requires_grad_(True)
        target = y.clone().requires_grad_(True)
        loss = fn(x, target, reduction="sum", **kw)
        gx, gy = torch.autograd.grad(loss, (x, target), create_graph=True)
        hx, hy = torch.autograd.grad((gx * v).sum(), (x, target))
        results.append((gx.detach(), gy.detach(), hx, hy))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, ours, theirs, kw", HUBER_LIKE, ids=[c[0] for c in HUBER_LIKE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_and_smooth_l1_gradgradcheck(name, ours, theirs, kw, reduction):
    x, y = _random((3, 4), 21, scale=2.0)
    inputs = (x.requires_grad_(True), y.requires_grad_(True))
    assert torch.autograd.gradgradcheck(lambda a, b: ours(a, b, reduction=reduction, **kw), inputs)


@pytest.mark.parametrize("name, ours, theirs, kw", HUBER_LIKE, ids=[c[0] for c in HUBER_LIKE])
def test_huber_and_smooth_l1_float32_match_torch_within_two_ulp(name, ours, theirs, kw):
    # float32, many residuals on both sides of the threshold: values and gradients within 2 ulp
    x, y = _random((20000,), 22, scale=3.0)
    x, y = x.float(), y.float()
    a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ours_value = ours(a, y, reduction="none", **kw)
    theirs_value = theirs(b, y, reduction="none", **kw)
    torch.testing.assert_close(ours_value, theirs_value, rtol=2.5e-7, atol=0.0)
    cot = torch.rand(x.shape, generator=torch.Generator().manual_seed(23))
    ours_value.backward(cot)
    theirs_value.backward(cot)
    torch.testing.assert_close(a.grad, b.grad, rtol=2.5e-7, atol=0.0)


@pytest.mark.parametrize(
    "fn, kw",
    [
        (lossedu.mse_loss, {}),
        (lossedu.l1_loss, {}),
        (lossedu.huber_loss, {"delta": 0.7}),
        (lossedu.smooth_l1_loss, {"beta": 0.7}),
        (lossedu.rmse_loss, {}),
        (lossedu.log_cosh_loss, {}),
        (lossedu.quantile_loss, {"q": 0.2}),
        (lossedu.tukey_biweight_loss, {"c": 1.5}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_gradcheck(fn, kw):
    x, y = _random((3, 4), 8)
    x.requires_grad_(True)
    y.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: fn(a, b, **kw), (x, y))
    assert torch.autograd.gradcheck(lambda a, b: fn(a, b, reduction="sum", **kw), (x, y))


# ----------------------------------------------------------------------------- Gaussian NLL
VAR_SHAPES = {
    "same shape": ((4, 3), (4, 3)),
    "one fewer trailing dim": ((4, 3), (4,)),
    "trailing 1": ((4, 3), (4, 1)),
    "a middle dim of 1": ((2, 3, 5), (2, 1, 5)),
    "a leading dim of 1": ((2, 3, 5), (1, 3, 5)),
    "scalar var for a vector": ((6,), ()),
    "3-d, one fewer dim": ((2, 3, 5), (2, 3)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shapes", list(VAR_SHAPES), ids=str)
def test_gaussian_nll_matches_torch(shapes, full, reduction):
    in_shape, var_shape = VAR_SHAPES[shapes]
    x, y = _random(in_shape, 9)
    var = torch.rand(var_shape, generator=torch.Generator().manual_seed(10), dtype=F64) + 0.05
    assert_matches(
        lossedu.gaussian_nll_loss, F.gaussian_nll_loss, (x, y, var), kwargs={"full": full, "reduction": reduction}
    )


@pytest.mark.parametrize("eps", [1e-6, 0.1, 0.0])
def test_gaussian_nll_clamp_value_and_gradient_match_torch(eps):
    # variances below eps (including exact zeros) are clamped, but the gradient flows
    # as if the clamp were the identity, evaluated at the clamped value
    x = torch.tensor([0.5, -1.0, 2.0, 0.0, 1e6], dtype=F64)
    y = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0], dtype=F64)
    var = torch.tensor([1e-9, 0.05, 0.0 if eps > 0 else 1e-3, 2.0, 3.0], dtype=F64)
    assert_matches(
        lossedu.gaussian_nll_loss, F.gaussian_nll_loss, (x, y, var), kwargs={"eps": eps, "reduction": "none"}
    )
    # the clamped entries get a non-zero gradient, as in torch
    v = var.clone().requires_grad_(True)
    lossedu.gaussian_nll_loss(x, y, v, eps=max(eps, 0.1), reduction="sum").backward()
    assert v.grad[0] != 0


@pytest.mark.parametrize("var", [0.5, 2.0, 0.0])
def test_gaussian_nll_float_var_matches_torch(var):
    x, y = _random((3, 2), 11)
    assert_matches(
        lambda a, b: lossedu.gaussian_nll_loss(a, b, var),
        lambda a, b: F.gaussian_nll_loss(a, b, var),
        (x, y),
    )


def test_gaussian_nll_extreme_inputs_match_torch():
    x, y = _extreme()
    var = torch.full_like(x, 0.25)
    assert_matches(lossedu.gaussian_nll_loss, F.gaussian_nll_loss, (x, y, var), kwargs={"full": True})


def test_gaussian_nll_gradcheck():
    x, y = _random((3, 4), 12)
    var = torch.rand((3, 4), generator=torch.Generator().manual_seed(13), dtype=F64) + 0.5
    inputs = tuple(t.requires_grad_(True) for t in (x, y, var))
    assert torch.autograd.gradcheck(lossedu.gaussian_nll_loss, inputs)


def test_gaussian_nll_with_fixed_sigma_is_scaled_mse_plus_a_constant():
    x, y = _random((20,), 14)
    for sigma2 in (0.5, 1.0, 3.0):
        nll = lossedu.gaussian_nll_loss(x, y, sigma2, full=True)
        expected = lossedu.mse_loss(x, y) / (2 * sigma2) + 0.5 * math.log(2 * math.pi * sigma2)
        torch.testing.assert_close(nll, expected)


def test_gaussian_nll_can_be_negative():
    x = torch.tensor([1.0], dtype=F64)
    value = lossedu.gaussian_nll_loss(x, x, torch.tensor([0.01], dtype=F64), full=True)
    assert value < 0
    torch.testing.assert_close(value, F.gaussian_nll_loss(x, x, torch.tensor([0.01], dtype=F64), full=True))


# ----------------------------------------------------------------------------- losses with no torch counterpart
@pytest.mark.parametrize("inputs", list(INPUTS), ids=str)
def test_rmse_is_sqrt_of_torch_mse(inputs):
    x, y = INPUTS[inputs]
    if bool((x == y).all()):
        pytest.skip("zero residual")
    assert_matches(lossedu.rmse_loss, lambda a, b: F.mse_loss(a, b).sqrt(), (x, y))
    assert_matches(
        lambda a, b: lossedu.rmse_loss(a, b, reduction="sum"),
        lambda a, b: torch.linalg.vector_norm(a - b),
        (x, y),
    )


def test_rmse_seed_example_and_nan_gradient_at_a_perfect_fit():
    x = torch.tensor([1.5, 2.0, 3.2], dtype=F64)
    y = torch.tensor([1.0, 2.5, 2.8], dtype=F64)
    assert lossedu.rmse_loss(x, y).item() == pytest.approx(math.sqrt(0.66 / 3))
    a = y.clone().requires_grad_(True)
    lossedu.rmse_loss(a, y).backward()
    assert torch.isnan(a.grad).all()


def _log_cosh_reference(a, b, reduction="mean"):
    loss = torch.log(torch.cosh(a - b))
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_log_cosh_matches_naive_formula_where_it_is_finite(reduction):
    x, y = _random((4, 5), 15, scale=5.0)
    assert_matches(lossedu.log_cosh_loss, _log_cosh_reference, (x, y), kwargs={"reduction": reduction})


def test_log_cosh_extreme_residuals_stay_finite_with_tanh_gradient():
    x = torch.tensor([1e6, -1e6, 200.0, 0.0], requires_grad=True)  # float32: cosh overflows
    loss = lossedu.log_cosh_loss(x, torch.zeros(4), reduction="none")
    assert torch.isfinite(loss).all()
    expected = torch.tensor([1e6 - math.log(2), 1e6 - math.log(2), 200 - math.log(2), 0.0])
    torch.testing.assert_close(loss, expected)
    assert torch.isinf(torch.log(torch.cosh(x[:3].detach()))).all()
    loss.sum().backward()
    torch.testing.assert_close(x.grad, torch.tanh(x.detach()))


def _pinball_reference(a, b, q, reduction="mean"):
    r = b - a
    loss = torch.where(r >= 0, q * r, (q - 1) * r)
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("q", [0.05, 0.5, 0.9])
def test_quantile_matches_pinball_formula(q, reduction):
    x, y = _random((4, 5), 16)
    assert_matches(
        lambda a, b: lossedu.quantile_loss(a, b, q, reduction=reduction),
        lambda a, b: _pinball_reference(a, b, q, reduction),
        (x, y),
    )


def test_quantile_loss_minimiser_is_the_numpy_quantile():
    rng = np.random.default_rng(17)
    y = torch.from_numpy(rng.lognormal(size=401))
    grid = torch.linspace(0, 10, 20001, dtype=F64)
    for q in (0.1, 0.5, 0.9):
        values = torch.stack([lossedu.quantile_loss(torch.full_like(y, c), y, q) for c in grid[::50]])
        coarse = grid[::50][values.argmin()]
        assert abs(coarse.item() - np.quantile(y.numpy(), q)) < 0.05


def _tukey_reference(a, b, c=4.685, reduction="mean"):
    d = a - b
    inside = (c**2 / 6) * (1 - (1 - (d / c) ** 2) ** 3)
    loss = torch.where(d.abs() <= c, inside, torch.full_like(d, c**2 / 6))
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("c", [4.685, 1.0])
def test_tukey_matches_piecewise_formula(c, reduction):
    x, y = _random((4, 5), 18, scale=3.0)
    assert_matches(
        lambda a, b: lossedu.tukey_biweight_loss(a, b, c=c, reduction=reduction),
        lambda a, b: _tukey_reference(a, b, c, reduction),
        (x, y),
    )


def test_tukey_ignores_gross_outliers():
    x = torch.tensor([0.0, 5.0, 1e6], dtype=F64, requires_grad=True)
    loss = lossedu.tukey_biweight_loss(x, torch.zeros(3, dtype=F64), reduction="none")
    torch.testing.assert_close(loss[1:], torch.full((2,), 4.685**2 / 6, dtype=F64))
    loss.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# ----------------------------------------------------------------------------- seed examples
def test_seed_003_numbers():
    x = torch.tensor([1.5, 2.0, 3.2], dtype=F64)
    y = torch.tensor([1.0, 2.5, 2.8], dtype=F64)
    assert round(lossedu.l1_loss(x, y).item(), 4) == 0.4667
    assert round(lossedu.mse_loss(x, y).item(), 4) == 0.22  # the note prints 0.2967
    assert round(lossedu.mse_loss(x, y, reduction="sum").item(), 4) == 0.66  # the note prints 0.8900


def test_seed_001_and_002_numbers():
    t = lambda *v: torch.tensor(v, dtype=F64)  # noqa: E731
    assert lossedu.l1_loss(t(1.0, 1.0), t(0.0, 0.0)).item() == 1.0
    assert lossedu.mse_loss(t(1.0, 1.0), t(0.0, 1.0)).item() == 0.5
    assert lossedu.huber_loss(t(0.6, 0.4), t(0.0, 1.0)).item() == pytest.approx(0.18)
    assert lossedu.mse_loss(t(1.0, 2.0), t(0.0, 1.0)).item() == 1.0


# ----------------------------------------------------------------------------- means and medians
def test_squared_error_is_minimised_by_the_mean_and_absolute_error_by_the_median():
    rng = np.random.default_rng(19)
    y = torch.from_numpy(rng.exponential(size=301))  # skewed: mean > median
    mean, median = y.mean(), y.median()
    for fn, best in ((lossedu.mse_loss, mean), (lossedu.l1_loss, median)):
        c = best.clone().requires_grad_(True)
        fn(c.expand_as(y), y).backward()
        assert abs(c.grad.item()) < 1e-12
        for shift in (-0.05, 0.05):
            assert fn(torch.full_like(y, best + shift), y) > fn(best.expand_as(y), y)
    assert mean - median > 0.2


# ----------------------------------------------------------------------------- properties
finite = st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False)
vectors = st.integers(1, 12).flatmap(
    lambda n: st.tuples(arrays(np.float64, n, elements=finite), arrays(np.float64, n, elements=finite))
)
positive = st.floats(1e-3, 1e3, allow_nan=False)

NON_NEGATIVE = [
    lambda a, b: lossedu.mse_loss(a, b, reduction="none"),
    lambda a, b: lossedu.l1_loss(a, b, reduction="none"),
    lambda a, b: lossedu.huber_loss(a, b, reduction="none", delta=0.5),
    lambda a, b: lossedu.smooth_l1_loss(a, b, reduction="none", beta=0.5),
    lambda a, b: lossedu.log_cosh_loss(a, b, reduction="none"),
    lambda a, b: lossedu.quantile_loss(a, b, 0.3, reduction="none"),
    lambda a, b: lossedu.tukey_biweight_loss(a, b, reduction="none"),
    lambda a, b: lossedu.rmse_loss(a, b),
]


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_non_negative_and_zero_at_equality(pair):
    a, b = (torch.from_numpy(v) for v in pair)
    for fn in NON_NEGATIVE:
        assert bool((fn(a, b) >= 0).all())
        assert bool((fn(a, a) == 0).all())


@settings(max_examples=60, deadline=None)
@given(vectors, positive)
def test_huber_is_delta_times_smooth_l1(pair, delta):
    a, b = (torch.from_numpy(v) for v in pair)
    torch.testing.assert_close(
        lossedu.huber_loss(a, b, reduction="none", delta=delta),
        delta * lossedu.smooth_l1_loss(a, b, reduction="none", beta=delta),
        rtol=1e-12,
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(vectors, st.floats(1e-9, 1.0))
def test_smooth_l1_tends_to_l1_as_beta_shrinks(pair, beta):
    a, b = (torch.from_numpy(v) for v in pair)
    gap = lossedu.l1_loss(a, b, reduction="none") - lossedu.smooth_l1_loss(a, b, reduction="none", beta=beta)
    # 0 <= |d| - smoothL1 <= beta / 2
    assert bool((gap >= -1e-9).all()) and bool((gap <= beta / 2 + 1e-9).all())


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_huber_with_large_delta_is_half_mse(pair):
    a, b = (torch.from_numpy(v) for v in pair)
    delta = float((a - b).abs().max()) + 1.0
    torch.testing.assert_close(lossedu.huber_loss(a, b, delta=delta), 0.5 * lossedu.mse_loss(a, b))
    # and for any delta it never exceeds half the squared error
    assert bool((lossedu.huber_loss(a, b, "none", 0.1) <= 0.5 * lossedu.mse_loss(a, b, "none") + 1e-9).all())


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_pinball_at_one_half_is_half_the_absolute_error(pair):
    a, b = (torch.from_numpy(v) for v in pair)
    torch.testing.assert_close(lossedu.quantile_loss(a, b, 0.5), 0.5 * lossedu.l1_loss(a, b))


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_log_cosh_lies_between_its_asymptotes(pair):
    a, b = (torch.from_numpy(v) for v in pair)
    d = (a - b).abs()
    lc = lossedu.log_cosh_loss(a, b, reduction="none")
    assert bool((lc <= torch.minimum(0.5 * d**2, d) + 1e-9).all())
    assert bool((lc >= d - math.log(2) - 1e-9).all())


@settings(max_examples=60, deadline=None)
@given(vectors, positive)
def test_huber_and_smooth_l1_gradients_are_capped(pair, delta):
    a, b = (torch.from_numpy(v).requires_grad_(True) for v in pair)
    (ga,) = torch.autograd.grad(lossedu.huber_loss(a, b, "sum", delta), a)
    assert bool((ga.abs() <= delta + 1e-12).all())
    (gs,) = torch.autograd.grad(lossedu.smooth_l1_loss(a, b, "sum", delta), a)
    assert bool((gs.abs() <= 1 + 1e-12).all())


# ----------------------------------------------------------------------------- bad input
def test_shape_mismatch_is_refused_where_torch_only_warns():
    x = torch.arange(4, dtype=F64).reshape(4, 1)
    y = torch.arange(4, dtype=F64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broadcast = F.mse_loss(x, y)  # (4, 1) - (4,) -> (4, 4): 2.5 instead of 0
    assert broadcast.item() == 2.5
    for name in ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "rmse_loss", "log_cosh_loss",
                 "tukey_biweight_loss"]:
        with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(4, 1\) and \(4,\)"):
            getattr(lossedu, name)(x, y)
    with pytest.raises(ValueError, match="same shape"):
        lossedu.quantile_loss(x, y, 0.5)
    with pytest.raises(ValueError, match="same shape"):
        lossedu.gaussian_nll_loss(x, y, torch.ones(4, 1, dtype=F64))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "log_cosh_loss"])
def test_non_tensor_and_non_float_inputs(name):
    fn = getattr(lossedu, name)
    with pytest.raises(TypeError, match="input must be a torch.Tensor, got list"):
        fn([1.0, 2.0], torch.zeros(2))
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor .* got dtype torch.int64"):
        fn(torch.zeros(2), torch.tensor([1, 2]))


def test_bad_reduction():
    x, y = _random((3,), 20)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'avg'"):
        lossedu.huber_loss(x, y, reduction="avg")
    with pytest.raises(ValueError, match=r"reduction must be one of 'mean', 'sum', got 'none'"):
        lossedu.rmse_loss(x, y, reduction="none")


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan")])
def test_huber_delta_must_be_positive(delta):
    x, y = _random((3,), 21)
    with pytest.raises(ValueError, match=r"delta must be > 0, got"):
        lossedu.huber_loss(x, y, delta=delta)


def test_huber_delta_must_be_a_number():
    x, y = _random((3,), 22)
    with pytest.raises(TypeError, match="delta must be a number, got str"):
        lossedu.huber_loss(x, y, delta="1")


def test_smooth_l1_beta_must_be_non_negative():
    x, y = _random((3,), 23)
    with pytest.raises(ValueError, match=r"beta must be >= 0, got -0.5"):
        lossedu.smooth_l1_loss(x, y, beta=-0.5)


@pytest.mark.parametrize("q", [0.0, 1.0, -0.1, 1.5])
def test_quantile_q_must_lie_in_the_open_unit_interval(q):
    x, y = _random((3,), 24)
    with pytest.raises(ValueError, match=r"q must lie in \(0.0, 1.0\), got"):
        lossedu.quantile_loss(x, y, q)


def test_quantile_q_must_be_a_number():
    x, y = _random((3,), 25)
    with pytest.raises(TypeError, match="q must be a number, got Tensor"):
        lossedu.quantile_loss(x, y, torch.tensor(0.5))


def test_tukey_c_must_be_positive():
    x, y = _random((3,), 26)
    with pytest.raises(ValueError, match=r"c must be > 0, got 0"):
        lossedu.tukey_biweight_loss(x, y, c=0)


def test_weight_must_match_input():
    x, y = _random((3,), 27)
    with pytest.raises(ValueError, match=r"weight and input must have the same shape, got \(1,\) and \(3,\)"):
        lossedu.mse_loss(x, y, weight=torch.ones(1, dtype=F64))
    with pytest.raises(TypeError, match="weight must be a floating-point tensor"):
        lossedu.l1_loss(x, y, weight=torch.ones(3, dtype=torch.long))


def test_gaussian_nll_errors():
    x, y = _random((4, 3), 28)
    with pytest.raises(ValueError, match=r"var must be >= 0 \(a variance\), got a value of -0.5"):
        lossedu.gaussian_nll_loss(x, y, torch.tensor([1.0, -0.5, 1.0, 1.0], dtype=F64))
    with pytest.raises(ValueError, match=r"var must be >= 0 \(a variance\), got -1.0"):
        lossedu.gaussian_nll_loss(x, y, -1.0)
    with pytest.raises(ValueError, match=r"var must have the shape of input \(4, 3\), .* got \(3,\)"):
        lossedu.gaussian_nll_loss(x, y, torch.ones(3, dtype=F64))
    with pytest.raises(ValueError, match=r"var must have the shape of input .* got \(2, 3\)"):
        lossedu.gaussian_nll_loss(x, y, torch.ones(2, 3, dtype=F64))
    with pytest.raises(TypeError, match=r"var must be a floating-point tensor .* got dtype torch.int64"):
        lossedu.gaussian_nll_loss(x, y, torch.ones(4, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="full must be a bool, got int"):
        lossedu.gaussian_nll_loss(x, y, 1.0, full=1)
    with pytest.raises(ValueError, match=r"eps must be >= 0, got -1e-06"):
        lossedu.gaussian_nll_loss(x, y, 1.0, eps=-1e-6)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'batchmean'"):
        lossedu.gaussian_nll_loss(x, y, 1.0, reduction="batchmean")
    # torch refuses the same shapes
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(x, y, torch.ones(2, 3, dtype=F64))


def test_every_public_function_is_exported_and_documented():
    for name in R.__all__:
        fn = getattr(lossedu, name)
        assert fn is getattr(R, name)
        assert fn.__doc__ and ">>>" in fn.__doc__


def test_device_mismatch_is_refused():
    x = torch.zeros(3, dtype=F64)
    y = torch.zeros(3, dtype=F64, device="meta")
    with pytest.raises(ValueError, match=r"input and target must be on the same device, got cpu and meta"):
        lossedu.mse_loss(x, y)
    with pytest.raises(ValueError, match=r"var and input must be on the same device, got meta and cpu"):
        lossedu.gaussian_nll_loss(x, x, y)


def test_empty_input_matches_torch():
    x = torch.zeros(0, dtype=F64)
    for reduction in REDUCTIONS:
        for ours, theirs, kw in PAIRS.values():
            torch.testing.assert_close(ours(x, x, reduction=reduction, **kw), theirs(x, x, reduction=reduction, **kw),
                                       equal_nan=True)


def test_remaining_type_errors():
    x, y = _random((3,), 29)
    with pytest.raises(TypeError, match="var must be a torch.Tensor, got str"):
        lossedu.gaussian_nll_loss(x, y, "1.0")
    with pytest.raises(TypeError, match="beta must be a number, got NoneType"):
        lossedu.smooth_l1_loss(x, y, beta=None)
    with pytest.raises(TypeError, match="c must be a number, got str"):
        lossedu.tukey_biweight_loss(x, y, c="4.685")
    with pytest.raises(TypeError, match="eps must be a number, got str"):
        lossedu.gaussian_nll_loss(x, y, 1.0, eps="1e-6")
    with pytest.raises(ValueError, match="weight and input must be on the same device, got meta and cpu"):
        lossedu.huber_loss(x, y, weight=torch.ones(3, dtype=F64, device="meta"))
    with pytest.raises(TypeError, match="target must be a torch.Tensor, got float"):
        lossedu.quantile_loss(x, 1.0, 0.5)


# ----------------------------------------------------------------------------- Poisson NLL
def _counts(shape, seed):
    g = torch.Generator().manual_seed(seed)
    log_rate = torch.randn(shape, generator=g, dtype=F64)
    counts = torch.poisson(log_rate.exp() * 3, generator=g)
    return log_rate, counts


@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4), ()])
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_matches_torch(shape, log_input, full, reduction):
    log_rate, counts = _counts(shape, 31)
    x = log_rate if log_input else log_rate.exp()
    kw = {"log_input": log_input, "full": full, "reduction": reduction}
    # gradients with respect to the prediction (torch's target gradient is nan at y = 0)
    assert_matches(lossedu.poisson_nll_loss, F.poisson_nll_loss, (x, counts), grad=[True, False], kwargs=kw)


@pytest.mark.parametrize("eps", [1e-8, 1e-3, 0.0])
def test_poisson_nll_rate_form_eps_matches_torch(eps):
    x = torch.tensor([0.0, 1e-12, 0.5, 2.0, 30.0], dtype=F64)
    y = torch.tensor([0.0, 0.0, 1.0, 4.0, 25.0], dtype=F64)
    kw = {"log_input": False, "eps": eps, "reduction": "none"}
    grad = [eps > 0, False]  # at eps = 0 and rate 0 both sides are inf or nan
    assert_matches(lossedu.poisson_nll_loss, F.poisson_nll_loss, (x, y), grad=grad, kwargs=kw)


def test_poisson_nll_extreme_log_rates_and_full_threshold_match_torch():
    x = torch.tensor([-50.0, -5.0, 0.0, 5.0, 20.0, 0.3], dtype=F64)
    y = torch.tensor([0.0, 1.0, 1.0, 2.0, 1e6, 1.0 + 1e-9], dtype=F64)
    for full in (False, True):
        assert_matches(lossedu.poisson_nll_loss, F.poisson_nll_loss, (x, y), grad=[True, False],
                       kwargs={"full": full, "reduction": "none"})


def test_poisson_nll_target_gradient_is_finite_at_zero_counts_with_full():
    # torch's masked Stirling term multiplies a zero gradient by log(0); lossedu avoids it
    x = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    y = torch.tensor([0.0, 1.0, 3.0], dtype=F64, requires_grad=True)
    lossedu.poisson_nll_loss(x, y, full=True, reduction="sum").backward()
    expected = -x + torch.tensor([0.0, 0.0, math.log(3.0) + 0.5 / 3.0], dtype=F64)
    torch.testing.assert_close(y.grad, expected)


def test_poisson_nll_gradcheck():
    log_rate, counts = _counts((3, 4), 32)
    for log_input in (True, False):
        x = (log_rate if log_input else log_rate.exp()).requires_grad_(True)
        t_ = (counts + 2.0).requires_grad_(True)  # targets above 1 exercise the Stirling term
        fn = lambda a, b: lossedu.poisson_nll_loss(a, b, log_input=log_input, full=True)
        assert torch.autograd.gradcheck(fn, (x, t_))
        assert torch.autograd.gradgradcheck(fn, (x, t_))


def test_poisson_nll_is_the_poisson_log_density_up_to_log_factorial():
    log_rate, counts = _counts((50,), 33)
    ours = lossedu.poisson_nll_loss(log_rate, counts, reduction="none")
    exact = -torch.distributions.Poisson(log_rate.exp()).log_prob(counts)
    torch.testing.assert_close(ours + torch.lgamma(counts + 1), exact)
    # full=True replaces log y! by Stirling's formula for y > 1: within 1/(12 y) of it
    full = lossedu.poisson_nll_loss(log_rate, counts, full=True, reduction="none")
    big = counts > 1
    gap = (full - exact)[big].abs()
    assert bool((gap <= 1 / (12 * counts[big]) + 1e-12).all())


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 20.0), st.lists(st.integers(0, 30), min_size=1, max_size=20))
def test_poisson_nll_is_minimised_at_the_mean_count(shift, counts):
    y = torch.tensor(counts, dtype=F64)
    mean = y.mean()
    if float(mean) == 0.0:
        return
    for log_input, at in ((True, torch.log(mean)), (False, mean)):
        def cost(c):
            return lossedu.poisson_nll_loss(c.expand_as(y), y, log_input=log_input, eps=0.0)
        best = cost(at)
        other = at * (1 + shift) if not log_input else at + math.log1p(shift)
        assert float(cost(other)) >= float(best) - 1e-12
        c = at.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(cost(c), c)
        assert abs(float(g)) < 1e-9


def test_poisson_nll_errors():
    x, y = torch.zeros(3, dtype=F64), torch.tensor([0.0, 1.0, 2.0], dtype=F64)
    with pytest.raises(ValueError, match=r"target must be non-negative, got a value of -1.0"):
        lossedu.poisson_nll_loss(x, torch.tensor([0.0, -1.0, 2.0], dtype=F64))
    with pytest.raises(ValueError, match=r"input \(a rate, since log_input=False\) must be non-negative, got a value of -0.5"):
        lossedu.poisson_nll_loss(torch.tensor([1.0, -0.5, 1.0], dtype=F64), y, log_input=False)
    with pytest.raises(TypeError, match="log_input must be a bool, got int"):
        lossedu.poisson_nll_loss(x, y, log_input=1)
    with pytest.raises(TypeError, match="full must be a bool, got str"):
        lossedu.poisson_nll_loss(x, y, full="yes")
    with pytest.raises(ValueError, match=r"eps must be >= 0, got -1e-08"):
        lossedu.poisson_nll_loss(x, y, eps=-1e-8)
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum', got 'batchmean'"):
        lossedu.poisson_nll_loss(x, y, reduction="batchmean")
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(3,\) and \(3, 1\)"):
        lossedu.poisson_nll_loss(x, y[:, None])
    with pytest.raises(TypeError, match="target must be a floating-point tensor"):
        lossedu.poisson_nll_loss(x, y.long())
    # a negative log-rate is fine: it is a rate below 1
    assert torch.isfinite(lossedu.poisson_nll_loss(-x - 3, y))

