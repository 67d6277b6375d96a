"""Chapter 07: distances between distributions.

Distances between two probability distributions rather than between two numbers:

* the Wasserstein-1 distance between samples on the real line, from sorted samples and
  their cumulative distribution functions: :func:`wasserstein_1d` (the semantics of
  :func:`scipy.stats.wasserstein_distance`);
* discrete optimal transport solved exactly, as a linear programme: :func:`emd`
  (the earth mover's distance, POT's ``ot.emd2``), with a self-contained transportation
  simplex;
* entropic optimal transport solved by Sinkhorn's iterations in the log domain:
  :func:`sinkhorn` (POT's ``ot.sinkhorn2(method='sinkhorn_log')``), which warns when it
  stops before converging;
* the Fréchet distance between two Gaussians, :func:`frechet_distance`, and the scores
  built on it and on a kernel: :func:`fid` (Fréchet distance between Gaussians fitted to
  features) and :func:`kid` (an unbiased kernel estimate).

Host reads: :func:`emd` solves a combinatorial problem on the host (it copies ``a``,
``b`` and ``M`` there), and :func:`sinkhorn` reads its marginal error every
``check_every`` iterations to decide when to stop. The other functions read tensor values
on the host only when value checks are on (:func:`lossedu.set_validate_args`):
:func:`frechet_distance` then also reads whether a Cholesky factorisation succeeded.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from ._checks import (
    check_nonnegative_tensor,
    check_bool,
    check_same_device,
    check_tensor,
    first_bad_value,
    validate_args_enabled,
)

__all__ = [
    "wasserstein_1d",
    "emd",
    "sinkhorn",
    "frechet_distance",
    "fid",
    "kid",
]


# ----------------------------------------------------------------------------- checks
def _check_vector(x, name: str) -> None:
    check_tensor(x, name)
    if x.dim() != 1 or x.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D tensor, got shape {tuple(x.shape)}")


def _check_finite(x: torch.Tensor, name: str) -> None:
    if not validate_args_enabled():
        return
    value = first_bad_value(x, ~torch.isfinite(x))
    if value is not None:
        raise ValueError(f"{name} must be finite, got a value of {value!r}")


def _check_weights(w, like: torch.Tensor, name: str, like_name: str) -> None:
    """Sample weights: same shape, dtype and device as the values, >= 0, positive total."""
    check_tensor(w, name)
    if w.shape != like.shape:
        raise ValueError(
            f"{name} must have the shape of {like_name} {tuple(like.shape)} (one weight per "
            f"value), got shape {tuple(w.shape)}"
        )
    if w.dtype != like.dtype:
        raise TypeError(f"{name} must have the dtype of {like_name} {like.dtype}, got dtype {w.dtype}")
    check_same_device(w, like, name, like_name)
    if not validate_args_enabled():
        return
    check_nonnegative_tensor(w, name, finite=True)
    if not bool(w.sum() > 0):
        raise ValueError(f"{name} must have a positive sum, got all zeros")


def _check_marginals(a, b, M, a_name: str = "a", b_name: str = "b"):
    """Marginals and cost matrix of a transport problem; ``None`` means uniform."""
    check_tensor(M, "M")
    if M.dim() != 2 or M.numel() == 0:
        raise ValueError(f"M must be a non-empty 2-D cost matrix of shape (n, m), got shape {tuple(M.shape)}")
    n, m = M.shape
    if a is None:
        a = torch.full((n,), 1.0 / n, dtype=M.dtype, device=M.device)
    if b is None:
        b = torch.full((m,), 1.0 / m, dtype=M.dtype, device=M.device)
    _check_vector(a, a_name)
    _check_vector(b, b_name)
    if (a.numel(), b.numel()) != (n, m):
        raise ValueError(
            f"M must have shape (len({a_name}), len({b_name})) = ({a.numel()}, {b.numel()}), "
            f"got shape {tuple(M.shape)}"
        )
    for x, name in ((a, a_name), (b, b_name)):
        if x.dtype != M.dtype:
            raise TypeError(f"{name} must have the dtype of M {M.dtype}, got dtype {x.dtype}")
        check_same_device(x, M, name, "M")
    if validate_args_enabled():
        for x, name in ((a, a_name), (b, b_name)):
            check_nonnegative_tensor(x, name, finite=True, what=" (a marginal)")
        value = first_bad_value(M, ~((M >= 0) & torch.isfinite(M)))
        if value is not None:
            raise ValueError(
                f"M must contain finite non-negative costs, got a value of {value!r} "
                f"(shift a cost matrix by a constant to make it non-negative: the optimal plan is unchanged)"
            )
        sa, sb = float(a.detach().sum()), float(b.detach().sum())
        tol = 1e-7 if M.dtype == torch.float64 else 1e-4
        if abs(sa - sb) > tol * max(1.0, sa, sb):
            raise ValueError(
                f"{a_name} and {b_name} must have the same total mass, got sums {sa:.6g} and {sb:.6g} "
                f"(balanced optimal transport moves all of one onto all of the other; "
                f"normalise both to sum to 1 if you mean probability vectors)"
            )
        if sa <= 0:
            raise ValueError(f"{a_name} and {b_name} must have a positive total mass, got 0")
    return a, b


def _check_features(x, name: str) -> None:
    check_tensor(x, name)
    if x.dim() != 2:
        raise ValueError(f"{name} must be a 2-D tensor of shape (N, D), one feature vector per row, got shape {tuple(x.shape)}")
    if x.shape[0] < 2:
        raise ValueError(
            f"{name} must contain at least 2 samples to estimate a covariance, got {x.shape[0]}"
        )


def _check_int(value, name: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")


def _check_number(value, name: str, *, strict: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or (value <= 0 if strict else value < 0):
        expected = "a finite number > 0" if strict else "a finite number >= 0"
        raise ValueError(f"{name} must be {expected}, got {value!r}")


# ----------------------------------------------------------------------------- 1-D
def _cdf_at(sorted_idx, values, weights, points):
    """The (weighted) empirical CDF of ``values`` at ``points``."""
    v_sorted = values[sorted_idx]
    idx = torch.searchsorted(v_sorted.detach().contiguous(), points.detach().contiguous(), right=True)
    if weights is None:
        return idx.to(values.dtype) / values.numel()
    cum = torch.cat([weights.new_zeros(1), torch.cumsum(weights[sorted_idx], 0)])
    return cum[idx] / cum[-1]


def wasserstein_1d(
    u_values: torch.Tensor,
    v_values: torch.Tensor,
    u_weights: torch.Tensor | None = None,
    v_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Wasserstein-1 distance between two distributions of samples on the real line.

    .. math::

        W_1(u, v) = \int_{-\infty}^{\infty} \lvert F_u(t) - F_v(t) \rvert \, dt,

    where :math:`F_u, F_v` are the (weighted) empirical cumulative distribution functions.
    Both CDFs are step functions that only change at the pooled, sorted sample values
    :math:`t_1 \le \dots \le t_{n+m}`, so the integral is the finite sum
    :math:`\sum_k \lvert F_u(t_k) - F_v(t_k) \rvert (t_{k+1} - t_k)`.

    Args:
        * u_values, v_values: 1-D float tensors of samples (any lengths, at least one each).
        * u_weights, v_weights: optional non-negative weights of the same shapes, normalised
          to sum to 1 (as in SciPy); ``None`` gives each sample the same weight.

    Returns:
        A 0-dimensional tensor, differentiable in the values and in the weights. Equal to
        :func:`scipy.stats.wasserstein_distance`.

    Reference: :cite:t:`villani2009optimal`, *Optimal Transport: Old and New*, remark 2.19;
    :cite:t:`ramdas2017wasserstein`, *On Wasserstein two-sample testing*.

    >>> import torch, lossedu
    >>> lossedu.wasserstein_1d(torch.tensor([0.0, 1.0, 3.0]), torch.tensor([5.0, 6.0, 8.0]))
    tensor(5.)
    >>> lossedu.wasserstein_1d(torch.tensor([0.0, 10.0]), torch.tensor([0.0, 10.0]),
    ...                        torch.tensor([1.0, 3.0]), torch.tensor([3.0, 1.0]))
    tensor(5.)
    """
    _check_vector(u_values, "u_values")
    _check_vector(v_values, "v_values")
    if u_values.dtype != v_values.dtype:
        raise TypeError(
            f"u_values and v_values must have the same dtype, got {u_values.dtype} and {v_values.dtype}"
        )
    check_same_device(u_values, v_values, "u_values", "v_values")
    _check_finite(u_values, "u_values")
    _check_finite(v_values, "v_values")
    if u_weights is not None:
        _check_weights(u_weights, u_values, "u_weights", "u_values")
    if v_weights is not None:
        _check_weights(v_weights, v_values, "v_weights", "v_values")

    u_sorter = torch.argsort(u_values.detach())
    v_sorter = torch.argsort(v_values.detach())
    all_values = torch.sort(torch.cat([u_values, v_values])).values
    deltas = torch.diff(all_values)
    points = all_values[:-1]
    u_cdf = _cdf_at(u_sorter, u_values, u_weights, points)
    v_cdf = _cdf_at(v_sorter, v_values, v_weights, points)
    return (torch.abs(u_cdf - v_cdf) * deltas).sum()


