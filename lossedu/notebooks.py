"""Maintainer tools for the course's notebooks: execute them in place, and make the
student notebooks in ``exercises/`` from the instructor notebooks in ``solutions/``.

In ``solutions/``, the answer inside a code cell sits between the lines
``# BEGIN SOLUTION`` and ``# END SOLUTION``; the student version replaces it with
``raise NotImplementedError`` at the same indentation. A whole cell tagged
``solution`` (a worked explanation, say) is left out of the student version.

Solution notebooks carry their own title ("Solutions 03: …"), and their answer cells
are folded on the site (tag ``hide-input``); the student version is titled
"Exercises 03: …" and shows its cells open.

Every notebook starts with an install cell (tag ``lossedu-install``) that installs the
course's package where it is missing, as on Colab or Binder, and does nothing where
it is installed. The package's address comes from ``repository.url`` in
``_config.yml``, the one setting to change in a fork: ``lossedu install-cells``
rewrites the cells after a change, and a test fails while any cell is out of date.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
MD_SOLUTION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
STUB = 'raise NotImplementedError("write your answer here")'


def strip_solutions(source: str) -> str:
    """Replace every marked solution region of a code cell with a stub."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError(f"line {number}: BEGIN SOLUTION inside another solution region")
            inside = True
            out.append(f"{begin['indent']}# YOUR CODE HERE")
            out.append(f"{begin['indent']}{STUB}")
            continue
        if END.match(line):
            if not inside:
                raise ValueError(f"line {number}: END SOLUTION without a BEGIN SOLUTION")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise ValueError("a BEGIN SOLUTION region is never closed")
    return "\n".join(out)


SOLUTION_TITLE = re.compile(r"^# Solutions (\d+)", re.M)
INSTALL_TAG = "lossedu-install"


def install_source(url: str) -> str:
    """The first cell of every notebook: install the package where it is missing."""
    return (
        "# On Colab or Binder, install the course's package first (where it is installed, this does nothing).\n"
        "import importlib.util, subprocess, sys\n"
        "\n"
        'if importlib.util.find_spec("lossedu") is None:\n'
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "git+{url}"], check=True)'
    )


def repository_url(root: str | Path = ".") -> str:
    import yaml

    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url")
    if not url:
        raise ValueError("_config.yml has no repository.url")
    return url.rstrip("/")


def set_install_cell(nb, url: str) -> bool:
    """Make the notebook's first cell the install cell for ``url``; True when it changed."""
    import nbformat

    source = install_source(url)
    first = nb.cells[0] if nb.cells else None
    if first is not None and INSTALL_TAG in first.get("metadata", {}).get("tags", []):
        if first.source == source:
            return False
        first.source = source
        return True
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INSTALL_TAG, "remove-cell"]})
    if nb.nbformat_minor >= 5:
        cell["id"] = "lossedu-install"
    else:
        cell.pop("id", None)
    nb.cells.insert(0, cell)
    return True


def notebook_paths(root: str | Path = ".") -> list[Path]:
    root = Path(root)
    return sorted(p for folder in ("book", "solutions", "exercises") for p in (root / folder).glob("*.ipynb"))


def install_cells(root: str | Path = ".", *, check: bool = False) -> list[Path]:
    """Give every notebook the install cell for the configured repository.

    Returns the notebooks that were (``check=False``) or would be (``check=True``) changed.
    """
    import nbformat

    url = repository_url(root)
    changed = []
    for path in notebook_paths(root):
        nb = nbformat.read(path, as_version=4)
        if set_install_cell(nb, url):
            changed.append(path)
            if not check:
                nbformat.write(nb, path)
    return changed


def student_version(nb):
    """Return the student notebook (an ``nbformat`` node) made from a solution notebook."""
    import nbformat

    student = copy.deepcopy(nb)
    cells = []
    for cell in student.cells:
        if "solution" in cell.get("metadata", {}).get("tags", []):
            continue
        tags = cell.get("metadata", {}).get("tags")
        if tags and "hide-input" in tags:
            tags.remove("hide-input")
            if not tags:
                del cell.metadata["tags"]
        if cell.cell_type == "markdown":
            cell.source = SOLUTION_TITLE.sub(r"# Exercises \1", cell.source)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = MD_SOLUTION.sub("*Write your answer here.*", cell.source)
        cells.append(cell)
    student.cells = cells
    meta = student.metadata.setdefault("lossedu", {})
    meta["role"] = "exercise"
    nbformat.validate(student)
    return student


def exercise_path(solution: Path) -> Path:
    return solution.parent.parent / "exercises" / solution.name


def sources(nb) -> list[tuple[str, str]]:
    """What must agree between a committed exercise and a regenerated one: cell types and sources."""
    return [(c.cell_type, c.source) for c in nb.cells]


def execute(path: str | Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs in place."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timings from older runs: noise in diffs
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    nbformat.write(nb, path)


def make_exercises(root: str | Path = ".", *, run: bool = True, only=None) -> list[Path]:
    """Write ``exercises/NN-….ipynb`` for every ``solutions/NN-….ipynb`` (and execute them).

    ``only`` restricts the work to the given solution notebooks.
    """
    import nbformat

    root = Path(root)
    written = []
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    if only:
        wanted = {Path(o).name for o in only}
        solutions = [s for s in solutions if s.name in wanted]
    for solution in solutions:
        nb = nbformat.read(solution, as_version=4)
        target = exercise_path(solution)
        target.parent.mkdir(exist_ok=True)
        nbformat.write(student_version(nb), target)
        if run:
            execute(target)
        written.append(target)
    return written


def stale_exercises(root: str | Path = ".") -> list[str]:
    """Exercises whose cells differ from what :func:`make_exercises` would write."""
    import nbformat

    root = Path(root)
    problems = []
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    for solution in solutions:
        target = exercise_path(solution)
        if not target.exists():
            problems.append(f"{target} is missing")
            continue
        expected = student_version(nbformat.read(solution, as_version=4))
        actual = nbformat.read(target, as_version=4)
        if sources(expected) != sources(actual) or expected.metadata.get("lossedu") != actual.metadata.get("lossedu"):
            problems.append(f"{target} differs from {solution} with its solutions stripped")
    names = {s.name for s in solutions}
    for extra in sorted((root / "exercises").glob("*.ipynb")):
        if extra.name not in names:
            problems.append(f"{extra} has no solution notebook")
    return problems
