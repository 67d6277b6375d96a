"""Chapter 07: lossedu.transport against SciPy, POT and torchmetrics."""

import math
import warnings

import numpy as np
import ot
import pytest
import scipy.linalg
import scipy.optimize
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchmetrics.image.fid import _compute_fid as torchmetrics_fid
from torchmetrics.image.kid import poly_mmd as torchmetrics_poly_mmd

import lossedu
from _helpers import F64


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _simplex(n, seed):
    w = torch.rand(n, generator=_gen(seed), dtype=F64) + 0.05
    return w / w.sum()


def _points_cost(n, m, seed, d=2):
    g = _gen(seed)
    x = torch.randn(n, d, generator=g, dtype=F64)
    y = torch.randn(m, d, generator=g, dtype=F64) + 0.5
    return torch.cdist(x, y) ** 2


def _spd(d, seed, scale=1.0):
    g = _gen(seed)
    A = torch.randn(d, d + 3, generator=g, dtype=F64)
    return scale * (A @ A.T) / d + 0.1 * torch.eye(d, dtype=F64)


def _pot_sinkhorn(a, b, M, reg, **kw):
    return ot.sinkhorn2(a, b, M, reg, method="sinkhorn_log", numItermax=5000, stopThr=1e-12, **kw)


def _linprog_emd(a, b, M):
    n, m = M.shape
    A_eq = np.zeros((n + m, n * m))
    for i in range(n):
        A_eq[i, i * m:(i + 1) * m] = 1
    for j in range(m):
        A_eq[n + j, j::m] = 1
    res = scipy.optimize.linprog(M.ravel(), A_eq=A_eq, b_eq=np.concatenate([a, b]), bounds=(0, None),
                                 method="highs")
    assert res.status == 0
    return res.fun


# ----------------------------------------------------------------------------- wasserstein_1d
@pytest.mark.parametrize("n,m,weighted", [(1, 1, False), (7, 5, False), (50, 80, True), (3, 300, True)])
def test_wasserstein_1d_matches_scipy(n, m, weighted):
    g = _gen(n * 1000 + m)
    u = torch.randn(n, generator=g, dtype=F64)
    v = torch.randn(m, generator=g, dtype=F64) * 2 + 0.3
    uw = torch.rand(n, generator=g, dtype=F64) if weighted else None
    vw = torch.rand(m, generator=g, dtype=F64) if weighted else None
    ours = lossedu.wasserstein_1d(u, v, uw, vw).item()
    theirs = scipy.stats.wasserstein_distance(
        u.numpy(), v.numpy(), None if uw is None else uw.numpy(), None if vw is None else vw.numpy()
    )
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_wasserstein_1d_ties_and_extreme_values():
    u = torch.tensor([0.0, 0.0, 1.0, 1.0, 1e8], dtype=F64)
    v = torch.tensor([1.0, 1.0, -1e8], dtype=F64)
    assert lossedu.wasserstein_1d(u, v).item() == pytest.approx(
        scipy.stats.wasserstein_distance(u.numpy(), v.numpy()), rel=1e-12
    )
    assert lossedu.wasserstein_1d(u, u).item() == 0.0


def test_wasserstein_1d_gradient_matches_the_monotone_coupling():
    # equal sizes, uniform weights: W1 = mean |u_(i) - v_(i)|, so dW1/du_i = sign(u_i - v_match) / n
    g = _gen(3)
    u = torch.randn(6, generator=g, dtype=F64, requires_grad=True)
    v = torch.randn(6, generator=g, dtype=F64, requires_grad=True)
    (gu, gv) = torch.autograd.grad(lossedu.wasserstein_1d(u, v), (u, v))
    su, sv = torch.sort(u.detach()), torch.sort(v.detach())
    expected_u = torch.empty(6, dtype=F64)
    expected_u[su.indices] = torch.sign(su.values - sv.values) / 6
    expected_v = torch.empty(6, dtype=F64)
    expected_v[sv.indices] = -torch.sign(su.values - sv.values) / 6
    torch.testing.assert_close(gu, expected_u)
    torch.testing.assert_close(gv, expected_v)