# ----------------------------------------------------------------------------- exact OT
def _tree_path(adj, start, goal):
    """Edges (cells) on the path from node ``start`` to node ``goal`` in a spanning tree.

    Nodes ``0..n-1`` are rows, ``n..n+m-1`` columns; ``adj[node]`` maps neighbour -> cell.
    """
    parent = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            break
        for nb, cell in adj[node].items():
            if nb not in parent:
                parent[nb] = (node, cell)
                stack.append(nb)
    path = []
    node = goal
    while parent[node] is not None:
        prev, cell = parent[node]
        path.append(cell)
        node = prev
    path.reverse()  # from start to goal
    return path


def _potentials(adj, M, n, m):
    """Dual potentials u, v with u_i + v_j = M_ij on every basic cell (u_0 = 0)."""
    u = np.zeros(n)
    v = np.zeros(m)
    seen = np.zeros(n + m, dtype=bool)
    seen[0] = True
    stack = [0]
    while stack:
        node = stack.pop()
        for nb, (i, j) in adj[node].items():
            if seen[nb]:
                continue
            seen[nb] = True
            if nb >= n:  # a column reached from row i
                v[j] = M[i, j] - u[i]
            else:  # a row reached from column j
                u[i] = M[i, j] - v[j]
            stack.append(nb)
    return u, v


