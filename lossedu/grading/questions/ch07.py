"""Exercise 07: distances between distributions."""

from __future__ import annotations

import torch

from lossedu import transport as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(values, dtype=F64):
    return torch.tensor(values, dtype=dtype)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _simplex(n, g):
    w = torch.rand(n, generator=g, dtype=F64) + 0.05
    return w / w.sum()


def _cost(n, m, g, d=2):
    x = torch.randn(n, d, generator=g, dtype=F64)
    y = torch.randn(m, d, generator=g, dtype=F64) + 0.5
    return torch.cdist(x, y) ** 2


# ----------------------------------------------------------------------------- wasserstein_1d
def _w1_cases():
    g = _gen(70)
    return [
        Case((_t([0.0, 1.0, 3.0]), _t([5.0, 6.0, 8.0])), label="a shift by 5: W1 = 5"),
        Case((_t([0.0, 1.0]), _t([0.0, 1.0])), label="equal samples: 0"),
        Case((_t([0.0]), _t([1.0, 2.0, 3.0, 10.0])), label="one sample against four"),
        Case((_t([1.0, 1.0, 2.0]), _t([2.0, 1.0, 1.0])), label="the order of samples does not matter"),
        Case((torch.randn(20, generator=g, dtype=F64), torch.randn(35, generator=g, dtype=F64) * 2),
             label="20 against 35 Gaussian samples"),
    ]


def _w1_hidden(seed):
    g = _gen(seed)
    return [Case((torch.randn(17, generator=g, dtype=F64), torch.rand(9, generator=g, dtype=F64) * 4),
                 label="hidden: unequal sizes")]


# ----------------------------------------------------------------------------- emd
def _emd_cases():
    g = _gen(71)
    M22 = _t([[0.0, 1.0], [1.0, 0.0]])
    return [
        Case((_t([0.5, 0.5]), _t([0.25, 0.75]), M22), label="2 x 2: a quarter of the mass moves"),
        Case((_t([1.0]), _t([0.2, 0.3, 0.5]), _t([[1.0, 2.0, 3.0]])), label="one source: every plan is the same"),
        Case((_t([1 / 3] * 3), _t([1 / 3] * 3), _t([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]])),
             label="uniform 3 x 3: an assignment"),
        Case((_simplex(5, g), _simplex(4, g), _cost(5, 4, g)), label="5 x 4, squared distances"),
    ]


def _emd_hidden(seed):
    g = _gen(seed)
    return [Case((_simplex(6, g), _simplex(7, g), _cost(6, 7, g)), label="hidden: 6 x 7")]


# ----------------------------------------------------------------------------- sinkhorn
def _sinkhorn_reference(a, b, M, reg):
    return ref.sinkhorn(a, b, M, reg, max_iter=20000, tol=1e-12)


def _sinkhorn_cases():
    g = _gen(72)
    M22 = _t([[0.0, 1.0], [1.0, 0.0]])
    a, b, M = _simplex(6, g), _simplex(5, g), _cost(6, 5, g)
    return [
        Case((_t([0.5, 0.5]), _t([0.5, 0.5]), M22, 1.0), label="2 x 2, reg = 1"),
        Case((a, b, M, 1.0), label="6 x 5, reg = 1"),
        Case((a, b, M, 0.1), label="6 x 5, reg = 0.1: close to the exact cost"),
        Case((a, b, M, 100.0), label="reg = 100: close to the independent coupling"),
        Case((a, b, M / M.max(), 0.01), label="reg = 0.01 on costs in [0, 1]: exp(-M/reg) still finite?"),
        Case((a, b, M / M.max() + 8.0, 0.01), label="reg = 0.01, costs in [8, 9]: exp(-M/reg) underflows"),
    ]


def _sinkhorn_hidden(seed):
    g = _gen(seed)
    M = _cost(7, 6, g)
    return [Case((_simplex(7, g), _simplex(6, g), M / M.max() + 1.0, 0.01), label="hidden: 7 x 6, reg = 0.01")]


