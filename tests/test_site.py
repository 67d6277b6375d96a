"""The site builds with -W -n and zero warnings, reads offline, and links its pieces.

The build reuses the notebooks' stored outputs (nbval checks them in this same run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lossedu.sitebuild import build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = build(ROOT, out, execute=False, capture=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    return out / "_build" / "html", log


def test_build_has_zero_warnings(site):
    _, log = site
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert warnings == []


def test_no_page_loads_anything_from_the_network(site):
    html, _ = site
    pages = list(html.rglob("*.html"))
    assert len(pages) >= 5
    remote = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = {p.name: remote.findall(p.read_text(encoding="utf-8")) for p in pages}
    assert {k: v for k, v in offenders.items() if v} == {}
    cdn = re.compile(r"unpkg\.com|jsdelivr|cdnjs|googleapis|cdn\.", re.I)
    mentions = {p.name for p in pages if cdn.search(p.read_text(encoding="utf-8"))}
    assert mentions == set()


def test_mathjax_is_served_locally(site):
    html, _ = site
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    page = (html / "book" / "03-information-to-cross-entropy.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in page
    assert "cdn.jsdelivr" not in page and "mathjax@3" not in page


def test_chapter_pages_link_to_their_exercises(site):
    html, _ = site
    for chapter in sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb")):
        page = (html / "book" / f"{chapter.stem}.html").read_text(encoding="utf-8")
        assert f"exercises/{chapter.stem}.html" in page, f"{chapter.name} does not link to its exercises"


def test_build_without_solutions_leaves_them_out(tmp_path):
    result = build(ROOT, tmp_path, execute=False, solutions=False, capture=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    html = tmp_path / "_build" / "html"
    assert not (html / "solutions").exists()
    assert (html / "exercises").is_dir()
