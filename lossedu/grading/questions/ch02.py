"""Exercise 02: regression losses."""

from __future__ import annotations

import torch

from lossedu import regression as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _t(*values):
    return torch.tensor(values, dtype=F64)


def _pair(seed: int, shape, scale: float = 1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=F64) * scale
    y = torch.randn(shape, generator=g, dtype=F64) * scale
    return x, y


def _mse_cases():
    x, y = _pair(200, (4, 3))
    seed3 = (_t(1.5, 2.0, 3.2), _t(1.0, 2.5, 2.8))
    return [
        Case((_t(1.0, 2.0), _t(0.0, 1.0)), label="x=[1, 2], y=[0, 1]: mean 1"),
        Case(seed3, label="predictions [1.5, 2.0, 3.2] vs targets [1.0, 2.5, 2.8]"),
        Case(seed3, {"reduction": "sum"}, label="the same with reduction='sum'"),
        Case(seed3, {"reduction": "none"}, label="the same with reduction='none' (one loss per element)"),
        Case((x, y), label="a 4x3 batch: mean over every element"),
        Case((_t(3.0, -1.0), _t(3.0, -1.0)), label="a perfect fit: 0"),
    ]


def _mse_hidden(seed):
    return [Case(_pair(seed, (2, 5), 1e3), {"reduction": "sum"}, label="hidden: large residuals, sum")]


def _huber_cases():
    x, y = _pair(202, (3, 4), 2.0)
    return [
        Case((_t(0.6, 0.4), _t(0.0, 1.0)), label="residuals ±0.6 (the Keras example): 0.18"),
        Case((_t(0.0, 3.0, -3.0), _t(0.0, 0.0, 0.0)), label="residuals 0 and ±3 with delta=1"),
        Case((_t(0.0, 3.0, -3.0), _t(0.0, 0.0, 0.0)), {"delta": 2.0}, label="the same with delta=2"),
        Case((_t(0.5, -0.5, 2.0), _t(0.0, 0.0, 0.0)), {"delta": 0.5}, label="residuals exactly at ±delta"),
        Case((x, y), {"delta": 1.5}, label="a 3x4 batch, delta=1.5"),
        Case((_t(1e6, 0.0), _t(0.0, 0.0)), label="an outlier of 1e6: linear, not quadratic"),
    ]


def _huber_hidden(seed):
    return [Case(_pair(seed, (6,), 3.0), {"delta": 0.7}, label="hidden: delta=0.7")]


def _smooth_l1_cases():
    x, y = _pair(204, (3, 4), 2.0)
    return [
        Case((_t(0.5, 3.0), _t(0.0, 0.0)), label="residuals 0.5 and 3 with beta=1"),
        Case((_t(0.5, 3.0), _t(0.0, 0.0)), {"beta": 2.0}, label="the same with beta=2"),
        Case((_t(0.5, -3.0, 0.0), _t(0.0, 0.0, 0.0)), {"beta": 0.0}, label="beta=0 is the absolute error"),
        Case((x, y), {"beta": 0.25}, label="a 3x4 batch, beta=0.25"),
        Case((_t(1e6, -1e6), _t(0.0, 0.0)), label="outliers of ±1e6"),
    ]


def _smooth_l1_hidden(seed):
    return [Case(_pair(seed, (7,), 2.0), {"beta": 3.0}, label="hidden: beta=3")]


def _pinball_cases():
    x, y = _pair(206, (5, 2))
    return [
        Case((_t(0.0, 0.0), _t(1.0, -1.0), 0.9), label="q=0.9: under-prediction costs 0.9, over-prediction 0.1"),
        Case((_t(0.0, 0.0), _t(1.0, -1.0), 0.1), label="q=0.1: the costs swap"),
        Case((_t(1.0, 2.0, 3.0), _t(2.0, 2.0, 0.0), 0.5), label="q=0.5: half the absolute error"),
        Case((x, y, 0.25), label="a 5x2 batch, q=0.25"),
        Case((_t(4.0), _t(4.0), 0.7), label="a zero residual: 0"),
    ]


def _pinball_hidden(seed):
    return [Case((*_pair(seed, (8,), 2.0), 0.95), label="hidden: q=0.95")]


