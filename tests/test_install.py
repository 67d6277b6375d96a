"""A student's set-up: the notebook front end, and the package on its own.

* ``make lab`` opens JupyterLab from the project's environment: it must be installed.
* ``pip install .`` (no extras) gives a working ``import lossedu``, ``lossedu.check`` and
  ``lossedu grade --help``; the wheel holds every module and data file of the package.

The wheel is built from a copy of the tracked files (nothing is written into the
repository) and installed, without its dependencies, into a fresh virtual
environment that borrows the project environment's site-packages for them, so torch
is not downloaded a second time. Packages that only the extras bring are blocked
there, so an accidental import of one of them fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Imported only by the book, the tests or the lab extra, never by the package itself.
EXTRAS_ONLY = ["pytest", "hypothesis", "nbval", "jupyter_book", "sphinx", "myst_nb", "ot",
               "torchmetrics", "jupyterlab", "xdist"]


def test_jupyter_lab_is_installed():
    """The README's ``make lab`` runs ``.venv/bin/jupyter lab``."""
    jupyter = BIN / "jupyter"
    assert jupyter.exists(), f"{jupyter} is missing: the environment has no Jupyter front end"
    result = subprocess.run([str(jupyter), "lab", "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()[0].isdigit(), result.stdout


def test_make_lab_is_documented_where_students_look():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nlab:" in makefile and "jupyter lab" in makefile
    for page in ("README.md", "book/intro.md"):
        assert "make lab" in (ROOT / page).read_text(), f"{page} does not show `make lab`"


def _tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    for rel in _tracked_files():
        if rel.startswith(("lossedu/", "pyproject.toml", "README.md")) or rel in ("setup.py", "setup.cfg", "MANIFEST.in"):
            dst = src / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dst)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = list(out.glob("lossedu-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_every_module_and_data_file(wheel):
    expected = {p for p in _tracked_files() if p.startswith("lossedu/")}
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {missing}"
    assert any(n.endswith("entry_points.txt") and "lossedu" in n for n in names)


@pytest.fixture(scope="module")
def bare_env(wheel, tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies (torch, numpy, ...) come from the project environment's site-packages;
    # a .pth line adds that folder, without running the .pth files inside it (no editable lossedu).
    Path(site, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return env_dir


BLOCKER = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'{{name}} belongs to an extra, not to the package')
sys.meta_path.insert(0, Block())
"""


def _run_bare(env_dir, code, tmp_path):
    python = env_dir / "bin" / "python"
    script = tmp_path / "probe.py"
    script.write_text(BLOCKER.format(blocked=EXTRAS_ONLY) + code)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(python), str(script)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)


def test_installed_package_imports_and_checks_without_extras(bare_env, tmp_path):
    code = """
import torch, lossedu
assert lossedu.__file__.startswith(sys.prefix), lossedu.__file__
def entropy(p):
    return -torch.special.xlogy(p, p).sum(dim=-1)
result = lossedu.check("ch03.entropy", entropy, verbose=False)
assert result.score == result.max_score > 0, (result.score, result.max_score)
print("ok", lossedu.__file__)
"""
    result = _run_bare(bare_env, code, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ok" in result.stdout


def test_installed_command_line_works(bare_env):
    exe = bare_env / "bin" / "lossedu"
    assert exe.exists(), "the wheel installs no `lossedu` command"
    result = subprocess.run([str(exe), "grade", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--out" in result.stdout