# ----------------------------------------------------------------------------- frechet_distance
def _spd(d, g, scale=1.0):
    A = torch.randn(d, d + 2, generator=g, dtype=F64)
    return scale * (A @ A.T) / d + 0.1 * torch.eye(d, dtype=F64)


def _frechet_cases():
    g = _gen(73)
    I2 = torch.eye(2, dtype=F64)
    mu1, mu2 = torch.randn(4, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    x = torch.randn(3, 6, generator=g, dtype=F64)
    y = torch.randn(4, 6, generator=g, dtype=F64)
    return [
        Case((_t([0.0, 0.0]), I2, _t([1.0, 1.0]), 4 * I2), label="isotropic: 2 + (1 - 2)^2 * 2 = 4"),
        Case((mu1, _spd(4, g), mu1, _spd(4, g, 2.0)), label="equal means, different covariances"),
        Case((mu1, _spd(4, g), mu2, _spd(4, g, 3.0)), label="4-D, random covariances"),
        Case((x.mean(0), torch.cov(x.T), y.mean(0), torch.cov(y.T)),
             label="rank-deficient covariances (3 and 4 samples in 6-D)"),
    ]


def _frechet_hidden(seed):
    g = _gen(seed)
    return [Case((torch.randn(5, generator=g, dtype=F64), _spd(5, g),
                  torch.randn(5, generator=g, dtype=F64), _spd(5, g, 2.0)), label="hidden: 5-D")]


# ----------------------------------------------------------------------------- kid
def _mmd_reference(x, y):
    return ref.kid(x, y, num_subsets=1, subset_size=x.shape[0])[0]


def _mmd_cases():
    g = _gen(74)
    x = torch.randn(20, 3, generator=g, dtype=F64)
    return [
        Case((x, x + 1.0), label="a shift by 1 in 3-D"),
        Case((x, torch.randn(20, 3, generator=g, dtype=F64)), label="two samples of one distribution"),
        Case((x[:5], x[5:10] * 2), label="five samples each"),
        Case((torch.rand(30, 8, generator=g, dtype=F64), torch.rand(30, 8, generator=g, dtype=F64) + 0.2),
             label="8-D features"),
    ]


def _mmd_hidden(seed):
    g = _gen(seed)
    return [Case((torch.randn(12, 4, generator=g, dtype=F64), torch.randn(12, 4, generator=g, dtype=F64) * 1.5),
                 label="hidden: 12 samples in 4-D")]


_OT = ("ot", "geomloss", "torchmetrics", "pytorch_fid", "scipy.stats.wasserstein_distance",
       "scipy.stats.energy_distance")

QUESTIONS = [
    Question(
        name="ch07.wasserstein_1d",
        function="wasserstein_1d",
        reference=ref.wasserstein_1d,
        cases=_w1_cases,
        hidden=_w1_hidden,
        description="W1 between two 1-D samples: the integral of |F_u - F_v| over the pooled sorted values.",
        forbidden=_OT,
    ),
    Question(
        name="ch07.emd",
        function="emd",
        reference=ref.emd,
        cases=_emd_cases,
        hidden=_emd_hidden,
        description="The exact optimal transport cost min <P, M> over couplings of a and b (a linear programme).",
        forbidden=_OT,
    ),
    Question(
        name="ch07.sinkhorn",
        function="sinkhorn",
        reference=_sinkhorn_reference,
        cases=_sinkhorn_cases,
        hidden=_sinkhorn_hidden,
        description="<P_reg, M> from log-domain Sinkhorn iterations, run until the marginals match to 1e-10.",
        forbidden=_OT,
    ),
    Question(
        name="ch07.frechet_distance",
        function="frechet_distance",
        reference=ref.frechet_distance,
        cases=_frechet_cases,
        hidden=_frechet_hidden,
        description="|mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1 S2)^(1/2), real and finite also for singular S.",
        forbidden=_OT,
    ),
    Question(
        name="ch07.mmd2_unbiased",
        function="mmd2_unbiased",
        reference=_mmd_reference,
        cases=_mmd_cases,
        hidden=_mmd_hidden,
        description="KID's unbiased MMD^2 with the kernel (x.y / D + 1)^3 between two sets of equal size.",
        forbidden=_OT,
    ),
]
