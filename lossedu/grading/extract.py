"""Take from a submitted notebook only what grading needs: imports and definitions.

Top-level ``import`` statements, ``def`` and ``class`` blocks, and assignments of
literal constants are kept; everything else (training loops, plots, ``check``
calls, prints) is dropped, so grading runs only the answers.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotAnExercise(ValueError):
    """The notebook carries no ``lossedu.exercise`` metadata."""


def read_notebook(path: str | Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a readable notebook: {exc}") from None


def exercise_of(nb: dict) -> str:
    """Which exercise a notebook is, from its metadata (never from the filename)."""
    meta = nb.get("metadata", {}).get("lossedu", {})
    exercise = meta.get("exercise") if isinstance(meta, dict) else None
    if not isinstance(exercise, str) or not exercise:
        raise NotAnExercise("the notebook has no lossedu exercise metadata; is it a lossedu exercise notebook?")
    return exercise


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(src)
    # IPython magics and shell escapes are not Python; drop those lines.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def _is_literal_assignment(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        try:
            ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
        return True
    return False


def definitions(nb: dict) -> tuple[str, list[str]]:
    """Return (source of the kept statements, notes about skipped cells)."""
    kept: list[str] = []
    notes: list[str] = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            notes.append(f"cell {index} has a syntax error and was skipped: {exc.msg} (line {exc.lineno})")
            continue
        for node in tree.body:
            if isinstance(node, KEEP) or _is_literal_assignment(node):
                kept.append(ast.unparse(node))
    return "\n\n".join(kept) + "\n", notes
