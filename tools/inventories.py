"""Regenerate the Sphinx inventories stored in ``book/_inventories/``.

The site links names such as :func:`torch.nn.functional.cross_entropy` to the official
documentation through ``sphinx.ext.intersphinx``, reading the inventories from local files
so that the build opens no network connection. See ``book/_inventories/README.md`` for
where each file comes from.

* ``python.inv`` and ``scipy.inv`` are upstream inventories taken unchanged from Debian's
  documentation packages::

      apt-get download python3.11-doc python-scipy-doc
      python tools/inventories.py --from-deb python3.11-doc_*.deb python
      python tools/inventories.py --from-deb python-scipy-doc_*.deb scipy

* ``torch.inv`` and ``numpy.inv`` are generated here from the installed packages (no package
  ships them), mapping each public name to the page layout of pytorch.org/docs/stable and
  numpy.org/doc/stable::

      python tools/inventories.py torch numpy
"""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "_inventories"

Entry = tuple[str, str, str]  # (name, "py:function", uri relative to the documentation root)


def _public(names) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))


def _is_function(obj) -> bool:
    return inspect.isroutine(obj)


def torch_entries() -> list[Entry]:
    import torch
    import torch.distributions
    import torch.linalg
    import torch.nn
    import torch.nn.functional as F
    import torch.optim
    import torch.special

    gen = "generated/{0}.html#{0}"
    entries: list[Entry] = []

    def add(name, role, uri):
        entries.append((name, role, uri))

    modules = {
        "torch": "torch.html#module-torch",
        "torch.nn": "nn.html#module-torch.nn",
        "torch.nn.functional": "nn.functional.html#module-torch.nn.functional",
        "torch.linalg": "linalg.html#module-torch.linalg",
        "torch.special": "special.html#module-torch.special",
        "torch.distributions": "distributions.html#module-torch.distributions",
        "torch.optim": "optim.html#module-torch.optim",
        "torch.autograd": "autograd.html#module-torch.autograd",
    }
    for name, uri in modules.items():
        add(name, "py:module", uri)

    # torch.*: functions have one generated page each; a few classes live on their own pages.
    classes = {
        "torch.Tensor": "tensors.html#torch.Tensor",
        "torch.Generator": gen.format("torch.Generator"),
        "torch.dtype": "tensor_attributes.html#torch.dtype",
        "torch.device": "tensor_attributes.html#torch.device",
        "torch.layout": "tensor_attributes.html#torch.layout",
        "torch.Size": "size.html#torch.Size",
        "torch.no_grad": gen.format("torch.no_grad"),
        "torch.enable_grad": gen.format("torch.enable_grad"),
        "torch.inference_mode": gen.format("torch.inference_mode"),
        "torch.set_grad_enabled": gen.format("torch.set_grad_enabled"),
    }
    for name, uri in classes.items():
        add(name, "py:class", uri)
    for name in _public(torch.__all__):
        full = f"torch.{name}"
        obj = getattr(torch, name, None)
        if full in classes or obj is None or not _is_function(obj):
            continue
        add(full, "py:function", gen.format(full))

    # Tensor methods and attributes: one generated page each.
    for name in _public(dir(torch.Tensor)):
        obj = getattr(torch.Tensor, name, None)
        full = f"torch.Tensor.{name}"
        if _is_function(obj):
            add(full, "py:method", gen.format(full))
        elif name in ("grad", "requires_grad", "is_leaf", "device", "dtype", "shape", "ndim", "T", "mT", "data", "grad_fn"):
            add(full, "py:attribute", gen.format(full) if name in ("grad", "requires_grad", "is_leaf", "device", "T")
                else "tensors.html#" + full)

    for name in _public(F.__all__ if hasattr(F, "__all__") else dir(F)):
        obj = getattr(F, name, None)
        if obj is not None and _is_function(obj) and getattr(obj, "__module__", "").startswith("torch"):
            full = f"torch.nn.functional.{name}"
            add(full, "py:function", gen.format(full))

    for name in _public(torch.nn.modules.__all__):
        obj = getattr(torch.nn, name, None)
        if inspect.isclass(obj):
            full = f"torch.nn.{name}"
            add(full, "py:class", gen.format(full))
    for name in ("forward", "parameters", "named_parameters", "state_dict", "load_state_dict", "train", "eval",
                 "to", "zero_grad", "requires_grad_", "apply", "modules", "children", "register_buffer"):
        add(f"torch.nn.Module.{name}", "py:method", "generated/torch.nn.Module.html#torch.nn.Module." + name)
    add("torch.nn.Parameter", "py:class", gen.format("torch.nn.parameter.Parameter"))
    add("torch.nn.parameter.Parameter", "py:class", gen.format("torch.nn.parameter.Parameter"))

    for name in _public(dir(torch.linalg)):
        if _is_function(getattr(torch.linalg, name, None)):
            full = f"torch.linalg.{name}"
            add(full, "py:function", gen.format(full))
    for name in _public(torch.special.__all__):
        if _is_function(getattr(torch.special, name, None)):
            full = f"torch.special.{name}"
            add(full, "py:function", "special.html#" + full)

    # Distributions are documented on one page under their defining module
    # (torch.distributions.normal.Normal); the short alias points at the same anchor.
    for name in _public(torch.distributions.__all__):
        obj = getattr(torch.distributions, name, None)
        if inspect.isclass(obj) and obj.__module__.startswith("torch.distributions."):
            anchor = f"{obj.__module__}.{obj.__qualname__}"
            add(anchor, "py:class", "distributions.html#" + anchor)
            add(f"torch.distributions.{name}", "py:class", "distributions.html#" + anchor)
        elif _is_function(obj):
            anchor = f"{obj.__module__}.{obj.__qualname__}"
            add(f"torch.distributions.{name}", "py:function", "distributions.html#" + anchor)

    for name in _public(dir(torch.optim)):
        obj = getattr(torch.optim, name, None)
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer):
            full = f"torch.optim.{name}"
            add(full, "py:class", gen.format(full))
    for name in ("step", "zero_grad", "state_dict", "load_state_dict", "add_param_group"):
        add(f"torch.optim.Optimizer.{name}", "py:method", gen.format(f"torch.optim.Optimizer.{name}"))

    add("torch.autograd.Function", "py:class", gen.format("torch.autograd.Function"))
    for name in ("backward", "grad"):
        add(f"torch.autograd.{name}", "py:function", gen.format(f"torch.autograd.{name}"))
    for name in ("gradcheck", "gradgradcheck"):
        full = f"torch.autograd.gradcheck.{name}"
        add(full, "py:function", gen.format(full))
        add(f"torch.autograd.{name}", "py:function", gen.format(full))
    return entries


