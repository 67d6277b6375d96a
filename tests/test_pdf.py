"""`make pdf`: the whole course prints to one PDF and loses no content on the way.

The single-page build reuses the notebooks' stored outputs (nbval checks them in this
same run); Debian's chromium prints it. Without chromium the test is skipped with a loud
message, and under CI (CI=true) it fails.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from lossedu.bookpdf import build_pdf

from _helpers import require_browser

ROOT = Path(__file__).resolve().parent.parent
LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}


def _normalise(text: str) -> str:
    for ligature, letters in LIGATURES.items():
        text = text.replace(ligature, letters)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text)  # the PDF wraps lines where the page did not


@pytest.fixture(scope="module")
def book_pdf(tmp_path_factory):
    require_browser("PDF TEST", "pypdf")
    from pypdf import PdfReader

    report = build_pdf(ROOT, tmp_path_factory.mktemp("pdf"))
    reader = PdfReader(str(report.path))
    text = _normalise("\n".join(page.extract_text() or "" for page in reader.pages))
    return report, text


def _cells(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _printed_lines(path: Path) -> list[str]:
    """The printed (stdout) lines of a notebook's code cells, as stored."""
    lines = []
    for cell in _cells(path):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                lines += [l for l in "".join(output["text"]).splitlines() if len(l.strip()) >= 12]
    return lines


def test_every_chapter_and_its_last_printed_line_are_in_the_pdf(book_pdf):
    report, text = book_pdf
    assert report.pages >= 100
    assert report.formulas >= 1000, "MathJax did not typeset the formulas before printing"
    missing = []
    for chapter in sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb")):
        title = "".join(_cells(chapter)[1]["source"]).lstrip("# ").splitlines()[0]
        if _normalise(title) not in text:
            missing.append(f"{chapter.name}: title {title!r}")
        printed = _printed_lines(chapter)
        assert printed, chapter.name
        if _normalise(printed[-1]) not in text:
            missing.append(f"{chapter.name}: last printed line {printed[-1]!r}")
    assert not missing, "\n".join(missing)


def test_folded_solutions_are_printed_open(book_pdf):
    """The answers of the solution pages sit in folded blocks on the site; the PDF shows them."""
    _, text = book_pdf
    checked, missing = 0, []
    for solution in sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb")):
        # a line of the answer that the exercise page (also in the PDF) does not have
        exercise = "".join("".join(c["source"]) for c in _cells(ROOT / "exercises" / solution.name))
        for cell in _cells(solution):
            if cell["cell_type"] == "code" and "hide-input" in cell.get("metadata", {}).get("tags", []):
                lines = "".join(cell["source"]).splitlines()
                line = next((l for l in lines if len(l.strip()) >= 20 and l.strip() not in exercise), None)
                if line:
                    checked += 1
                    if _normalise(line) not in text:
                        missing.append(f"{solution.name}: {line.strip()!r}")
                    break
    assert checked >= 5
    assert not missing, "\n".join(missing)


def test_nothing_runs_past_the_printed_column(book_pdf):
    report, _ = book_pdf
    assert report.overflow == [], "\n".join(report.overflow[:20])