def test_wasserstein_1d_gradcheck():
    g = _gen(4)
    u = torch.randn(5, generator=g, dtype=F64, requires_grad=True)
    v = torch.randn(4, generator=g, dtype=F64, requires_grad=True)
    uw = (torch.rand(5, generator=g, dtype=F64) + 0.1).requires_grad_(True)
    vw = (torch.rand(4, generator=g, dtype=F64) + 0.1).requires_grad_(True)
    assert torch.autograd.gradcheck(lossedu.wasserstein_1d, (u, v, uw, vw))


def test_wasserstein_1d_weights_by_finite_differences_match_scipy():
    g = _gen(5)
    u = torch.randn(5, generator=g, dtype=F64)
    v = torch.randn(4, generator=g, dtype=F64)
    uw = torch.rand(5, generator=g, dtype=F64) + 0.1
    vw = torch.rand(4, generator=g, dtype=F64) + 0.1
    uw.requires_grad_(True)
    (grad,) = torch.autograd.grad(lossedu.wasserstein_1d(u, v, uw, vw), uw)
    h = 1e-6
    for i in range(5):
        up, dn = uw.detach().numpy().copy(), uw.detach().numpy().copy()
        up[i] += h
        dn[i] -= h
        fd = (scipy.stats.wasserstein_distance(u.numpy(), v.numpy(), up, vw.numpy())
              - scipy.stats.wasserstein_distance(u.numpy(), v.numpy(), dn, vw.numpy())) / (2 * h)
        assert grad[i].item() == pytest.approx(fd, rel=1e-5, abs=1e-8)


_values = st.lists(st.floats(-100, 100, allow_nan=False, width=64), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(_values, _values, _values)
def test_wasserstein_1d_is_a_metric(x, y, z):
    x, y, z = (torch.tensor(t, dtype=F64) for t in (x, y, z))
    dxy = lossedu.wasserstein_1d(x, y).item()
    assert dxy >= 0
    assert dxy == pytest.approx(lossedu.wasserstein_1d(y, x).item(), rel=1e-12, abs=1e-12)
    assert lossedu.wasserstein_1d(x, x).item() == 0.0
    dxz = lossedu.wasserstein_1d(x, z).item()
    dzy = lossedu.wasserstein_1d(z, y).item()
    assert dxy <= dxz + dzy + 1e-9


@settings(max_examples=40, deadline=None)
@given(_values, st.floats(-50, 50, allow_nan=False))
def test_wasserstein_1d_of_a_shift_is_the_shift(x, c):
    x = torch.tensor(x, dtype=F64)
    assert lossedu.wasserstein_1d(x, x + c).item() == pytest.approx(abs(c), rel=1e-9, abs=1e-9)


# ----------------------------------------------------------------------------- emd
@pytest.mark.parametrize("n,m", [(1, 1), (1, 4), (3, 3), (5, 8), (12, 7), (40, 40)])
def test_emd_matches_linprog_and_pot(n, m):
    a, b = _simplex(n, n), _simplex(m, m + 100)
    M = _points_cost(n, m, n + m)
    cost, P = lossedu.emd(a, b, M, return_plan=True)
    expected = _linprog_emd(a.numpy(), b.numpy(), M.numpy())
    assert cost.item() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert cost.item() == pytest.approx(ot.emd2(a.numpy(), b.numpy(), M.numpy()), rel=1e-9, abs=1e-12)
    # the plan is feasible and its cost is the returned cost
    assert P.min().item() >= 0
    torch.testing.assert_close(P.sum(1), a, rtol=0, atol=1e-12)
    torch.testing.assert_close(P.sum(0), b, rtol=0, atol=1e-12)
    assert (P * M).sum().item() == pytest.approx(cost.item(), rel=1e-12)


def test_emd_degenerate_uniform_problem_is_a_permutation():
    # equal numbers of uniform points: the optimum is an assignment (many degenerate pivots)
    n = 30
    M = _points_cost(n, n, 7)
    cost, P = lossedu.emd(None, None, M, return_plan=True)
    expected = ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), M.numpy())
    assert cost.item() == pytest.approx(expected, rel=1e-10)
    rows, cols = scipy.optimize.linear_sum_assignment(M.numpy())
    assert cost.item() == pytest.approx(M.numpy()[rows, cols].mean(), rel=1e-10)


