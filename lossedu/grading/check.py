"""``lossedu.check``: instant feedback on the public cases, inside the student's notebook."""

from __future__ import annotations

import functools

from .registry import get_question
from .forbidden import forbidden_ops, violations_in_function
from .spec import CaseResult, QuestionResult, case_line, compare, encode_answer, forbidden_message, ops_message


def run_cases(question, fn, cases) -> QuestionResult:
    """Call ``fn`` on each case and compare with the reference. Never raises because of ``fn``."""
    banned = violations_in_function(fn, question.forbidden)
    if banned:
        message = forbidden_message(banned)
        return QuestionResult(
            question.name, [CaseResult(c.label or f"case {i}", 0.0, c.points, False, message) for i, c in enumerate(cases, 1)]
        )
    refused = forbidden_ops(question.forbidden)
    results = []
    for i, case in enumerate(cases, start=1):
        label = case.label or f"case {i}"
        expected = question.reference(*_clone(case.args), **_clone(case.kwargs))
        try:
            args, kwargs = _clone(case.args), _clone(case.kwargs)
            record = _recorder()()
            with record:  # the aten operators the call reaches, as the grader sees them
                value = fn(*args, **kwargs)
            hit = {op: refused[op] for op in record.ops if op in refused}
            if hit:
                results.append(CaseResult(label, 0.0, case.points, False, ops_message(hit)))
                continue
            got = encode_answer(value)
        except NotImplementedError:
            results.append(CaseResult(label, 0.0, case.points, False, "not implemented yet"))
            continue
        except Exception as exc:  # noqa: BLE001 - feedback, not a crash
            results.append(CaseResult(label, 0.0, case.points, False, f"raised {type(exc).__name__}: {exc}"))
            continue
        passed, message = compare(expected, got, question.rtol, question.atol)
        results.append(CaseResult(label, case.points if passed else 0.0, case.points, passed, message))
    return QuestionResult(question.name, results)


def check(name: str, fn, *, verbose: bool = True) -> QuestionResult | None:
    """Run the public cases of question ``name`` on ``fn``.

    With ``verbose`` (the default) the feedback is printed and nothing is returned, so a
    notebook cell shows the feedback once; otherwise the result is returned silently.
    """
    question = get_question(name)
    result = run_cases(question, fn, question.public_cases())
    if not verbose:
        return result
    print(render(result, hidden_points=question.max_score() - question.max_score(include_hidden=False)))
    return None


def render(result: QuestionResult, hidden_points: float = 0.0) -> str:
    lines = [f"{result.question}"]
    messages = {c.message for c in result.cases}
    if result.cases and messages == {"not implemented yet"}:
        lines.append("  ✗ not implemented yet: replace `raise NotImplementedError` with your code")
    elif len(messages) == 1 and next(iter(messages)).startswith("uses "):
        lines.append(f"  ✗ {next(iter(messages))}")
    else:
        lines.extend(case_line(c) for c in result.cases)
    lines.append(f"  score: {_pts(result.score)}/{_pts(result.max_score)} points on the public cases")
    if hidden_points:
        more = "point" if hidden_points == 1 else "points"
        lines.append(f"  (hidden cases add {_pts(hidden_points)} more {more} when your notebook is graded)")
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _recorder():
    import torch

    from .runner import _recorder as make

    return make(torch)


def _pts(x: float) -> str:
    return f"{x:g}"


def _clone(obj):
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, tuple):
        return tuple(_clone(o) for o in obj)
    if isinstance(obj, list):
        return [_clone(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _clone(v) for k, v in obj.items()}
    return obj
