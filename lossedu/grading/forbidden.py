"""Forbidden APIs: a question that asks you to implement cross-entropy is not answered
by calling ``torch.nn.functional.cross_entropy`` (or ``lossedu`` itself).

The check is static: it reads the answer's source, follows the functions it calls
among the submission's own definitions, resolves import aliases
(``import torch.nn.functional as F`` makes ``F.kl_div`` mean
``torch.nn.functional.kl_div``) and reports every use of a forbidden name.
Dynamic tricks that would hide a name (``eval``, ``exec``, ``__import__``,
``importlib``, ``getattr`` with a computed name) are refused as well.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types

ALWAYS = ("lossedu",)
DYNAMIC = {"eval", "exec", "compile", "__import__", "importlib", "globals", "locals", "vars", "getattr", "setattr", "__builtins__"}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _aliases(tree: ast.AST) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
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


def _reachable(tree: ast.Module, function: str) -> list[ast.AST]:
    """The definition of ``function`` and every top-level definition it refers to, transitively."""
    defs: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node  # the last definition wins, as when the notebook runs
    todo, seen = [function], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        for sub in ast.walk(defs[name]):
            if isinstance(sub, ast.Name) and sub.id in defs:
                todo.append(sub.id)
    return [defs[n] for n in seen]


def _matches(use: str, banned: str) -> bool:
    return use == banned or use.startswith(banned + ".")


def violations_in_source(source: str, function: str, forbidden=()) -> list[str]:
    """Forbidden names used by ``function`` (and what it calls) in a submission's source."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    banned = tuple(ALWAYS) + tuple(forbidden)
    found: set[str] = set()
    for node in _reachable(tree, function):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in DYNAMIC:
                found.add(sub.id)
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                local = _aliases(ast.Module(body=[sub], type_ignores=[]))
                for full in local.values():
                    if any(_matches(full, b) for b in banned):
                        found.add(full)
            if isinstance(sub, (ast.Attribute, ast.Name)) and isinstance(getattr(sub, "ctx", None), ast.Load):
                chain = _dotted(sub)
                if chain is None:
                    continue
                head, _, rest = chain.partition(".")
                if head in aliases:
                    full = aliases[head] + ("." + rest if rest else "")
                    if any(_matches(full, b) for b in banned):
                        found.add(full)
    # report the longest names only (F.kl_div rather than also "torch.nn.functional")
    return sorted(u for u in found if not any(o != u and o.startswith(u + ".") for o in found))


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
    return violations_in_source("\n".join(header + helpers) + "\n" + source, name, forbidden)