def _transport_simplex(a: np.ndarray, b: np.ndarray, M: np.ndarray, max_iter: int):
    """Exact optimal transport by the transportation (network) simplex method.

    A basic feasible plan has ``n + m - 1`` basic cells forming a spanning tree of the
    bipartite graph rows-columns. Start from the north-west corner rule; at each step
    compute the dual potentials on the tree, let the cell with the most negative reduced
    cost ``M_ij - u_i - v_j`` enter, push flow around the cycle it closes, and drop the
    cell whose flow reaches zero first. Stop when no reduced cost is negative: the plan
    and the potentials are then primal and dual optimal.
    """
    n, m = M.shape
    supply, demand = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    flow = {}
    i = j = 0
    for _ in range(n + m - 1):  # north-west corner: a staircase, always a spanning tree
        x = min(supply[i], demand[j])
        flow[(i, j)] = x
        supply[i] -= x
        demand[j] -= x
        if i == n - 1:
            j += 1
        elif j == m - 1:
            i += 1
        elif supply[i] <= demand[j]:
            i += 1
        else:
            j += 1
    adj = [dict() for _ in range(n + m)]
    for (i, j) in flow:
        adj[i][n + j] = (i, j)
        adj[n + j][i] = (i, j)
    scale = max(float(np.abs(M).max()), 1e-300)
    tol = 1e-12 * scale
    for _ in range(max_iter):
        u, v = _potentials(adj, M, n, m)
        reduced = M - u[:, None] - v[None, :]
        k = int(np.argmin(reduced))
        ie, je = divmod(k, m)
        if reduced[ie, je] >= -tol:
            return flow, u, v
        # the cycle: the entering cell, then the tree path from column je back to row ie
        path = _tree_path(adj, n + je, ie)
        minus = path[0::2]  # edges at odd positions of the cycle lose flow
        theta, leave = min((flow[c], c) for c in minus)
        for c in minus:
            flow[c] -= theta
        for c in path[1::2]:
            flow[c] += theta
        flow[(ie, je)] = theta
        del flow[leave]
        li, lj = leave
        del adj[li][n + lj], adj[n + lj][li]
        adj[ie][n + je] = (ie, je)
        adj[n + je][ie] = (ie, je)
    raise RuntimeError(f"emd: the transportation simplex did not finish within {max_iter} pivots")