def test_emd_integer_costs_with_ties():
    M = torch.tensor([[1.0, 1.0, 2.0], [1.0, 1.0, 2.0], [2.0, 2.0, 1.0]], dtype=F64)
    a = torch.tensor([0.5, 0.25, 0.25], dtype=F64)
    b = torch.tensor([0.25, 0.25, 0.5], dtype=F64)
    assert lossedu.emd(a, b, M).item() == pytest.approx(_linprog_emd(a.numpy(), b.numpy(), M.numpy()))


def test_emd_gradients_match_pot():
    n, m = 6, 5
    a, b, M = _simplex(n, 1), _simplex(m, 2), _points_cost(n, m, 3)
    ours_in = [t.clone().requires_grad_(True) for t in (a, b, M)]
    pot_in = [t.clone().requires_grad_(True) for t in (a, b, M)]
    ours = lossedu.emd(*ours_in)
    theirs = ot.emd2(*pot_in)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    ours.backward()
    theirs.backward()
    for x, y in zip(ours_in, pot_in):
        torch.testing.assert_close(x.grad, y.grad, rtol=1e-9, atol=1e-12)


def test_emd_float32_and_plan_dtype():
    M = _points_cost(4, 3, 9).float()
    cost, P = lossedu.emd(None, None, M, return_plan=True)
    assert cost.dtype == P.dtype == torch.float32
    assert cost.item() == pytest.approx(ot.emd2(np.full(4, 0.25), np.full(3, 1 / 3), M.double().numpy()), rel=1e-6)


# ----------------------------------------------------------------------------- sinkhorn
@pytest.mark.parametrize("n,m,reg", [(5, 5, 1.0), (20, 30, 0.1), (40, 25, 0.05), (60, 60, 0.5)])
def test_sinkhorn_matches_pot(n, m, reg):
    a, b, M = _simplex(n, n), _simplex(m, m + 7), _points_cost(n, m, n * m)
    M = M / M.max()
    cost, P = lossedu.sinkhorn(a, b, M, reg, max_iter=5000, tol=1e-12, return_plan=True)
    expected = _pot_sinkhorn(a.numpy(), b.numpy(), M.numpy(), reg)
    assert cost.item() == pytest.approx(float(expected), rel=1e-9)
    plan = ot.sinkhorn(a.numpy(), b.numpy(), M.numpy(), reg, method="sinkhorn_log", numItermax=5000,
                       stopThr=1e-12)
    np.testing.assert_allclose(P.numpy(), plan, rtol=1e-7, atol=1e-14)


def test_sinkhorn_gradients_match_pot():
    n, m, reg = 7, 6, 0.3
    a, b, M = _simplex(n, 1), _simplex(m, 2), _points_cost(n, m, 3)
    ours_in = [t.clone().requires_grad_(True) for t in (a, b, M)]
    pot_in = [t.clone().requires_grad_(True) for t in (a, b, M)]
    ours = lossedu.sinkhorn(*ours_in, reg, max_iter=3000, tol=1e-13)
    theirs = _pot_sinkhorn(*pot_in, reg)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-10)
    ours.backward()
    theirs.backward()
    for x, y in zip(ours_in, pot_in):
        torch.testing.assert_close(x.grad, y.grad, rtol=1e-6, atol=1e-9)


def test_sinkhorn_gradcheck():
    a, b, M = _simplex(4, 1), _simplex(3, 2), _points_cost(4, 3, 3)
    M.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda M: lossedu.sinkhorn(a, b, M, 0.5, max_iter=500, tol=1e-14,
                                                                check_every=1000), (M,))


def test_sinkhorn_stays_finite_for_a_tiny_reg_where_the_scaling_form_underflows():
    a, b, M = _simplex(10, 1), _simplex(10, 2), _points_cost(10, 10, 3)
    M = M / M.max() + 0.1  # every exp(-M / reg) underflows to 0 for reg = 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cost = lossedu.sinkhorn(a, b, M, 1e-4, max_iter=3000)
        plain = ot.sinkhorn2(a.numpy(), b.numpy(), M.numpy(), 1e-4, method="sinkhorn")
    assert math.isfinite(cost.item())
    assert cost.item() == pytest.approx(lossedu.emd(a, b, M).item(), rel=1e-2)
    # POT's plain form returns nan or 0 here (0/0 or an all-zero plan), never the cost
    assert not math.isfinite(float(plain)) or abs(float(plain) - cost.item()) > 0.05


