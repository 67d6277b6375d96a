"""Every notebook opens anywhere: an install cell for Colab and Binder, and solutions that
cannot be mistaken for exercises.

* The first cell of every notebook installs the package where it is missing; its address
  is ``repository.url`` in ``_config.yml`` (``lossedu install-cells`` rewrites the cells).
* Solution notebooks are titled "Solutions NN: …" with an instructor's note and folded
  answers; exercise notebooks are titled "Exercises NN: …" and show neither.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from lossedu.notebooks import INSTALL_TAG, install_cells, install_source, notebook_paths, repository_url

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT)


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, re.M)
            if match:
                return match.group(1)
    return ""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_cell_installs_the_package_from_the_configured_repository(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and INSTALL_TAG in first.metadata.get("tags", []), (
        f"{path.name}: the first cell is not the install cell; run `lossedu install-cells`"
    )
    assert first.source == install_source(repository_url(ROOT)), f"{path.name}: out of date"
    assert "remove-cell" in first.metadata["tags"]
    assert not first.get("outputs"), "the install cell prints nothing where the package is installed"


def test_install_cells_check_finds_a_stale_cell(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_config.yml").write_text("repository:\n  url: https://example.org/fork/course\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    nbformat.write(nb, tmp_path / "book" / "page.ipynb")
    assert install_cells(tmp_path, check=True) == [tmp_path / "book" / "page.ipynb"]
    install_cells(tmp_path)
    assert install_cells(tmp_path, check=True) == []
    first = nbformat.read(tmp_path / "book" / "page.ipynb", as_version=4).cells[0]
    assert "git+https://example.org/fork/course" in first.source


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.name)
def test_solutions_and_exercises_have_their_own_titles(path):
    solution = nbformat.read(path, as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    number = path.name[:2]
    assert _title(solution).startswith(f"Solutions {number}:"), _title(solution)
    assert _title(exercise).startswith(f"Exercises {number}:"), _title(exercise)
    assert any("instructor's copy" in c.source for c in solution.cells if c.cell_type == "markdown")
    assert not any("instructor's copy" in c.source for c in exercise.cells if c.cell_type == "markdown")
    answers = [c for c in solution.cells if c.cell_type == "code" and "# BEGIN SOLUTION" in c.source]
    assert answers and all("hide-input" in c.metadata.get("tags", []) for c in answers)
    assert not any("hide-input" in c.metadata.get("tags", []) for c in exercise.cells)