def emd(
    a: torch.Tensor | None,
    b: torch.Tensor | None,
    M: torch.Tensor,
    return_plan: bool = False,
):
    r"""Exact optimal transport cost (earth mover's distance) between two discrete distributions.

    .. math::

        \operatorname{EMD}(a, b; M) = \min_{P \in U(a, b)} \langle P, M \rangle
        = \min_{P \ge 0,\ P\mathbf{1} = a,\ P^\top\mathbf{1} = b} \sum_{ij} P_{ij} M_{ij}.

    The linear programme is solved exactly by the transportation simplex method (north-west
    corner start, most negative reduced cost enters, the cycle's first emptied cell leaves).
    The problem is combinatorial, so it is solved on the host in float64 whatever the
    device: ``a``, ``b`` and ``M`` are copied there (this synchronises a GPU, also with
    :func:`lossedu.set_validate_args` off). Meant for the small problems of a course
    (hundreds of points); :func:`sinkhorn` scales further.

    Args:
        * a: ``(n,)`` non-negative source weights, or ``None`` for uniform ``1/n``.
        * b: ``(m,)`` non-negative target weights with the same total as ``a``, or ``None``.
        * M: ``(n, m)`` non-negative, finite cost matrix.
        * return_plan: also return the optimal plan ``P`` of shape ``(n, m)``.

    Returns:
        The cost ``<P, M>`` as a 0-dimensional tensor (``(cost, P)`` with ``return_plan``).
        The cost is differentiable: its gradient is ``P`` in ``M`` and the centred dual
        potentials in ``a`` and ``b`` (as POT's ``ot.emd2``).

    Reference: :cite:t:`peyre2019computational`, *Computational Optimal Transport*,
    chapter 3;
    Dantzig's transportation simplex.

    >>> import torch, lossedu
    >>> M = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> lossedu.emd(torch.tensor([0.5, 0.5]), torch.tensor([0.25, 0.75]), M)
    tensor(0.2500)
    >>> cost, P = lossedu.emd(None, None, M, return_plan=True)
    >>> P
    tensor([[0.5000, 0.0000],
            [0.0000, 0.5000]])
    """
    a, b = _check_marginals(a, b, M)
    check_bool(return_plan, "return_plan")
    n, m = M.shape
    a_np = a.detach().to("cpu", torch.float64).numpy()
    b_np = b.detach().to("cpu", torch.float64).numpy()
    b_np = b_np * (a_np.sum() / b_np.sum())  # remove round-off between the two totals
    M_np = M.detach().to("cpu", torch.float64).numpy()
    flow, u, v = _transport_simplex(a_np, b_np, M_np, max_iter=50 * (n + m) + 1000)
    plan_np = np.zeros((n, m))
    for (i, j), x in flow.items():
        plan_np[i, j] = x
    plan = torch.as_tensor(plan_np, dtype=M.dtype).to(M.device)
    cost = (plan * M).sum()
    if a.requires_grad or b.requires_grad:
        fu = torch.as_tensor(u - u.mean(), dtype=M.dtype).to(M.device)
        fv = torch.as_tensor(v - v.mean(), dtype=M.dtype).to(M.device)
        # value unchanged, gradient = centred dual potentials (the LP's sensitivity)
        cost = cost + ((a - a.detach()) * fu).sum() + ((b - b.detach()) * fv).sum()
    return (cost, plan) if return_plan else cost


# ----------------------------------------------------------------------------- Sinkhorn
def _lse(Mr: torch.Tensor, shift, dim: int) -> torch.Tensor:
    return torch.logsumexp(Mr if shift is None else Mr + shift, dim=dim)


def _lse_inplace(Mr: torch.Tensor, shift, dim: int) -> torch.Tensor:
    S = Mr.clone() if shift is None else Mr + shift
    m = S.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))  # an all -inf slice stays -inf
    return S.sub_(m).exp_().sum(dim=dim).log_().add_(m.squeeze(dim))


