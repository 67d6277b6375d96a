"""Chapter 04: lossedu.classification against torch.nn.functional (float64, values and gradients)."""

from __future__ import annotations

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossedu
from lossedu import classification as C

from _helpers import assert_matches

F64 = torch.float64
SETTINGS = settings(max_examples=40, deadline=None)


def gen(seed):
    return torch.Generator().manual_seed(seed)


def logits(*shape, seed=0, scale=3.0):
    return torch.randn(*shape, generator=gen(seed), dtype=F64) * scale


def classes(*shape, num_classes, seed=1):
    return torch.randint(0, num_classes, shape, generator=gen(seed))


def probs(*shape, seed=2):
    return torch.rand(*shape, generator=gen(seed), dtype=F64)


def distributions(*shape, dim=1, seed=3):
    return (torch.randn(*shape, generator=gen(seed), dtype=F64) * 2).softmax(dim)


# --------------------------------------------------------------------------- softmax
SOFTMAX_CASES = [((7,), 0), ((5, 7), 1), ((5, 7), 0), ((3, 4, 5), -1), ((2, 3, 4, 5), 1)]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
def test_softmax_family_matches_torch(name, shape, dim):
    x = logits(*shape, seed=len(shape) + dim)
    assert_matches(lambda a: getattr(C, name)(a, dim), lambda a: getattr(F, name)(a, dim), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_extreme_logits(name):
    x = torch.tensor([[1e4, -1e4, 0.0, 1e4 - 3.0], [-1e4, -1e4, -1e4, -1e4 + 1.0]], dtype=F64)
    out = getattr(C, name)(x, 1)
    assert torch.isfinite(out).all()
    assert_matches(lambda a: getattr(C, name)(a, 1), lambda a: getattr(F, name)(a, 1), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_gradcheck_and_gradgradcheck(name):
    x = logits(3, 5, seed=11).requires_grad_()
    fn = getattr(C, name)
    assert torch.autograd.gradcheck(lambda a: fn(a, 1), (x,))
    assert torch.autograd.gradgradcheck(lambda a: fn(a, 1), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_dtype_argument_and_scalar(name):
    x = torch.tensor([[1.0, 2.0, 3.0]])
    ours = getattr(C, name)(x, 1, dtype=F64)
    assert ours.dtype == F64
    torch.testing.assert_close(ours, getattr(F, name)(x, 1, dtype=F64))
    s = torch.tensor(0.7, dtype=F64)
    torch.testing.assert_close(getattr(C, name)(s, 0), getattr(F, name)(s, 0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_implicit_dim_warns_and_agrees_with_torch(name, shape):
    x = logits(*shape, seed=5)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        ours = getattr(C, name)(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(F, name)(x)
    torch.testing.assert_close(ours, ref)


def test_log_of_softmax_underflows_but_log_softmax_does_not():
    x = torch.tensor([0.0, -200.0])  # float32: exp(-200) underflows to 0
    assert torch.isinf(torch.log(C.softmax(x, 0))[1])
    assert C.log_softmax(x, 0)[1].item() == pytest.approx(-200.0)


@SETTINGS
@given(
    st.lists(st.floats(-50, 50), min_size=2, max_size=8),
    st.floats(-1e3, 1e3),
)
def test_softmax_ignores_a_constant_shift(values, shift):
    x = torch.tensor(values, dtype=F64)
    torch.testing.assert_close(C.softmax(x + shift, 0), C.softmax(x, 0), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(C.softmax(x, 0).sum(), torch.tensor(1.0, dtype=F64))


# --------------------------------------------------------------------------- nll_loss
def nll_inputs(kind, seed=0):
    if kind == "unbatched":
        return logits(6, seed=seed).log_softmax(0), torch.tensor(4)
    if kind == "batch":
        return logits(8, 5, seed=seed).log_softmax(1), classes(8, num_classes=5, seed=seed + 1)
    return logits(2, 4, 3, 5, seed=seed).log_softmax(1), classes(2, 3, 5, num_classes=4, seed=seed + 1)


def class_weight(c, seed=9):
    return torch.rand(c, generator=gen(seed), dtype=F64) + 0.1


@pytest.mark.parametrize("kind", ["unbatched", "batch", "kdim"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_nll_loss_matches_torch(kind, reduction, weighted, ignore):
    x, t = nll_inputs(kind)
    c = x.shape[0] if x.dim() == 1 else x.shape[1]
    ignore_index = -100
    if ignore and t.dim() > 0:
        t = t.clone()
        t.view(-1)[::3] = 2
        ignore_index = 2
    kwargs = {"reduction": reduction, "ignore_index": ignore_index}
    if weighted:
        kwargs["weight"] = class_weight(c)
    assert_matches(C.nll_loss, F.nll_loss, [x, t], grad=[True, False], kwargs=kwargs)


def test_nll_loss_gradcheck():
    x, t = nll_inputs("kdim")
    w = class_weight(4)
    x = x.requires_grad_()
    assert torch.autograd.gradcheck(lambda a: C.nll_loss(a, t, weight=w), (x,))


def test_nll_loss_mean_divides_by_the_sum_of_selected_weights():
    x, t = nll_inputs("batch", seed=4)
    w = class_weight(5, seed=4)
    picked = -x[torch.arange(8), t] * w[t]
    torch.testing.assert_close(C.nll_loss(x, t, weight=w), picked.sum() / w[t].sum())
    assert not torch.allclose(C.nll_loss(x, t, weight=w), picked.mean())


def test_nll_loss_all_ignored_is_nan_like_torch():
    x, _ = nll_inputs("batch")
    t = torch.full((8,), -100)
    assert torch.isnan(C.nll_loss(x, t)) and torch.isnan(F.nll_loss(x, t))
    assert C.nll_loss(x, t, reduction="sum").item() == 0.0
    torch.testing.assert_close(C.nll_loss(x, t, reduction="none"), F.nll_loss(x, t, reduction="none"))


def test_nll_loss_empty_batch_is_nan_like_torch():
    x = torch.zeros(0, 3, dtype=F64)
    t = torch.zeros(0, dtype=torch.long)
    assert torch.isnan(C.nll_loss(x, t)) and torch.isnan(F.nll_loss(x, t))


def test_relabelling_classes_is_not_free():
    """Labels are positions in the class axis: 0, 50, 100 ... need 201 classes, and
    permuting the labels changes the loss."""
    x = logits(5, 5, seed=21).log_softmax(1)
    t = torch.tensor([0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="class index 200"):
        C.nll_loss(x, t * 50)
    permuted = torch.tensor([4, 3, 2, 1, 0])
    assert not torch.allclose(C.nll_loss(x, t), C.nll_loss(x, permuted))


# --------------------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("kind", ["unbatched", "batch", "kdim"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2, 1.0])
def test_cross_entropy_index_targets_match_torch(kind, reduction, weighted, smoothing):
    x, t = nll_inputs(kind, seed=7)
    x = x * 2.5  # any logits, not log-probabilities
    c = x.shape[0] if x.dim() == 1 else x.shape[1]
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = class_weight(c, seed=8)
    if t.dim() > 0:
        t = t.clone()
        t.view(-1)[1] = -100
    assert_matches(C.cross_entropy, F.cross_entropy, [x, t], grad=[True, False], kwargs=kwargs)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(5,), (6, 5), (2, 5, 3, 4)])
def test_cross_entropy_probability_targets_match_torch(reduction, weighted, smoothing, shape):
    x = logits(*shape, seed=12)
    cdim = 0 if len(shape) == 1 else 1
    y = distributions(*shape, dim=cdim, seed=13)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = class_weight(5, seed=14)
    assert_matches(C.cross_entropy, F.cross_entropy, [x, y], kwargs=kwargs)


def test_cross_entropy_extreme_logits_are_finite_and_exact():
    x = torch.tensor(
        [[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=F64
    )
    t = torch.tensor([1, 1, 0, 2])
    out = C.cross_entropy(x, t, reduction="none")
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, torch.tensor([2e4, 0.0, math.log(2), math.log(3)], dtype=F64))
    for smoothing in (0.0, 0.1):
        assert_matches(C.cross_entropy, F.cross_entropy, [x, t], grad=[True, False],
                       kwargs={"label_smoothing": smoothing})
    xr = x.clone().requires_grad_()
    C.cross_entropy(xr, t).backward()
    assert torch.isfinite(xr.grad).all()


def test_cross_entropy_float32_extremes_match_torch():
    x = torch.tensor([[1e4, -1e4, 0.0], [3.0, 1e4, -1e4]])
    t = torch.tensor([1, 1])
    assert_matches(C.cross_entropy, F.cross_entropy, [x, t], grad=[True, False], rtol=1e-5, atol=1e-6)


def test_cross_entropy_gradcheck_and_gradgradcheck():
    x, t = nll_inputs("kdim", seed=15)
    x = (x * 2).requires_grad_()
    w = class_weight(4)
    for kwargs in ({}, {"weight": w}, {"label_smoothing": 0.2, "weight": w}):
        fn = lambda a: C.cross_entropy(a, t, **kwargs)  # noqa: E731
        assert torch.autograd.gradcheck(fn, (x,))
        assert torch.autograd.gradgradcheck(fn, (x,))
    y = distributions(2, 4, 3, 5, seed=16).requires_grad_()
    for kwargs in ({}, {"weight": w, "label_smoothing": 0.3}):
        fn = lambda a, b: C.cross_entropy(a, b, **kwargs)  # noqa: E731
        assert torch.autograd.gradcheck(fn, (x, y))
        assert torch.autograd.gradgradcheck(fn, (x, y))


def test_cross_entropy_is_log_softmax_then_nll_loss():
    x, t = nll_inputs("kdim", seed=17)
    w = class_weight(4, seed=17)
    torch.testing.assert_close(
        C.cross_entropy(x, t, weight=w), C.nll_loss(C.log_softmax(x, 1), t, weight=w)
    )


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = logits(4, 3)
    t = torch.full((4,), -100)
    for smoothing in (0.0, 0.1):
        assert torch.isnan(C.cross_entropy(x, t, label_smoothing=smoothing))
        assert torch.isnan(F.cross_entropy(x, t, label_smoothing=smoothing))


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int32, torch.int16])
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"weight": torch.tensor([1.0, 2.0, 0.5], dtype=F64)}])
def test_any_integer_dtype_of_class_indices(dtype, kwargs):
    x = logits(4, 3, seed=19)
    t = torch.tensor([0, 2, 1, 1])
    expected = F.cross_entropy(x, t, **kwargs)
    torch.testing.assert_close(C.cross_entropy(x, t.to(dtype), **kwargs), expected)
    torch.testing.assert_close(C.nll_loss(x.log_softmax(1), t.to(dtype), kwargs.get("weight")),
                               F.nll_loss(x.log_softmax(1), t, kwargs.get("weight")))


def test_segmentation_argmax_over_class_dim():
    x = logits(2, 4, 3, 3, seed=18)
    pred = x.argmax(1)
    assert pred.shape == (2, 3, 3)
    assert torch.equal(x.max(1)[1], pred)
    # the loss is smallest when every pixel's target is its own argmax
    assert C.cross_entropy(x, pred) < C.cross_entropy(x, (pred + 1) % 4)


@pytest.mark.parametrize("fn", [C.nll_loss, C.cross_entropy])
@pytest.mark.parametrize(
    "legacy,expected",
    [({"size_average": False}, "sum"), ({"reduce": False}, "none"), ({"size_average": True, "reduce": True}, "mean")],
)
def test_legacy_size_average_and_reduce(fn, legacy, expected):
    x, t = nll_inputs("batch")
    with pytest.warns(UserWarning, match=f"reduction='{expected}'"):
        ours = fn(x, t, **legacy)
    torch.testing.assert_close(ours, fn(x, t, reduction=expected))


@SETTINGS
@given(
    st.integers(1, 5), st.integers(2, 6), st.floats(0.0, 1.0), st.integers(0, 10_000),
)
def test_label_smoothing_identity(n, c, eps, seed):
    """Smoothing an index target equals a probability target (1 - eps) one-hot + eps / C."""
    x = logits(n, c, seed=seed)
    t = classes(n, num_classes=c, seed=seed + 1)
    soft = (1 - eps) * F.one_hot(t, c).to(F64) + eps / c
    torch.testing.assert_close(
        C.cross_entropy(x, t, label_smoothing=eps), C.cross_entropy(x, soft), rtol=1e-9, atol=1e-12
    )


@SETTINGS
@given(st.integers(1, 6), st.integers(2, 6), st.integers(0, 10_000))
def test_cross_entropy_properties(n, c, seed):
    x = logits(n, c, seed=seed)
    t = classes(n, num_classes=c, seed=seed + 1)
    loss = C.cross_entropy(x, t, reduction="none")
    assert (loss >= 0).all()
    # the gradient of each row is softmax - onehot: it sums to zero
    xr = x.clone().requires_grad_()
    C.cross_entropy(xr, t, reduction="sum").backward()
    torch.testing.assert_close(xr.grad, C.softmax(x, 1) - F.one_hot(t, c).to(F64))
    torch.testing.assert_close(xr.grad.sum(1), torch.zeros(n, dtype=F64), atol=1e-12, rtol=0)


# --------------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weight_shape", [None, (6, 4), (4,), (6, 1)])
def test_binary_cross_entropy_matches_torch(reduction, weight_shape):
    x = probs(6, 4, seed=30) * 0.98 + 0.01
    y = probs(6, 4, seed=31)
    kwargs = {"reduction": reduction}
    if weight_shape:
        kwargs["weight"] = torch.rand(weight_shape, generator=gen(32), dtype=F64)
    assert_matches(C.binary_cross_entropy, F.binary_cross_entropy, [x, y], kwargs=kwargs)


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    x = torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-50, 1 - 1e-16, 0.5], dtype=F64)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=F64)
    out = C.binary_cross_entropy(x, y, reduction="none")
    torch.testing.assert_close(out[:5], torch.tensor([100.0, 100.0, 0.0, 0.0, 100.0], dtype=F64))
    # values and gradients (input and target) exactly as torch, at 0 and 1 too
    assert_matches(C.binary_cross_entropy, F.binary_cross_entropy, [x, y], grad=[True, False],
                   kwargs={"reduction": "none"})
    xr = x.clone().requires_grad_()
    C.binary_cross_entropy(xr, y).backward()
    assert torch.isfinite(xr.grad).all()


def test_binary_cross_entropy_target_gradient_matches_torch():
    x = probs(5, seed=33) * 0.9 + 0.05
    y = probs(5, seed=34)
    assert_matches(C.binary_cross_entropy, F.binary_cross_entropy, [x, y], grad=[True, True])


def test_binary_cross_entropy_gradcheck():
    x = (probs(3, 4, seed=35) * 0.8 + 0.1).requires_grad_()
    y = probs(3, 4, seed=36).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: C.binary_cross_entropy(a, b), (x, y))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits_matches_torch(reduction, with_weight, with_pos_weight):
    x = logits(6, 4, seed=40)
    y = probs(6, 4, seed=41)
    kwargs = {"reduction": reduction}
    if with_weight:
        kwargs["weight"] = torch.rand(6, 1, generator=gen(42), dtype=F64)
    if with_pos_weight:
        kwargs["pos_weight"] = torch.rand(4, generator=gen(43), dtype=F64) * 3
    assert_matches(C.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, [x, y], kwargs=kwargs)


