"""Take from a submitted notebook only what grading needs: definitions, decided on the syntax tree.

Kept, and sent to the sandboxed runner:

* ``import`` of the numerical modules (``torch``, ``numpy``, ``math``, ``scipy`` and
  pure standard-library modules); other imports (``lossedu``, ``matplotlib``, ``os``
  ...) are dropped with a note, and ``from M import *`` is refused;
* ``def`` blocks without decorators, whose defaults are literals and whose
  annotations are plain names;
* ``class`` blocks whose bodies hold only such ``def`` blocks and literal assignments;
* helper constants: ``NAME = expression`` where the expression is built from
  literals, earlier constants and calls of ``math``, ``numpy`` or ``torch``
  (``HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)``).

Everything else (training loops, plots, ``check`` calls, prints) is dropped, so
no code of the submission runs while its definitions are loaded, except those
constant expressions. ``from __future__`` imports apply to the whole notebook,
wherever they appear. Nothing here ever raises for a malformed notebook other
than :class:`NotebookError` (a ``ValueError``) with a message for the gradebook.
"""

from __future__ import annotations

import __future__ as future_module
import ast
import json
import os
import stat
from pathlib import Path

MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100

# modules whose import is kept (and their submodules, except DENIED_MODULES)
ALLOWED_MODULES = {
    "torch", "numpy", "math", "cmath", "scipy", "typing", "functools", "itertools", "collections",
    "numbers", "fractions", "decimal", "statistics", "random", "abc", "string", "dataclasses", "enum",
    "warnings",
}
# never, anywhere: these can switch the run-time checks off or reach around them
DENIED_MODULES = (
    "torch._C", "torch.ops", "torch._ops", "torch.overrides", "torch.utils", "torch.library", "torch._dynamo",
    "torch.jit", "torch.fx", "torch.hub", "torch.multiprocessing", "torch.distributed", "torch.compiler",
    "torch.backends", "torch.cuda", "torch.package", "numpy.ctypeslib", "numpy.lib", "numpy.f2py",
    "numpy.distutils", "numpy.testing", "scipy._lib",
)
SAFE_BUILTINS = {
    "abs", "min", "max", "round", "float", "int", "bool", "complex", "len", "range", "sum", "tuple",
    "list", "dict", "set", "frozenset", "pow", "divmod", "sorted", "reversed", "zip", "enumerate", "str",
}
FUTURE_FEATURES = set(future_module.all_feature_names)


class NotebookError(ValueError):
    """A submission that cannot be read as a notebook."""


class NotAnExercise(NotebookError):
    """The notebook carries no ``lossedu.exercise`` metadata."""


# --------------------------------------------------------------------------- reading
def read_bytes(path: str | Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """Read a regular file (never a pipe, device or folder), at most ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotebookError(f"{path} cannot be opened: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookError(f"{path} is not a regular file")
        if info.st_size > limit:
            raise NotebookError(f"{path} is larger than {limit // (1024 * 1024)} MiB")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise NotebookError(f"{path} is larger than {limit // (1024 * 1024)} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_notebook(path: str | Path) -> dict:
    data = read_bytes(path)
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError, MemoryError) as exc:
        raise NotebookError(f"{path} is not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(nb, dict):
        raise NotebookError(f"{path} is not a readable notebook: the top level is a {type(nb).__name__}, not an object")
    return nb


def exercise_of(nb: dict) -> str:
    """Which exercise a notebook is, from its metadata (never from the filename)."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    meta = meta.get("lossedu") if isinstance(meta, dict) else None
    exercise = meta.get("exercise") if isinstance(meta, dict) else None
    if not isinstance(exercise, str) or not exercise:
        raise NotAnExercise("the notebook has no lossedu exercise metadata; is it a lossedu exercise notebook?")
    return exercise


def code_cells(nb: dict) -> list[tuple[int, str]]:
    """``(index, source)`` of each code cell, for nbformat 4 and nbformat 3 notebooks."""
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for w in nb["worksheets"] if isinstance(w, dict) and isinstance(w.get("cells"), list)
                 for c in w["cells"]]
    if not isinstance(cells, list):
        raise NotebookError("the notebook has no list of cells")
    found = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            continue
        found.append((index, src))
    return found


