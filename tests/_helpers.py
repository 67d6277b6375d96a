"""Shared test helpers: comparing lossedu with its reference, and notebook fixtures for grading."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

F64 = torch.float64


def clone_inputs(inputs, grad_mask):
    out = []
    for x, needs in zip(inputs, grad_mask):
        if isinstance(x, torch.Tensor):
            x = x.detach().clone()
            if needs:
                x.requires_grad_(True)
        out.append(x)
    return out


def assert_matches(ours, reference, inputs, *, grad=None, kwargs=None, rtol=1e-7, atol=1e-10):
    """``ours(*inputs, **kwargs)`` equals ``reference(...)`` in value and in gradient.

    ``grad`` lists, per positional input, whether to compare its gradient (default:
    every floating-point tensor). The gradient of a non-scalar output is taken
    against a fixed random cotangent so every element's gradient is checked.
    """
    kwargs = kwargs or {}
    if grad is None:
        grad = [isinstance(x, torch.Tensor) and x.is_floating_point() for x in inputs]
    a_in = clone_inputs(inputs, grad)
    b_in = clone_inputs(inputs, grad)
    a = ours(*a_in, **kwargs)
    b = reference(*b_in, **kwargs)
    assert a.shape == b.shape, f"shape {tuple(a.shape)} != reference {tuple(b.shape)}"
    assert a.dtype == b.dtype, f"dtype {a.dtype} != reference {b.dtype}"
    torch.testing.assert_close(a, b, rtol=rtol, atol=atol, equal_nan=True)
    if not any(grad) or not b.requires_grad:
        return
    g = torch.Generator().manual_seed(1234)
    cot = torch.rand(b.shape, generator=g, dtype=b.dtype) + 0.5
    wrt_a = [x for x, n in zip(a_in, grad) if n]
    wrt_b = [x for x, n in zip(b_in, grad) if n]
    ga = torch.autograd.grad(a, wrt_a, cot, allow_unused=True)
    gb = torch.autograd.grad(b, wrt_b, cot, allow_unused=True)
    for i, (x, y) in enumerate(zip(ga, gb)):
        if y is None:
            continue
        assert x is not None, f"no gradient for input {i}"
        torch.testing.assert_close(x, y, rtol=rtol, atol=atol, equal_nan=True)


def digest(path: Path) -> str:
    """SHA-256 of a file: a submission must be byte-identical after grading."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_cell(src: Path, dst: Path, code: str) -> Path:
    """Copy a notebook and append one code cell (a student's later redefinition)."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(nb, dst)
    return dst
