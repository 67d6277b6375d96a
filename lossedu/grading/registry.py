"""Find every graded question: one module per exercise in :mod:`lossedu.grading.questions`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .spec import Question


@lru_cache(maxsize=None)
def all_questions() -> dict[str, Question]:
    """Map ``"chNN.name"`` to its :class:`Question`, in the order the modules list them."""
    from . import questions as pkg

    found: dict[str, Question] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for q in getattr(module, "QUESTIONS", []):
            if q.name in found:
                raise RuntimeError(f"question {q.name!r} is defined twice")
            found[q.name] = q
    return found


def get_question(name: str) -> Question:
    questions = all_questions()
    if name not in questions:
        known = ", ".join(sorted(questions))
        raise ValueError(f"unknown question {name!r}; known questions: {known}")
    return questions[name]


def questions_for(exercise: str) -> list[Question]:
    """The questions of one exercise notebook (e.g. ``"ch03"``), in order."""
    qs = [q for q in all_questions().values() if q.exercise == exercise]
    if not qs:
        known = sorted({q.exercise for q in all_questions().values()})
        raise ValueError(f"unknown exercise {exercise!r}; known exercises: {', '.join(known)}")
    return qs