def _cell_source(src: str) -> str:
    # IPython magics and shell escapes are not Python; blank those lines (line numbers stay).
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


# --------------------------------------------------------------------------- the policy
def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def module_allowed(name: str) -> bool:
    root = name.split(".")[0]
    return root in ALLOWED_MODULES and not any(name == d or name.startswith(d + ".") for d in DENIED_MODULES)


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _simple_annotation(node: ast.AST | None, depth: int = 0) -> bool:
    if node is None or depth > 20:
        return node is None
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Name, ast.Attribute)):
        chain = _dotted(node)
        return chain is not None and not any(p.startswith("_") for p in chain.split("."))
    if isinstance(node, ast.Subscript):
        return _simple_annotation(node.value, depth + 1) and _simple_annotation(node.slice, depth + 1)
    if isinstance(node, ast.Tuple):
        return all(_simple_annotation(e, depth + 1) for e in node.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _simple_annotation(node.left, depth + 1) and _simple_annotation(node.right, depth + 1)
    return False


SPECIAL_METHODS = {"__init_subclass__", "__class_getitem__", "__set_name__", "__mro_entries__",
                   "__torch_function__", "__torch_dispatch__", "__del__"}


class Policy:
    """Decides, statement by statement, what of a notebook may run."""

    def __init__(self):
        self.aliases: dict[str, str] = {}  # local name -> module (or module.attr) it imports
        self.seen_aliases: dict[str, str] = {}  # the same, dropped imports included (for the static checks)
        self.constants: set[str] = set()
        self.defined: set[str] = set()  # every top-level name the submission binds
        self.future: set[str] = set()

    # ---- constant expressions
    def constant(self, node: ast.AST, depth: int = 0) -> str | None:
        """``None`` when ``node`` is a constant expression, else why not."""
        if depth > MAX_DEPTH:
            return "the expression is nested too deeply"
        d = depth + 1
        if isinstance(node, ast.Constant):
            return None
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return self._all(node.elts, d)
        if isinstance(node, ast.Dict):
            return self._all([k for k in node.keys if k is not None] + node.values, d)
        if isinstance(node, ast.UnaryOp):
            return self.constant(node.operand, d)
        if isinstance(node, ast.BinOp):
            return self._all([node.left, node.right], d)
        if isinstance(node, ast.BoolOp):
            return self._all(node.values, d)
        if isinstance(node, ast.Compare):
            return self._all([node.left, *node.comparators], d)
        if isinstance(node, ast.IfExp):
            return self._all([node.test, node.body, node.orelse], d)
        if isinstance(node, ast.Subscript):
            return self._all([node.value, node.slice], d)
        if isinstance(node, ast.Slice):
            return self._all([n for n in (node.lower, node.upper, node.step) if n is not None], d)
        if isinstance(node, ast.Starred):
            return self.constant(node.value, d)
        if isinstance(node, ast.JoinedStr):
            return self._all(node.values, d)
        if isinstance(node, ast.FormattedValue):
            return self._all([node.value] + ([node.format_spec] if node.format_spec else []), d)
        if isinstance(node, ast.Name):
            if node.id in self.constants or node.id in self.aliases:
                return None
            if node.id in SAFE_BUILTINS and node.id not in self.defined:
                return None
            return f"it uses {node.id!r}, which is not a constant defined before it"
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                return f"it uses the private attribute {node.attr!r}"
            chain = _dotted(node)
            if chain is not None:
                root = chain.split(".")[0]
                if root in self.aliases:
                    full = self.aliases[root] + chain[len(root):]
                    return None if module_allowed(full) and not _denied_attr(full) else f"it uses {full}"
            return self.constant(node.value, d)
        if isinstance(node, ast.Call):
            why = self._all([*node.args, *(k.value for k in node.keywords)], d)
            if why:
                return why
            func = node.func
            if isinstance(func, ast.Name):
                if func.id in SAFE_BUILTINS and func.id not in self.defined:
                    return None
                return f"it calls {func.id}(), which is not a math, numpy or torch function"
            if isinstance(func, ast.Attribute):
                return self.constant(func, d)
            return "it calls something that is not a math, numpy or torch function"
        return f"a {type(node).__name__} is not a constant expression"

    def _all(self, nodes, depth):
        for n in nodes:
            why = self.constant(n, depth)
            if why:
                return why
        return None

    # ---- definitions
    def function(self, node, in_class: bool = False) -> str | None:
        if node.decorator_list:
            return f"the decorator on {node.name}() is not allowed (decorators run code when the notebook loads)"
        if in_class and node.name in SPECIAL_METHODS:
            return f"the method {node.name} is not allowed in graded code"
        a = node.args
        for default in [*a.defaults, *(k for k in a.kw_defaults if k is not None)]:
            if not _is_literal(default):
                return f"{node.name}() has a default value that is not a literal (defaults run when the notebook loads)"
        if "annotations" not in self.future:
            annotations = [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
                           if x is not None] + [node.returns]
            if not all(_simple_annotation(x) for x in annotations):
                return f"{node.name}() has an annotation that is not a plain type name"
        return None

    def klass(self, node: ast.ClassDef) -> str | None:
        if node.decorator_list:
            return f"the decorator on class {node.name} is not allowed"
        if node.keywords:
            return f"class {node.name} has keywords (a metaclass), which are not allowed"
        for base in node.bases:
            chain = _dotted(base)
            if chain is None or any(p.startswith("_") for p in chain.split(".")):
                return f"class {node.name} has a base that is not a plain class name"
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                why = self.function(item, in_class=True)
                if why:
                    return why
            elif isinstance(item, ast.Pass) or (isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)):
                continue
            elif isinstance(item, ast.Assign) and all(isinstance(t, ast.Name) for t in item.targets) \
                    and _is_literal(item.value):
                continue
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                    and (item.value is None or _is_literal(item.value)) and _simple_annotation(item.annotation):
                continue
            else:
                return (f"class {node.name} holds code other than methods and literal assignments "
                        f"(a statement of kind {type(item).__name__})")
        return None