def _gaussian_cases():
    x, y = _pair(208, (4, 3))
    var = torch.rand((4, 3), generator=torch.Generator().manual_seed(209), dtype=F64) + 0.1
    return [
        Case((_t(0.0), _t(1.0), _t(1.0)), label="mean 0, target 1, variance 1: 0.5 + ½ log 2π"),
        Case((_t(1.0, 2.0), _t(1.0, 2.0), _t(0.01, 0.01)), label="a perfect fit, small variance: negative"),
        Case((_t(0.0, 0.0), _t(2.0, 2.0), _t(0.5, 4.0)), label="the same error, two variances"),
        Case((x, y, var), label="a 4x3 batch, one variance per element"),
        Case((x, y, torch.ones_like(x)), label="variance 1: ½ MSE + ½ log 2π"),
    ]


def _gaussian_hidden(seed):
    return [Case((*_pair(seed, (6,), 2.0), torch.full((6,), 2.5, dtype=F64)), label="hidden: variance 2.5")]



def _poisson_cases():
    g = torch.Generator().manual_seed(210)
    log_rate = torch.randn(4, 3, generator=g, dtype=F64)
    counts = torch.poisson(3 * log_rate.exp(), generator=g)
    return [
        Case((_t(0.0, 0.0), _t(1.0, 3.0)), label="log-rate 0 (rate 1): a loss of 1 whatever the count"),
        Case((_t(0.0, 1.0), _t(1.0, 3.0)), label="log-rates 0 and 1: (1 + e - 3) / 2"),
        Case((_t(-2.0, 2.0), _t(0.0, 0.0)), label="zero counts: the loss is the rate e^x"),
        Case((log_rate, counts), label="a 4x3 batch of Poisson counts"),
        Case((_t(-30.0, 5.0), _t(2.0, 100.0)), label="extreme log-rates: finite"),
    ]


def _poisson_hidden(seed):
    g = torch.Generator().manual_seed(seed)
    log_rate = torch.randn(7, generator=g, dtype=F64) * 2
    return [Case((log_rate, torch.poisson(log_rate.exp(), generator=g)), label="hidden: 7 counts")]

# The library versions of what each question asks for.
_F = "torch.nn.functional."
_NN = "torch.nn."
_REGRESSION = tuple(_F + n for n in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "gaussian_nll_loss"))
_REGRESSION += tuple(_NN + n for n in ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "GaussianNLLLoss"))
_REGRESSION += ("torch.distributions",)
_POISSON = _REGRESSION + (_F + "poisson_nll_loss", _NN + "PoissonNLLLoss")

QUESTIONS = [
    Question(
        name="ch02.mean_squared_error",
        function="mean_squared_error",
        reference=lambda x, y, reduction="mean": ref.mse_loss(x, y, reduction=reduction),
        cases=_mse_cases,
        hidden=_mse_hidden,
        description="Squared error with reduction 'mean' (default), 'sum' or 'none'.",
        forbidden=_REGRESSION,
    ),
    Question(
        name="ch02.huber",
        function="huber",
        reference=lambda x, y, delta=1.0: ref.huber_loss(x, y, delta=delta),
        cases=_huber_cases,
        hidden=_huber_hidden,
        description="Mean Huber loss with threshold delta (default 1).",
        forbidden=_REGRESSION,
    ),
    Question(
        name="ch02.smooth_l1",
        function="smooth_l1",
        reference=lambda x, y, beta=1.0: ref.smooth_l1_loss(x, y, beta=beta),
        cases=_smooth_l1_cases,
        hidden=_smooth_l1_hidden,
        description="Mean Smooth L1 loss with threshold beta (default 1); beta=0 is the absolute error.",
        forbidden=_REGRESSION,
    ),
    Question(
        name="ch02.pinball",
        function="pinball",
        reference=lambda x, y, q: ref.quantile_loss(x, y, q),
        cases=_pinball_cases,
        hidden=_pinball_hidden,
        description="Mean quantile (pinball) loss for the q-quantile.",
        forbidden=_REGRESSION,
    ),
    Question(
        name="ch02.gaussian_nll",
        function="gaussian_nll",
        reference=lambda x, y, var: ref.gaussian_nll_loss(x, y, var, full=True),
        cases=_gaussian_cases,
        hidden=_gaussian_hidden,
        description="Mean Gaussian negative log-likelihood with the ½ log 2π constant.",
        forbidden=_REGRESSION,
    ),    Question(
        name="ch02.poisson_nll",
        function="poisson_nll",
        reference=lambda x, y: ref.poisson_nll_loss(x, y),
        cases=_poisson_cases,
        hidden=_poisson_hidden,
        description="Mean Poisson negative log-likelihood of counts for a predicted log-rate, without log y!.",
        forbidden=_POISSON,
    ),
]