def sinkhorn(
    a: torch.Tensor | None,
    b: torch.Tensor | None,
    M: torch.Tensor,
    reg: float,
    max_iter: int = 1000,
    tol: float = 1e-9,
    return_plan: bool = False,
    *,
    check_every: int = 10,
):
    r"""Entropic optimal transport by Sinkhorn's iterations in the log domain.

    The entropic problem :math:`\min_{P \in U(a,b)} \langle P, M\rangle - \varepsilon H(P)`,
    :math:`H(P) = -\sum_{ij} P_{ij}(\log P_{ij} - 1)`, has the solution
    :math:`P_{ij} = \exp\big((f_i + g_j - M_{ij})/\varepsilon\big)`, and the potentials
    are found by alternately fitting the column and row marginals:

    .. math::

        g_j \leftarrow \varepsilon \log b_j - \varepsilon \operatorname{LSE}_i
        \big((f_i - M_{ij})/\varepsilon\big), \qquad
        f_i \leftarrow \varepsilon \log a_i - \varepsilon \operatorname{LSE}_j
        \big((g_j - M_{ij})/\varepsilon\big).

    Working with log-sum-exp keeps every number finite for small :math:`\varepsilon`
    (the plain scaling form :math:`u \leftarrow a / Kv` with :math:`K = e^{-M/\varepsilon}`
    underflows to 0/0). The returned value is :math:`\langle P_\varepsilon, M \rangle`,
    without the entropy term, as POT's ``ot.sinkhorn2``.

    Stopping rule: every ``check_every`` iterations (and after the last one) the column
    marginal error :math:`\lVert P^\top \mathbf 1 - b \rVert_2` is read on the host and the
    loop stops once it is below ``tol``. This read synchronises a GPU, also with
    :func:`lossedu.set_validate_args` off (the algorithm must know when to stop); checking
    every 10 iterations, as POT does, keeps those stalls rare. When ``max_iter`` is reached
    first, a ``UserWarning`` says so with the error reached: POT stops silently.

    Args:
        * a, b: ``(n,)`` and ``(m,)`` non-negative marginals with equal total mass, or ``None``
          for uniform weights.
        * M: ``(n, m)`` non-negative, finite cost matrix.
        * reg: the entropic regularisation strength :math:`\varepsilon > 0` (in units of M).
        * max_iter: the largest number of iterations (each fits both marginals).
        * tol: the marginal error at which the loop stops.
        * return_plan: also return the plan :math:`P_\varepsilon`.
        * check_every: how many iterations between two error checks.

    Returns:
        :math:`\langle P_\varepsilon, M\rangle` as a 0-dimensional tensor, or
        ``(cost, P)`` with ``return_plan``. Differentiable in ``M``, ``a`` and ``b`` by
        automatic differentiation through the iterations (like POT's ``sinkhorn2``);
        backpropagation keeps one ``(n, m)`` tensor per iteration in memory.

    Reference: :cite:t:`cuturi2013sinkhorn`, *Sinkhorn distances* (NeurIPS);
    :cite:t:`peyre2019computational`, *Computational Optimal Transport*, section 4.4.

    >>> import torch, lossedu
    >>> M = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> round(lossedu.sinkhorn(None, None, M, reg=0.1).item(), 6)
    4.5e-05
    >>> round(lossedu.sinkhorn(None, None, M, reg=1.0).item(), 6)
    0.268941
    """
    a, b = _check_marginals(a, b, M)
    _check_number(reg, "reg")
    _check_int(max_iter, "max_iter", 1)
    _check_number(tol, "tol")
    check_bool(return_plan, "return_plan")
    _check_int(check_every, "check_every", 1)

    Mr = M / (-reg)
    log_a, log_b = torch.log(a), torch.log(b)
    # without autograd, a log-sum-exp that works in place in one temporary (about 30 %
    # faster than torch.logsumexp, which allocates one per step)
    lse = _lse_inplace if not (torch.is_grad_enabled() and Mr.requires_grad or a.requires_grad
                               or b.requires_grad) else _lse
    # f and g below are the potentials divided by reg
    col_lse = lse(Mr, None, 0)
    err = float("nan")
    converged = False
    for it in range(1, max_iter + 1):
        g = log_b - col_lse
        f = log_a - lse(Mr, g[None, :], 1)
        col_lse = lse(Mr, f[:, None], 0)
        if it % check_every == 0 or it == max_iter:
            # the column sums of the current plan are exp(g + col_lse): no extra pass over M
            err = float(torch.linalg.vector_norm((torch.exp(g + col_lse) - b).detach()))
            if err < tol:
                converged = True
                break
    if not converged:
        warnings.warn(
            f"sinkhorn did not converge: it stopped at max_iter={max_iter} iterations with a "
            f"marginal error of {err:.3g} > tol={tol:g}; increase max_iter, increase reg "
            f"(now {reg:g}) or loosen tol",
            UserWarning,
            stacklevel=2,
        )
    plan = torch.exp(Mr + f[:, None] + g[None, :])
    cost = (plan * M).sum()
    return (cost, plan) if return_plan else cost


# ----------------------------------------------------------------------------- Gaussians
def _sqrt_above_noise(w: torch.Tensor) -> torch.Tensor:
    """Square roots of eigenvalues, with those below ``d * eps * max(w)`` set to 0.

    An eigenvalue that is 0 in exact arithmetic comes out as round-off of either sign,
    about ``eps * max(w)``; its square root (about 1e-8 * sqrt(max(w)) in float64) would
    add a visible error for every such eigenvalue. The ``where`` keeps gradients finite.
    """
    thr = w.amax().clamp_min(0) * (w.shape[-1] * torch.finfo(w.dtype).eps)
    keep = w > thr
    return torch.where(keep, torch.where(keep, w, torch.ones_like(w)).sqrt(), torch.zeros_like(w))