def test_sinkhorn_warns_when_it_does_not_converge():
    a, b, M = None, None, _points_cost(30, 30, 3)
    with pytest.warns(UserWarning, match=r"sinkhorn did not converge: it stopped at max_iter=7 "
                                         r"iterations with a marginal error of .* > tol=1e-09"):
        lossedu.sinkhorn(a, b, M, 0.01, max_iter=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lossedu.sinkhorn(a, b, M, 10.0)  # converges: no warning


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(2, 6), st.integers(0, 10_000))
def test_sinkhorn_tends_to_emd_as_reg_goes_to_zero(n, m, seed):
    a, b = _simplex(n, seed), _simplex(m, seed + 1)
    M = _points_cost(n, m, seed + 2)
    M = M / M.max()
    exact = lossedu.emd(a, b, M).item()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gaps = [abs(lossedu.sinkhorn(a, b, M, reg, max_iter=20000, tol=1e-10).item() - exact)
                for reg in (0.5, 0.05, 0.005)]
    assert gaps[-1] <= 0.02 + 1e-9
    assert gaps[-1] <= gaps[0] + 1e-9


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 10_000))
def test_emd_is_at_most_every_feasible_plan(n, m, seed):
    a, b = _simplex(n, seed), _simplex(m, seed + 1)
    M = _points_cost(n, m, seed + 2)
    cost = lossedu.emd(a, b, M).item()
    assert cost <= (torch.outer(a, b) * M).sum().item() + 1e-12  # the independent coupling
    assert cost == pytest.approx(_linprog_emd(a.numpy(), b.numpy(), M.numpy()), rel=1e-8, abs=1e-12)


# ----------------------------------------------------------------------------- Fréchet, FID, KID
def _pytorch_fid(mu1, s1, mu2, s2):
    """pytorch-fid's formula: scipy.linalg.sqrtm of sigma1 @ sigma2."""
    covmean = np.real(scipy.linalg.sqrtm(s1 @ s2))
    diff = mu1 - mu2
    return diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


@pytest.mark.parametrize("d", [1, 2, 5, 30])
def test_frechet_distance_matches_torchmetrics_and_pytorch_fid(d):
    g = _gen(d)
    mu1, mu2 = torch.randn(d, generator=g, dtype=F64), torch.randn(d, generator=g, dtype=F64)
    s1, s2 = _spd(d, d), _spd(d, d + 1, scale=3.0)
    ours = lossedu.frechet_distance(mu1, s1, mu2, s2).item()
    assert ours == pytest.approx(torchmetrics_fid(mu1, s1, mu2, s2).item(), rel=1e-10)
    assert ours == pytest.approx(_pytorch_fid(mu1.numpy(), s1.numpy(), mu2.numpy(), s2.numpy()), rel=1e-10)


def test_frechet_distance_of_commuting_gaussians_has_a_closed_form():
    # diagonal covariances: W2^2 = |mu1 - mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2
    s1 = torch.tensor([1.0, 4.0, 0.25], dtype=F64)
    s2 = torch.tensor([9.0, 1.0, 0.25], dtype=F64)
    mu1 = torch.tensor([0.0, 1.0, 2.0], dtype=F64)
    mu2 = torch.tensor([1.0, 1.0, 0.0], dtype=F64)
    got = lossedu.frechet_distance(mu1, torch.diag(s1), mu2, torch.diag(s2)).item()
    assert got == pytest.approx(5.0 + ((s1.sqrt() - s2.sqrt()) ** 2).sum().item(), rel=1e-13)