def test_bce_with_logits_extreme_logits():
    x = torch.tensor([1e4, -1e4, 1e4, -1e4, 0.0, 40.0, -40.0], dtype=F64)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=F64)
    out = C.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[:5], torch.tensor([0.0, 0.0, 1e4, 1e4, math.log(2)], dtype=F64))
    pw = torch.tensor(3.0, dtype=F64)
    for kwargs in ({"reduction": "none"}, {"pos_weight": pw.expand(7).clone()}):
        assert_matches(C.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits,
                       [x, y], kwargs=kwargs)
    # the sigmoid-then-BCE route saturates: it cannot tell 40 from 1e4
    sat = C.binary_cross_entropy(torch.sigmoid(x), y, reduction="none")
    assert sat[2].item() == 100.0 and sat[5].item() == 100.0


def test_bce_with_logits_gradcheck():
    x = logits(3, 4, seed=44).requires_grad_()
    y = probs(3, 4, seed=45).requires_grad_()
    pw = (torch.rand(4, generator=gen(46), dtype=F64) + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b, p: C.binary_cross_entropy_with_logits(a, b, pos_weight=p), (x, y, pw)
    )
    assert torch.autograd.gradgradcheck(lambda a: C.binary_cross_entropy_with_logits(a, y.detach()), (x,))
    assert torch.autograd.gradgradcheck(
        lambda a, b, p: C.binary_cross_entropy_with_logits(a, b, pos_weight=p), (x, y, pw)
    )