def _psd_factor(S: torch.Tensor) -> torch.Tensor:
    """R with S = R R^T for a symmetric PSD S.

    With value checks on, the Cholesky factor when it exists (one flag read on the host
    says whether it does; it is the cheapest factor by far). Otherwise, and always with
    value checks off (no host read), V diag(sqrt(w)) from S = V diag(w) V^T, which
    exists for a singular S too (fewer samples than dimensions, a constant feature).
    """
    if validate_args_enabled():
        L, info = torch.linalg.cholesky_ex(S)
        if not bool(info):
            return L
    w, V = torch.linalg.eigh(S)
    return V * _sqrt_above_noise(w)


def _trace_sqrt(R1: torch.Tensor, sigma2: torch.Tensor) -> torch.Tensor:
    r""":math:`\operatorname{tr}(\Sigma_1\Sigma_2)^{1/2}` for :math:`\Sigma_1 = R_1 R_1^\top`.

    :math:`\Sigma_1\Sigma_2 = R_1 R_1^\top \Sigma_2` has the same non-zero eigenvalues as
    :math:`A = R_1^\top \Sigma_2 R_1` (:math:`XY` and :math:`YX` always do), and A is
    symmetric positive semi-definite: one symmetric eigenvalue solve, real and finite.
    """
    A = R1.mT @ sigma2 @ R1
    A = (A + A.mT) / 2
    return _sqrt_above_noise(torch.linalg.eigvalsh(A)).sum()


def _check_gaussian(mu, sigma, i: int) -> None:
    check_tensor(mu, f"mu{i}")
    check_tensor(sigma, f"sigma{i}")
    if mu.dim() != 1 or mu.numel() == 0:
        raise ValueError(f"mu{i} must be a non-empty 1-D mean vector, got shape {tuple(mu.shape)}")
    d = mu.numel()
    if sigma.shape != (d, d):
        raise ValueError(
            f"sigma{i} must be a square ({d}, {d}) covariance matrix matching mu{i}, got shape {tuple(sigma.shape)}"
        )
    if sigma.dtype != mu.dtype:
        raise TypeError(f"sigma{i} must have the dtype of mu{i} {mu.dtype}, got dtype {sigma.dtype}")
    check_same_device(mu, sigma, f"mu{i}", f"sigma{i}")
    if not validate_args_enabled():
        return
    _check_finite(mu, f"mu{i}")
    _check_finite(sigma, f"sigma{i}")
    asym = (sigma - sigma.mT).abs().max()
    scale = sigma.abs().max()
    rtol = 1e-8 if sigma.dtype == torch.float64 else 1e-4
    if bool(asym > rtol * scale):
        raise ValueError(
            f"sigma{i} must be a symmetric covariance matrix, got max |sigma - sigma.T| = "
            f"{float(asym):.3g} (relative {float(asym / scale):.3g})"
        )


def frechet_distance(
    mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor
) -> torch.Tensor:
    r"""Squared Fréchet (2-Wasserstein) distance between two Gaussians.

    .. math::

        d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
              - 2 \operatorname{tr}\big(\Sigma_1 \Sigma_2\big)^{1/2}
            = W_2^2\big(\mathcal N(\mu_1, \Sigma_1), \mathcal N(\mu_2, \Sigma_2)\big).

    The eigenvalues of :math:`\Sigma_1\Sigma_2` (a non-symmetric matrix) are those of the
    symmetric positive semi-definite :math:`A = L^\top \Sigma_2 L` with
    :math:`\Sigma_1 = L L^\top`, so the trace term is :math:`\sum_k \sqrt{\lambda_k(A)}`:
    a Cholesky factor and one symmetric eigenvalue solve, real and finite, instead of a
    general matrix square root (:func:`scipy.linalg.sqrtm`), which is slower and can return
    complex or non-finite values. With value checks on, :math:`L` is the Cholesky factor
    when it exists (one flag read on the host tells); when it does not (a singular
    covariance: fewer samples than dimensions, a constant feature), and always with
    :func:`lossedu.set_validate_args` off (no host read at all), the factor is
    :math:`R = V\operatorname{diag}(\sqrt w)` from the symmetric eigendecomposition
    :math:`\Sigma_1 = V \operatorname{diag}(w) V^\top`. Eigenvalues below
    :math:`d\,\epsilon\,\lambda_{\max}` (round-off of exact zeros) count as 0, since their
    square roots, about 1e-8 each in float64, would add up to a visible error. Compute in
    float64.

    Args:
        * mu1, mu2: ``(d,)`` means. sigma1, sigma2: ``(d, d)`` symmetric PSD covariances.

    Returns:
        A 0-dimensional tensor, differentiable in the means and (where the eigenvalues of
        A are distinct and positive) in the covariances.

    Reference: :cite:t:`dowson1982frechet`; :cite:t:`heusel2017gans`.

    >>> import torch, lossedu
    >>> I = torch.eye(2, dtype=torch.float64)
    >>> lossedu.frechet_distance(torch.zeros(2, dtype=torch.float64), I,
    ...                          torch.ones(2, dtype=torch.float64), 4 * I)
    tensor(4., dtype=torch.float64)
    """
    _check_gaussian(mu1, sigma1, 1)
    _check_gaussian(mu2, sigma2, 2)
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"mu1 and mu2 must have the same dimension, got shapes {tuple(mu1.shape)} and {tuple(mu2.shape)}"
        )
    if mu1.dtype != mu2.dtype:
        raise TypeError(f"mu1 and mu2 must have the same dtype, got {mu1.dtype} and {mu2.dtype}")
    check_same_device(mu1, mu2, "mu1", "mu2")
    return _frechet(mu1, sigma1, mu2, sigma2, _trace_sqrt(_psd_factor(sigma1), sigma2))