def _denied_attr(full: str) -> bool:
    from .forbidden import DENIED_ATTRS

    return any(p in DENIED_ATTRS or (p.startswith("_") and i > 0) for i, p in enumerate(full.split(".")))


def _names_bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name.split(".")[0]) for a in node.names]
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def _subscripted(node) -> set[str]:
    """``d`` for ``d[k] = v`` or ``d.x = v``: the names such an assignment changes."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    found = set()
    for t in targets:
        while isinstance(t, (ast.Subscript, ast.Attribute)):
            t = t.value
        if isinstance(t, ast.Name):
            found.add(t.id)
    return found


def _parse_cells(nb: dict) -> tuple[list[tuple[int, str, ast.Module]], list[str]]:
    parsed, notes = [], []
    for index, raw in code_cells(nb):
        source = _cell_source(raw)
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            notes.append(f"cell {index} has a syntax error and was skipped: {exc.msg} (line {exc.lineno})")
            continue
        except (RecursionError, MemoryError, ValueError) as exc:
            notes.append(f"cell {index} could not be parsed and was skipped ({type(exc).__name__})")
            continue
        parsed.append((index, source, tree))
    return parsed, notes


def select(nb: dict) -> dict:
    """The definitions of a notebook: ``{"statements": [...], "future": [...], "notes": [...],
    "tree": ast.Module}`` where each statement is ``{"cell": i, "source": text}``."""
    parsed, notes = _parse_cells(nb)
    policy = Policy()
    for _, _, tree in parsed:
        for node in tree.body:
            policy.defined.update(_names_bound(node))
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                policy.future.update(a.name for a in node.names if a.name in FUTURE_FEATURES)
    statements, kept_nodes = [], []
    quiet: list[tuple[set, str]] = []  # notes about dropped assignments: kept only if a definition needs them
    for index, source, tree in parsed:
        for node in tree.body:
            keep, note = _decide(policy, node)
            if note and isinstance(node, (ast.Assign, ast.AnnAssign)):
                quiet.append((set(_names_bound(node)) | _subscripted(node), f"cell {index}, line {node.lineno}: {note}"))
            elif note:
                notes.append(f"cell {index}, line {node.lineno}: {note}")
            if keep:
                text = ast.get_source_segment(source, node)
                if text is None:
                    continue
                statements.append({"cell": index, "source": text})
                kept_nodes.append(node)
    used = {n.id for node in kept_nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
    notes += [note for names, note in quiet if names & used]
    return {
        "statements": statements,
        "future": sorted(policy.future),
        "notes": notes,
        "tree": ast.Module(body=kept_nodes, type_ignores=[]),
        "aliases": {**policy.seen_aliases, **policy.aliases},
    }


def _decide(policy: Policy, node: ast.stmt) -> tuple[bool, str]:
    """``(keep, note)`` for one top-level statement."""
    if isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom) and node.level):
        from .forbidden import _import_aliases

        policy.seen_aliases.update(_import_aliases([node]))
    if isinstance(node, ast.ImportFrom):
        if node.module == "__future__":
            return False, ""
        if node.level:
            return False, "a relative import was dropped"
        if any(a.name == "*" for a in node.names):
            return False, f"`from {node.module} import *` is not allowed (it was not run)"
        module = node.module or ""
        if not module_allowed(module) or _denied_attr(module):
            return False, f"`from {module} import ...` was dropped: graded code may import only {_ALLOWED_TEXT}"
        if any(a.name.startswith("_") or _denied_attr(f"{module}.{a.name}") for a in node.names):
            return False, f"`from {module} import ...` imports a private or denied name and was not run"
        for a in node.names:
            policy.aliases[a.asname or a.name] = f"{module}.{a.name}"
        return True, ""
    if isinstance(node, ast.Import):
        bad = [a.name for a in node.names if not module_allowed(a.name)]
        if bad and all(b == "lossedu" or b.startswith("lossedu.") for b in bad):
            return False, ""  # every exercise imports lossedu for check(); graded code never sees it
        if bad:
            return False, f"`import {', '.join(bad)}` was dropped: graded code may import only {_ALLOWED_TEXT}"
        for a in node.names:
            if a.asname:
                policy.aliases[a.asname] = a.name
            else:
                policy.aliases[a.name.split(".")[0]] = a.name.split(".")[0]
        return True, ""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        why = policy.function(node)
        policy.constants.discard(node.name)
        return (False, f"def {node.name} was refused: {why}") if why else (True, "")
    if isinstance(node, ast.ClassDef):
        why = policy.klass(node)
        policy.constants.discard(node.name)
        return (False, f"class {node.name} was refused: {why}") if why else (True, "")
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = []
        for t in targets:
            if isinstance(t, ast.Name):
                names.append(t.id)
            elif isinstance(t, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in t.elts):
                names.extend(e.id for e in t.elts)
            else:
                return False, "an assignment to something other than a plain name was not run"
        if node.value is None:
            return False, ""
        if isinstance(node, ast.AnnAssign) and "annotations" not in policy.future \
                and not _simple_annotation(node.annotation):
            return False, "an assignment with a complex annotation was not run"
        why = policy.constant(node.value)
        if why:
            return False, f"`{', '.join(names)} = ...` was not run: {why}"
        chain = _dotted(node.value)
        for name in names:
            if chain is not None and chain.split(".")[0] in policy.aliases and len(names) == 1:
                root = chain.split(".")[0]
                policy.aliases[name] = policy.aliases[root] + chain[len(root):]
            else:
                policy.constants.add(name)
        return True, ""
    return False, ""


_ALLOWED_TEXT = "torch, numpy, math, scipy and pure standard-library modules"


def definitions(nb: dict) -> tuple[str, list[str]]:
    """Return (source of the kept statements, notes about skipped or refused code)."""
    chosen = select(nb)
    header = "".join(f"from __future__ import {f}\n" for f in chosen["future"])
    return header + "\n\n".join(s["source"] for s in chosen["statements"]) + "\n", chosen["notes"]
