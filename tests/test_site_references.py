"""The site's references lead somewhere: the bibliography links every work, the API page
links each function to its source and to the docs of the torch, NumPy, SciPy and Python names
it mentions, and the inventories behind those links are stored in the repository (nothing is
fetched when the site is built)."""

from __future__ import annotations

import importlib.util
import json
import posixpath
import re
from pathlib import Path

import pytest
import yaml
from sphinx.util.inventory import InventoryFile

from _helpers import built_site

ROOT = Path(__file__).resolve().parent.parent
INVENTORIES = ROOT / "book" / "_inventories"
BASES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "torch": "https://pytorch.org/docs/stable/",
}
BIB_ENTRY = re.compile(r"^@\w+\{([^,\s]+),(.*?)^\}", re.M | re.S)
# :func:`torch.x`, :class:`~numpy.ndarray` (reStructuredText) and {func}`torch.x` (MyST)
XREF = re.compile(r"(?::py)?(?::(?:func|class|meth|mod|exc|data|attr|obj):|\{(?:py:)?(?:func|class|meth|mod|exc|data|attr|obj)\})"
                  r"`~?([\w.]+)(?:\(\))?`")
EXTERNAL = ("torch", "numpy", "scipy")


# ----------------------------------------------------------------------------- sources
def load_inventory(name: str) -> dict:
    with open(INVENTORIES / f"{name}.inv", "rb") as f:
        return InventoryFile.load(f, BASES[name], posixpath.join)


def names_in(inventory: dict) -> set[str]:
    return {name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries}


def bib_entries() -> dict[str, str]:
    return dict(BIB_ENTRY.findall((ROOT / "references.bib").read_text(encoding="utf-8")))


def field(body: str, name: str) -> str | None:
    found = re.search(rf"^\s*{name}\s*=\s*\{{(.*)\}},?\s*$", body, re.M)
    return found.group(1) if found else None


