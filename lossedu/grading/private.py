"""The instructor's private cases: a seed (and optional extra cases) kept outside the repository.

The package holds only the public cases, which students see through
:func:`lossedu.check`. The hidden cases are built at grading time from a
private seed: ``lossedu private-template private.json`` writes a fresh random
one, and ``lossedu grade ... --private private.json`` uses it. The file is
JSON::

    {
      "format": "lossedu-private/1",
      "seed": 6023409858227316717,
      "cases": {
        "ch03.entropy": [
          {"args": [{"__tensor__": [0.1, 0.9], "dtype": "float64", "shape": [2]}],
           "kwargs": {}, "points": 1, "label": "my own case"}
        ]
      }
    }

``cases`` is optional: extra hidden cases per question, in the grader's plain-data
format (a tensor is ``{"__tensor__": nested list, "dtype": ..., "shape": [...]}``;
numbers, strings, lists and dicts are themselves). Keep the file out of the
repository and out of anything students can read; with the same seed, the
same hidden cases come back, so grades can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .spec import Case, Question, decode

FORMAT = "lossedu-private/1"


@dataclass(frozen=True)
class Private:
    seed: int
    extra: dict = field(default_factory=dict)  # question name -> list of Case
    source: str = ""

    @property
    def fingerprint(self) -> str:
        """A short digest that identifies the hidden cases (recorded in feedback, for --resume)."""
        blob = json.dumps({"seed": self.seed, "extra": sorted(self.extra)}, sort_keys=True).encode()
        return hashlib.sha256(blob + self.source.encode()).hexdigest()[:16]

    def cases_for(self, question: Question) -> list[Case]:
        return question.hidden_cases(question_seed(self.seed, question.name)) + list(self.extra.get(question.name, []))


def question_seed(seed: int, name: str) -> int:
    """One question's seed, derived from the private seed (different for every question)."""
    digest = hashlib.sha256(f"{int(seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % (2**62)


def load(path: str | os.PathLike) -> Private:
    """Read a private-cases file; a ValueError says what is wrong with it."""
    from .registry import all_questions

    from .extract import read_bytes

    try:
        data = json.loads(read_bytes(path, limit=64 * 1024 * 1024).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"{path}: not a private-cases file: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a private-cases file (expected \"format\": \"{FORMAT}\")")
    seed = data.get("seed")
    if type(seed) is not int or seed < 0:
        raise ValueError(f"{path}: \"seed\" must be a non-negative integer")
    extra: dict[str, list[Case]] = {}
    known = all_questions()
    for name, items in (data.get("cases") or {}).items():
        if name not in known:
            raise ValueError(f"{path}: unknown question {name!r} in \"cases\"")
        if not isinstance(items, list):
            raise ValueError(f"{path}: \"cases\" of {name} must be a list")
        cases = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise ValueError(f"{path}: case {i} of {name} must be an object")
            try:
                args = tuple(decode(item.get("args", [])))
                kwargs = dict(decode(item.get("kwargs", {})))
                points = float(item.get("points", 1))
            except Exception as exc:  # noqa: BLE001 - report which case is malformed
                raise ValueError(f"{path}: case {i} of {name} cannot be read: {exc}") from None
            cases.append(Case(args, kwargs, points, str(item.get("label") or f"private case {i}"), hidden=True))
        extra[name] = cases
    return Private(seed, extra, str(Path(path)))


def template() -> dict:
    """A new private-cases file: a fresh random seed and an empty list of extra cases per question."""
    from .registry import all_questions

    return {
        "format": FORMAT,
        "seed": secrets.randbits(62),
        "about": ("Private grading cases for lossedu. Keep this file out of the repository and away from "
                  "students. The seed builds every question's hidden cases; add extra cases per question "
                  "below (tensors as {\"__tensor__\": [...], \"dtype\": \"float64\", \"shape\": [...]})."),
        "cases": {name: [] for name in all_questions()},
    }


def write_template(path: str | os.PathLike) -> Path:
    """Write :func:`template` to ``path`` (mode 0600); never overwrites an existing file."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(template(), fh, indent=2)
        fh.write("\n")
    return path


def inside_a_repository(path: str | os.PathLike) -> Path | None:
    """The git working tree that contains ``path``, if any (private files belong outside)."""
    p = Path(path).resolve().parent
    for folder in (p, *p.parents):
        if (folder / ".git").exists():
            return folder
    return None
