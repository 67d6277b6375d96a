"""Maintainer tools for the course's notebooks: execute them in place, and make the
student notebooks in ``exercises/`` from the instructor notebooks in ``solutions/``.

In ``solutions/``, the answer inside a code cell sits between the lines
``# BEGIN SOLUTION`` and ``# END SOLUTION``; the student version replaces it with
``raise NotImplementedError`` at the same indentation. A whole cell tagged
``solution`` (a worked explanation, say) is left out of the student version.
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


def student_version(nb):
    """Return the student notebook (an ``nbformat`` node) made from a solution notebook."""
    import nbformat

    student = copy.deepcopy(nb)
    cells = []
    for cell in student.cells:
        if "solution" in cell.get("metadata", {}).get("tags", []):
            continue
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
