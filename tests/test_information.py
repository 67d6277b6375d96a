"""Chapter 03: lossedu.information against torch and scipy, values and gradients."""

import warnings

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossedu
from _helpers import F64, assert_matches



def _random(seed, shape, *, zeros=0.0, sharp=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=F64) * sharp
    p = x.softmax(-1)
    if zeros:
        mask = torch.rand(shape, generator=g, dtype=F64) < zeros
        mask[..., 0] = False  # keep every row non-empty
        p = p.masked_fill(mask, 0.0)
        p = p / p.sum(-1, keepdim=True)
    return p


CASES = [
    ("small", (4, 5), {}),
    ("exact zeros", (6, 8), {"zeros": 0.4}),
    ("tiny probabilities", (3, 10), {"sharp": 30.0}),
    ("large C", (2, 5000), {}),
    ("1-D", (7,), {}),
]


# ----------------------------------------------------------------------------- scipy
@pytest.mark.parametrize("name,shape,kw", CASES, ids=[c[0] for c in CASES])
def test_entropy_matches_scipy(name, shape, kw):
    p = _random(1, shape, **kw)
    ours = lossedu.entropy(p)
    theirs = scipy.stats.entropy(p.numpy(), axis=-1)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,shape,kw", CASES, ids=[c[0] for c in CASES])
def test_kl_divergence_matches_scipy_rel_entr(name, shape, kw):
    p, q = _random(2, shape, **kw), _random(3, shape, **kw)
    ours = lossedu.kl_divergence(p, q)
    theirs = scipy.special.rel_entr(p.numpy(), q.numpy()).sum(-1)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,shape,kw", CASES, ids=[c[0] for c in CASES])
