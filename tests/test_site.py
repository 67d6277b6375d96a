"""The site builds with -W -n and zero warnings, reads offline, and links its pieces.

The build reuses the notebooks' stored outputs (nbval checks them in this same run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lossedu.sitebuild import build

from _helpers import built_site, require_browser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


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


def test_figures_have_descriptive_alt_text(site):
    html, _ = site
    hashed = re.compile(r"""<img[^>]*\balt=["'][^"']*_images/[0-9a-f]{16,}""")
    offenders = sorted(p.name for p in html.rglob("*.html") if hashed.search(p.read_text(encoding="utf-8")))
    assert offenders == []
    alts = []
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        alts += re.findall(r'<img alt="([^"]*)" src="\.\./_images/[0-9a-f]{64}\.png"', path.read_text(encoding="utf-8"))
    assert len(alts) >= 20
    assert [a for a in alts if len(a.split()) < 5] == []  # a description, not a file name


def test_bibliography_labels_match_the_citations(site):
    html, _ = site
    page = (html / "book" / "bibliography.html").read_text(encoding="utf-8")
    assert "Cover and Thomas, 2006" in page
    assert "[CT06]" not in page


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


# --------------------------------------------------------------------------- in a real browser
# Headless Chromium (Debian's `chromium`, installed by .ci/run), driven by Playwright for
# Python pointed at that system browser: no browser is downloaded. Every page is loaded
# from disk with the network off (any http(s) request is refused and counts as a failure).
# Screenshots of every chapter at both widths are kept in _build/screenshots/.

SCREENSHOTS = ROOT / "_build" / "screenshots"
DESKTOP, PHONE = (1400, 900), (390, 844)


@pytest.fixture(scope="module")
def browser():
    chromium = require_browser("BROWSER TEST")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _pages(html):
    """Every page of the site, less the root's redirect to the introduction."""
    return sorted(
        p for p in html.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
        and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:200]
    )


def _open(browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # net::ERR_ABORTED is a request cancelled by the next navigation (the favicon, fetched
    # lazily after "load"), not a missing file, which fails with net::ERR_FILE_NOT_FOUND.
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})")
            if "ERR_ABORTED" not in (r.failure or "") else None)

    def refuse(route):
        problems.append(f"network request: {route.request.url}")
        route.abort()

    context.route(re.compile(r"^(https?|wss?)://"), refuse)
    return context, page, problems


def _load(page, path):
    page.goto(path.as_uri(), wait_until="load")
    # wait for MathJax where the page loads it
    page.evaluate("""() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
                          ? MathJax.startup.promise.then(() => true) : true""")


# Table cells with text that are squeezed to a letter or two per line (as JavaScript).
SQUEEZED_CELLS = """Array.from(document.querySelectorAll('.bd-article td, .bd-article th'))
    .filter(c => c.textContent.trim().length >= 8)
    .filter(c => { const w = c.getBoundingClientRect().width; return w > 0 && w < 48; })
    .map(c => c.textContent.trim().slice(0, 30))"""

CHECK_PAGE = """() => {
  const main = document.querySelector('main') || document.body;
  const text = main.innerText;
  const mathInSource = document.querySelectorAll('.math, span.math, div.math').length;
  const typeset = document.querySelectorAll('mjx-container').length;
  const rawTex = /\\$\\$|\\\\\\(|\\\\\\[/.test(text);
  const broken = Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src);
  const article = document.querySelector('.bd-article') || main;
  // TeX commands left in the prose (a formula MyST did not parse), outside code and maths
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, mjx-container, script, style, .highlight, .math').forEach(e => e.remove());
  const texCommands = (prose.textContent.match(/.{0,30}\\[a-zA-Z]{2,}.{0,20}/g) || []).slice(0, 3);
  // table cells squeezed to a letter or two per line
  const squeezed = """ + SQUEEZED_CELLS + """.slice(0, 3);
  // tables that hide columns behind a sideways scroll at desktop width
  const wideTables = Array.from(article.querySelectorAll('table'))
    .filter(t => t.scrollWidth > t.clientWidth + 1)
    .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 30));
  return {mathInSource, typeset, rawTex, broken, texCommands, squeezed, wideTables,
          overflow: article.scrollWidth - article.clientWidth};
}"""


def test_every_page_in_a_real_browser(site, browser):
    html, _ = site
    pages = _pages(html)
    assert len(pages) >= 10
    context, page, problems = _open(browser, *DESKTOP)
    report = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in pages:
        start = len(problems)
        _load(page, path)
        state = page.evaluate(CHECK_PAGE)
        name = str(path.relative_to(html))
        issues = problems[start:]
        if state["mathInSource"] and not state["typeset"]:
            issues.append("maths not typeset")
        if state["rawTex"]:
            issues.append("raw TeX in the visible text")
        if state["texCommands"]:
            issues.append(f"TeX source in the text: {state['texCommands']}")
        if state["squeezed"]:
            issues.append(f"table cells squeezed to a few letters a line: {state['squeezed']}")
        if state["wideTables"]:
            issues.append(f"tables wider than the column at {DESKTOP[0]} px: {state['wideTables']}")
        if state["broken"]:
            issues.append(f"images that did not load: {state['broken'][:3]}")
        if state["overflow"] > 1:
            issues.append(f"the main column overflows by {state['overflow']} px at {DESKTOP[0]} px")
        if issues:
            report.append(f"{name}: " + "; ".join(issues))
        if path.parent.name == "book" and path.name[:2].isdigit():
            page.screenshot(path=str(SCREENSHOTS / f"{path.stem}-{DESKTOP[0]}.png"))
    context.close()
    assert not report, "\n".join(report)


