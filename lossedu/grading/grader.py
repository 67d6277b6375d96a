"""The instructor's grader: each submission in its own child process, compared here.

Expected values are computed in this process from the trusted reference
implementations, and compared with the plain data a child sends back, so a
submission that patches ``numpy``, ``torch`` or ``lossedu`` in its own process
changes nothing here.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .check import _clone
from .extract import definitions, exercise_of, read_notebook
from .forbidden import violations_in_source
from .registry import questions_for
from .spec import CaseResult, QuestionResult, compare, encode, forbidden_message

DEFAULT_TIMEOUT = 60.0
DEFAULT_CALL_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 4096


@dataclass
class SubmissionResult:
    submission: str
    exercise: str | None
    questions: list[QuestionResult] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return float(sum(q.score for q in self.questions))

    @property
    def max_score(self) -> float:
        return float(sum(q.max_score for q in self.questions))

    def to_json(self) -> dict:
        return {
            "submission": self.submission,
            "exercise": self.exercise,
            "score": self.score,
            "max_score": self.max_score,
            "error": self.error,
            "notes": self.notes,
            "questions": [
                {
                    "question": q.question,
                    "score": q.score,
                    "max_score": q.max_score,
                    "cases": [c.__dict__ for c in q.cases],
                }
                for q in self.questions
            ],
        }


def _run_child(request: dict, timeout: float) -> tuple[list | None, str]:
    """Run the child on ``request``; return (answers or None, error message)."""
    env = dict(os.environ)
    env["LOSSEDU_DEVICE"] = "cpu"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="lossedu-grade-") as workdir:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lossedu.grading.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=env,
            start_new_session=True,  # its own process group, so a timeout kills everything it started
        )
        try:
            out, err = proc.communicate(json.dumps(request).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            return None, f"timed out after {timeout:g} s (killed)"
        finally:
            _kill_group(proc)  # children the submission left behind
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return None, f"the submission's process failed (exit code {proc.returncode}): {tail[0][:300]}"
    try:
        answers = json.loads(out.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "the submission's process sent back something that is not an answer"
    if not isinstance(answers, list) or len(answers) != len(request["calls"]):
        return None, "the submission's process sent back the wrong number of answers"
    return answers, ""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def grade_notebook(
    path: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    include_hidden: bool = True,
) -> SubmissionResult:
    """Grade one submitted notebook. Never raises for a bad submission; never modifies it.

    ``timeout`` bounds the whole child process (it is killed with its process group);
    ``call_timeout`` bounds each call of a student function, so one endless function
    scores 0 on its own cases while the other questions are still graded;
    ``memory_mb`` caps the child's address space (0 for no cap).
    """
    path = Path(path)
    try:
        nb = read_notebook(path)
        exercise = exercise_of(nb)
        questions = questions_for(exercise)
    except ValueError as exc:
        return SubmissionResult(str(path), None, error=str(exc))

    source, notes = definitions(nb)
    plan = []  # (question, case, expected)
    calls = []
    for q in questions:
        for case in q.cases():
            if case.hidden and not include_hidden:
                continue
            expected = q.reference(*_clone(case.args), **_clone(case.kwargs))
            plan.append((q, case, expected))
            calls.append({"function": q.function, "args": encode(list(case.args)), "kwargs": encode(case.kwargs)})

    limits = {"cpu_seconds": int(timeout) + 5, "memory_mb": memory_mb}
    request = {"source": source, "calls": calls, "call_timeout": call_timeout, "limits": limits}
    answers, error = _run_child(request, timeout)
    banned = {q.name: violations_in_source(source, q.function, q.forbidden) for q in questions}
    by_question: dict[str, list[CaseResult]] = {q.name: [] for q in questions}
    for i, (q, case, expected) in enumerate(plan):
        label = case.label or f"case {len(by_question[q.name]) + 1}"
        if banned[q.name]:
            passed, message = False, forbidden_message(banned[q.name])
        elif answers is None:
            passed, message = False, error
        else:
            try:
                passed, message = compare(expected, answers[i], q.rtol, q.atol)
            except Exception as exc:  # noqa: BLE001 - a malformed answer scores 0
                passed, message = False, f"the answer could not be read ({type(exc).__name__})"
        by_question[q.name].append(CaseResult(label, case.points if passed else 0.0, case.points, passed, message))
    result = SubmissionResult(str(path), exercise, [QuestionResult(n, c) for n, c in by_question.items()], error, notes)
    return result


def grade_many(
    paths,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    jobs: int = 1,
    progress: bool = True,
    include_hidden: bool = True,
):
    """Grade many submissions, ``jobs`` at a time, with a progress bar. Order is kept."""
    paths = [Path(p) for p in paths]
    results: list[SubmissionResult | None] = [None] * len(paths)

    def work(i):
        results[i] = grade_notebook(
            paths[i], timeout=timeout, call_timeout=call_timeout, memory_mb=memory_mb, include_hidden=include_hidden
        )

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(paths), desc="grading", unit="notebook", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for _ in pool.map(work, range(len(paths))):
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return results


def write_csv(results, out: str | Path) -> None:
    """One row per submission: submission, score, max_score, then one column per question."""
    columns: list[str] = []
    for r in results:
        for q in r.questions:
            if q.question not in columns:
                columns.append(q.question)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "score", "max_score", *columns, "error"])
        for r in results:
            scores = {q.question: q.score for q in r.questions}
            writer.writerow(
                [r.submission, _num(r.score), _num(r.max_score), *(_num(scores[c]) if c in scores else "" for c in columns), r.error]
            )


def _num(x: float) -> str:
    return f"{x:g}"
