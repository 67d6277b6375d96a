"""Benchmark rows for chapter 07 (lossedu.transport).

Goals (issue 7), each against its reference in the same run:

* FID at d = 2048, n = 4000: at least 10x faster than pytorch-fid's formula
  (``scipy.linalg.sqrtm`` of Sigma1 Sigma2) and at least 3x faster than torchmetrics'
  (``torch.linalg.eigvals`` of Sigma1 Sigma2), agreeing to 1e-9 relative. Rows time both
  the score from the features (covariances included, float64, as each library computes
  it) and the Fréchet distance from given statistics (the matrix square root alone).
* Sinkhorn at n = m = 1000, reg = 0.05: no slower than POT's
  ``sinkhorn2(method='sinkhorn_log')`` with the same defaults (1000 iterations at most,
  stop at a marginal error of 1e-9), agreeing to 1e-6.

The references take up to a minute each on 2 CPU cores, so those rows run once. With value
checks off (run.py's default) ``frechet_distance`` reads nothing on the host and factors
Sigma1 by a symmetric eigendecomposition; with checks on it tries a Cholesky factor first
(one flag read), about twice as fast: both are timed. ``fid`` factors the centred features by
QR and never needs either. On a CPU the float64 covariances (or QR factors) of two 4000 x 2048
feature matrices cost as much as the square root, which caps the ratio of the ``fid`` rows.
"""

import numpy as np
import ot
import scipy.linalg
import torch

import lossedu

F64 = torch.float64
_SLOW = {"forward_only": True, "devices": ("cpu",), "repeat": 1, "warmup": 0, "rtol": 1e-9}


def _features(n=4000, d=2048):
    """Full-rank, skewed, non-negative features, like a network's pooled activations."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(d, d, generator=g) / d**0.5
    x = torch.relu(torch.randn(n, d, generator=g) @ w + 0.5)
    y = torch.relu(torch.randn(n, d, generator=g) @ (w * 1.1) + 0.45)
    return [x, y]


def _statistics():
    x, y = _features()
    out = []
    for f in (x.double(), y.double()):
        out += [f.mean(0), torch.cov(f.T)]
    return out


def _pytorch_fid_statistics(mu1, sigma1, mu2, sigma2):
    """pytorch-fid's calculate_frechet_distance: sqrtm of the product, real part kept."""
    mu1, sigma1, mu2, sigma2 = (t.numpy() for t in (mu1, sigma1, mu2, sigma2))
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return torch.tensor(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _pytorch_fid(x, y):
    """pytorch-fid: np.mean / np.cov of the activations (float64), then the formula above."""
    stats = []
    for f in (x.numpy().astype(np.float64), y.numpy().astype(np.float64)):
        stats += [torch.from_numpy(np.mean(f, axis=0)), torch.from_numpy(np.cov(f, rowvar=False))]
    return _pytorch_fid_statistics(*stats)


def _torchmetrics_statistics(mu1, sigma1, mu2, sigma2):
    """torchmetrics' _compute_fid: the eigenvalues of the non-symmetric product."""
    a = (mu1 - mu2).square().sum(dim=-1)
    b = sigma1.trace() + sigma2.trace()
    c = torch.linalg.eigvals(sigma1 @ sigma2).sqrt().real.sum(dim=-1)
    return a + b - 2 * c


def _torchmetrics_fid(x, y):
    """torchmetrics' FrechetInceptionDistance.compute: float64 sums, then the formula above."""
    stats = []
    for f in (x.double(), y.double()):
        n = f.shape[0]
        mu = f.sum(0) / n
        cov = (f.T @ f - n * torch.outer(mu, mu)) / (n - 1)
        stats += [mu, cov]
    return _torchmetrics_statistics(*stats)


def _frechet_checks_on(*stats):
    """With value checks on, frechet_distance may read one flag and use a Cholesky factor."""
    with lossedu.set_validate_args(True):
        return lossedu.frechet_distance(*stats)


def _sinkhorn_inputs(n=1000):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 2, generator=g, dtype=F64)
    y = torch.rand(n, 2, generator=g, dtype=F64)
    M = torch.cdist(x, y) ** 2
    a = torch.full((n,), 1.0 / n, dtype=F64)
    return [a, a.clone(), M / M.max()]


CASES = [
    ("fid 4000x2048 features (vs pytorch-fid: np.cov + sqrtm)", _features,
     lossedu.fid, _pytorch_fid, _SLOW),
    ("fid 4000x2048 features (vs torchmetrics: eigvals of S1 S2)", _features,
     lossedu.fid, _torchmetrics_fid, _SLOW),
    ("frechet_distance d=2048 statistics (vs pytorch-fid sqrtm)", _statistics,
     lossedu.frechet_distance, _pytorch_fid_statistics, _SLOW),
    ("frechet_distance d=2048 statistics (vs torchmetrics eigvals)", _statistics,
     lossedu.frechet_distance, _torchmetrics_statistics, _SLOW),
    ("frechet_distance d=2048, checks on: Cholesky (vs sqrtm)", _statistics,
     _frechet_checks_on, _pytorch_fid_statistics, _SLOW),
    ("frechet_distance d=2048, checks on: Cholesky (vs eigvals)", _statistics,
     _frechet_checks_on, _torchmetrics_statistics, _SLOW),
    ("sinkhorn 1000x1000 reg=0.05 (vs POT sinkhorn2 sinkhorn_log)", _sinkhorn_inputs,
     lambda a, b, M: lossedu.sinkhorn(a, b, M, 0.05),
     lambda a, b, M: ot.sinkhorn2(a, b, M, 0.05, method="sinkhorn_log"),
     {"forward_only": True, "repeat": 5, "warmup": 1, "rtol": 1e-6}),
]
