"""The instructor's grader: each submission in its own sandboxed runner, compared here.

For one submission the grader reads the notebook (regular files only, size
capped), keeps its definitions (:mod:`.extract`), checks every question
statically (:mod:`.forbidden`), computes the expected values from the trusted
references *in this process*, and sends only the definitions and the inputs to
a runner (:mod:`.runner`) started in a bubblewrap sandbox (:mod:`.sandbox`).
What comes back is read with hard byte caps and a deadline, decoded with depth
and size limits, checked against each question's forbidden aten operators, and
compared here. Nothing a submission does in its process changes the expected
values, and nothing it does can stop the batch: every failure becomes a message
in that submission's row.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .check import _clone
from .extract import NotebookError, exercise_of, read_bytes, select
from .forbidden import check_tree, forbidden_ops
from .registry import questions_for
from .spec import CaseResult, QuestionResult, compare, encode, forbidden_message, ops_message

DEFAULT_TIMEOUT = None  # the whole runner: by default the sum of the budgets below, plus start-up
DEFAULT_CALL_TIMEOUT = 10.0
DEFAULT_QUESTION_TIMEOUT = 30.0
DEFAULT_DEFS_TIMEOUT = 20.0
DEFAULT_MEMORY_MB = 4096
STARTUP_SECONDS = 60.0  # interpreter and torch import, on a loaded machine
STDOUT_CAP = 32 * 1024 * 1024
STDERR_CAP = 1024 * 1024
LINE_CAP = 8 * 1024 * 1024 + 4096
MAX_DEPTH = 32
MAX_ELEMENTS = 2_000_000
GRADER_VERSION = "2"


def clean(text, limit: int = 500) -> str:
    """A printable, valid-UTF-8, bounded version of any message (lone surrogates included)."""
    try:
        text = str(text)
    except Exception:  # noqa: BLE001
        text = "(an unprintable message)"
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text[: limit * 2])
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class SubmissionResult:
    submission: str
    exercise: str | None
    questions: list[QuestionResult] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)
    sandboxed: bool | None = None
    digest: str = ""
    private: str = ""
    seconds: float = 0.0

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
            "sandboxed": self.sandboxed,
            "submission_sha256": self.digest,
            "private": self.private,
            "grader_version": GRADER_VERSION,
            "seconds": round(self.seconds, 3),
            "questions": [
                {
                    "question": q.question,
                    "score": q.score,
                    "max_score": q.max_score,
                    "cases": [dict(c.__dict__) for c in q.cases],
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> "SubmissionResult":
        questions = [
            QuestionResult(q["question"], [CaseResult(**c) for c in q["cases"]]) for q in data.get("questions", [])
        ]
        return cls(data["submission"], data.get("exercise"), questions, data.get("error", ""),
                   list(data.get("notes", [])), data.get("sandboxed"), data.get("submission_sha256", ""),
                   data.get("private", ""), float(data.get("seconds", 0.0)))


# --------------------------------------------------------------------------- the child
@dataclass
class ChildOutput:
    lines: list = field(default_factory=list)
    error: str = ""  # why the runner stopped early, if it did
    stderr: bytes = b""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_child(request: dict, deadline: float, command: tuple | None = None) -> tuple[ChildOutput, bool]:
    """Run one runner on ``request`` with hard caps; return its output and whether it was sandboxed.

    ``command`` is ``(argv, sandboxed)`` to force one (the benchmark compares both); by
    default a sandboxed zygote serves it when bubblewrap allows (:mod:`.zygote`)."""
    if command is None and sandbox.zygote_status()[0]:
        from . import zygote

        records, error = zygote.run(request, deadline, STDOUT_CAP)
        result = ChildOutput(records, error)
        if not error and not any(r.get("done") for r in records):
            result.error = "the submission's process stopped early (it crashed or went over a limit)"
        return result, True
    cmd, sandboxed = command or sandbox.command()
    payload = json.dumps(request).encode()
    env = dict(sandbox.ENV)
    with tempfile.TemporaryDirectory(prefix="lossedu-grade-") as workdir:
        env["HOME"] = env["TMPDIR"] = workdir
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=workdir, env=env, start_new_session=True,  # its own process group, killed as one
        )
        try:
            return _communicate(proc, payload, deadline), sandboxed
        finally:
            _kill_group(proc)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _communicate(proc: subprocess.Popen, payload: bytes, deadline: float) -> ChildOutput:
    result = ChildOutput()

    def feed():
        try:
            proc.stdin.write(payload)
            proc.stdin.close()
        except (OSError, ValueError):
            pass

    threading.Thread(target=feed, daemon=True).start()
    sel = selectors.DefaultSelector()
    for stream in (proc.stdout, proc.stderr):
        os.set_blocking(stream.fileno(), False)
        sel.register(stream, selectors.EVENT_READ)
    out = bytearray()
    err_size = 0
    err_head = bytearray()
    exited_at = None
    end = time.monotonic() + deadline
    open_streams = 2
    while open_streams:
        now = time.monotonic()
        if now >= end:
            result.error = f"timed out after {deadline:g} s (killed)"
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > 1.0:
            break  # something the submission started still holds the pipes: stop reading
        for key, _ in sel.select(timeout=min(0.5, end - now)):
            try:
                chunk = os.read(key.fileobj.fileno(), 1 << 16)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.fileobj is proc.stdout:
                out += chunk
                if len(out) > STDOUT_CAP:
                    result.error = f"sent back more than {STDOUT_CAP // (1024 * 1024)} MiB of answers (killed)"
                    break
            else:
                err_size += len(chunk)
                if len(err_head) < 8192:
                    err_head += chunk[: 8192 - len(err_head)]
                if err_size > STDERR_CAP:
                    result.error = f"printed more than {STDERR_CAP // 1024} KiB (killed)"
                    break
        if result.error:
            break
    sel.close()
    _kill_group(proc)
    result.stderr = bytes(err_head)
    lines = bytes(out).split(b"\n")
    for line in lines[:-1]:  # a last line without its newline is incomplete
        if len(line) > LINE_CAP:
            result.error = result.error or "sent back an answer that is too large"
            break
        try:
            record = json.loads(line.decode("utf-8", errors="replace"))
        except (ValueError, RecursionError, MemoryError):
            result.error = result.error or "sent back something that is not an answer"
            break
        if not isinstance(record, dict):
            result.error = result.error or "sent back something that is not an answer"
            break
        result.lines.append(record)
    if not result.error and not any(r.get("done") for r in result.lines):
        code = proc.poll()
        tail = clean(bytes(err_head).decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no message"], 200)
        result.error = f"the submission's process stopped early (exit code {code}): {tail}"
    return result


def _safe_answer(value) -> bool:
    """Depth and size limits on a decoded answer, checked without recursion."""
    stack = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_ELEMENTS:
            return False
        if isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**1024:
            return False
    return True


# --------------------------------------------------------------------------- one submission
def grade_notebook(
    path: str | Path,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    question_timeout: float = DEFAULT_QUESTION_TIMEOUT,
    defs_timeout: float = DEFAULT_DEFS_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    include_hidden: bool = True,
    private=None,
) -> SubmissionResult:
    """Grade one submitted notebook. Never raises for a bad submission; never modifies it.

    ``call_timeout`` bounds each call of a student function and ``question_timeout``
    all the calls of one question (the runner kills that question's process when it
    runs out), so one endless function scores 0 on its own cases while the other
    questions are still graded; ``timeout`` (default: the sum of the budgets plus
    start-up) bounds the whole runner; ``memory_mb`` caps its address space (0: no cap).
    The hidden cases come from ``private`` (a :class:`~lossedu.grading.private.Private`);
    without it only the public cases are graded.
    """
    start = time.monotonic()
    try:
        result = _grade(Path(path), timeout, call_timeout, question_timeout, defs_timeout, memory_mb,
                        include_hidden, private)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
        result = SubmissionResult(str(path), None, error=clean(f"the grader could not grade this submission: "
                                                               f"{type(exc).__name__}: {exc}"))
    result.seconds = time.monotonic() - start
    if private is not None:
        result.private = private.fingerprint
    return result


def build_request(chosen: dict, questions, call_timeout=DEFAULT_CALL_TIMEOUT, question_timeout=DEFAULT_QUESTION_TIMEOUT,
                  defs_timeout=DEFAULT_DEFS_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB, private=None) -> dict:
    """The runner's request for a notebook's chosen definitions and the public (and private) cases."""
    return {
        "statements": chosen["statements"], "future": chosen["future"], "call_timeout": call_timeout,
        "defs_timeout": defs_timeout, "limits": {"memory_mb": memory_mb, "file_mb": 16},
        "questions": [
            {"function": q.function, "budget": question_timeout,
             "cases": [{"args": encode(list(c.args)), "kwargs": encode(c.kwargs)}
                       for c in q.public_cases() + (private.cases_for(q) if private is not None else [])]}
            for q in questions
        ],
    }


def _grade(path, timeout, call_timeout, question_timeout, defs_timeout, memory_mb, include_hidden, private):
    try:
        data = read_bytes(path)
    except NotebookError as exc:
        return SubmissionResult(str(path), None, error=clean(exc))
    digest = hashlib.sha256(data).hexdigest()
    try:
        try:
            nb = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
            raise NotebookError(f"{path} is not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}") from None
        if not isinstance(nb, dict):
            raise NotebookError(f"{path} is not a readable notebook: the top level is not an object")
        exercise = exercise_of(nb)
        questions = questions_for(exercise)
        chosen = select(nb)
    except ValueError as exc:
        return SubmissionResult(str(path), None, error=clean(exc), digest=digest)
    notes = [clean(n, 300) for n in chosen["notes"][:50]]

    plan = []  # per question: (question, [(case, expected)], static message)
    for q in questions:
        cases = list(q.public_cases())
        if include_hidden and private is not None:
            cases += private.cases_for(q)
        names, dangerous = check_tree(chosen["tree"], q.function, q.forbidden, aliases=chosen["aliases"])
        message = ""
        if names:
            message = forbidden_message(names)
        if dangerous:
            message = (message + "; it also " if message else "") + (
                f"uses {', '.join(dangerous)}, which graded code may not use (it could reach around the grader)")
        rows = []
        for case in cases:
            try:
                expected = q.reference(*_clone(case.args), **_clone(case.kwargs))
                rows.append((case, expected, ""))
            except Exception as exc:  # noqa: BLE001 - a broken private case costs nobody marks silently
                rows.append((case, None, f"the grader's reference failed on this case: {type(exc).__name__}: {exc}"))
        plan.append((q, rows, message))

    to_run = [(i, q, rows) for i, (q, rows, message) in enumerate(plan) if not message]
    request = {
        "statements": chosen["statements"],
        "future": chosen["future"],
        "call_timeout": call_timeout,
        "defs_timeout": defs_timeout,
        "limits": {"memory_mb": memory_mb, "file_mb": 16},
        "questions": [
            {"function": q.function, "budget": question_timeout,
             "cases": [{"args": encode(list(c.args)), "kwargs": encode(c.kwargs)} for c, _, _ in rows]}
            for _, q, rows in to_run
        ],
    }
    answers: dict = {}
    q_errors: dict = {}
    stop = ""
    sandboxed = None
    if to_run:
        deadline = timeout if timeout else STARTUP_SECONDS + defs_timeout + question_timeout * len(to_run) + 5
        output, sandboxed = run_child(request, deadline)
        defs_ok = False
        for record in output.lines:
            if "defs" in record:
                if record.get("defs") == "ok":
                    defs_ok = True
                    for e in (record.get("errors") or [])[:20]:
                        notes.append(clean(f"a definition failed to run: {e}", 300))
                else:
                    stop = clean(record.get("message", "the definitions failed to run"))
            elif "q" in record and isinstance(record.get("q"), int) and 0 <= record["q"] < len(to_run):
                if "error" in record:
                    q_errors[record["q"]] = (int(record.get("from") or 0), clean(record["error"]))
                elif isinstance(record.get("c"), int):
                    answers[(record["q"], record["c"])] = (record.get("answer"), record.get("ops") or [])
        if not stop:
            stop = clean(output.error) if output.error else ""
            if not defs_ok and not stop:
                stop = "the submission's process sent back no answers"

    results = []
    run_index = {i: k for k, (i, _, _) in enumerate(to_run)}
    for i, (q, rows, message) in enumerate(plan):
        refused = forbidden_ops(q.forbidden)
        out = []
        for c, (case, expected, ref_error) in enumerate(rows):
            label = clean(case.label or f"case {c + 1}", 200)
            if message:
                passed, why = False, message
            elif ref_error:
                passed, why = False, clean(ref_error)
            else:
                k = run_index[i]
                if (k, c) in answers:
                    passed, why = _judge(q, expected, *answers[(k, c)], refused)
                elif k in q_errors and c >= q_errors[k][0]:
                    passed, why = False, q_errors[k][1]
                else:
                    passed, why = False, stop or "no answer came back"
            out.append(CaseResult(label, case.points if passed else 0.0, case.points, passed, clean(why), case.hidden))
        results.append(QuestionResult(q.name, out))
    error = "" if chosen["statements"] else "the notebook defines nothing that can be graded (no code cells with definitions)"
    return SubmissionResult(str(path), exercise, results, error, notes, sandboxed, digest)


def _judge(q, expected, answer, ops, refused) -> tuple[bool, str]:
    if not isinstance(ops, list):
        return False, "the submission's process sent back a malformed answer"
    hit = {op: refused[op] for op in ops if isinstance(op, str) and op in refused}
    if hit:
        return False, ops_message(hit)
    if not _safe_answer(answer):
        return False, "the answer is nested too deeply or is too large"
    try:
        return compare(expected, answer, q.rtol, q.atol)
    except Exception as exc:  # noqa: BLE001 - a malformed answer scores 0
        return False, f"the answer could not be read ({type(exc).__name__})"


# --------------------------------------------------------------------------- a batch
def grade_many(
    paths,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
    question_timeout: float = DEFAULT_QUESTION_TIMEOUT,
    defs_timeout: float = DEFAULT_DEFS_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    jobs: int = 1,
    progress: bool = True,
    include_hidden: bool = True,
    private=None,
    done=None,
    on_result=None,
):
    """Grade many submissions, ``jobs`` at a time, with a progress bar. Order is kept.

    ``done`` maps an index to an earlier :class:`SubmissionResult` to reuse (``--resume``);
    ``on_result(index, result)`` is called as each submission finishes (to save it at once).
    """
    paths = [Path(p) for p in paths]
    results: list[SubmissionResult | None] = [None] * len(paths)
    for i, r in (done or {}).items():
        results[i] = r
    todo = [i for i in range(len(paths)) if results[i] is None]

    def work(i):
        return grade_notebook(paths[i], timeout=timeout, call_timeout=call_timeout,
                              question_timeout=question_timeout, defs_timeout=defs_timeout,
                              memory_mb=memory_mb, include_hidden=include_hidden, private=private)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(paths), initial=len(paths) - len(todo), desc="grading", unit="notebook",
                   file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(work, i): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:  # noqa: BLE001 - never lose the batch
                results[i] = SubmissionResult(str(paths[i]), None, error=clean(f"the grader failed: {exc}"))
            if on_result is not None:
                try:
                    on_result(i, results[i])
                except Exception as exc:  # noqa: BLE001
                    print(f"lossedu grade: could not save a result: {clean(exc)}", file=sys.stderr)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    from .zygote import shutdown

    shutdown()
    return results


def write_csv(results, out: str | Path) -> None:
    """One row per submission: submission, score, max_score, one column per question, error."""
    from .report import write_csv as _write

    _write(results, out)
