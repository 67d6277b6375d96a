"""The book's references hold together: every bibliography entry is cited where its idea is
taught (in a book page, or in a docstring of the package, which the API page renders),
every citation resolves, and every row of the errata's claims table links to an anchor
that exists in the chapter it names. Sphinx's ``-n`` build catches a dangling reference only
when the whole site is built; these checks read the sources directly and run in a second."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
PACKAGE = ROOT / "lossedu"
BIB = ROOT / "references.bib"
CLAIMS = BOOK / "_errata" / "claims.md"

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
# sphinxcontrib-bibtex's roles in reStructuredText docstrings: :cite:p:`a, b`, :cite:t:`c`, ...
DOC_CITE = re.compile(r":cite:(?:[a-z]+:)?`([^`]+)`")
REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([^`<>]+)>?`")
TARGET = re.compile(r"^\(([\w.-]+)\)=\s*$", re.M)
OPTION_LABEL = re.compile(r"^:(?:label|name): *([\w.-]+)\s*$", re.M)
BIB_KEY = re.compile(r"^@\w+\{([^,\s]+),", re.M)
STATUSES = {"correct", "ambiguous", "wrong"}


# ----------------------------------------------------------------------------- parsing
def bib_keys(text: str) -> list[str]:
    return BIB_KEY.findall(text)


def citations(text: str) -> set[str]:
    return {key.strip() for group in CITE.findall(text) for key in group.split(",") if key.strip()}


def docstring_citations(text: str) -> set[str]:
    """Keys cited with :cite:t:/:cite:p: roles in Python source (the package's docstrings)."""
    return {key.strip() for group in DOC_CITE.findall(text) for key in group.split(",") if key.strip()}


def anchors(text: str) -> set[str]:
    return set(TARGET.findall(text)) | set(OPTION_LABEL.findall(text))


def refs(text: str) -> set[str]:
    return {label.strip() for label in REF.findall(text)}


def bare_refs(text: str) -> set[str]:
    """Labels cited as {ref}`label`, with no text of their own: Sphinx takes the text from a heading."""
    return set(re.findall(r"\{ref\}`([\w.-]+)`", text))


def heading_anchors(text: str) -> set[str]:
    """Anchors placed right before a heading (the only ones a bare {ref} can name)."""
    return set(re.findall(r"^\(([\w.-]+)\)=\s*\n\s*#", text, re.M))


def markdown_of(path: Path) -> str:
    """The MyST text of a page: a markdown file, or the markdown cells of a notebook."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def book_pages() -> dict[Path, str]:
    pages = sorted(BOOK.rglob("*.md")) + sorted(BOOK.glob("*.ipynb"))
    return {p: markdown_of(p) for p in pages if "_build" not in p.parts}


def package_sources() -> dict[Path, str]:
    """The package's modules, whose docstrings the API page renders with their citations."""
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def claim_rows(text: str) -> list[list[str]]:
    """The cells of every numbered row of the claims table (a row starts with ``| <number> |``)."""
    rows = []
    for line in text.splitlines():
        if re.match(r"^\|\s*\d+\s*\|", line):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def claim_problems(text: str, anchors_by_chapter: dict[int, set[str]]) -> list[str]:
    """Everything wrong with a claims table, as readable messages (empty when it is sound)."""
    problems = []
    rows = claim_rows(text)
    if not rows:
        return ["the claims table has no rows"]
    for number, row in enumerate(rows, 1):
        if len(row) != 6:
            problems.append(f"row {number}: {len(row)} cells instead of 6")
            continue
        index, where, claim, status, _, link = row
        if index != str(number):
            problems.append(f"row {number}: numbered {index}")
        if not re.match(r"note 00[0-4], ", where):
            problems.append(f"row {number}: 'where' must name a note 000-004 and a section, got {where!r}")
        if not claim:
            problems.append(f"row {number}: empty claim")
        if status not in STATUSES:
            problems.append(f"row {number}: status {status!r} is not one of {sorted(STATUSES)}")
        # one link or more, comma-separated: {ref}`ch. N <label>`, {ref}`ch. M <label>`
        for part in link.split(", "):
            found = re.fullmatch(r"\{ref\}`ch\. (\d) <([\w.-]+)>`", part)
            if not found:
                problems.append(f"row {number}: the last cell must be {{ref}}`ch. N <label>`, got {link!r}")
                break
            chapter, label = int(found.group(1)), found.group(2)
            if label not in anchors_by_chapter.get(chapter, set()):
                problems.append(f"row {number}: no anchor ({label})= in chapter {chapter}")
    return problems


# ----------------------------------------------------------------------------- the book
def test_every_bibliography_entry_is_cited_and_every_citation_resolves():
    keys = bib_keys(BIB.read_text(encoding="utf-8"))
    assert len(keys) == len(set(keys)), "duplicate keys in references.bib"
    cited = set().union(*(citations(text) for text in book_pages().values()))
    cited |= set().union(*(docstring_citations(text) for text in package_sources().values()))
    assert not set(keys) - cited, f"bibliography entries cited nowhere: {sorted(set(keys) - cited)}"
    assert not cited - set(keys), f"citations with no bibliography entry: {sorted(cited - set(keys))}"


def test_every_ref_in_the_book_points_to_an_anchor():
    pages = book_pages()
    defined = set().union(*(anchors(text) for text in pages.values()))
    for path, text in pages.items():
        missing = refs(text) - defined
        assert not missing, f"{path.relative_to(ROOT)}: {{ref}} to undefined labels {sorted(missing)}"


def test_a_ref_without_text_points_to_a_heading():
    # a label before a paragraph or a callout has no title; {ref}`label` to it is a build
    # warning ("A title or caption not found"): write {ref}`some text <label>` instead
    pages = book_pages()
    headed = set().union(*(heading_anchors(text) for text in pages.values()))
    plain = set().union(*(anchors(text) for text in pages.values())) - headed
    for path, text in pages.items():
        untitled = bare_refs(text) & plain
        assert not untitled, (f"{path.relative_to(ROOT)}: {{ref}} without text to labels that are "
                              f"not headings: {sorted(untitled)}; write {{ref}}`text <label>`")


def chapter_anchors() -> dict[int, set[str]]:
    return {int(p.name[:2]): anchors(markdown_of(p)) for p in BOOK.glob("0[1-9]-*.ipynb")}


def test_claims_table_rows_link_to_existing_anchors():
    text = CLAIMS.read_text(encoding="utf-8")
    assert claim_problems(text, chapter_anchors()) == []
    assert len(claim_rows(text)) >= 100
    assert "```{include} _errata/claims.md" in (BOOK / "errata.md").read_text(encoding="utf-8")


def test_claims_table_covers_every_note_and_every_chapter():
    rows = claim_rows(CLAIMS.read_text(encoding="utf-8"))
    notes = {row[1][5:8] for row in rows}
    chapters = {re.search(r"ch\. (\d)", row[5]).group(1) for row in rows}
    assert notes == {"000", "001", "002", "003", "004"}
    assert chapters == {"1", "2", "3", "4", "5"}
    assert {row[3] for row in rows} == STATUSES


def test_every_anchor_is_defined_once():
    seen: dict[str, Path] = {}
    for path, text in book_pages().items():
        for label in TARGET.findall(text):
            assert label not in seen, f"({label})= defined in {seen[label].name} and {path.name}"
            seen[label] = path


# ----------------------------------------------------------------------------- the checks can fail
def test_the_checks_detect_broken_references():
    assert bib_keys("@book{a2020,\n title={x}}\n@article{b2021, title={y}}") == ["a2020", "b2021"]
    assert citations("see {cite}`a2020` and {cite:p}`b2021, c2022`; {cite:t}`d`") == {"a2020", "b2021", "c2022", "d"}
    doc = 'r"""Formula.\n\n    Reference: :cite:t:`a2020`; see also :cite:p:`b2021,c2022`.\n    """'
    assert docstring_citations(doc) == {"a2020", "b2021", "c2022"}
    assert docstring_citations("{cite:t}`a2020` is MyST, not a docstring role") == set()
    assert citations(":cite:t:`a2020`") == set()
    assert anchors("(sec-x)=\n## X\n```{prf:theorem} T\n:label: thm-y\n```") == {"sec-x", "thm-y"}
    assert refs("{ref}`text <sec-x>` and {ref}`sec-z`") == {"sec-x", "sec-z"}
    assert bare_refs("{ref}`text <sec-x>` and {ref}`sec-z`") == {"sec-z"}
    assert heading_anchors("(sec-x)=\n## X\n\n(par-y)=\nSome text.") == {"sec-x"}

    good = "| 1 | note 000, §1 | a claim | correct | right | {ref}`ch. 1 <sec-x>` |"
    assert claim_problems(good, {1: {"sec-x"}}) == []
    assert claim_problems(good, {1: {"sec-y"}}) == ["row 1: no anchor (sec-x)= in chapter 1"]
    assert claim_problems(good, {2: {"sec-x"}}) == ["row 1: no anchor (sec-x)= in chapter 1"]
    bad_status = good.replace("| correct |", "| maybe |")
    assert "status 'maybe'" in claim_problems(bad_status, {1: {"sec-x"}})[0]
    no_link = good.replace("{ref}`ch. 1 <sec-x>`", "chapter 1")
    assert "the last cell must be" in claim_problems(no_link, {1: {"sec-x"}})[0]
    no_note = good.replace("note 000, §1", "somewhere")
    assert "must name a note" in claim_problems(no_note, {1: {"sec-x"}})[0]
    assert claim_problems("no table here", {}) == ["the claims table has no rows"]
    # an escaped pipe inside a cell does not split it
    assert claim_rows(r"| 1 | a \| b | c | correct | d | e |")[0][1] == r"a \| b"


@pytest.mark.parametrize("broken", ["an uncited entry", "a dangling citation", "a dangling docstring citation"])
def test_the_bibliography_check_fails_on(broken):
    keys = set(bib_keys("@book{used,\n}\n@book{indoc,\n}\n@book{unused,\n}\n"))
    page, source = "{cite}`used`", 'def f():\n    """Reference: :cite:t:`indoc`."""\n'
    if broken == "a dangling citation":
        page += " {cite}`missing`"
    if broken == "a dangling docstring citation":
        source += 'def g():\n    """See :cite:p:`indoc, missing`."""\n'
    cited = citations(page) | docstring_citations(source)
    # a key cited only in a docstring counts as cited; one cited nowhere still fails
    assert keys - cited == {"unused"}
    assert cited - keys == (set() if broken == "an uncited entry" else {"missing"})
