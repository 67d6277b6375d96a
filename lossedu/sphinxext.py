"""A small Sphinx extension for the course site.

* ``lossedu-api``: a directive that documents every public function of a chapter
  module under its top-level name (``lossedu.entropy``), so chapters can link to
  ``{func}`lossedu.entropy``` whatever module the function lives in.
* MathJax served from the site itself.
* No reference to a CDN: Jupyter Book always loads sphinx-thebe, which writes the
  address of its JavaScript bundle on a CDN into every page even with live code
  switched off (``launch_buttons.thebe: false``). Those two script tags are dropped.

MathJax 3 comes from the ``django-static-mathjax`` wheel (it ships MathJax 3.2.2's
``es5`` build). The files the TeX-to-CHTML renderer needs are copied into
``_static/mathjax/`` of the built site and ``mathjax_path`` points there, so the
pages render their mathematics with no network at all.
"""

from __future__ import annotations

import importlib
import inspect
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

# Other bundles of MathJax than the TeX-to-CHTML one the pages use, and latest.js, whose
# only job is to fetch MathJax from a CDN. The speech-rule engine (sre/) stays, so that
# the accessibility options of MathJax's menu work offline too.
SKIP = ("latest.js", "node-main.js", "tex-mml-svg.js", "tex-svg.js", "tex-svg-full.js", "mml-svg.js",
        "tex-chtml-full-speech.js", "mml-chtml.js", "tex-mml-chtml.js", "tex-chtml-full.js")


def mathjax_source() -> Path:
    import mathjax  # the django-static-mathjax package

    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (src / "tex-chtml.js").is_file():
        raise RuntimeError(f"MathJax's es5 build was not found at {src}")
    return src


class LosseduAPI(SphinxDirective):
    """``{lossedu-api} lossedu.information`` (in a MyST page): the module docstring, then each name in ``__all__``."""

    required_arguments = 1

    def run(self):
        module = importlib.import_module(self.arguments[0])
        # MyST parses nested content as Markdown; autodoc needs reStructuredText, hence eval-rst.
        # The module docstring is rendered with ``lossedu`` as the current module, so that
        # :func:`kl_div` in it points at the documented top-level name lossedu.kl_div.
        lines = ["```{eval-rst}", f".. py:module:: {module.__name__}", "", ".. currentmodule:: lossedu", ""]
        lines += inspect.cleandoc(module.__doc__ or "").splitlines() + [""]
        for name in module.__all__:
            if inspect.isclass(getattr(module, name)):
                lines += [f".. autoclass:: lossedu.{name}", "   :members:", ""]
            else:
                lines += [f".. autofunction:: lossedu.{name}", ""]
        lines.append("```")
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=f"<lossedu-api {module.__name__}>"), self.content_offset, container)
        return container.children


STATIC = Path(__file__).parent / "_static"


def _set_path(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"
    # lossedu.js (phone navigation), lossedu.css (tables, errors, proofs) and the favicon.
    config.html_static_path = list(config.html_static_path) + [str(STATIC)]
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")  # an empty mode logs "Got invalid theme mode"
    config.html_context = context
    # Copy buttons leave out the prompts, so code copied from a doctest runs as it is.
    config.copybutton_prompt_text = r">>> |\.\.\. |\$ "
    config.copybutton_prompt_is_regexp = True
    # sphinx-proof's "Proof Index" lists raw labels and nothing links to it; the
    # "Definitions and results" page (directive lossedu-results) replaces it.
    config.html_domain_indices = ["py-modindex"]
    # "Figure 3.2" in captions and {numref} links, like "Definition 3.2" (not "Fig. 3.2").
    config.numfig_format = {**(config.numfig_format or {}), "figure": "Figure %s"}


_MATH_MARKERS = ('class="math', "\\(", "\\[", "$$", "mjx-container", "tex2jax_process")


def _mathjax_only_where_needed(app, pagename, templatename, context, doctree):
    """Leave MathJax (about 1 MB) out of pages that have no mathematics."""
    body = context.get("body") or ""
    if any(marker in body for marker in _MATH_MARKERS):
        return
    scripts = context.get("script_files")
    if not scripts:
        return

    def is_mathjax(js) -> bool:
        body = getattr(js, "attributes", {}).get("body", "") or ""
        name = str(getattr(js, "filename", None) or js)
        return "mathjax" in name.lower() or "MathJax" in body

    context["script_files"] = [js for js in scripts if not is_mathjax(js)]


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / "tex-chtml.js").is_file():
        return
    shutil.copytree(mathjax_source(), target, ignore=shutil.ignore_patterns(*SKIP), dirs_exist_ok=True)


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return

    def is_thebe(js) -> bool:
        body = getattr(js, "attributes", {}).get("body", "") or ""
        name = getattr(js, "filename", None) or str(js)
        return "THEBE_JS_URL" in body or str(name).endswith("sphinx-thebe.js")

    context["script_files"] = [js for js in scripts if not is_thebe(js)]


