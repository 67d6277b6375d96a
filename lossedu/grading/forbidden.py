"""Forbidden APIs: a question that asks you to implement cross-entropy is not answered
by calling ``torch.nn.functional.cross_entropy`` (or ``lossedu`` itself).

Two checks, both decided in the grader:

* **Static**, on the answer's source: it follows the functions, classes and
  constants the answer refers to among the submission's own definitions,
  resolves import aliases (``import torch.nn.functional as F`` makes ``F.kl_div``
  mean ``torch.nn.functional.kl_div``; re-exports such as
  ``torch.nn.modules.loss.F.kl_div`` resolve to the same object) and reports
  every use of a forbidden name. It also refuses the tools that could switch the
  run-time check off or reach around the grader (:data:`DYNAMIC`,
  :data:`DENIED_ATTRS`, dunder attributes, ``global`` statements ...).
* **At run time**, at the operator level: the runner records the aten operators
  each call reaches, and :func:`forbidden_ops` says which of them a question
  refuses, so ``x.log_softmax(-1)``, ``torch.log_softmax`` and
  ``F.log_softmax`` are all seen as ``aten::_log_softmax``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
import types

from .extract import _dotted  # the dotted name of an attribute chain (a.b.c)

ALWAYS = ("lossedu",)
# names that run code from strings, reach a namespace, or load something by name
DYNAMIC = {
    "eval", "exec", "compile", "__import__", "importlib", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "__builtins__", "builtins", "open", "breakpoint", "input", "sys", "os", "runpy", "pkgutil",
    "inspect", "gc", "ctypes", "subprocess", "operator", "types", "signal", "threading", "multiprocessing",
    "socket", "shutil", "pickle", "marshal", "code", "codeop", "traceback", "linecache", "weakref", "atexit",
    "site", "sysconfig", "io", "pathlib", "tempfile", "resource", "faulthandler", "_thread", "posix",
    "memoryview", "exit", "quit", "help", "copyreg",
}
# attribute names that reach the dispatcher, the module table, frames or files
DENIED_ATTRS = {
    "_C", "ops", "_ops", "overrides", "_python_dispatch", "utils", "library", "_dynamo", "jit", "fx", "hub",
    "compile", "compiler", "load", "save", "from_file", "fromfile", "tofile", "loadtxt", "savetxt",
    "genfromtxt", "memmap", "ctypeslib", "resolve_name", "attrgetter", "methodcaller",
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "gi_frame", "cr_frame", "ag_frame", "tb_frame",
    "settrace", "setprofile", "multiprocessing", "distributed", "mro", "_getframe", "backends", "cuda",
    "package", "import_module", "reload", "_load", "lib", "f2py", "testing", "set_default_tensor_type",
}
# a module's own imports are attributes too (``torch.sys.modules``): the same names are refused there
DENIED_ATTRS |= DYNAMIC - {"input", "code", "types", "exit", "quit", "help", "compile"}

# aten operators reached by the library functions a question may forbid (seen by the runner's
# TorchDispatchMode however they are called: F.log_softmax, x.log_softmax, torch.ops.aten...)
_SOFTMAX, _LOG_SOFTMAX = ("_softmax",), ("_log_softmax",)
_NLL = ("nll_loss_forward", "nll_loss2d_forward")
OPS = {
    "softmax": _SOFTMAX, "Softmax": _SOFTMAX,
    "log_softmax": _LOG_SOFTMAX, "LogSoftmax": _LOG_SOFTMAX,
    "nll_loss": _NLL, "NLLLoss": _NLL,
    # cross-entropy is log-softmax then NLL; only the NLL step is its own (a question may allow log_softmax)
    "cross_entropy": _NLL, "CrossEntropyLoss": _NLL,
    "binary_cross_entropy": ("binary_cross_entropy",), "BCELoss": ("binary_cross_entropy",),
    "binary_cross_entropy_with_logits": ("binary_cross_entropy_with_logits",),
    "BCEWithLogitsLoss": ("binary_cross_entropy_with_logits",),
    "logsigmoid": ("log_sigmoid_forward",), "LogSigmoid": ("log_sigmoid_forward",),
    "softplus": ("softplus",), "Softplus": ("softplus",),
    "entr": ("special_entr",),
    "mse_loss": ("mse_loss",), "MSELoss": ("mse_loss",),
    "huber_loss": ("huber_loss",), "HuberLoss": ("huber_loss",),
    "smooth_l1_loss": ("smooth_l1_loss",), "SmoothL1Loss": ("smooth_l1_loss",),
    "multi_margin_loss": ("multi_margin_loss",), "MultiMarginLoss": ("multi_margin_loss",),
    "softshrink": ("softshrink",), "Softshrink": ("softshrink",),
    "soft_margin_loss": ("soft_margin_loss",), "SoftMarginLoss": ("soft_margin_loss",),
    "kl_div": ("kl_div",), "KLDivLoss": ("kl_div",),
}
_EVERY_LOSS = tuple(sorted({op for ops in OPS.values() for op in ops}))


def forbidden_ops(forbidden=()) -> dict[str, str]:
    """Map each aten operator a question refuses to the forbidden name that reaches it."""
    found: dict[str, str] = {}
    for name in forbidden:
        if not name.startswith("torch"):
            continue
        last = name.rsplit(".", 1)[-1]
        if name in ("torch.nn", "torch.nn.functional"):
            ops = _EVERY_LOSS
        else:
            ops = OPS.get(last, ())
        for op in ops:
            found.setdefault(op, name)
    return found



def _import_aliases(nodes) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    names[a.asname] = a.name
                else:
                    head = a.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _assigned_aliases(nodes, aliases: dict[str, str]) -> dict[str, str]:
    """``F = torch.nn.functional`` makes ``F`` an alias too (in order, like the notebook)."""
    out = dict(aliases)
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            chain = _dotted(node.value)
            if chain is not None:
                head, _, rest = chain.partition(".")
                if head in out:
                    out[node.targets[0].id] = out[head] + ("." + rest if rest else "")
    return out


def _reachable(tree: ast.Module, function: str) -> list[ast.AST]:
    """The definition of ``function`` and every top-level definition it refers to, transitively."""
    defs: dict[str, list[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = [node]  # the last definition wins, as when the notebook runs
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        defs.setdefault(n.id, []).append(node)
    todo, seen, found = [function], set(), []
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        for node in defs[name]:
            if node not in found:
                found.append(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in defs:
                    todo.append(sub.id)
    return found


def _matches(use: str, banned: str) -> bool:
    return use == banned or use.startswith(banned + ".")


_RESOLVED: dict[str, object] = {}


def _resolve(dotted: str):
    """The object a dotted name means, for torch/numpy/math/scipy names (None if unknown)."""
    if dotted in _RESOLVED:
        return _RESOLVED[dotted]
    parts = dotted.split(".")
    obj = None
    if parts[0] in ("torch", "numpy", "math", "scipy") and not any(p.startswith("_") or p in DENIED_ATTRS
                                                                   for p in parts[1:]):
        try:
            obj = importlib.import_module(parts[0]) if parts[0] in sys.modules or parts[0] != "scipy" else None
            for i, p in enumerate(parts[1:], start=1):
                if obj is None:
                    break
                nxt = getattr(obj, p, None)
                if nxt is None and isinstance(obj, types.ModuleType):
                    try:
                        nxt = importlib.import_module(".".join(parts[: i + 1]))
                    except Exception:  # noqa: BLE001 - not a module
                        nxt = None
                obj = nxt
        except Exception:  # noqa: BLE001 - an unknown name is simply not resolved
            obj = None
    _RESOLVED[dotted] = obj
    return obj


def _is_banned(full: str, banned) -> bool:
    if any(_matches(full, b) for b in banned):
        return True
    obj = _resolve(full)
    if obj is None:
        return False
    for b in banned:
        target = _resolve(b)
        if target is not None and obj is target:
            return True
        if isinstance(obj, types.ModuleType) and _matches(obj.__name__, b):
            return True
        module = getattr(obj, "__module__", None)
        if not isinstance(obj, types.ModuleType) and isinstance(module, str) and b.count(".") <= 1 \
                and _matches(module, b):  # a whole package such as "scipy" or "torch.distributions"
            return True
    return False


def dangerous_uses(nodes) -> list[str]:
    """Tools graded code may never use, wherever they appear in ``nodes``."""
    from .extract import module_allowed

    found: set[str] = set()
    bound: set[str] = set()  # names the submission binds itself (a parameter called ``input``)
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.arg):
                bound.add(sub.arg)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                bound.add(sub.id)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(sub.name)
    for node in nodes:
        literal_getattr = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "getattr":
                name = sub.args[1] if len(sub.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str) \
                        and not name.value.startswith("_") and name.value not in DENIED_ATTRS:
                    literal_getattr.add(id(sub.func))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and (sub.id in DYNAMIC or (sub.id.startswith("__") and sub.id.endswith("__"))):
                if (sub.id == "getattr" and id(sub) in literal_getattr) or (sub.id in bound and sub.id in DYNAMIC):
                    continue
                found.add("getattr with a computed or private name" if sub.id == "getattr" else sub.id)
            elif isinstance(sub, ast.Attribute):
                if sub.attr.startswith("__") or sub.attr in DENIED_ATTRS:
                    found.add(f".{sub.attr}")
            elif isinstance(sub, ast.Global):  # rebinding module names at call time
                found.add("global")
            elif isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if not module_allowed(a.name))
            elif isinstance(sub, ast.ImportFrom):
                if sub.level or not module_allowed(sub.module or "") or any(a.name == "*" for a in sub.names):
                    found.add(sub.module or "a relative import")
    return sorted(found)


def check_tree(tree: ast.Module, function: str, forbidden=(), aliases: dict | None = None) -> tuple[list, list]:
    """``(forbidden names used, dangerous tools used)`` by ``function`` and what it reaches."""
    top_aliases = _import_aliases(tree.body) if aliases is None else dict(aliases)
    top_aliases = _assigned_aliases(tree.body, top_aliases)
    banned = tuple(ALWAYS) + tuple(forbidden)
    reached = _reachable(tree, function)
    found: set[str] = set()
    for node in reached:
        local = dict(top_aliases)
        inner = [s for s in ast.walk(node) if isinstance(s, (ast.Import, ast.ImportFrom, ast.Assign))]
        local.update(_import_aliases(inner))
        local = _assigned_aliases(inner, local)
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                for full in _import_aliases([sub]).values():
                    if _is_banned(full, banned):
                        found.add(full)
            if isinstance(sub, (ast.Attribute, ast.Name)) and isinstance(getattr(sub, "ctx", None), ast.Load):
                chain = _dotted(sub)
                if chain is None:
                    continue
                head, _, rest = chain.partition(".")
                if head in local:
                    full = local[head] + ("." + rest if rest else "")
                    if _is_banned(full, banned):
                        found.add(full)
    # report the longest names only (F.kl_div rather than also "torch.nn.functional")
    names = sorted(u for u in found if not any(o != u and o.startswith(u + ".") for o in found))
    return names, dangerous_uses(reached)


def violations_in_source(source: str, function: str, forbidden=()) -> list[str]:
    """Forbidden names and dangerous tools used by ``function`` (and what it calls) in ``source``."""
    tree = ast.parse(source)
    names, dangerous = check_tree(tree, function, forbidden)
    return names + dangerous


def violations_in_function(fn, forbidden=()) -> list[str]:
    """The same check for a live function (used by ``lossedu.check`` in a student's kernel)."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    name = next((n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if name is None:
        return []
    header, helpers = [], []
    namespace = dict(getattr(fn, "__globals__", {}))
    for free, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            namespace[free] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    for head, value in namespace.items():
        if not head.isidentifier():
            continue
        if isinstance(value, types.ModuleType):
            header.append(f"import {value.__name__} as {head}")
            continue
        mod, attr = getattr(value, "__module__", None), getattr(value, "__name__", None)
        if not (callable(value) and isinstance(mod, str) and isinstance(attr, str)):
            continue
        if mod in ("__main__", "__submission__"):
            if value is not fn and isinstance(value, types.FunctionType):
                try:  # the student's own helpers, so that what the answer calls is checked too
                    helpers.append(textwrap.dedent(inspect.getsource(value)))
                except (OSError, TypeError):
                    pass
        elif all(part.isidentifier() for part in mod.split(".")) and attr.isidentifier():
            header.append(f"from {mod} import {attr} as {head}")
    names, dangerous = check_tree(ast.parse("\n".join(header + helpers) + "\n" + source), name, forbidden)
    return names + dangerous