def _frechet(mu1, sigma1, mu2, sigma2, tr_sqrt):
    diff = mu1 - mu2
    return diff @ diff + torch.trace(sigma1) + torch.trace(sigma2) - 2 * tr_sqrt


def _stats(x: torch.Tensor):
    """Mean and a factor R of the unbiased covariance (covariance = R R^T), in float64.

    With N <= D the centred data themselves, scaled, are an exact (D, N) factor. With
    N > D the triangular factor of a QR decomposition of the centred data is one:
    X_c = Q T gives X_c^T X_c = T^T T. QR always exists, costs about as much as forming
    the covariance, and spares an eigendecomposition.
    """
    x = x.to(torch.float64)
    mu = x.mean(dim=0)
    xc = (x - mu) / math.sqrt(x.shape[0] - 1)
    if x.shape[0] <= x.shape[1]:
        return mu, xc.mT
    mode = "reduced" if torch.is_grad_enabled() and xc.requires_grad else "r"
    return mu, torch.linalg.qr(xc, mode=mode)[1].mT


def fid(features1: torch.Tensor, features2: torch.Tensor) -> torch.Tensor:
    r"""Fréchet distance between Gaussians fitted to two sets of features (FID).

    .. math::

        \operatorname{FID} = \lVert \hat\mu_1 - \hat\mu_2 \rVert^2 + \operatorname{tr}\hat\Sigma_1
        + \operatorname{tr}\hat\Sigma_2 - 2\operatorname{tr}(\hat\Sigma_1\hat\Sigma_2)^{1/2},

    with the sample means and the unbiased (``N - 1``) sample covariances of the rows,
    computed in float64 (see :func:`frechet_distance`). The covariances are never formed:
    the triangular factor T of a QR decomposition of the centred features (or, with
    N <= D, the centred features themselves) gives :math:`\hat\Sigma = T^\top T`, and the
    trace term is :math:`\sum_k \sqrt{\lambda_k(B^\top B)}`, :math:`B = T_2 T_1^\top`: one
    symmetric eigenvalue solve, accurate for singular covariances, no host read. It is the squared 2-Wasserstein
    distance between the two *fitted Gaussians*, not between the feature distributions
    themselves, and it depends on the feature network: the Fréchet *Inception* distance
    uses Inception-v3's 2048 pool features; other features give a different score.
    The estimate is biased upwards for small samples (compare sets of equal size only).

    Args:
        * features1, features2: ``(N1, D)`` and ``(N2, D)`` float tensors, N1, N2 >= 2.

    Returns:
        A float64 0-dimensional tensor, differentiable in the features.

    Reference: :cite:t:`heusel2017gans`, *GANs trained by a two time-scale update rule converge to a
    local Nash equilibrium* (NeurIPS).

    >>> import torch, lossedu
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 3, generator=g)
    >>> round(lossedu.fid(x, x + 1).item(), 6)  # a shift by (1, 1, 1): ||mu1 - mu2||^2 = 3
    3.0
    """
    _check_features(features1, "features1")
    _check_features(features2, "features2")
    if features1.shape[1] != features2.shape[1]:
        raise ValueError(
            f"features1 and features2 must have the same feature dimension, got {features1.shape[1]} "
            f"and {features2.shape[1]}"
        )
    check_same_device(features1, features2, "features1", "features2")
    _check_finite(features1, "features1")
    _check_finite(features2, "features2")
    mu1, R1 = _stats(features1)
    mu2, R2 = _stats(features2)
    d = features1.shape[1]
    if R1.shape[1] < d and R2.shape[1] < d:
        # two thin factors: the trace is the sum of singular values of R1^T R2 (N1 x N2)
        tr_sqrt = torch.linalg.svdvals(R1.mT @ R2).sum()
    else:
        # A = B^T B with B = R2^T R1, the thinner factor on the right: A is the smaller
        if R2.shape[1] < R1.shape[1]:
            R1, R2 = R2, R1
        B = R2.mT @ R1
        tr_sqrt = _sqrt_above_noise(torch.linalg.eigvalsh(B.mT @ B)).sum()
    diff = mu1 - mu2  # tr(R R^T) = |R|_F^2
    return diff @ diff + (R1 * R1).sum() + (R2 * R2).sum() - 2 * tr_sqrt