def _alt_text(app, doctree, docname):
    """Give each figure that a code cell drew a description instead of its hashed file name.

    A cell may set its own with the cell metadata ``{"mystnb": {"image": {"alt": "..."}}}``;
    otherwise the alt text names the figure's place: "Figure 3 of the section 'The focal
    loss' (drawn by the code above)".
    """
    counts: dict[int, int] = {}
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        uri = image.get("uri", "")
        if alt and alt != uri and not alt.endswith((".png", ".svg", ".jpg")):
            continue
        section = image
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        title = section[0].astext() if section is not None and len(section) else docname
        key = id(section)
        counts[key] = counts.get(key, 0) + 1
        image["alt"] = f"Figure {counts[key]} of the section '{title}' (drawn by the code above)"


def _register_author_year_labels() -> None:
    """A pybtex style whose bibliography labels read like the citations in the text.

    With ``bibtex_reference_style: author_year`` a citation reads "[Cover and Thomas,
    2006]"; pybtex's default alpha labels would list the same work as "[CT06]". The
    ``authoryear`` style labels each entry "Cover and Thomas, 2006" (three or more
    authors: "Lin et al., 2017").
    """
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle

    def surname(person) -> str:
        from pybtex.richtext import Text

        parts = person.rich_prelast_names + person.rich_last_names
        return str(Text(*parts)).replace("{", "").replace("}", "") if parts else str(person)

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [surname(p) for p in people]
                if not names:
                    who = entry.fields.get("organization") or entry.fields.get("title", "?")
                elif len(names) == 1:
                    who = names[0]
                elif len(names) == 2:
                    who = f"{names[0]} and {names[1]}"
                else:
                    who = f"{names[0]} et al."
                yield f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(UnsrtStyle):
        default_label_style = AuthorYearLabels
        default_sorting_style = "author_year_title"

    try:
        register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    except Exception:  # noqa: BLE001 - already registered in this process
        pass


def _bibtex_style(app, config):
    if getattr(config, "bibtex_default_style", None) in (None, "alpha"):
        config.bibtex_default_style = "authoryear"


# --- Numbers with a chapter prefix -------------------------------------------------------

_CHAPTER_DOC = re.compile(r"^book/(\d\d)-")


def chapter_of(docname: str) -> int | None:
    """The chapter number of a chapter page (``book/03-...`` -> 3), else None."""
    match = _CHAPTER_DOC.match(docname)
    return int(match.group(1)) if match else None


def _chapter_prefixed_numbers(app, env):
    """Number figures, definitions, theorems... per chapter: "Figure 3.2", "Definition 5.1".

    Sphinx numbers them across the whole book (the table of contents is not numbered,
    because the chapter titles carry their numbers). This runs after Sphinx has assigned
    its numbers and renumbers each kind of object within each chapter page, in page order.
    Pages outside the chapters keep Sphinx's numbers.
    """
    for docname, kinds in env.toc_fignumbers.items():
        chapter = chapter_of(docname)
        if chapter is None:
            continue
        for ids in kinds.values():
            for k, key in enumerate(sorted(ids, key=lambda i: ids[i]), start=1):
                ids[key] = (chapter, k)
    return []


# --- An index of definitions and results -----------------------------------------------

class results_index(nodes.General, nodes.Element):
    """Placeholder that ``_fill_results_index`` replaces by the list of results."""


class ResultsIndex(SphinxDirective):
    """``{lossedu-results}``: every numbered definition, theorem, ... of the chapters, linked."""

    def run(self):
        return [results_index()]


