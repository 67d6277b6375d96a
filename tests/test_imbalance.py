"""Chapter 05: lossedu.imbalance against torch, torchvision's formula and scikit-learn."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight

import lossedu
from _helpers import F64, assert_matches


def _gen(seed):
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- references
def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss as documented, written with torch ops."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


def softmax_focal_reference(input, target, alpha=None, gamma=2.0, ignore_index=-100, reduction="mean"):
    """The multi-class focal loss written independently: one-hot, probabilities, a plain power."""
    class_dim = 0 if input.dim() == 1 else 1
    num_classes = input.shape[class_dim]
    keep = target != ignore_index
    safe = torch.where(keep, target, 0)
    onehot = F.one_hot(safe, num_classes).to(input.dtype)
    if input.dim() > 1:
        onehot = onehot.movedim(-1, 1)
    p = torch.softmax(input, class_dim)
    pt = (p * onehot).sum(class_dim)
    ce = -(torch.log_softmax(input, class_dim) * onehot).sum(class_dim)
    w = torch.ones(num_classes, dtype=input.dtype) if alpha is None else alpha
    wt = w[safe] * keep
    loss = wt * (1 - pt) ** gamma * ce
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


def dice_reference(p, t, smooth=1.0, reduction="mean"):
    a, b = p.reshape(p.shape[0], -1), t.reshape(t.shape[0], -1)
    dice = (2 * (a * b).sum(1) + smooth) / (a.sum(1) + b.sum(1) + smooth)
    loss = 1 - dice
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


# ----------------------------------------------------------------------------- class weights
def test_inverse_frequency_matches_sklearn_balanced():
    y = np.repeat([0, 1, 2, 3], [500, 120, 30, 7])
    counts = torch.tensor(np.bincount(y))
    theirs = compute_class_weight("balanced", classes=np.arange(4), y=y)
    ours = lossedu.inverse_frequency_weights(counts.to(F64))
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12)
    # every class carries the same total weight N / C
    np.testing.assert_allclose((ours * counts).numpy(), np.full(4, len(y) / 4), rtol=1e-12)


def test_inverse_frequency_dtypes():
    assert lossedu.inverse_frequency_weights(torch.tensor([3, 1])).dtype == torch.get_default_dtype()
    assert lossedu.inverse_frequency_weights(torch.tensor([3.0, 1.0], dtype=torch.float32)).dtype == torch.float32


def test_effective_number_formula_and_limits():
    counts = torch.tensor([2000.0, 300.0, 40.0, 5.0], dtype=F64)
    for beta in (0.9, 0.99, 0.999, 0.9999):
        e = (1 - beta ** counts) / (1 - beta)
        w = (1 / e) / (1 / e).sum() * 4
        np.testing.assert_allclose(lossedu.effective_number_weights(counts, beta).numpy(), w.numpy(), rtol=1e-9)
    torch.testing.assert_close(lossedu.effective_number_weights(counts, 0.0), torch.ones(4, dtype=F64))
    # beta -> 1: inverse frequency, normalised to sum to C
    inv = lossedu.inverse_frequency_weights(counts)
    near_one = lossedu.effective_number_weights(counts, 1 - 1e-9)
    torch.testing.assert_close(near_one, inv / inv.sum() * 4, rtol=1e-5, atol=0)
    # saturation: two large classes get almost the same weight
    w = lossedu.effective_number_weights(torch.tensor([50_000.0, 100_000.0, 10.0], dtype=F64), 0.999)
    assert abs(w[0] - w[1]) < 1e-12 and w[2] > 50 * w[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=8), st.floats(0.0, 0.9999))
def test_class_weight_properties(counts, beta):
    n = torch.tensor(counts, dtype=F64)
    inv = lossedu.inverse_frequency_weights(n)
    assert torch.allclose((inv * n), n.sum() / len(counts) * torch.ones_like(n))
    eff = lossedu.effective_number_weights(n, beta)
    assert abs(eff.sum().item() - len(counts)) < 1e-9
    # rarer classes never get smaller weights
    order = torch.argsort(n)
    assert bool((eff[order][:-1] >= eff[order][1:] - 1e-12).all())
    assert bool((inv[order][:-1] >= inv[order][1:] - 1e-12).all())


# ----------------------------------------------------------------------------- sigmoid focal
def _binary(seed, shape, scale=3.0, soft=False):
    g = _gen(seed)
    x = torch.randn(shape, generator=g, dtype=F64) * scale
    if soft:
        y = torch.rand(shape, generator=g, dtype=F64)
    else:
        y = (torch.rand(shape, generator=g, dtype=F64) < 0.3).to(F64)
    return x, y


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (-1.0, 2.0), (0.5, 0.0), (-1, 0), (0.9, 1.5), (0.0, 3), (1.0, 0.5)])
@pytest.mark.parametrize("shape,soft", [((50,), False), ((4, 3, 5), False), ((40,), True)])
def test_sigmoid_focal_matches_torchvision_formula(reduction, alpha, gamma, shape, soft):
    x, y = _binary(1, shape, soft=soft)
    kwargs = {"alpha": alpha, "gamma": gamma, "reduction": reduction}
    assert_matches(lossedu.sigmoid_focal_loss, torchvision_sigmoid_focal_loss, [x, y], kwargs=kwargs)


def test_sigmoid_focal_defaults_are_torchvisions():
    x, y = _binary(2, (30,))
    torch.testing.assert_close(lossedu.sigmoid_focal_loss(x, y), torchvision_sigmoid_focal_loss(x, y))
    assert lossedu.sigmoid_focal_loss(x, y).shape == x.shape  # reduction='none' by default


def test_sigmoid_focal_gamma0_alpha_off_is_bce_with_logits():
    x, y = _binary(3, (20, 4), soft=True)
    for r in ("none", "mean", "sum"):
        assert_matches(
            lambda a, b: lossedu.sigmoid_focal_loss(a, b, alpha=-1, gamma=0.0, reduction=r),
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=r),
            [x, y],
        )


def test_sigmoid_focal_alpha_balanced_is_bce_with_class_weights():
    # gamma = 0: alpha for positives, 1 - alpha for negatives, the α-balanced CE
    x, y = _binary(4, (64,))
    w = 0.8 * y + 0.2 * (1 - y)
    assert_matches(
        lambda a, b: lossedu.sigmoid_focal_loss(a, b, alpha=0.8, gamma=0.0, reduction="sum"),
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction="sum"),
        [x, y],
        grad=[True, False],
    )


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_sigmoid_focal_extreme_logits(gamma, dtype):
    x = torch.tensor([1e4, -1e4, 1e4, -1e4, 80.0, -80.0, 0.0], dtype=dtype, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], dtype=dtype)
    loss = lossedu.sigmoid_focal_loss(x, y, alpha=0.25, gamma=gamma)
    (g,) = torch.autograd.grad(loss.sum(), x)
    assert torch.isfinite(loss).all() and torch.isfinite(g).all()
    # confidently right: zero loss and zero gradient; confidently wrong: alpha_t * |x|, slope alpha_t
    expected = torch.tensor([0.0, 0.0, 0.75e4, 0.25e4, 0.0, 0.25 * 80.0, 0.25 * math.log(2) * 0.5**gamma], dtype=F64)
    np.testing.assert_allclose(loss.detach().to(F64).numpy(), expected.numpy(), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(g[:4].to(F64).numpy(), [0.0, 0.0, 0.75, -0.25], atol=1e-6)
    if gamma >= 1 or dtype == F64:
        # where torchvision's formula is finite, it agrees
        ref = torchvision_sigmoid_focal_loss(x.detach().clone().requires_grad_(), y, 0.25, gamma)
        torch.testing.assert_close(loss, ref)


def test_sigmoid_focal_gradient_at_extremes_matches_torchvision_formula():
    x = torch.tensor([1e4, -1e4, 1e4, -1e4, 30.0, -30.0], dtype=F64)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], dtype=F64)
    assert_matches(lossedu.sigmoid_focal_loss, torchvision_sigmoid_focal_loss, [x, y], grad=[True, False])


def test_sigmoid_focal_gradcheck():
    x, y = _binary(5, (3, 4), soft=True)
    for gamma in (0.0, 0.7, 2.0):
        assert torch.autograd.gradcheck(
            lambda a, b: lossedu.sigmoid_focal_loss(a, b, alpha=0.3, gamma=gamma, reduction="mean"),
            (x.clone().requires_grad_(), y.clone().requires_grad_()),
        )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=10),
    st.floats(0.0, 1.0),
    st.floats(0.0, 6.0),
    st.floats(0.0, 1.0),
)
def test_sigmoid_focal_properties(xs, y, gamma, alpha):
    x = torch.tensor(xs, dtype=F64)
    t = torch.full_like(x, y)
    bce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    fl = lossedu.sigmoid_focal_loss(x, t, alpha=-1, gamma=gamma)
    assert bool((fl >= 0).all()) and bool((fl <= bce + 1e-12).all())  # focal <= CE
    fla = lossedu.sigmoid_focal_loss(x, t, alpha=alpha, gamma=gamma)
    assert bool((fla <= fl + 1e-12).all())  # alpha_t <= 1
    torch.testing.assert_close(lossedu.sigmoid_focal_loss(x, t, alpha=-1, gamma=0.0), bce)
    # a larger gamma never increases the loss
    more = lossedu.sigmoid_focal_loss(x, t, alpha=-1, gamma=gamma + 1.0)
    assert bool((more <= fl + 1e-12).all())


# ----------------------------------------------------------------------------- softmax focal
def _multi(seed, shape, scale=2.0, ignore_frac=0.0, ignore_index=-100):
    g = _gen(seed)
    x = torch.randn(shape, generator=g, dtype=F64) * scale
    num_classes = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])
    t = torch.randint(0, num_classes, tshape, generator=g)
    if ignore_frac:
        mask = torch.rand(tshape, generator=g) < ignore_frac
        t = torch.where(mask, torch.full_like(t, ignore_index), t)
    return x, t


def _alpha(seed, c):
    return torch.rand(c, generator=_gen(seed), dtype=F64) * 2 + 0.1


SHAPES = [(5,), (8, 4), (3, 5, 4, 2), (6, 3, 7)]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("with_alpha", [False, True])
@pytest.mark.parametrize("ignore", [0.0, 0.3])
def test_focal_gamma0_is_cross_entropy(reduction, shape, with_alpha, ignore):
    if len(shape) == 1 and ignore:
        pytest.skip("an unbatched target has a single element")
    x, t = _multi(10, shape, ignore_frac=ignore)
    c = shape[0] if len(shape) == 1 else shape[1]
    alpha = _alpha(11, c) if with_alpha else None
    kwargs = {"reduction": reduction}
    assert_matches(
        lambda a, b: lossedu.focal_loss(a, b, alpha=alpha, gamma=0.0, **kwargs),
        lambda a, b: F.cross_entropy(a, b, weight=alpha, **kwargs),
        [x, t],
    )


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("gamma", [0.5, 2.0, 4.0])
@pytest.mark.parametrize("with_alpha", [False, True])
def test_focal_matches_independent_formula(reduction, shape, gamma, with_alpha):
    x, t = _multi(12, shape, ignore_frac=0.0 if len(shape) == 1 else 0.25, ignore_index=3)
    c = shape[0] if len(shape) == 1 else shape[1]
    alpha = _alpha(13, c) if with_alpha else None
    kwargs = {"alpha": alpha, "gamma": gamma, "ignore_index": 3, "reduction": reduction}
    assert_matches(lossedu.focal_loss, softmax_focal_reference, [x, t], kwargs=kwargs)


def test_focal_mean_divides_by_the_selected_alphas():
    x, t = _multi(14, (10, 3), ignore_frac=0.3)
    alpha = torch.tensor([0.2, 1.0, 3.0], dtype=F64)
    per = lossedu.focal_loss(x, t, alpha=alpha, reduction="none")
    keep = t != -100
    expected = per.sum() / alpha[t[keep]].sum()
    torch.testing.assert_close(lossedu.focal_loss(x, t, alpha=alpha), expected)
    assert not torch.allclose(expected, per.sum() / keep.sum())  # the count would differ
    assert bool((per[~keep] == 0).all())
    # rescaling alpha leaves the mean unchanged
    torch.testing.assert_close(lossedu.focal_loss(x, t, alpha=7 * alpha), expected)


def test_focal_all_ignored_mean_is_nan_like_cross_entropy():
    x = torch.randn(4, 3, dtype=F64)
    t = torch.full((4,), -100)
    assert torch.isnan(lossedu.focal_loss(x, t)) and torch.isnan(F.cross_entropy(x, t))
    assert lossedu.focal_loss(x, t, reduction="sum").item() == 0.0


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_focal_extreme_logits(gamma):
    x = torch.tensor([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]], dtype=F64)
    t = torch.tensor([0, 1, 2, 1])
    loss = lossedu.focal_loss(x, t, gamma=gamma, reduction="none")
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(lossedu.focal_loss(xg, t, gamma=gamma, reduction="sum"), xg)
    assert torch.isfinite(loss).all() and torch.isfinite(g).all()
    expected = [0.0, 2e4, math.log(2) * 0.5**gamma, math.log(3) * (2 / 3) ** gamma]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12, atol=1e-300)
    # confidently wrong: the gradient is softmax - onehot, untouched by (1 - p_t)^gamma ~ 1
    np.testing.assert_allclose(g[1].numpy(), [1.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(g[0].numpy(), [0.0, 0.0, 0.0], atol=1e-12)
    if gamma == 0.0:
        assert_matches(lambda a, b: lossedu.focal_loss(a, b, gamma=0.0), lambda a, b: F.cross_entropy(a, b), [x, t])


def test_focal_keeps_digits_of_easy_examples():
    # 1 - p_t ~ 2e-9 would lose every digit as 1 - exp(log p_t); expm1 keeps them
    x = torch.tensor([[20.0, 0.0]], dtype=F64)
    t = torch.tensor([0])
    q = math.exp(-20) / (1 + math.exp(-20))
    expected = q**2 * -math.log1p(-q)
    assert lossedu.focal_loss(x, t, reduction="sum").item() == pytest.approx(expected, rel=1e-9)


def test_focal_gradcheck():
    x, t = _multi(15, (4, 3, 2), ignore_frac=0.2)
    alpha = _alpha(16, 3)
    for gamma in (0.0, 0.6, 2.0):
        for r in ("none", "mean", "sum"):
            assert torch.autograd.gradcheck(
                lambda a: lossedu.focal_loss(a, t, alpha=alpha, gamma=gamma, reduction=r),
                (x.clone().requires_grad_(),),
            )


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 6), st.integers(1, 6), st.floats(0.0, 5.0), st.integers(0, 2**31 - 1))
def test_focal_properties(c, n, gamma, seed):
    g = _gen(seed)
    x = torch.randn(n, c, generator=g, dtype=F64) * 5
    t = torch.randint(0, c, (n,), generator=g)
    ce = F.cross_entropy(x, t, reduction="none")
    fl = lossedu.focal_loss(x, t, gamma=gamma, reduction="none")
    assert bool((fl >= 0).all()) and bool((fl <= ce + 1e-12).all())
    # the ratio to CE is exactly (1 - p_t)^gamma: easy examples are down-weighted more
    pt = torch.softmax(x, 1).gather(1, t[:, None])[:, 0]
    torch.testing.assert_close(fl, (1 - pt) ** gamma * ce, rtol=1e-6, atol=1e-15)
    torch.testing.assert_close(lossedu.focal_loss(x, t, gamma=0.0, reduction="none"), ce)


def test_focal_and_sigmoid_focal_agree_on_two_logit_problems():
    # softmax over [0, z] is sigmoid(z): with alpha = (1 - a, a) the two forms coincide per element
    x, y = _binary(17, (30,))
    logits = torch.stack([torch.zeros_like(x), x], dim=1)
    alpha = torch.tensor([0.75, 0.25], dtype=F64)
    ours = lossedu.focal_loss(logits, y.long(), alpha=alpha, reduction="none")
    torch.testing.assert_close(ours, lossedu.sigmoid_focal_loss(x, y, alpha=0.25))


# ----------------------------------------------------------------------------- dice
def _masks(seed, shape):
    g = _gen(seed)
    p = torch.rand(shape, generator=g, dtype=F64)
    t = (torch.rand(shape, generator=g, dtype=F64) < 0.2).to(F64)
    return p, t


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", [(4, 10), (3, 2, 5, 5), (2, 1, 8)], ids=str)
@pytest.mark.parametrize("smooth", [0.0, 1.0, 1e-5])
def test_dice_matches_formula(reduction, shape, smooth):
    p, t = _masks(20, shape)
    assert_matches(lossedu.dice_loss, dice_reference, [p, t], kwargs={"smooth": smooth, "reduction": reduction})


def test_dice_reduces_per_sample_then_over_batch():
    p, t = _masks(21, (3, 4, 4))
    per = lossedu.dice_loss(p, t, reduction="none")
    assert per.shape == (3,)
    for i in range(3):
        torch.testing.assert_close(per[i], lossedu.dice_loss(p[i : i + 1], t[i : i + 1]))
    torch.testing.assert_close(lossedu.dice_loss(p, t), per.mean())


def test_dice_known_values():
    t = torch.zeros(1, 8, 8, dtype=F64)
    t[0, 3:5, 3:5] = 1  # a 4-pixel object
    assert lossedu.dice_loss(t, t, smooth=0.0).item() == 0.0
    assert lossedu.dice_loss(1 - t, t, smooth=0.0).item() == 1.0
    empty = torch.zeros_like(t)
    assert lossedu.dice_loss(empty, empty).item() == 0.0  # smoothing: empty vs empty is perfect
    assert torch.isnan(lossedu.dice_loss(empty, empty, smooth=0.0))
    # predicting nothing on a 4-pixel object: 1 - 1/(4 + 1) with smooth=1
    assert lossedu.dice_loss(empty, t).item() == pytest.approx(0.8)


def test_dice_gradcheck():
    p, t = _masks(22, (2, 3, 3))
    p, t = p.clamp(0.05, 0.95), t.clamp(0.05, 0.95)
    for r in ("none", "mean", "sum"):
        assert torch.autograd.gradcheck(
            lambda a, b: lossedu.dice_loss(a, b, smooth=0.5, reduction=r),
            (p.clone().requires_grad_(), t.clone().requires_grad_()),
        )


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 12), st.floats(0.0, 5.0), st.integers(0, 2**31 - 1))
def test_dice_properties(n, d, smooth, seed):
    p, t = _masks(seed, (n, d))
    loss = lossedu.dice_loss(p, t, smooth=smooth + 1e-6, reduction="none")
    assert bool((loss >= -1e-12).all()) and bool((loss <= 1 + 1e-12).all())
    assert bool((lossedu.dice_loss(t, t, smooth=smooth + 1e-6, reduction="none").abs() < 1e-12).all())
    # symmetric in its two arguments
    torch.testing.assert_close(loss, lossedu.dice_loss(t, p, smooth=smooth + 1e-6, reduction="none"))


# ----------------------------------------------------------------------------- errors
def test_class_weight_errors():
    with pytest.raises(TypeError, match=r"counts must be a torch.Tensor, got list"):
        lossedu.inverse_frequency_weights([3, 1])
    with pytest.raises(TypeError, match=r"counts must be an integer or floating-point tensor, got dtype torch.bool"):
        lossedu.inverse_frequency_weights(torch.tensor([True, False]))
    with pytest.raises(ValueError, match=r"counts must be a non-empty 1-D tensor .* got shape \(2, 2\)"):
        lossedu.inverse_frequency_weights(torch.ones(2, 2))
    with pytest.raises(ValueError, match=r"counts must be a non-empty 1-D tensor .* got shape \(0,\)"):
        lossedu.effective_number_weights(torch.ones(0))
    with pytest.raises(ValueError, match=r"counts must be positive and finite .* got a count of 0.0"):
        lossedu.inverse_frequency_weights(torch.tensor([5, 0]))
    with pytest.raises(ValueError, match=r"beta must lie in \[0, 1\), got 1.0"):
        lossedu.effective_number_weights(torch.tensor([5, 2]), beta=1.0)
    with pytest.raises(TypeError, match=r"beta must be a number, got str"):
        lossedu.effective_number_weights(torch.tensor([5, 2]), beta="0.9")


def test_sigmoid_focal_errors():
    x = torch.zeros(3)
    y = torch.tensor([0.0, 1.0, 1.0])
    with pytest.raises(TypeError, match=r"inputs must be a torch.Tensor, got list"):
        lossedu.sigmoid_focal_loss([0.0], y)
    with pytest.raises(TypeError, match=r"targets must be a floating-point tensor .* got dtype torch.int64"):
        lossedu.sigmoid_focal_loss(x, torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match=r"inputs and targets must have the same shape, got \(3,\) and \(1, 3\)"):
        lossedu.sigmoid_focal_loss(x, y[None])
    with pytest.raises(ValueError, match=r"targets must contain probabilities in \[0, 1\], got a value of 2.0"):
        lossedu.sigmoid_focal_loss(x, torch.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"targets must contain probabilities in \[0, 1\], got a value of -1.0"):
        lossedu.sigmoid_focal_loss(x, torch.tensor([0.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match=r"alpha must be <= 1 \(or negative, e.g. -1, to switch it off\), got 1.5"):
        lossedu.sigmoid_focal_loss(x, y, alpha=1.5)
    with pytest.raises(TypeError, match=r"alpha must be a number, got Tensor"):
        lossedu.sigmoid_focal_loss(x, y, alpha=torch.tensor(0.5))
    with pytest.raises(ValueError, match=r"gamma must be >= 0, got -1.0"):
        lossedu.sigmoid_focal_loss(x, y, gamma=-1.0)
    with pytest.raises(ValueError, match=r"gamma must be finite, got inf"):
        lossedu.sigmoid_focal_loss(x, y, gamma=float("inf"))
    with pytest.raises(TypeError, match=r"gamma must be a number, got NoneType"):
        lossedu.sigmoid_focal_loss(x, y, gamma=None)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'batchmean'"):
        lossedu.sigmoid_focal_loss(x, y, reduction="batchmean")


def test_focal_errors():
    x = torch.zeros(4, 3)
    t = torch.tensor([0, 1, 2, 1])
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got list"):
        lossedu.focal_loss([[0.0]], t)
    with pytest.raises(TypeError, match=r"target must be a torch.Tensor, got list"):
        lossedu.focal_loss(x, [0, 1, 2, 1])
    with pytest.raises(TypeError, match=r"target must be an integer tensor .* got dtype torch.float32 with shape \(4,\); focal_loss does not take probability"):
        lossedu.focal_loss(x, t.float())
    with pytest.raises(ValueError, match=r"input must have a class dimension.*got a scalar"):
        lossedu.focal_loss(torch.tensor(1.0), torch.tensor(0))
    with pytest.raises(ValueError, match=r"target must have shape \(4,\) \(input's shape \(4, 3\) without the class dimension\), got shape \(4, 1\)"):
        lossedu.focal_loss(x, t[:, None])
    with pytest.raises(ValueError, match=r"target must have shape \(\) \(input's shape \(3,\) without the class dimension\), got shape \(1,\)"):
        lossedu.focal_loss(torch.zeros(3), torch.tensor([1]))
    with pytest.raises(ValueError, match=r"target contains the class index 3, but indices must lie in \[0, 2\] for 3 classes \(or ignore_index=-100\)"):
        lossedu.focal_loss(x, torch.tensor([0, 1, 3, 1]))
    with pytest.raises(ValueError, match=r"target contains the class index -1"):
        lossedu.focal_loss(x, torch.tensor([0, -1, 2, 1]))
    with pytest.raises(TypeError, match=r"ignore_index must be an int, got float"):
        lossedu.focal_loss(x, t, ignore_index=-100.0)
    with pytest.raises(TypeError, match=r"alpha must be None or a 1-D tensor of 3 per-class weights .* got float; for a single binary alpha use sigmoid_focal_loss"):
        lossedu.focal_loss(x, t, alpha=0.25)
    with pytest.raises(ValueError, match=r"alpha must have shape \(3,\), one weight per class, got \(2,\)"):
        lossedu.focal_loss(x, t, alpha=torch.ones(2))
    with pytest.raises(TypeError, match=r"alpha must have input's dtype torch.float32, got dtype torch.float64"):
        lossedu.focal_loss(x, t, alpha=torch.ones(3, dtype=F64))
    with pytest.raises(ValueError, match=r"alpha must hold non-negative, finite class weights, got a value of -1.0"):
        lossedu.focal_loss(x, t, alpha=torch.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match=r"alpha must hold non-negative, finite class weights, got a value of nan"):
        lossedu.focal_loss(x, t, alpha=torch.tensor([1.0, float("nan"), 1.0]))
    with pytest.raises(ValueError, match=r"gamma must be >= 0, got -2"):
        lossedu.focal_loss(x, t, gamma=-2)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'avg'"):
        lossedu.focal_loss(x, t, reduction="avg")


def test_dice_errors():
    p = torch.full((2, 3), 0.5)
    t = torch.zeros(2, 3)
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got list"):
        lossedu.dice_loss([0.5], t)
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor .* got dtype torch.int64"):
        lossedu.dice_loss(p, t.long())
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(2, 3\) and \(3, 2\)"):
        lossedu.dice_loss(p, t.T)
    with pytest.raises(ValueError, match=r"input must have shape \(N, d1, ...\).* got shape \(3,\)"):
        lossedu.dice_loss(p[0], t[0])
    with pytest.raises(ValueError, match=r"input must contain probabilities in \[0, 1\], got a value of 1.5"):
        lossedu.dice_loss(p + 1, t)
    with pytest.raises(ValueError, match=r"target must contain probabilities in \[0, 1\], got a value of -1.0"):
        lossedu.dice_loss(p, t - 1)
    with pytest.raises(ValueError, match=r"smooth must be >= 0, got -1.0"):
        lossedu.dice_loss(p, t, smooth=-1.0)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'batchmean'"):
        lossedu.dice_loss(p, t, reduction="batchmean")
