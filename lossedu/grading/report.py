"""What the grader writes: the CSV gradebook, per-student feedback, Gradescope's
``results.json`` and a summary of the class.

Every file is written atomically: to a new temporary file in the same folder,
then renamed over the target. A rename replaces a symbolic link instead of
writing through it, so a link planted where an output goes cannot redirect it.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from .spec import case_line


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:60]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _num(x: float) -> str:
    return f"{x:g}"


def write_csv(results, out: str | Path) -> None:
    """One row per submission: submission, score, max_score, one column per question, error."""
    columns: list[str] = []
    for r in results:
        for q in r.questions:
            if q.question not in columns:
                columns.append(q.question)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "score", "max_score", *columns, "error"])
    for r in results:
        scores = {q.question: q.score for q in r.questions}
        writer.writerow([r.submission, _num(r.score), _num(r.max_score),
                         *(_num(scores[c]) if c in scores else "" for c in columns), r.error])
    atomic_write(out, buffer.getvalue())


# --------------------------------------------------------------------------- per student
def feedback_name(submission: str) -> str:
    """A stable file name for one submission's feedback: its stem plus a digest of its path."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(submission).stem)[:60] or "submission"
    key = hashlib.sha256(os.path.abspath(submission).encode("utf-8", errors="replace")).hexdigest()[:10]
    return f"{stem}-{key}"


def feedback_text(r) -> str:
    lines = [f"{r.submission}", f"exercise {r.exercise or '?'}: {_num(r.score)}/{_num(r.max_score)} points"]
    if r.error:
        lines.append(f"error: {r.error}")
    if r.sandboxed is False:
        lines.append("(graded without a sandbox)")
    for note in r.notes:
        lines.append(f"note: {note}")
    for q in r.questions:
        lines.append("")
        lines.append(f"{q.question}: {_num(q.score)}/{_num(q.max_score)}")
        lines.extend(case_line(c, points=True) for c in q.cases)
    return "\n".join(lines) + "\n"


def feedback_html(r) -> str:
    e = html.escape
    rows = []
    for q in r.questions:
        rows.append(f"<tr class='q'><th colspan='3'>{e(q.question)}</th><th>{_num(q.score)}/{_num(q.max_score)}</th></tr>")
        for c in q.cases:
            mark = "✓" if c.passed else "✗"
            rows.append(f"<tr class='{'pass' if c.passed else 'fail'}'><td>{mark}</td><td>{e(c.label)}</td>"
                        f"<td>{e(c.message if not c.passed else '')}</td><td>{_num(c.points)}/{_num(c.max_points)}</td></tr>")
    notes = "".join(f"<li>{e(n)}</li>" for n in r.notes)
    error = f"<p class='error'>{e(r.error)}</p>" if r.error else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(Path(r.submission).name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.2em .6em;text-align:left;vertical-align:top}}
tr.q th{{background:#eee}}tr.fail td:first-child{{color:#b00}}tr.pass td:first-child{{color:#070}}.error{{color:#b00}}</style>
</head><body>
<h1>{e(Path(r.submission).name)}</h1>
<p>Exercise {e(r.exercise or '?')}: <strong>{_num(r.score)}/{_num(r.max_score)}</strong> points</p>
{error}{f'<ul>{notes}</ul>' if notes else ''}
<table>{''.join(rows)}</table>
</body></html>
"""


def write_feedback(r, folder: str | Path) -> Path:
    """``NAME.json``, ``NAME.txt`` and ``NAME.html`` for one submission; returns the JSON path."""
    folder = Path(folder)
    name = feedback_name(r.submission)
    atomic_write(folder / f"{name}.txt", feedback_text(r))
    atomic_write(folder / f"{name}.html", feedback_html(r))
    return atomic_write(folder / f"{name}.json", json.dumps(r.to_json(), indent=2, ensure_ascii=False))


def load_feedback(folder: str | Path, submission: str):
    """An earlier result for ``submission`` from ``folder`` (None when there is none)."""
    from .grader import SubmissionResult

    path = Path(folder) / f"{feedback_name(submission)}.json"
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return SubmissionResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- Gradescope
def gradescope(r) -> dict:
    """Gradescope's autograder ``results.json`` for one submission.

    Public cases are visible at once; hidden cases after the grades are published.
    """
    tests = []
    for qi, q in enumerate(r.questions, 1):
        for ci, c in enumerate(q.cases, 1):
            tests.append({
                "name": f"{q.question}: {c.label}",
                "number": f"{qi}.{ci}",
                "score": c.points,
                "max_score": c.max_points,
                "status": "passed" if c.passed else "failed",
                "output": "" if c.passed else c.message,
                "visibility": "after_published" if c.hidden else "visible",
            })
    output = [f"{_num(r.score)}/{_num(r.max_score)} points"]
    if r.error:
        output.append(f"error: {r.error}")
    output += [f"note: {n}" for n in r.notes]
    return {
        "score": r.score,
        "output": "\n".join(output),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


# --------------------------------------------------------------------------- the class
def summary(results, top: int = 5) -> str:
    """Score distribution and the most-failed cases, as text."""
    graded = [r for r in results if not r.error and r.max_score > 0]
    lines = [f"{len(results)} submissions: {len(graded)} graded, {len(results) - len(graded)} with an error"]
    if graded:
        pct = [100.0 * r.score / r.max_score for r in graded]
        lines.append(f"score (% of max): mean {statistics.fmean(pct):.1f}, median {statistics.median(pct):.1f}, "
                     f"min {min(pct):.1f}, max {max(pct):.1f}")
        bins = Counter(min(int(p // 10), 9) for p in pct)
        width = max(bins.values())
        for b in range(10):
            n = bins.get(b, 0)
            bar = "#" * max(0, round(30 * n / width)) if n else ""
            lines.append(f"  {b * 10:3d}-{b * 10 + 10:3d}% {n:5d} {bar}")
        failed = Counter()
        for r in graded:
            for q in r.questions:
                for c in q.cases:
                    if not c.passed:
                        failed[(q.question, c.label)] += 1
        if failed:
            lines.append(f"most-failed cases (of {len(graded)} graded):")
            for (q, label), n in failed.most_common(top):
                lines.append(f"  {n:5d}  {q}: {label}")
    return "\n".join(lines)