def test_navigation_opens_on_a_phone(site, browser):
    html, _ = site
    context, page, problems = _open(browser, *PHONE)
    chapters = sorted((html / "book").glob("[0-9][0-9]-*.html"))
    assert chapters
    for path in chapters:
        _load(page, path)
        page.screenshot(path=str(SCREENSHOTS / f"{path.stem}-{PHONE[0]}.png"))
    _load(page, chapters[0])
    toggle = page.locator(".bd-header-article .primary-toggle")
    assert toggle.is_visible(), "no visible sidebar button on a phone"
    toggle.click()
    page.wait_for_timeout(300)
    dialog = page.locator("#pst-primary-sidebar-modal")
    assert dialog.evaluate("d => d.open"), "the chapter list did not open"
    assert dialog.locator("a.reference", has_text="Classification").first.is_visible()
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    secondary = page.locator(".bd-header-article .secondary-toggle")
    assert secondary.is_visible()
    secondary.click()
    page.wait_for_timeout(300)
    assert page.locator("#pst-secondary-sidebar-modal").evaluate("d => d.open"), "'on this page' did not open"
    context.close()
    assert not problems, problems


def test_sidebar_button_collapses_the_chapter_list_on_a_desktop(site, browser):
    html, _ = site
    context, page, problems = _open(browser, *DESKTOP)
    _load(page, sorted((html / "book").glob("[0-9][0-9]-*.html"))[0])
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    page.locator(".bd-header-article .primary-toggle").click()
    page.wait_for_timeout(300)
    assert not sidebar.is_visible(), "the sidebar button did nothing on a desktop"
    context.close()
    assert not problems, problems


def test_solution_toggles_open(site, browser):
    html, _ = site
    solutions = sorted((html / "solutions").glob("*.html"))
    if not solutions:
        pytest.skip("the site was built without solutions")
    context, page, problems = _open(browser, *DESKTOP)
    for path in solutions:
        _load(page, path)
        toggles = page.locator("details.hide > summary, details.dropdown > summary, button.toggle-button")
        assert toggles.count(), f"{path.name}: the solutions are not in toggles"
        first = toggles.first
        first.click()
        page.wait_for_timeout(200)
        assert first.evaluate("s => s.tagName !== 'SUMMARY' || s.parentElement.open"), f"{path.name}: the toggle did not open"
    context.close()
    assert not problems, problems


# --------------------------------------------------------------------------- numbering and indexes

NUMBERED = re.compile(r'<span class="caption-number">([A-Z][a-z]+) (\S+?)\.? </span>')


def test_figures_and_results_are_numbered_within_their_chapter(site):
    """'Definition 3.2' is the second definition of chapter 3; each kind counts 1, 2, 3 ..."""
    html, _ = site
    kinds_seen = set()
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        chapter = int(path.name[:2])
        counts: dict[str, list[str]] = {}
        for kind, number in NUMBERED.findall(path.read_text(encoding="utf-8")):
            counts.setdefault(kind, []).append(number)
        for kind, numbers in counts.items():
            kinds_seen.add(kind)
            assert numbers == [f"{chapter}.{k}" for k in range(1, len(numbers) + 1)], (path.name, kind, numbers)
    assert {"Definition", "Theorem", "Figure"} <= kinds_seen


def test_results_page_lists_and_links_every_numbered_statement(site):
    html, _ = site
    assert not (html / "prf-prf.html").exists(), "sphinx-proof's raw-label index is still built"
    page = (html / "book" / "results.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="reference internal" href="([0-9]{2}-[^"#]+\.html)#([^"]+)">(.*?)</a>', page, re.S)
    expected = []
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'<div class="[^"]*admonition[^"]*"[^>]*id="([^"]+)"[^>]*>\s*(?:<span id="[^"]*"></span>)*<p class="admonition-title">'
                                 r'<span class="caption-number">([A-Z][a-z]+ [0-9.]+) </span>', text):
            expected.append((path.name, match.group(1), match.group(2)))
    assert len(expected) >= 40
    got = [(href, anchor, re.sub(r"<[^>]+>", "", label).split(" (")[0].strip()) for href, anchor, label in links]
    assert got == expected
    # the page is reachable from the table of contents
    assert 'href="results.html"' in (html / "book" / "glossary.html").read_text(encoding="utf-8")