def test_js_matches_scipy_jensenshannon(name, shape, kw):
    p, q = _random(4, shape, **kw), _random(5, shape, **kw)
    theirs = scipy.spatial.distance.jensenshannon(p.numpy(), q.numpy(), axis=-1)
    np.testing.assert_allclose(lossedu.js_distance(p, q).numpy(), theirs, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(lossedu.js_divergence(p, q).numpy(), theirs**2, rtol=1e-7, atol=1e-12)


def test_cross_entropy_between_matches_scipy():
    p, q = _random(6, (5, 9)), _random(7, (5, 9))
    theirs = -scipy.special.xlogy(p.numpy(), q.numpy()).sum(-1)
    np.testing.assert_allclose(lossedu.cross_entropy_between(p, q).numpy(), theirs, rtol=1e-12)


def test_support_mismatch_is_infinite_and_zero_times_log_zero_is_zero():
    p = torch.tensor([0.5, 0.5, 0.0])
    q = torch.tensor([1.0, 0.0, 0.0])
    assert torch.isinf(lossedu.kl_divergence(p, q))
    assert torch.isinf(lossedu.cross_entropy_between(p, q))
    assert lossedu.kl_divergence(q, p).item() == pytest.approx(np.log(2))
    assert torch.isfinite(lossedu.js_divergence(p, q))
    assert lossedu.entropy(torch.tensor([1.0, 0.0])).item() == 0.0


def test_dim_argument():
    p, q = _random(8, (3, 4)), _random(9, (3, 4))
    torch.testing.assert_close(lossedu.kl_divergence(p.T, q.T, dim=0), lossedu.kl_divergence(p, q))
    torch.testing.assert_close(lossedu.entropy(p.T, dim=0), lossedu.entropy(p))


# ----------------------------------------------------------------------------- torch kl_div
def _kl_inputs(seed, shape, zeros=0.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=F64).log_softmax(-1)
    y = _random(seed + 100, shape, zeros=zeros)
    return x, y


def _torch_kl_div(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that 'mean' is not the true KL; we mirror it
        return F.kl_div(*args, **kwargs)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("shape,zeros", [((4, 6), 0.0), ((3, 7), 0.5), ((2, 3, 4), 0.0), ((2, 2000), 0.0), ((5,), 0.0)])
def test_kl_div_matches_torch(reduction, shape, zeros):
    x, y = _kl_inputs(11, shape, zeros)
    # gradients w.r.t. the target are compared where the target is positive (torch's
    # derivative at an exact zero target is a convention, not a limit)
    assert_matches(lossedu.kl_div, _torch_kl_div, [x, y], grad=[True, zeros == 0.0], kwargs={"reduction": reduction})


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
def test_kl_div_log_target_matches_torch(reduction):
    x, y = _kl_inputs(12, (4, 5))
    assert_matches(lossedu.kl_div, _torch_kl_div, [x, y.log()], kwargs={"reduction": reduction, "log_target": True})


def test_kl_div_extreme_log_probabilities():
    x = torch.tensor([[-1e-12, -700.0, -50.0]], dtype=F64)
    y = torch.tensor([[1.0, 0.0, 0.0]], dtype=F64)
    assert_matches(lossedu.kl_div, _torch_kl_div, [x, y], grad=[True, False], kwargs={"reduction": "sum"})


def test_kl_div_batchmean_is_the_mean_kl_divergence():
    x, y = _kl_inputs(13, (6, 5))
    per_row = lossedu.kl_divergence(y, x.exp())
    torch.testing.assert_close(lossedu.kl_div(x, y, reduction="batchmean"), per_row.mean())
    torch.testing.assert_close(lossedu.kl_div(x, y, reduction="mean"), per_row.mean() / 5)


def test_gradcheck():
    p, q = _random(14, (3, 4)), _random(15, (3, 4))
    for fn in (lossedu.kl_divergence, lossedu.js_divergence, lossedu.cross_entropy_between):
        assert torch.autograd.gradcheck(fn, (p.clone().requires_grad_(), q.clone().requires_grad_()))
    assert torch.autograd.gradcheck(lossedu.entropy, (p.clone().requires_grad_(),))
    x, y = _kl_inputs(16, (3, 4))
    for r in ("none", "mean", "sum", "batchmean"):
        assert torch.autograd.gradcheck(
            lambda a, b: lossedu.kl_div(a, b, reduction=r), (x.clone().requires_grad_(), y.clone().requires_grad_())
        )


# ----------------------------------------------------------------------------- properties
def _dist_strategy(n):
    return st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=n, max_size=n).filter(lambda v: sum(v) > 1e-3)


@st.composite
def pairs(draw):
    n = draw(st.integers(1, 8))
    p = torch.tensor(draw(_dist_strategy(n)), dtype=F64)
    q = torch.tensor(draw(_dist_strategy(n)), dtype=F64)
    return p / p.sum(), q / q.sum()


@settings(max_examples=200, deadline=None)
@given(pairs())
def test_properties(pq):
    p, q = pq
    kl = lossedu.kl_divergence(p, q)
    assert kl >= -1e-12  # Gibbs' inequality
    assert abs(lossedu.kl_divergence(p, p)) < 1e-12
    js_pq, js_qp = lossedu.js_divergence(p, q), lossedu.js_divergence(q, p)
    assert abs(js_pq - js_qp) < 1e-12
    assert -1e-12 <= js_pq <= np.log(2) + 1e-12
    ce = lossedu.cross_entropy_between(p, q)
    h = lossedu.entropy(p)
    if torch.isfinite(kl):
        assert abs(ce - (h + kl)) < 1e-9
    else:
        assert torch.isinf(ce)
    assert -1e-12 <= h <= np.log(len(p)) + 1e-12


# ----------------------------------------------------------------------------- errors
def test_error_messages():
    p = torch.tensor([0.5, 0.5])
    with pytest.raises(TypeError, match=r"p must be a torch.Tensor, got list"):
        lossedu.entropy([0.5, 0.5])
    with pytest.raises(TypeError, match=r"p must be a floating-point tensor.*torch.int64"):
        lossedu.entropy(torch.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"p must be non-negative .* got a value of -0.5"):
        lossedu.entropy(torch.tensor([-0.5, 1.5]))
    with pytest.raises(ValueError, match=r"q must sum to 1 along dim=-1, got a sum of 1.2"):
        lossedu.kl_divergence(p, torch.tensor([0.6, 0.6]))
    with pytest.raises(ValueError, match=r"p and q must have the same shape, got \(2,\) and \(3,\)"):
        lossedu.js_divergence(p, torch.tensor([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match=r"p must not contain NaN"):
        lossedu.entropy(torch.tensor([float("nan"), 1.0]))
    with pytest.raises(ValueError, match=r"dim=2 is out of range for p with 1 dimension"):
        lossedu.entropy(p, dim=2)
    with pytest.raises(ValueError, match=r"p must contain probabilities in \[0, 1\], got a value of 2.0"):
        lossedu.self_information(torch.tensor([2.0]))


def test_kl_div_error_messages():
    x = torch.tensor([[0.3, 0.7]]).log()
    y = torch.tensor([[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'batchmean', 'sum', 'mean', got 'avg'"):
        lossedu.kl_div(x, y, reduction="avg")
    with pytest.raises(ValueError, match=r"input must hold log-probabilities .* did you pass probabilities"):
        lossedu.kl_div(torch.tensor([[0.3, 0.7]]), y)
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(1, 2\) and \(2,\)"):
        lossedu.kl_div(x, y[0])
    with pytest.raises(ValueError, match=r"target must contain probabilities in \[0, 1\], got a value of -0.5"):
        lossedu.kl_div(x, torch.tensor([[-0.5, 1.5]]))
    with pytest.raises(ValueError, match=r"target must hold log-probabilities \(<= 0\) when log_target=True"):
        lossedu.kl_div(x, y, log_target=True)
    with pytest.raises(TypeError, match=r"log_target must be a bool, got str"):
        lossedu.kl_div(x, y, log_target="yes")
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor"):
        lossedu.kl_div(x, torch.tensor([[0, 1]]))


# ----------------------------------------------------------------------------- torch references, values and gradients
@pytest.mark.parametrize("name,shape,kw", CASES, ids=[c[0] for c in CASES])
def test_entropy_matches_torch_entr_with_gradient(name, shape, kw):
    p = _random(21, shape, **kw)
    # torch.special.entr(0) has derivative -inf at an exact zero; compare gradients only without zeros
    grad = [not kw.get("zeros")]
    assert_matches(lossedu.entropy, lambda x: torch.special.entr(x).sum(-1), [p], grad=grad)


@pytest.mark.parametrize("name,shape,kw", CASES, ids=[c[0] for c in CASES])
def test_kl_divergence_matches_torch_kl_div_with_gradient(name, shape, kw):
    p, q = _random(22, shape, **kw), _random(23, shape, sharp=kw.get("sharp", 1.0))

    def reference(p, q):
        return _torch_kl_div(q.log(), p, reduction="none").sum(-1)

    assert_matches(lossedu.kl_divergence, reference, [p, q], grad=[not kw.get("zeros"), True])


@pytest.mark.parametrize("shape", [(4, 5), (3, 10), (2, 3, 6), (6,)])
def test_cross_entropy_between_matches_torch_probability_targets(shape):
    # F.cross_entropy with probability targets is H(p, softmax(z)): compare values and the
    # gradients with respect to both the target and the logits
    g = torch.Generator().manual_seed(24)
    z = torch.randn(shape, generator=g, dtype=F64) * 3
    p = _random(25, shape)

    def ours(p, z):
        return lossedu.cross_entropy_between(p, z.softmax(-1))

    def theirs(p, z):
        if z.dim() == 1:
            return F.cross_entropy(z, p, reduction="none")
        # torch puts the class axis at dim 1
        return F.cross_entropy(z.movedim(-1, 1), p.movedim(-1, 1), reduction="none")

    assert_matches(ours, theirs, [p, z])


def test_cross_entropy_between_one_hot_is_nll_loss():
    g = torch.Generator().manual_seed(26)
    logq = torch.randn(7, 4, generator=g, dtype=F64).log_softmax(-1)
    y = torch.tensor([0, 3, 1, 2, 2, 0, 3])
    onehot = F.one_hot(y, 4).to(F64)

    def ours(logq):
        return lossedu.cross_entropy_between(onehot, logq.exp())

    def theirs(logq):
        return F.nll_loss(logq, y, reduction="none")

    assert_matches(ours, theirs, [logq])


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 6)])
def test_js_divergence_matches_torch_formula_with_gradient(shape):
    p, q = _random(27, shape), _random(28, shape)

    def reference(p, q):
        m = 0.5 * (p + q)
        kl = lambda a: _torch_kl_div(m.log(), a, reduction="none").sum(-1)  # noqa: E731
        return 0.5 * kl(p) + 0.5 * kl(q)

    assert_matches(lossedu.js_divergence, reference, [p, q])


def test_js_divergence_survives_subnormal_probabilities():
    # m = (p + q) / 2 underflows to 0 for the smallest subnormal; JS must stay finite (≈ 0)
    tiny = 5e-324
    p = torch.tensor([1.0, 0.0, tiny], dtype=F64)
    q = torch.tensor([1.0, tiny, 0.0], dtype=F64)
    js = lossedu.js_divergence(p, q)
    assert torch.isfinite(js) and abs(js.item()) < 1e-300
    # the naive form, with m formed explicitly, is what this guards against
    m = 0.5 * (p + q)
    naive = 0.5 * scipy.special.rel_entr(p.numpy(), m.numpy()).sum() + 0.5 * scipy.special.rel_entr(q.numpy(), m.numpy()).sum()
    assert np.isinf(naive)


def test_self_information():
    p = torch.tensor([1.0, 0.5, 0.25, 0.0], dtype=F64)
    out = lossedu.self_information(p)
    torch.testing.assert_close(out[:3], -torch.log(p[:3]))
    assert torch.isinf(out[3]) and out[3] > 0
    assert not torch.signbit(out[0])  # a certain outcome gives +0, not -0
    # additivity over independent events
    a, b = torch.tensor([0.3], dtype=F64), torch.tensor([0.7], dtype=F64)
    torch.testing.assert_close(lossedu.self_information(a * b), lossedu.self_information(a) + lossedu.self_information(b))


def test_kl_triangle_inequality_fails_and_kl_is_asymmetric():
    a, b, c = (torch.tensor(v, dtype=F64) for v in ([0.9, 0.1], [0.5, 0.5], [0.1, 0.9]))
    kl = lossedu.kl_divergence
    assert kl(a, c) > kl(a, b) + kl(b, c)
    assert kl(b, a).item() == pytest.approx(0.5108256, abs=1e-7)
    assert kl(a, b).item() == pytest.approx(0.3680642, abs=1e-7)