def numpy_entries() -> list[Entry]:
    import numpy as np

    gen = "reference/generated/{0}.html#{0}"
    entries: list[Entry] = [
        ("numpy", "py:module", "reference/index.html#module-numpy"),
        ("numpy.linalg", "py:module", "reference/routines.linalg.html#module-numpy.linalg"),
        ("numpy.random", "py:module", "reference/random/index.html#module-numpy.random"),
        ("numpy.ndarray", "py:class", gen.format("numpy.ndarray")),
        ("numpy.dtype", "py:class", gen.format("numpy.dtype")),
        ("numpy.random.Generator", "py:class", "reference/random/generator.html#numpy.random.Generator"),
        ("numpy.random.default_rng", "py:function", "reference/random/generator.html#numpy.random.default_rng"),
    ]
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"):
        entries.append((f"numpy.{name}", "py:class", "reference/arrays.scalars.html#numpy." + name))
    # Routines and ufuncs (documented as functions a reader calls).
    for name in _public(dir(np)):
        obj = getattr(np, name, None)
        if isinstance(obj, np.ufunc) or (inspect.isroutine(obj) and getattr(obj, "__module__", "") and
                                         obj.__module__.startswith("numpy") and "testing" not in obj.__module__):
            full = f"numpy.{name}"
            entries.append((full, "py:function", gen.format(full)))
    for name in _public(dir(np.ndarray)):
        if inspect.isroutine(getattr(np.ndarray, name, None)):
            full = f"numpy.ndarray.{name}"
            entries.append((full, "py:method", gen.format(full)))
    for name in _public(np.linalg.__all__):
        if callable(getattr(np.linalg, name, None)) and not inspect.isclass(getattr(np.linalg, name)):
            full = f"numpy.linalg.{name}"
            entries.append((full, "py:function", gen.format(full)))
    for name in ("normal", "random", "integers", "uniform", "choice", "permutation", "shuffle", "standard_normal"):
        full = f"numpy.random.Generator.{name}"
        entries.append((full, "py:method", "reference/random/generated/" + full + ".html#" + full))
    return entries


def write_inventory(path: Path, project: str, version: str, entries: list[Entry]) -> int:
    seen: dict[tuple[str, str], str] = {}
    for name, role, uri in entries:
        seen.setdefault((name, role), uri)
    lines = []
    for (name, role), uri in sorted(seen.items()):
        anchor = uri.split("#", 1)[1] if "#" in uri else ""
        if anchor == name:
            uri = uri[: -len(name)] + "$"
        lines.append(f"{name} {role} 1 {uri} -")
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    path.write_bytes(header.encode() + zlib.compress(("\n".join(lines) + "\n").encode(), 9))
    return len(lines)


def from_deb(deb: Path, name: str) -> Path:
    """Copy the objects.inv shipped in a Debian documentation package to ``<name>.inv``."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        found = sorted(Path(tmp).rglob("objects.inv"))
        if len(found) != 1:
            raise SystemExit(f"expected one objects.inv in {deb}, found {[str(f) for f in found]}")
        target = OUT / f"{name}.inv"
        target.write_bytes(found[0].read_bytes())
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="torch|numpy", help="inventories to generate")
    parser.add_argument("--from-deb", nargs=2, metavar=("DEB", "NAME"), help="copy objects.inv out of a .deb")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {"torch", "numpy"}
    if unknown:
        parser.error(f"unknown inventories {sorted(unknown)}: choose from torch, numpy")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.from_deb:
        print(from_deb(Path(args.from_deb[0]), args.from_deb[1]))
    for name in args.names:
        if name == "torch":
            import torch

            n = write_inventory(OUT / "torch.inv", "PyTorch", torch.__version__.split("+")[0], torch_entries())
        else:
            import numpy

            n = write_inventory(OUT / "numpy.inv", "NumPy", numpy.__version__, numpy_entries())
        print(f"{OUT / (name + '.inv')}: {n} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