def test_code_cell_figures_are_drawn_at_twice_their_size(site):
    """Figures are 2x PNGs shown at their drawn size, sharp on high-density screens."""
    import struct

    html, _ = site
    checked = 0
    img = re.compile(r'<img[^>]*src="\.\./(_images/[0-9a-f]{64}\.png)"[^>]*style="width: (\d+)px;')
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        for src, width in img.findall(path.read_text(encoding="utf-8")):
            with open(html / src, "rb") as f:
                header = f.read(24)
            pixels = struct.unpack(">I", header[16:20])[0]
            assert pixels >= 1.9 * int(width), (path.name, src, pixels, width)
            checked += 1
    assert checked >= 20


def test_wide_figures_stay_readable_on_a_phone(site, browser):
    """At 390 px a multi-panel plot keeps >= 60 % of its drawn size and scrolls in its own box."""
    html, _ = site
    context, page, problems = _open(browser, *PHONE)
    report, wide = [], 0
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        _load(page, path)
        state = page.evaluate("""() => ({
          squeezed: """ + SQUEEZED_CELLS + """.length,
          page: document.documentElement.scrollWidth - window.innerWidth,
          figures: Array.from(document.querySelectorAll('.cell_output img')).map(img => {
            const drawn = parseFloat(img.style.width) || img.naturalWidth;
            const box = img.closest('.lossedu-figure-scroll');
            return {drawn, shown: img.getBoundingClientRect().width, boxed: !!box,
                    scrolls: box ? box.scrollWidth > box.clientWidth : false};
          })})""")
        if state["page"] > 1:
            report.append(f"{path.name}: the page scrolls sideways by {state['page']} px")
        if state["squeezed"]:
            report.append(f"{path.name}: {state['squeezed']} table cells squeezed to a few letters a line")
        for k, fig in enumerate(state["figures"]):
            if not fig["boxed"]:
                report.append(f"{path.name}: figure {k + 1} is not in a scrolling box")
            elif fig["shown"] < 0.59 * fig["drawn"]:
                report.append(f"{path.name}: figure {k + 1} shrinks to {fig['shown'] / fig['drawn']:.0%}")
            wide += fig["scrolls"]
    context.close()
    assert wide >= 10, "no figure is wider than a phone: the test would not notice a regression"
    assert not report, "\n".join(report)
    assert not problems, problems


@pytest.fixture(scope="module")
def served(site):
    """The site over HTTP on localhost (search fetches pages, which file:// URLs do not allow)."""
    import functools
    import http.server
    import threading

    html, _ = site

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.mark.parametrize("query", ["entropy", "gibbs inequality", "softmax", "focal"])
def test_search_summaries_show_formulas_as_text(served, browser, query):
    context = browser.new_context(viewport={"width": DESKTOP[0], "height": DESKTOP[1]})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    context.route(re.compile(r"^(https?|wss?)://(?!127\.0\.0\.1[:/])"), lambda r: (problems.append(r.request.url), r.abort()))
    page.goto(served + f"search.html?q={query}")
    page.wait_for_function("() => document.querySelectorAll('#search-results p.context').length >= 3", timeout=60_000)
    page.wait_for_timeout(1500)
    summaries = page.evaluate("() => Array.from(document.querySelectorAll('#search-results p.context')).map(p => p.textContent)")
    context.close()
    raw = [s for s in summaries if re.search(r"\\[A-Za-z(\[]|\$\$", s)]
    assert not raw, raw[:3]
    assert sum(len(s) > 100 for s in summaries) >= 3, "search summaries are empty"
    assert not problems, problems


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_errata_entries_link_to_the_place_that_shows_the_correction(site):
    """Each erratum links to the callout or section of its chapter, not to the chapter's top."""
    html, _ = site
    page = (html / "book" / "errata.html").read_text(encoding="utf-8")
    article = re.search(r"<article.*?</article>", page, re.S).group(0)
    entries = [p for p in re.findall(r"<p>(.*?)</p>", article, re.S) if p.lstrip().startswith("<strong>")]
    assert len(entries) >= 30
    report = []
    for entry in entries:
        links = re.findall(r'href="([0-9]{2}-[^"#]*\.html)#([^"]+)"', entry)
        if not links:
            report.append("no link to a place in a chapter: " + re.sub(r"<[^>]+>", "", entry)[:80])
        for target, anchor in links:
            if anchor not in _ids(html / "book" / target):
                report.append(f"{target}#{anchor} does not exist")
    assert not report, "\n".join(report)


def test_chapters_link_their_terms_to_the_glossary(site):
    html, _ = site
    glossary = _ids(html / "book" / "glossary.html")
    for path in sorted((html / "book").glob("[0-9][0-9]-*.html")):
        anchors = re.findall(r'href="glossary\.html#(term-[^"]+)"', path.read_text(encoding="utf-8"))
        assert len(anchors) >= 4, f"{path.name} links only {len(anchors)} terms to the glossary"
        assert set(anchors) <= glossary, set(anchors) - glossary
