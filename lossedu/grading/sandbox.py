"""Where a submission runs: a bubblewrap sandbox, or (loudly) a plain child process.

With `bubblewrap <https://github.com/containers/bubblewrap>`_ (Debian's
``bubblewrap`` package, the ``bwrap`` command) each submission's runner sees:

* a read-only view of the system libraries and of the Python environment
  (with the installed ``lossedu`` package hidden under an empty folder);
* a private, empty, size-capped working folder ``/sandbox`` and ``/tmp``;
* no network, no other process (its own PID namespace: it cannot signal the
  grader or another submission, and everything it starts dies with it), a
  non-root uid, and only a handful of environment variables.

The repository, ``solutions/``, the instructor's private cases, the other
submissions and the grader's outputs are simply not mounted. CPU, memory and
file-size limits are set by the runner itself; output is capped by the grader.

Where ``bwrap`` is missing or cannot create namespaces (macOS, some containers),
:func:`command` falls back to a plain child process in its own session with the
same runner and limits, and :func:`status` says why; the grader prints that
warning loudly. That fallback does **not** stop a submission from reading files
the grader's user can read.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
SANDBOX_UID = 65534  # nobody
WORK = "/sandbox"
TMPFS_BYTES = 64 * 1024 * 1024

ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORK,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "",
    "LOSSEDU_DEVICE": "cpu",
}


def _python_roots() -> list[Path]:
    """Folders the runner's interpreter needs: the environment and its base install."""
    import numpy
    import torch

    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix)}
    roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
    for module in (torch, numpy):  # in case they come from outside the prefixes
        roots.add(Path(os.path.realpath(module.__file__)).parent.parent)
    resolved = sorted({Path(os.path.realpath(r)) for r in roots if r.exists()} | {r for r in roots if r.exists()})
    # keep the outermost folders only
    kept: list[Path] = []
    for r in sorted(resolved, key=lambda p: len(p.parts)):
        if not any(r == k or k in r.parents for k in kept):
            kept.append(r)
    return kept


def _hidden_paths(roots: list[Path]) -> list[Path]:
    """The installed ``lossedu`` package (references and cases) when it lies in a mounted folder."""
    package = Path(os.path.realpath(Path(__file__).resolve().parent.parent))
    return [package] if any(r == package or r in package.parents for r in roots) else []


@functools.lru_cache(maxsize=None)
def _supports(option: str) -> bool:
    """Whether the installed bwrap knows ``option`` (``--disable-userns`` came with 0.8)."""
    try:
        text = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in text


def bwrap_command(python: str | None = None, zygote: bool = False) -> list[str]:
    """The ``bwrap`` command that runs the runner inside a fresh sandbox.

    With ``zygote`` the runner serves many submissions, each in namespaces of its own
    that it creates itself (so the sandbox must allow user namespaces inside it)."""
    python = python or sys.executable
    nested = [] if zygote or not _supports("--disable-userns") else ["--disable-userns"]
    args = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", *nested,
        "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox",
        "--clearenv",
    ]
    for key, value in ENV.items():
        args += ["--setenv", key, value]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        p = Path(top)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), top]
        elif p.is_dir():
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    roots = _python_roots()
    system = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
    for root in roots:
        if not any(str(root) == t or str(root).startswith(t + "/") for t in system):
            args += ["--ro-bind", str(root), str(root)]
    for hidden in _hidden_paths(roots):
        args += ["--tmpfs", str(hidden)]
    args += [
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(TMPFS_BYTES), "--tmpfs", WORK,
        "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
        "--ro-bind", str(RUNNER), "/grader/runner.py",
        "--remount-ro", "/",
        "--chdir", WORK,
        "--",
        python, "-I", "-B", "/grader/runner.py", *(["--zygote"] if zygote else []),
    ]
    return args


def plain_command(python: str | None = None) -> list[str]:
    return [python or sys.executable, "-I", "-B", str(RUNNER)]


@functools.lru_cache(maxsize=None)
def status() -> tuple[bool, str]:
    """``(True, "")`` when bubblewrap works here, else ``(False, why not)``. Checked once."""
    if os.environ.get("LOSSEDU_NO_SANDBOX") == "1":
        return False, "LOSSEDU_NO_SANDBOX=1 is set"
    if sys.platform != "linux":
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return False, "the `bwrap` command is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = bwrap_command()[:-4] + [sys.executable, "-I", "-c", "import json, resource"]
    try:
        proc = subprocess.run(probe, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not start: {exc}"
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return False, f"bwrap cannot create a sandbox here: {tail[0][:200]}"
    return True, ""


@functools.lru_cache(maxsize=None)
def zygote_status() -> tuple[bool, str]:
    """Whether sandboxed zygotes work here (bubblewrap, and user namespaces inside it)."""
    ok, why = status()
    if not ok:
        return False, why
    if os.environ.get("LOSSEDU_NO_ZYGOTE") == "1":
        return False, "LOSSEDU_NO_ZYGOTE=1 is set"
    from .zygote import probe

    return probe()


def command(python: str | None = None) -> tuple[list[str], bool]:
    """The command that starts one runner, and whether it is sandboxed."""
    ok, _ = status()
    return (bwrap_command(python), True) if ok else (plain_command(python), False)


WARNING = (
    "WARNING: grading WITHOUT a sandbox ({why}). Each submission still runs in its own "
    "process with time, memory and output limits, but it can read every file your user "
    "can read (solutions, private cases, other submissions) and signal your processes. "
    "Install bubblewrap (apt-get install bubblewrap) and grade on Linux for a real class."
)