@SETTINGS
@given(st.lists(st.floats(-15, 15), min_size=1, max_size=8), st.integers(0, 10_000))
def test_bce_with_logits_equals_bce_of_sigmoid_where_sigmoid_is_exact(values, seed):
    x = torch.tensor(values, dtype=F64)
    y = (torch.rand(len(values), generator=gen(seed), dtype=F64) > 0.5).to(F64)
    torch.testing.assert_close(
        C.binary_cross_entropy_with_logits(x, y), C.binary_cross_entropy(torch.sigmoid(x), y),
        rtol=1e-9, atol=1e-12,
    )


@SETTINGS
@given(st.floats(0.01, 0.99), st.integers(1, 10), st.integers(0, 10_000))
def test_alpha_balanced_ce_is_pos_weight_up_to_a_factor(alpha, n, seed):
    """alpha-balanced BCE = (1 - alpha) * BCE with pos_weight = alpha / (1 - alpha)."""
    x = logits(n, seed=seed)
    y = (torch.rand(n, generator=gen(seed + 1), dtype=F64) > 0.5).to(F64)
    p = torch.sigmoid(x)
    alpha_ce = -(alpha * y * torch.log(p) + (1 - alpha) * (1 - y) * torch.log1p(-p))
    pw = torch.tensor(alpha / (1 - alpha), dtype=F64)
    ours = C.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none")
    torch.testing.assert_close((1 - alpha) * ours, alpha_ce, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_bernoulli_nll_is_bce_and_two_class_ce(n, seed):
    """BCE on a logit z equals CE on the two logits (0, z)."""
    z = logits(n, seed=seed)
    y = torch.randint(0, 2, (n,), generator=gen(seed + 1))
    two = torch.stack([torch.zeros_like(z), z], dim=1)
    torch.testing.assert_close(
        C.binary_cross_entropy_with_logits(z, y.to(F64), reduction="none"),
        C.cross_entropy(two, y, reduction="none"),
    )


def test_public_names_are_reexported():
    for name in C.__all__:
        assert getattr(lossedu, name) is getattr(C, name)
        assert getattr(C, name).__doc__


# --------------------------------------------------------------------------- bad input
X = logits(4, 3)
T = torch.tensor([0, 2, 1, 1])


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: C.softmax([1.0, 2.0], 0), TypeError, "input must be a torch.Tensor, got list"),
        (lambda: C.softmax(torch.tensor([1, 2]), 0), TypeError, "input must be a floating-point tensor"),
        (lambda: C.log_softmax(X, 2), ValueError, r"dim=2 is out of range for input"),
        (lambda: C.log_softmax(X, 1.0), TypeError, "dim must be an int, got float"),
        (lambda: C.cross_entropy(X, torch.tensor([0, 3, 1, 1])), ValueError,
         r"target contains the class index 3, but indices must lie in \[0, 2\] for 3 classes"),
        (lambda: C.nll_loss(X.log_softmax(1), torch.tensor([0, -1, 1, 1])), ValueError,
         "target contains the class index -1"),
        (lambda: C.cross_entropy(X, T.to(torch.float64)), TypeError,
         "target must be an integer tensor of class indices .* got dtype torch.float64"),
        (lambda: C.cross_entropy(X, T.to(torch.bool)), TypeError,
         "target must be an integer tensor of class indices"),
        (lambda: C.cross_entropy(X, T[:3]), ValueError,
         r"input and target must have the same batch size, got 4 .* and 3"),
        (lambda: C.cross_entropy(X, T[:, None]), ValueError,
         r"target must have shape \(4,\) .* got shape \(4, 1\)"),
        (lambda: C.cross_entropy(logits(2, 3, 5), torch.zeros(2, 4, dtype=torch.long)), ValueError,
         r"target must have shape \(2, 5\)"),
        (lambda: C.cross_entropy(torch.tensor(1.0), torch.tensor(0)), ValueError,
         "input must have a class dimension"),
        (lambda: C.cross_entropy(X, T, weight=torch.ones(4, dtype=F64)), ValueError,
         r"weight must be a 1-D tensor with one entry per class \(3 classes\), got shape \(4,\)"),
        (lambda: C.nll_loss(X.log_softmax(1), T, weight=torch.ones(3, 1, dtype=F64)), ValueError,
         r"weight must be a 1-D tensor .* got shape \(3, 1\)"),
        (lambda: C.cross_entropy(X, T, weight=torch.ones(3)), TypeError,
         "weight must have the input's dtype torch.float64, got dtype torch.float32"),
        (lambda: C.cross_entropy(X, T, weight=torch.tensor([1.0, -1.0, 1.0], dtype=F64)), ValueError,
         "weight must be non-negative, got a value of -1.0"),
        (lambda: C.cross_entropy(X, T, label_smoothing=-0.1), ValueError,
         r"label_smoothing must lie in \[0.0, 1.0\], got -0.1"),
        (lambda: C.cross_entropy(X, T, label_smoothing=1.5), ValueError,
         r"label_smoothing must lie in \[0.0, 1.0\], got 1.5"),
        (lambda: C.cross_entropy(X, T, label_smoothing="0.1"), TypeError,
         "label_smoothing must be a number, got str"),
        (lambda: C.cross_entropy(X, T, ignore_index=1.0), TypeError, "ignore_index must be an int, got float"),
        (lambda: C.cross_entropy(X, T, reduction="avg"), ValueError,
         "reduction must be one of 'none', 'mean', 'sum', got 'avg'"),
        (lambda: C.cross_entropy(X, distributions(4, 3), ignore_index=0), ValueError,
         "ignore_index is not supported with probability targets"),
        (lambda: C.cross_entropy(X, torch.tensor([[1.0, 1.0, 0.0]] * 4, dtype=F64)), ValueError,
         "target must sum to 1 along dim=1, got a sum of 2"),
        (lambda: C.cross_entropy(X, torch.tensor([[1.5, -0.5, 0.0]] * 4, dtype=F64)), ValueError,
         "target must be non-negative"),
        (lambda: C.cross_entropy(X, torch.tensor([[0.5, 0.5, float("nan")]] * 4, dtype=F64)), ValueError,
         "target must not contain NaN"),
        (lambda: C.nll_loss(X.softmax(1), T), ValueError,
         "input must hold log-probabilities .* did you pass probabilities or raw logits"),
        (lambda: C.nll_loss(X.log_softmax(1), [0, 1, 2, 1]), TypeError, "target must be a torch.Tensor, got list"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, 1.2]), torch.tensor([1.0, 0.0])), ValueError,
         r"input must contain probabilities in \[0, 1\], got a value of 1.2"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, float("nan")]), torch.tensor([1.0, 0.0])), ValueError,
         r"input must contain probabilities in \[0, 1\], got a value of nan"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1.0, 2.0])), ValueError,
         r"target must contain probabilities in \[0, 1\], got a value of 2.0"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([[1.0, 0.0]])), ValueError,
         r"input and target must have the same shape, got \(2,\) and \(1, 2\)"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1, 0])), TypeError,
         "target must be a floating-point tensor"),
        (lambda: C.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1.0, 0.0]),
                                        weight=torch.tensor([-1.0, 1.0])), ValueError,
         "weight must be non-negative, got a value of -1.0"),
        (lambda: C.binary_cross_entropy_with_logits(torch.tensor([0.5, 0.2]), torch.tensor([1.0, -1.0])),
         ValueError, r"target must contain probabilities in \[0, 1\], got a value of -1.0"),
        (lambda: C.binary_cross_entropy_with_logits(torch.tensor([0.5, 0.2]), torch.tensor([[1.0], [0.0]])),
         ValueError, r"input and target must have the same shape, got \(2,\) and \(2, 1\)"),
        (lambda: C.binary_cross_entropy_with_logits(torch.zeros(2, 3), torch.zeros(2, 3),
                                                    pos_weight=torch.ones(2)), ValueError,
         r"pos_weight must broadcast to the shape of target \(2, 3\), got shape \(2,\)"),
        (lambda: C.binary_cross_entropy_with_logits(torch.zeros(2, 3), torch.zeros(2, 3),
                                                    pos_weight=torch.tensor([1.0, -2.0, 1.0])), ValueError,
         "pos_weight must be non-negative, got a value of -2.0"),
        (lambda: C.binary_cross_entropy_with_logits(torch.zeros(2, 3), torch.zeros(2, 3),
                                                    weight=torch.ones(4, 2, 3)), ValueError,
         r"weight must broadcast to the shape of input \(2, 3\), got shape \(4, 2, 3\)"),
        (lambda: C.binary_cross_entropy_with_logits(torch.zeros(2), torch.zeros(2), reduction="batchmean"),
         ValueError, "reduction must be one of"),
    ],
)
def test_error_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_torch_silently_accepts_what_lossedu_refuses():
    """The reasons for lossedu's extra checks: torch runs and returns a misleading number."""
    t = torch.tensor([0, 2, 1, 1])
    # a negative label_smoothing is ignored by torch without a word
    torch.testing.assert_close(F.cross_entropy(X, t, label_smoothing=-0.5), F.cross_entropy(X, t))
    # a BCE-with-logits target outside [0, 1] gives torch a negative "loss"
    assert F.binary_cross_entropy_with_logits(torch.tensor([5.0]), torch.tensor([2.0])) < 0
    # probabilities passed to nll_loss give a negative "loss"
    assert F.nll_loss(X.softmax(1), t) < 0