def test_frechet_distance_gradients():
    d = 4
    g = _gen(11)
    mu1 = torch.randn(d, generator=g, dtype=F64, requires_grad=True)
    mu2 = torch.randn(d, generator=g, dtype=F64, requires_grad=True)
    B1 = torch.randn(d, d, generator=g, dtype=F64, requires_grad=True)
    B2 = torch.randn(d, d, generator=g, dtype=F64, requires_grad=True)

    def f(mu1, B1, mu2, B2):  # covariances parametrised as B B^T + I stay symmetric PD
        eye = torch.eye(d, dtype=F64)
        return lossedu.frechet_distance(mu1, B1 @ B1.T + eye, mu2, B2 @ B2.T + eye)

    assert torch.autograd.gradcheck(f, (mu1, B1, mu2, B2))
    # against torchmetrics' formula (eigvals of a non-symmetric matrix) through autograd
    ours = torch.autograd.grad(f(mu1, B1, mu2, B2), (mu1, B1, mu2, B2))
    eye = torch.eye(d, dtype=F64)
    ref = torchmetrics_fid(mu1, B1 @ B1.T + eye, mu2, B2 @ B2.T + eye)
    theirs = torch.autograd.grad(ref, (mu1, B1, mu2, B2))
    for x, y in zip(ours, theirs):
        torch.testing.assert_close(x, y, rtol=1e-8, atol=1e-10)
    # the mean gradient is 2 (mu1 - mu2)
    torch.testing.assert_close(ours[0], 2 * (mu1 - mu2).detach())


@pytest.mark.parametrize("n1,n2,d", [(200, 300, 8), (30, 40, 100), (300, 20, 50), (64, 64, 64)])
def test_fid_matches_torchmetrics_and_an_exact_nuclear_norm(n1, n2, d):
    g = _gen(n1 + n2 + d)
    x = torch.randn(n1, d, generator=g, dtype=F64)
    y = torch.randn(n2, d, generator=g, dtype=F64) * 1.3 + 0.2
    ours = lossedu.fid(x, y).item()
    # exact reference: tr (S1 S2)^{1/2} = nuclear norm of Xc Yc^T / sqrt((n1 - 1)(n2 - 1))
    xc, yc = x - x.mean(0), y - y.mean(0)
    s1, s2 = torch.cov(x.T), torch.cov(y.T)
    tr = torch.linalg.svdvals(xc @ yc.T).sum() / math.sqrt((n1 - 1) * (n2 - 1))
    exact = ((x.mean(0) - y.mean(0)) ** 2).sum() + s1.trace() + s2.trace() - 2 * tr
    assert ours == pytest.approx(exact.item(), rel=1e-11)
    if min(n1, n2) > d:  # full rank: torchmetrics' eigvals is accurate too
        assert ours == pytest.approx(torchmetrics_fid(x.mean(0), s1, y.mean(0), s2).item(), rel=1e-10)
    else:  # rank-deficient: square roots of round-off put torchmetrics' formula off by ~1e-8
        assert ours == pytest.approx(torchmetrics_fid(x.mean(0), s1, y.mean(0), s2).item(), rel=1e-6)


def test_fid_with_a_constant_feature_and_float32_input():
    g = _gen(12)
    x = torch.randn(500, 6, generator=g)
    y = torch.randn(400, 6, generator=g) + 1
    x[:, 2] = 0.0  # a dead feature: a singular covariance although N > D
    got = lossedu.fid(x, y)
    assert got.dtype == F64
    xd, yd = x.double(), y.double()
    xc, yc = xd - xd.mean(0), yd - yd.mean(0)
    tr = torch.linalg.svdvals(xc @ yc.T).sum() / math.sqrt(499 * 399)
    exact = ((xd.mean(0) - yd.mean(0)) ** 2).sum() + torch.cov(xd.T).trace() + torch.cov(yd.T).trace() - 2 * tr
    assert got.item() == pytest.approx(exact.item(), rel=1e-11)
    assert lossedu.frechet_distance(xd.mean(0), torch.cov(xd.T), yd.mean(0), torch.cov(yd.T)).item() == \
        pytest.approx(exact.item(), rel=1e-11)


def test_fid_is_differentiable_in_the_features():
    g = _gen(13)
    x = torch.randn(12, 3, generator=g, dtype=F64, requires_grad=True)
    y = torch.randn(10, 3, generator=g, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lossedu.fid, (x, y))
    xs = torch.randn(3, 5, generator=g, dtype=F64, requires_grad=True)  # N <= D: the thin path
    ys = torch.randn(4, 5, generator=g, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lossedu.fid, (xs, ys))


def test_scipy_sqrtm_of_a_rank_deficient_product_goes_complex():
    # the trouble the symmetric route avoids: sqrtm of Sigma1 Sigma2 for n < d
    g = _gen(14)
    x = torch.randn(20, 60, generator=g, dtype=F64)
    y = torch.randn(25, 60, generator=g, dtype=F64)
    s1, s2 = torch.cov(x.T).numpy(), torch.cov(y.T).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = scipy.linalg.sqrtm(s1 @ s2)
    assert np.iscomplexobj(root) or not np.isfinite(root).all()
    assert math.isfinite(lossedu.fid(x, y).item())


