"""Build the course site with Jupyter Book 1: ``python -m lossedu.sitebuild``.

The build always runs with ``-W -n --keep-going``, so any warning fails it.

* ``--solutions no`` leaves the Solutions part out of the table of contents (for an
  instructor publishing the course while an assignment is open).
* ``--no-execute`` reuses the outputs stored in the notebooks instead of executing them
  (``make test`` does this: nbval has just checked those outputs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml


def _toc_without_solutions(toc: dict) -> dict:
    parts = [p for p in toc["parts"] if p.get("caption") != "Solutions"]
    return {**toc, "parts": parts}


def build(root: Path, output: Path, *, solutions: bool = True, execute: bool = True, capture: bool = False,
          builder: str = "html") -> subprocess.CompletedProcess:
    root = root.resolve()
    output = output.resolve()
    generated = output / "_build" / "_generated"  # every build output stays under _build/
    generated.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((root / "_config.yml").read_text())
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    if not execute:
        config["execute"]["execute_notebooks"] = "off"
    if not solutions:
        toc = _toc_without_solutions(toc)
    # The generated files live outside the source tree's toc; paths in them stay relative to root.
    config_path = generated / "_config.yml"
    toc_path = generated / "_toc.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False))
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", str(root),
        "--path-output", str(output), "--config", str(config_path), "--toc", str(toc_path),
        "-W", "-n", "--keep-going", "--builder", builder,
    ]
    return subprocess.run(cmd, cwd=root, capture_output=capture, text=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--output", default=".", type=Path, help="folder that receives _build/ (default: the root)")
    parser.add_argument("--solutions", choices=["yes", "no"], default="yes")
    parser.add_argument("--no-execute", action="store_true")
    args = parser.parse_args(argv)
    result = build(args.root, args.output, solutions=args.solutions == "yes", execute=not args.no_execute)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