def _mmd2_unbiased_poly(x, y, degree, gamma, coef0):
    m = x.shape[0]
    kxx = (x @ x.mT * gamma + coef0) ** degree
    kyy = (y @ y.mT * gamma + coef0) ** degree
    kxy = (x @ y.mT * gamma + coef0) ** degree
    sxx = kxx.sum() - torch.diagonal(kxx).sum()
    syy = kyy.sum() - torch.diagonal(kyy).sum()
    return (sxx + syy) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)


def kid(
    features1: torch.Tensor,
    features2: torch.Tensor,
    *,
    num_subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1.0,
    generator: torch.Generator | None = None,
):
    r"""Kernel inception distance: an unbiased estimate of the squared MMD between feature sets.

    With the polynomial kernel :math:`k(x, y) = (\gamma\, x^\top y + c)^{p}` (by default
    :math:`\gamma = 1/D`, :math:`c = 1`, :math:`p = 3`) and two subsets
    :math:`X, Y` of ``subset_size`` = m rows each,

    .. math::

        \widehat{\operatorname{MMD}}^2 = \frac{1}{m(m-1)}\sum_{i \ne j} \big(k(x_i, x_j) + k(y_i, y_j)\big)
        - \frac{2}{m^2} \sum_{i, j} k(x_i, y_j).

    The estimate is averaged over ``num_subsets`` random pairs of subsets (drawn without
    replacement within a subset, with ``generator`` on the CPU). Unlike FID, its expectation
    does not depend on the sample size, and it can be slightly negative.

    Args:
        * features1, features2: ``(N1, D)`` and ``(N2, D)`` float tensors.
        * num_subsets: how many subset pairs to average over.
        * subset_size: rows per subset, at least 2 and at most ``min(N1, N2)``.
        * degree, gamma, coef0: the polynomial kernel (``gamma=None`` means 1/D).
        * generator: a :class:`torch.Generator` for the subsets (CPU).

    Returns:
        ``(mean, std)``: 0-dimensional tensors, the mean and the (population) standard
        deviation over subsets, as torchmetrics' ``KernelInceptionDistance``.

    Reference: :cite:t:`binkowski2018demystifying`, *Demystifying MMD GANs* (ICLR).

    >>> import torch, lossedu
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(200, 4, generator=g, dtype=torch.float64)
    >>> mean, std = lossedu.kid(x, x + 1, num_subsets=10, subset_size=100, generator=g)
    >>> round(mean.item(), 3)
    8.569
    """
    _check_features(features1, "features1")
    _check_features(features2, "features2")
    d = features1.shape[1]
    if features2.shape[1] != d:
        raise ValueError(
            f"features1 and features2 must have the same feature dimension, got {d} and {features2.shape[1]}"
        )
    if features1.dtype != features2.dtype:
        raise TypeError(
            f"features1 and features2 must have the same dtype, got {features1.dtype} and {features2.dtype}"
        )
    check_same_device(features1, features2, "features1", "features2")
    _check_int(num_subsets, "num_subsets", 1)
    _check_int(subset_size, "subset_size", 2)
    _check_int(degree, "degree", 1)
    n1, n2 = features1.shape[0], features2.shape[0]
    if subset_size > min(n1, n2):
        raise ValueError(
            f"subset_size must be at most the number of samples in each set (min({n1}, {n2}) = "
            f"{min(n1, n2)}), got {subset_size}"
        )
    if gamma is None:
        gamma = 1.0 / d
    _check_number(gamma, "gamma")
    _check_number(coef0, "coef0", strict=False)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    _check_finite(features1, "features1")
    _check_finite(features2, "features2")
    dev = features1.device
    scores = []
    for _ in range(num_subsets):
        i1 = torch.randperm(n1, generator=generator)[:subset_size].to(dev)
        i2 = torch.randperm(n2, generator=generator)[:subset_size].to(dev)
        scores.append(_mmd2_unbiased_poly(features1[i1], features2[i2], degree, gamma, coef0))
    scores = torch.stack(scores)
    return scores.mean(), scores.std(correction=0)