def _collect_results(app, doctree):
    env = app.env
    found = []
    for node in doctree.findall(nodes.Admonition):
        if not node.get("countertype") or not node.get("ids") or node.get("nonumber"):
            continue
        title = node[0] if len(node) and isinstance(node[0], nodes.title) else None
        found.append({"id": node["ids"][0], "kind": node["countertype"], "realtype": node.get("realtype", ""),
                      "title": [c.deepcopy() for c in title.children] if title is not None else []})
    if not hasattr(env, "lossedu_results"):
        env.lossedu_results = {}
    env.lossedu_results[env.docname] = found


def _purge_results(app, env, docname):
    getattr(env, "lossedu_results", {}).pop(docname, None)


def _merge_results(app, env, docnames, other):
    if not hasattr(env, "lossedu_results"):
        env.lossedu_results = {}
    env.lossedu_results.update({d: r for d, r in getattr(other, "lossedu_results", {}).items() if d in docnames})


def _fill_results_index(app, doctree, fromdocname):
    placeholders = list(doctree.findall(results_index))
    if not placeholders:
        return
    env = app.env
    results = getattr(env, "lossedu_results", {})
    order = [d for d in env.found_docs if chapter_of(d) is not None]
    order.sort(key=chapter_of)
    content = []
    for docname in order:
        entries = results.get(docname) or []
        if not entries:
            continue
        section_title = env.titles[docname].astext() if docname in env.titles else docname
        heading = nodes.paragraph()
        ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(fromdocname, docname))
        ref += nodes.strong(section_title, section_title)
        heading += ref
        content.append(heading)
        items = nodes.bullet_list(classes=["lossedu-results"])
        numbers = env.toc_fignumbers.get(docname, {})
        for entry in entries:
            number = numbers.get(entry["kind"], {}).get(entry["id"])
            label = entry["realtype"].title() + (" " + ".".join(map(str, number)) if number else "")
            para = nodes.paragraph()
            link = nodes.reference("", "", internal=True,
                                   refuri=app.builder.get_relative_uri(fromdocname, docname) + "#" + entry["id"])
            link += nodes.Text(label)
            link += [c.deepcopy() for c in entry["title"]]
            para += link
            items += nodes.list_item("", para)
        content.append(items)
    if not content:
        content = [nodes.paragraph(text="No chapter has a numbered definition or result yet.")]
    for placeholder in placeholders:
        placeholder.replace_self([n.deepcopy() for n in content])
    # Titles such as "(Weighted log loss shifts the logit by $\log w$)" bring formulas along;
    # Sphinx loads MathJax only on pages whose source had one, so say this page has one.
    if any(True for n in content for _ in n.findall(nodes.math)):
        math = env.get_domain("math")
        math.data.setdefault("has_equations", {})[fromdocname] = True


def _single_page_visitors(app):
    """The whole-book PDF is printed from Sphinx's singlehtml build. Sphinx looks up node
    visitors by builder name and falls back to the format ("html") only when no extension
    registered any for "singlehtml"; some do, so sphinx-proof's nodes (registered for
    "html") would be unknown there. Give singlehtml every html visitor it lacks."""
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, visitors in handlers.get("html", {}).items():
        single.setdefault(name, visitors)


def setup(app):
    _register_author_year_labels()
    app.connect("config-inited", _bibtex_style, priority=400)
    app.add_directive("lossedu-api", LosseduAPI)
    app.add_directive("lossedu-results", ResultsIndex)
    app.add_node(results_index)
    app.connect("env-get-updated", _chapter_prefixed_numbers, priority=900)
    app.connect("doctree-read", _collect_results)
    app.connect("env-purge-doc", _purge_results)
    app.connect("env-merge-info", _merge_results)
    app.connect("doctree-resolved", _fill_results_index)
    app.connect("doctree-resolved", _alt_text)
    app.add_js_file("lossedu.js", loading_method="defer")
    app.add_css_file("lossedu.css")
    app.connect("html-page-context", _mathjax_only_where_needed, priority=900)
    app.connect("config-inited", _set_path, priority=900)
    app.connect("build-finished", _copy)
    app.connect("builder-inited", _single_page_visitors)
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
