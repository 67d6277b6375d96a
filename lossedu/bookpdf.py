"""The whole course as one PDF: ``python -m lossedu.bookpdf`` (``make pdf``).

Sphinx's ``singlehtml`` builder writes every page of the book into one HTML file.
Headless Chromium (Debian's ``chromium``, driven by Playwright; no browser is
downloaded) opens that file with the network off, waits until MathJax has typeset
every formula, unfolds every folded block (solutions, hidden inputs) and prints it
with the site's print stylesheet to ``_build/pdf/lossedu.pdf``, with page numbers.

Before printing it checks, at the printed page's width, that no code block, table,
figure or displayed formula runs past the text column, where the PDF would cut it
off. ``--solutions no`` leaves the solutions out, as ``make book SOLUTIONS=no`` does.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lossedu.sitebuild import build

# A4 with 14 mm side margins leaves 182 mm of text width, about 688 CSS pixels.
PAGE_FORMAT = "A4"
MARGINS = {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
PRINT_WIDTH_PX = 688

FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
          'lossedu: understanding loss functions &middot; <span class="pageNumber"></span> / '
          '<span class="totalPages"></span></div>')

# Elements whose right edge must stay inside the text column when printed.
OVERFLOW_CHECK = """() => {
  const article = document.querySelector('.bd-article') || document.body;
  const right = article.getBoundingClientRect().right + 1;
  const selectors = 'pre, table, img, mjx-container[display="true"], .lossedu-figure-scroll, .cell_output';
  return Array.from(article.querySelectorAll(selectors))
    .filter(el => el.getBoundingClientRect().width > 0)
    .filter(el => el.getBoundingClientRect().right > right || el.scrollWidth > el.clientWidth + 2)
    .map(el => {
      const section = el.closest('section');
      const heading = section ? section.querySelector('h1, h2, h3') : null;
      return `${el.tagName.toLowerCase()} in "${heading ? heading.textContent.replace('#', '').trim() : '?'}"` +
             ` (${Math.round(el.scrollWidth)} px in ${Math.round(el.clientWidth)} px)`;
    });
}"""

# lossedu.js's print preparation, which the browser's own "print" also runs: unfold every
# folded block and shrink displayed formulas and tables wider than the printed column.
UNFOLD = "() => window.losseduFitForPrint()"


@dataclass
class PdfReport:
    path: Path
    pages: int = 0
    formulas: int = 0
    overflow: list[str] = field(default_factory=list)
    seconds: float = 0.0


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_to_pdf(html_file: Path, pdf: Path, *, chromium: str | None = None) -> PdfReport:
    """Print one (single-page) HTML file to ``pdf``; raise RuntimeError if Chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise RuntimeError("the PDF needs the playwright package: pip install 'lossedu[test]'") from exc
    chromium = chromium or find_chromium()
    if chromium is None:
        raise RuntimeError("the PDF needs Debian's chromium (apt-get install chromium)")
    start = time.perf_counter()
    report = PdfReport(path=pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
            context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
            page = context.new_page()
            page.emulate_media(media="print")
            page.goto(html_file.resolve().as_uri(), wait_until="load", timeout=300_000)
            page.evaluate("""() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
                                   ? MathJax.startup.promise.then(() => true) : true""")
            page.evaluate(UNFOLD)
            page.wait_for_timeout(200)
            report.formulas = page.evaluate("() => document.querySelectorAll('mjx-container').length")
            report.overflow = page.evaluate(OVERFLOW_CHECK)
            # outline: PDF bookmarks from the headings; tagged: a structured (accessible) PDF
            page.pdf(path=str(pdf), format=PAGE_FORMAT, margin=MARGINS, print_background=True,
                     display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                     outline=True, tagged=True)
        finally:
            browser.close()
    report.seconds = time.perf_counter() - start
    try:
        from pypdf import PdfReader

        report.pages = len(PdfReader(str(pdf)).pages)
    except ImportError:  # pragma: no cover
        report.pages = -1
    return report


def build_pdf(root: Path, output: Path, *, solutions: bool = True, execute: bool = False,
              capture: bool = True) -> PdfReport:
    """Build the single-page HTML book under ``output/_build/singlehtml`` and print it."""
    result = build(root, output, solutions=solutions, execute=execute, capture=capture, builder="singlehtml")
    if result.returncode != 0:
        log = (result.stdout or "") + (result.stderr or "")
        raise RuntimeError("the single-page build failed:\n" + log[-4000:])
    single = output.resolve() / "_build" / "singlehtml"
    html = single / "book" / "intro.html"
    if not html.is_file():
        raise RuntimeError(f"the single-page build wrote no {html}")
    # The page is written under book/ but its links to _static/ and _images/ are relative
    # to the build's root folder: print a copy that sits there.
    page = single / "lossedu.html"
    shutil.copyfile(html, page)
    return print_to_pdf(page, output.resolve() / "_build" / "pdf" / "lossedu.pdf")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--output", default=".", type=Path, help="folder that receives _build/ (default: the root)")
    parser.add_argument("--solutions", choices=["yes", "no"], default="yes")
    parser.add_argument("--execute", action="store_true",
                        help="execute the notebooks (cached) instead of using their stored outputs")
    args = parser.parse_args(argv)
    print("building the single-page book and printing it (about two minutes) ...", flush=True)
    try:
        report = build_pdf(args.root, args.output, solutions=args.solutions == "yes", execute=args.execute,
                           capture=False)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size = report.path.stat().st_size / 1e6
    print(f"{report.path}: {report.pages} pages, {size:.1f} MB, {report.formulas} formulas, "
          f"printed in {report.seconds:.0f} s")
    if report.overflow:
        print("warning: these run past the text column and are cut off in the PDF:", file=sys.stderr)
        for line in report.overflow[:20]:
            print("  " + line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
