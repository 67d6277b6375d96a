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


# --------------------------------------------------------------------------- the built site

ROOT = Path(__file__).resolve().parent.parent


def built_site(tmp_path_factory) -> tuple[Path, str]:
    """The site, built once per test run from the stored outputs: ``(html folder, build log)``.

    Several test modules read it, and pytest-xdist may run them in different workers;
    they share one build under the run's common temporary folder, the first to ask
    builds it while the others wait on a file lock.
    """
    import fcntl
    import os

    from lossedu.sitebuild import build

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "lossedu-site"
    folder.mkdir(exist_ok=True)
    log_file = folder / "build.log"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not log_file.exists():
            result = build(ROOT, folder / "out", execute=False, capture=True)
            log = result.stdout + result.stderr
            assert result.returncode == 0, log[-6000:]
            log_file.write_text(log, encoding="utf-8")
    return folder / "out" / "_build" / "html", log_file.read_text(encoding="utf-8")


def require_browser(what: str, *packages: str) -> str:
    """Debian's chromium, or skip loudly (and fail under CI=true) naming what is missing."""
    import importlib.util
    import os

    import pytest

    from lossedu.bookpdf import find_chromium

    missing = next((f"the {p} package" for p in ("playwright", *packages) if importlib.util.find_spec(p) is None), None)
    chromium = find_chromium()
    if missing is None and chromium is None:
        missing = "Debian's chromium (apt-get install chromium)"
    if missing:
        message = f"{what} NOT RUN: {missing} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required under CI)")
        print("\n" + "!" * 78 + f"\n{message}\n" + "!" * 78)
        pytest.skip(message)
    return chromium