_small_d = st.integers(1, 5)


@settings(max_examples=40, deadline=None)
@given(_small_d, st.integers(0, 10_000))
def test_frechet_distance_is_nonnegative_and_zero_on_equal_gaussians(d, seed):
    g = _gen(seed)
    mu1, mu2 = torch.randn(d, generator=g, dtype=F64), torch.randn(d, generator=g, dtype=F64)
    s1, s2 = _spd(d, seed), _spd(d, seed + 1, scale=2.0)
    assert lossedu.frechet_distance(mu1, s1, mu2, s2).item() >= -1e-12
    assert abs(lossedu.frechet_distance(mu1, s1, mu1, s1).item()) <= 1e-10 * s1.trace().item()
    # symmetric in its two Gaussians
    assert lossedu.frechet_distance(mu1, s1, mu2, s2).item() == pytest.approx(
        lossedu.frechet_distance(mu2, s2, mu1, s1).item(), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("n,d,degree,gamma,coef0", [(50, 4, 3, None, 1.0), (40, 10, 2, 0.5, 0.0),
                                                    (30, 100, 3, None, 1.0)])
def test_kid_on_full_sets_matches_torchmetrics_poly_mmd(n, d, degree, gamma, coef0):
    g = _gen(n + d)
    x = torch.randn(n, d, generator=g, dtype=F64)
    y = torch.randn(n, d, generator=g, dtype=F64) + 0.3
    mean, std = lossedu.kid(x, y, num_subsets=3, subset_size=n, degree=degree, gamma=gamma, coef0=coef0)
    expected = torchmetrics_poly_mmd(x, y, degree=degree, gamma=gamma, coef=coef0)
    assert mean.item() == pytest.approx(expected.item(), rel=1e-10)
    assert std.item() == pytest.approx(0.0, abs=1e-12)  # every "subset" is the full set


def test_kid_subsets_match_torchmetrics_with_the_same_permutations():
    g = _gen(15)
    x = torch.randn(80, 6, generator=g, dtype=F64)
    y = torch.randn(70, 6, generator=g, dtype=F64) * 1.2
    mean, std = lossedu.kid(x, y, num_subsets=5, subset_size=30, generator=_gen(99))
    perm_gen = _gen(99)
    scores = []
    for _ in range(5):
        i = torch.randperm(80, generator=perm_gen)[:30]
        j = torch.randperm(70, generator=perm_gen)[:30]
        scores.append(torchmetrics_poly_mmd(x[i], y[j]))
    scores = torch.stack(scores)
    assert mean.item() == pytest.approx(scores.mean().item(), rel=1e-12)
    assert std.item() == pytest.approx(scores.std(unbiased=False).item(), rel=1e-10)


def test_kid_is_unbiased_where_fid_is_not():
    # the same distribution on both sides: KID averages to about 0, FID stays clearly positive
    g = _gen(16)
    x = torch.randn(400, 8, generator=g, dtype=F64)
    y = torch.randn(400, 8, generator=g, dtype=F64)
    mean, std = lossedu.kid(x, y, num_subsets=50, subset_size=50, generator=_gen(1))
    assert abs(mean.item()) < 3 * std.item() / math.sqrt(50) + 1e-3
    assert lossedu.fid(x[:50], y[:50]).item() > 0.5


def test_kid_gradient():
    g = _gen(17)
    x = torch.randn(6, 3, generator=g, dtype=F64, requires_grad=True)
    y = torch.randn(6, 3, generator=g, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: lossedu.kid(x, y, num_subsets=2, subset_size=4,
                                                             generator=_gen(0))[0], (x, y))


# ----------------------------------------------------------------------------- validation off
def test_results_do_not_change_with_validation_off():
    a, b, M = _simplex(5, 1), _simplex(4, 2), _points_cost(5, 4, 3)
    x = torch.randn(30, 4, generator=_gen(1), dtype=F64)
    y = torch.randn(20, 4, generator=_gen(2), dtype=F64)
    calls = [lambda: lossedu.wasserstein_1d(a, b), lambda: lossedu.emd(a, b, M),
             lambda: lossedu.sinkhorn(a, b, M, 0.5), lambda: lossedu.fid(x, y),
             lambda: lossedu.kid(x, y, num_subsets=2, subset_size=10, generator=_gen(0))[0]]
    for call in calls:
        on = call()
        with lossedu.set_validate_args(False):
            off = call()
        torch.testing.assert_close(on, off)


# ----------------------------------------------------------------------------- errors
V = torch.tensor([0.0, 1.0], dtype=F64)
A2 = torch.tensor([0.5, 0.5], dtype=F64)
M22 = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=F64)
I2 = torch.eye(2, dtype=F64)
Z2 = torch.zeros(2, dtype=F64)
X = torch.randn(5, 2, generator=_gen(0), dtype=F64)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: lossedu.wasserstein_1d([0.0], V), TypeError, "u_values must be a torch.Tensor, got list"),
    (lambda: lossedu.wasserstein_1d(V, torch.tensor([1, 2])), TypeError,
     "v_values must be a floating-point tensor"),
    (lambda: lossedu.wasserstein_1d(V.reshape(1, 2), V), ValueError,
     r"u_values must be a non-empty 1-D tensor, got shape \(1, 2\)"),
    (lambda: lossedu.wasserstein_1d(V, V[:0]), ValueError, r"v_values must be a non-empty 1-D tensor, got shape \(0,\)"),
    (lambda: lossedu.wasserstein_1d(V, V.float()), TypeError, "u_values and v_values must have the same dtype"),
    (lambda: lossedu.wasserstein_1d(torch.tensor([0.0, math.inf], dtype=F64), V), ValueError,
     "u_values must be finite, got a value of inf"),
    (lambda: lossedu.wasserstein_1d(V, V, torch.ones(3, dtype=F64)), ValueError,
     r"u_weights must have the shape of u_values \(2,\) \(one weight per value\), got shape \(3,\)"),
    (lambda: lossedu.wasserstein_1d(V, V, None, torch.ones(2)), TypeError,
     "v_weights must have the dtype of v_values torch.float64, got dtype torch.float32"),
    (lambda: lossedu.wasserstein_1d(V, V, torch.tensor([1.0, -1.0], dtype=F64)), ValueError,
     "u_weights must be non-negative and finite, got a value of -1.0"),
    (lambda: lossedu.wasserstein_1d(V, V, None, Z2), ValueError, "v_weights must have a positive sum, got all zeros"),
    (lambda: lossedu.emd(A2, A2, M22[:1]), ValueError,
     r"M must have shape \(len\(a\), len\(b\)\) = \(2, 2\), got shape \(1, 2\)"),
    (lambda: lossedu.emd(A2, A2, M22[0]), ValueError,
     r"M must be a non-empty 2-D cost matrix of shape \(n, m\), got shape \(2,\)"),
    (lambda: lossedu.emd(A2, A2, M22 - 0.5), ValueError,
     "M must contain finite non-negative costs, got a value of -0.5 .shift a cost matrix"),
    (lambda: lossedu.emd(A2, A2, M22 * math.nan), ValueError, "M must contain finite non-negative costs"),
    (lambda: lossedu.emd(A2, torch.tensor([0.5, 0.6], dtype=F64), M22), ValueError,
     "a and b must have the same total mass, got sums 1 and 1.1"),
    (lambda: lossedu.emd(torch.tensor([-0.5, 1.5], dtype=F64), A2, M22), ValueError,
     "a must be non-negative and finite .a marginal., got a value of -0.5"),
    (lambda: lossedu.emd(Z2, Z2, M22), ValueError, "a and b must have a positive total mass, got 0"),
    (lambda: lossedu.emd(A2.float(), A2, M22), TypeError, "a must have the dtype of M torch.float64"),
    (lambda: lossedu.emd(A2, A2, M22, return_plan=1), TypeError, "return_plan must be a bool, got int"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, 0.0), ValueError, "reg must be a finite number > 0, got 0.0"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, "0.1"), TypeError, "reg must be a number, got str"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, 0.1, max_iter=0), ValueError, "max_iter must be >= 1, got 0"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, 0.1, max_iter=10.0), TypeError, "max_iter must be an int, got float"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, 0.1, tol=-1.0), ValueError, "tol must be a finite number > 0, got -1.0"),
    (lambda: lossedu.sinkhorn(A2, A2, M22, 0.1, check_every=0), ValueError, "check_every must be >= 1, got 0"),
    (lambda: lossedu.sinkhorn(A2, torch.tensor([0.2, 0.2], dtype=F64), M22, 0.1), ValueError,
     "a and b must have the same total mass"),
    (lambda: lossedu.sinkhorn(A2, A2, -M22, 0.1), ValueError, "M must contain finite non-negative costs"),
    (lambda: lossedu.frechet_distance(Z2, I2, Z2, torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=F64)), ValueError,
     r"sigma2 must be a symmetric covariance matrix, got max \|sigma - sigma.T\| = 0.5"),
    (lambda: lossedu.frechet_distance(Z2, I2[:1], Z2, I2), ValueError,
     r"sigma1 must be a square \(2, 2\) covariance matrix matching mu1, got shape \(1, 2\)"),
    (lambda: lossedu.frechet_distance(Z2, I2, torch.zeros(3, dtype=F64), torch.eye(3, dtype=F64)), ValueError,
     r"mu1 and mu2 must have the same dimension, got shapes \(2,\) and \(3,\)"),
    (lambda: lossedu.frechet_distance(I2, I2, Z2, I2), ValueError,
     r"mu1 must be a non-empty 1-D mean vector, got shape \(2, 2\)"),
    (lambda: lossedu.frechet_distance(Z2, I2.float(), Z2, I2), TypeError,
     "sigma1 must have the dtype of mu1 torch.float64, got dtype torch.float32"),
    (lambda: lossedu.frechet_distance(Z2.float(), I2.float(), Z2, I2), TypeError,
     "mu1 and mu2 must have the same dtype"),
    (lambda: lossedu.frechet_distance(Z2, I2 * math.inf, Z2, I2), ValueError, "sigma1 must be finite"),
    (lambda: lossedu.fid(X[:1], X), ValueError,
     "features1 must contain at least 2 samples to estimate a covariance, got 1"),
    (lambda: lossedu.fid(X, X[:1]), ValueError, "features2 must contain at least 2 samples"),
    (lambda: lossedu.fid(X[0], X), ValueError,
     r"features1 must be a 2-D tensor of shape \(N, D\), one feature vector per row, got shape \(2,\)"),
    (lambda: lossedu.fid(X, torch.zeros(5, 3, dtype=F64)), ValueError,
     "features1 and features2 must have the same feature dimension, got 2 and 3"),
    (lambda: lossedu.fid(X, X.long()), TypeError, "features2 must be a floating-point tensor"),
    (lambda: lossedu.fid(X, X * math.nan), ValueError, "features2 must be finite, got a value of nan"),
    (lambda: lossedu.kid(X, X, subset_size=6), ValueError,
     r"subset_size must be at most the number of samples in each set \(min\(5, 5\) = 5\), got 6"),
    (lambda: lossedu.kid(X, X, subset_size=1), ValueError, "subset_size must be >= 2, got 1"),
    (lambda: lossedu.kid(X, X, subset_size=4, num_subsets=0), ValueError, "num_subsets must be >= 1, got 0"),
    (lambda: lossedu.kid(X, X, subset_size=4, gamma=-1.0), ValueError, "gamma must be a finite number > 0"),
    (lambda: lossedu.kid(X, X, subset_size=4, coef0=-1.0), ValueError, "coef0 must be a finite number >= 0"),
    (lambda: lossedu.kid(X, X, subset_size=4, degree=0), ValueError, "degree must be >= 1, got 0"),
    (lambda: lossedu.kid(X, X.float(), subset_size=4), TypeError, "features1 and features2 must have the same dtype"),
    (lambda: lossedu.kid(X, X, subset_size=4, generator=0), TypeError,
     "generator must be a torch.Generator or None, got int"),
    (lambda: lossedu.kid(X[:1], X, subset_size=2), ValueError, "features1 must contain at least 2 samples"),
])
def test_error_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_value_checks_are_skipped_with_validation_off():
    with lossedu.set_validate_args(False):
        lossedu.frechet_distance(Z2, I2, Z2, torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=F64))
        lossedu.wasserstein_1d(V, V, torch.tensor([1.0, -0.5], dtype=F64))