def referenced_names() -> set[str]:
    """Every torch/numpy/scipy name written as a cross-reference in the book or the docstrings."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "lossedu").glob("*.py"))]
    for page in sorted((ROOT / "book").rglob("*.md")):
        texts.append(page.read_text(encoding="utf-8"))
    for notebook in sorted((ROOT / "book").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return {name for text in texts for name in XREF.findall(text) if name.split(".")[0] in EXTERNAL}


def test_every_bibliography_entry_has_a_doi_or_a_url():
    entries = bib_entries()
    assert len(entries) >= 50
    problems = []
    for key, body in entries.items():
        doi, url = field(body, "doi"), field(body, "url")
        if doi is None and url is None:
            problems.append(f"{key}: neither doi nor url")
        if doi is not None and not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
            problems.append(f"{key}: {doi!r} is not a DOI (write it without https://doi.org/)")
        if url is not None and not url.startswith("https://"):
            problems.append(f"{key}: {url!r} is not an https address")
    assert problems == []


def test_each_stored_inventory_parses_and_links_to_the_official_docs():
    for name, base in BASES.items():
        inventory = load_inventory(name)
        uris = [entry[2] for entries in inventory.values() for entry in entries.values()]
        assert len(uris) > 100, f"{name}.inv holds only {len(uris)} names"
        assert all(uri.startswith(base) for uri in uris), f"{name}.inv points outside {base}"
    torch_inv, python_inv = load_inventory("torch"), load_inventory("python")
    base = BASES["torch"]
    assert torch_inv["py:function"]["torch.nn.functional.cross_entropy"][2] == (
        base + "generated/torch.nn.functional.cross_entropy.html#torch.nn.functional.cross_entropy")
    assert torch_inv["py:class"]["torch.Tensor"][2] == base + "tensors.html#torch.Tensor"
    assert torch_inv["py:method"]["torch.Tensor.item"][2] == base + "generated/torch.Tensor.item.html#torch.Tensor.item"
    assert python_inv["py:exception"]["ValueError"][2] == BASES["python"] + "library/exceptions.html#ValueError"
    assert "scipy.stats.wasserstein_distance" in load_inventory("scipy")["py:function"]
    assert "numpy.ndarray" in load_inventory("numpy")["py:class"]


def test_the_inventories_hold_every_name_the_course_links():
    names = set().union(*(names_in(load_inventory(n)) for n in BASES))
    referenced = referenced_names()
    # The docstrings name these; if the pattern stopped finding them the check would pass vacuously.
    assert {"torch.nn.functional.cross_entropy", "torch.logsumexp", "scipy.stats.wasserstein_distance"} <= referenced
    assert sorted(referenced - names) == []


def test_intersphinx_reads_only_the_stored_files():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    assert "sphinx.ext.intersphinx" in config["extra_extensions"]
    mapping = config["config"]["intersphinx_mapping"]
    assert set(mapping) == set(BASES)
    for name, (base, inventory) in mapping.items():
        assert base == BASES[name]
        assert not re.match(r"\w+://", inventory), f"{name}'s inventory would be downloaded: {inventory}"
        assert (ROOT / inventory).is_file(), inventory
    # torch, numpy and scipy names must resolve, not be ignored
    ignored = [pattern for _, pattern in config["config"]["nitpick_ignore_regex"]]
    for name in ("torch.nn.functional.cross_entropy", "numpy.mean", "scipy.linalg.sqrtm", "torch"):
        assert not any(re.fullmatch(p, name) for p in ignored), f"{name} is still ignored by nitpick_ignore_regex"


def test_the_generator_writes_inventories_sphinx_reads(tmp_path):
    spec = importlib.util.spec_from_file_location("inventories", ROOT / "tools" / "inventories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entries = [("torch.mean", "py:function", "generated/torch.mean.html#torch.mean"),
               ("torch.Tensor", "py:class", "tensors.html#torch.Tensor"),
               ("torch", "py:module", "torch.html#module-torch")]
    assert module.write_inventory(tmp_path / "t.inv", "PyTorch", "2", entries) == 3
    with open(tmp_path / "t.inv", "rb") as f:
        inventory = InventoryFile.load(f, "https://x/", posixpath.join)
    assert inventory["py:function"]["torch.mean"][2] == "https://x/generated/torch.mean.html#torch.mean"
    assert inventory["py:module"]["torch"][2] == "https://x/torch.html#module-torch"
    names = {name for name, _, _ in module.torch_entries()}
    assert {"torch.nn.functional.cross_entropy", "torch.Tensor.item", "torch.special.xlogy"} <= names


# ----------------------------------------------------------------------------- the built site
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built_site(tmp_path_factory)


def test_build_loads_the_inventories_from_the_repository(site):
    _, log = site
    for name in BASES:
        assert f"loading intersphinx inventory '{name}' from book/_inventories/{name}.inv" in log
    assert not [line for line in log.splitlines()
                if "WARNING" in line or ("intersphinx inventory" in line and "://" in line)]


def test_every_bibliography_entry_links_to_its_doi_or_url(site):
    html, _ = site
    page = (html / "book" / "bibliography.html").read_text(encoding="utf-8")
    entries = re.findall(r'<div class="citation"[^>]*>(.*?)</div>', page, re.S)
    assert len(entries) == len(bib_entries())
    unlinked = [re.sub(r"<[^>]+>", "", e).strip()[:80] for e in entries
                if not re.search(r'<a class="reference external" href="https://', e)]
    assert unlinked == []
    assert 'href="https://doi.org/10.1109/ICCV.2017.324"' in page  # Lin et al., focal loss
    assert 'href="https://arxiv.org/abs/1706.08500"' in page  # Heusel et al., FID


def test_api_entries_have_source_links_that_resolve(site):
    html, _ = site
    page_path = html / "book" / "api.html"
    page = page_path.read_text(encoding="utf-8")
    entries = re.findall(r'<dl class="py (function|class)">\s*<dt class="sig sig-object py" id="([^"]+)">(.*?)</dt>',
                         page, re.S)
    import lossedu

    assert len(entries) >= len(lossedu.__all__)
    missing, broken = [], []
    for _, name, signature in entries:
        link = re.search(r'<a class="reference internal" href="([^"]+)"><span class="viewcode-link">', signature)
        if not link:
            missing.append(name)
            continue
        target, _, anchor = link.group(1).partition("#")
        source = (page_path.parent / target).resolve()
        if not source.is_file() or f'id="{anchor}"' not in source.read_text(encoding="utf-8"):
            broken.append(f"{name} -> {link.group(1)}")
    assert missing == []
    assert broken == []
    assert (html / "_modules" / "lossedu" / "imbalance.html").is_file()


def test_api_page_links_torch_python_and_the_bibliography(site):
    html, _ = site
    page = (html / "book" / "api.html").read_text(encoding="utf-8")
    assert ('href="https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html'
            '#torch.nn.functional.cross_entropy"') in page
    assert 'href="https://docs.python.org/3/library/exceptions.html#ValueError"' in page
    assert 'href="https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.wasserstein_distance.html' in page
    # References in the docstrings are citations that open the bibliography entry.
    assert page.count('href="bibliography.html#') >= 40
    text = re.sub(r"<[^>]+>", "", page)
    assert ":cite:" not in text and "Lin et al. (2017)" not in text
