"""Grading, end to end: the student's check, the instructor's grader and the exercise files.

Each test can fail: solutions must score full marks, stubs zero, sabotaged
submissions less, and a cheating or endless submission must not gain anything.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _helpers import digest as _digest, with_cell as _with_cell

import lossedu
from lossedu.grading import all_questions, questions_for
from lossedu.grading.extract import definitions, exercise_of
from lossedu.grading.grader import grade_many, grade_notebook, write_csv
from lossedu.notebooks import stale_exercises, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))




def test_there_are_notebooks_and_questions():
    assert SOLUTIONS, "no solution notebooks found"
    assert len(SOLUTIONS) == len(EXERCISES)
    for path in SOLUTIONS:
        exercise = exercise_of(json.loads(path.read_text()))
        assert len(questions_for(exercise)) >= 4, f"{path.name} has fewer than four graded questions"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_solution_scores_full_marks(path):
    before = _digest(path)
    result = grade_notebook(path)
    assert result.error == ""
    failed = [(q.question, c.label, c.message) for q in result.questions for c in q.cases if not c.passed]
    assert not failed, failed
    assert result.score == result.max_score > 0
    assert _digest(path) == before, "grading modified the submission"


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_every_untouched_exercise_scores_zero(path):
    result = grade_notebook(path)
    assert result.error == ""
    assert result.max_score > 0
    assert result.score == 0
    messages = {c.message for q in result.questions for c in q.cases}
    assert messages == {"not implemented yet"}


def test_exercises_are_generated_from_solutions():
    assert stale_exercises(ROOT) == []


def test_every_graded_question_is_asked_and_checked_in_its_notebook():
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for q in questions_for(nb.metadata["lossedu"]["exercise"]):
            assert f"def {q.function}(" in text, f"{path.name} never defines {q.function}"
            assert f'lossedu.check("{q.name}"' in text, f"{path.name} never checks {q.name}"
            assert q.hidden_cases(0), f"{q.name} has no hidden case"
            assert q.public_cases(), f"{q.name} has no public case"


def test_the_package_holds_only_public_cases_and_hidden_ones_depend_on_the_private_seed():
    for q in all_questions().values():
        assert not any(c.hidden for c in q.cases()), f"{q.name} ships a hidden case inside the package"
        one, two = q.hidden_cases(1), q.hidden_cases(2)
        # the same number of cases, labels and points for every seed; different values
        assert [(c.label, c.points) for c in one] == [(c.label, c.points) for c in two]
        assert repr([c.args for c in one]) != repr([c.args for c in two]), q.name


def test_points_announced_in_a_heading_are_what_the_question_is_worth():
    import re

    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        worth = {q.name: q.max_score() for q in questions_for(nb.metadata["lossedu"]["exercise"])}
        announced = None
        for cell in nb.cells:
            heading = re.search(r"## Question \d+:.*\((\d+) points?\)", cell.source)
            if cell.cell_type == "markdown" and heading:
                announced = int(heading.group(1))
            checked = re.search(r'lossedu\.check\("([^"]+)"', cell.source)
            if cell.cell_type == "code" and checked and announced is not None:
                assert announced == worth[checked.group(1)], f"{path.name}: {checked.group(1)}"
                announced = None


def test_strip_solutions_keeps_indentation_and_rejects_unclosed_regions():
    src = "def f(x):\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n    # END SOLUTION\n"
    assert strip_solutions(src) == (
        'def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError("write your answer here")'
    )
    with pytest.raises(ValueError, match="never closed"):
        strip_solutions("# BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(ValueError, match="END SOLUTION without"):
        strip_solutions("x = 1\n# END SOLUTION\n")


# --------------------------------------------------------------------------- partial credit
WRONG_CH03 = '''
def kl_divergence(p, q):
    return (p * torch.log(p / q)).sum(-1)   # forgets 0 log 0 = 0
'''


def test_a_wrong_answer_scores_partial_credit(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    sub = _with_cell(solution, tmp_path / "student.ipynb", WRONG_CH03)
    result = grade_notebook(sub)
    scores = {q.question: (q.score, q.max_score) for q in result.questions}
    kl_score, kl_max = scores["ch03.kl_divergence"]
    assert 0 < kl_score < kl_max
    assert 0 < result.score < result.max_score
    # the other questions are untouched, except JS, which calls the student's KL
    assert scores["ch03.entropy"][0] == scores["ch03.entropy"][1]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_sabotaging_one_question_costs_its_points(path, tmp_path):
    exercise = exercise_of(json.loads(path.read_text()))
    first = questions_for(exercise)[0]
    sub = _with_cell(path, tmp_path / "s.ipynb", f"def {first.function}(*args, **kwargs):\n    return 12345.678\n")
    result = grade_notebook(sub)
    by_name = {q.question: q for q in result.questions}
    assert by_name[first.name].score == 0
    assert result.max_score - first.max_score() <= result.score < result.max_score


# --------------------------------------------------------------------------- hostile submissions
CHEAT = '''
import numpy, torch, math
class _Patch:
    numpy.allclose = lambda *a, **k: True
    numpy.isclose = lambda *a, **k: True
    numpy.testing.assert_allclose = lambda *a, **k: None
    torch.allclose = lambda *a, **k: True
    torch.testing.assert_close = lambda *a, **k: None
    math.isclose = lambda *a, **k: True

class AlwaysEqual(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __abs__(self): return AlwaysEqual(0.0)
    def __sub__(self, other): return AlwaysEqual(0.0)
    __rsub__ = __sub__

class Liar:
    def __eq__(self, other): return True
    def tolist(self): return 0.0

def entropy(p):
    return AlwaysEqual(0.0)

def kl_divergence(p, q):
    return Liar()

def js_divergence(p, q):
    return torch.zeros(p.shape[:-1])

def cross_entropy(p, q):
    import lossedu.grading.spec as spec
    spec.compare = lambda *a, **k: (True, "")
    return torch.zeros(p.shape[:-1])
'''


def test_patching_comparisons_or_always_equal_objects_gains_nothing(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    sub = _with_cell(solution, tmp_path / "cheat.ipynb", CHEAT)
    result = grade_notebook(sub)
    by_name = {q.question: q for q in result.questions}
    assert by_name["ch03.entropy"].score == 0
    assert by_name["ch03.kl_divergence"].score == 0
    # all-zero answers may match genuinely zero cases (KL(q, q) = 0); nothing more
    for name in ("ch03.js_divergence", "ch03.cross_entropy"):
        q = by_name[name]
        assert q.score <= sum(c.max_points for c in q.cases if c.label.startswith("KL(q, q)"))
    assert result.score < 0.2 * result.max_score


FORBIDDEN_USE = '''
import torch.nn.functional as F
import lossedu
from scipy.special import rel_entr

def _kl(p, q):
    return F.kl_div(q.log(), p, reduction="none").sum(-1)

def kl_divergence(p, q):
    return _kl(p, q)

def entropy(p):
    return lossedu.entropy(p)

def cross_entropy(p, q):
    return torch.from_numpy(-rel_entr(p.numpy(), q.numpy()).sum(-1))
'''


def test_calling_a_forbidden_api_scores_zero_for_that_question(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    sub = _with_cell(solution, tmp_path / "lazy.ipynb", FORBIDDEN_USE)
    result = grade_notebook(sub)
    by_name = {q.question: q for q in result.questions}
    for name, used in [("ch03.entropy", "lossedu.entropy"), ("ch03.kl_divergence", "torch.nn.functional.kl_div"),
                       ("ch03.cross_entropy", "scipy.special.rel_entr")]:
        assert by_name[name].score == 0, name
        assert used in by_name[name].cases[0].message
    # js_divergence (the solution's own code) calls the student's kl_divergence, which is forbidden
    assert by_name["ch03.js_divergence"].score == 0


def test_check_reports_a_forbidden_api(capsys):
    import torch.nn.functional as F

    def kl_divergence(p, q):
        return F.kl_div(q.log(), p, reduction="none").sum(-1)

    lossedu.check("ch03.kl_divergence", kl_divergence)
    out = capsys.readouterr().out
    assert "uses torch.nn.functional.kl_div" in out and "score: 0/" in out


def test_an_endless_function_scores_zero_on_its_own_cases_and_the_rest_is_graded(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    sub = _with_cell(solution, tmp_path / "loop.ipynb", "def entropy(p):\n    while True:\n        pass\n")
    start = time.monotonic()
    result = grade_notebook(sub, timeout=60, call_timeout=0.5)
    by_name = {q.question: q for q in result.questions}
    assert by_name["ch03.entropy"].score == 0
    assert "longer than 0.5 s" in by_name["ch03.entropy"].cases[0].message
    assert by_name["ch03.kl_divergence"].score == by_name["ch03.kl_divergence"].max_score
    assert time.monotonic() - start < 45


def test_a_memory_hog_is_capped(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    hog = "def entropy(p):\n    return torch.ones(750_000_000).sum()  # 3 GB\n"
    sub = _with_cell(solution, tmp_path / "hog.ipynb", hog)
    result = grade_notebook(sub, memory_mb=1500)
    by_name = {q.question: q for q in result.questions}
    assert by_name["ch03.entropy"].score == 0
    assert "memory" in by_name["ch03.entropy"].cases[0].message.lower()
    assert by_name["ch03.kl_divergence"].score == by_name["ch03.kl_divergence"].max_score


# a helper constant whose computation never ends (in C, where no alarm interrupts it)
HANG_AT_DEFINITION = '''
_TABLE = sum(range(10 ** 13))
def entropy(p):
    return p
'''


def test_a_hanging_submission_is_killed_and_the_batch_continues(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    hang = _with_cell(solution, tmp_path / "hang.ipynb", HANG_AT_DEFINITION)
    good = tmp_path / "renamed-anything.ipynb"
    good.write_bytes(solution.read_bytes())
    junk = tmp_path / "junk.ipynb"
    junk.write_text("this is not a notebook")
    plain = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), plain)
    start = time.monotonic()
    results = grade_many([hang, good, junk, plain], timeout=20, jobs=2, progress=False)
    assert time.monotonic() - start < 90
    assert results[0].score == 0 and "timed out" in results[0].questions[0].cases[0].message
    assert results[1].score == results[1].max_score > 0  # recognised by metadata, not file name
    assert results[2].error and "not a readable notebook" in results[2].error
    assert "no lossedu exercise metadata" in results[3].error


def test_only_definitions_run(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["lossedu"] = {"exercise": "ch03"}
    nb.cells = [
        nbformat.v4.new_code_cell("import torch\nEPS = 0.0\nprint('training...')\nraise SystemExit('a training cell')"),
        nbformat.v4.new_code_cell("%matplotlib inline\ndef entropy(p):\n    return -(torch.special.xlogy(p, p) + EPS).sum(-1)"),
        nbformat.v4.new_code_cell("def broken(:\n    pass"),
        nbformat.v4.new_code_cell("lossedu.check('ch03.entropy', entropy)"),
    ]
    source, notes = definitions(nb)
    assert "SystemExit" not in source and "check" not in source and "print" not in source
    assert "EPS = 0.0" in source and "def entropy" in source
    assert notes and "syntax error" in notes[0]
    path = tmp_path / "defs.ipynb"
    nbformat.write(nb, path)
    result = grade_notebook(path)
    by_name = {q.question: q for q in result.questions}
    assert by_name["ch03.entropy"].score == by_name["ch03.entropy"].max_score


# --------------------------------------------------------------------------- outputs
def test_csv_has_one_row_per_submission_and_one_column_per_question(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    exercise = ROOT / "exercises" / "03-information-to-cross-entropy.ipynb"
    results = grade_many([solution, exercise], progress=False)
    out = tmp_path / "grades.csv"
    write_csv(results, out)
    rows = list(csv.DictReader(out.open()))
    header = next(csv.reader(out.open()))
    names = [q.name for q in questions_for("ch03")]
    assert header[:3] == ["submission", "score", "max_score"]
    assert header[3 : 3 + len(names)] == names
    assert len(rows) == 2
    assert float(rows[0]["score"]) == float(rows[0]["max_score"]) > 0
    assert float(rows[1]["score"]) == 0
    assert sum(float(rows[0][n]) for n in names) == float(rows[0]["score"])


def test_command_line_grade(tmp_path):
    solution = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
    out = tmp_path / "g.csv"
    feedback = tmp_path / "fb"
    proc = subprocess.run(
        [sys.executable, "-m", "lossedu.cli", "grade", str(solution), "--out", str(out), "--quiet", "--feedback", str(feedback)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "wrote" in proc.stdout
    files = list(feedback.glob("*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text())
    assert data["score"] == data["max_score"] > 0


# --------------------------------------------------------------------------- student side
def test_check_on_a_stub_prints_zero_and_does_not_raise(capsys):
    def entropy(p):
        raise NotImplementedError

    assert lossedu.check("ch03.entropy", entropy) is None
    out = capsys.readouterr().out
    assert "score: 0/5 points on the public cases" in out and "not implemented yet" in out
    assert "hidden cases add 1 more point" in out
    assert lossedu.check("ch03.entropy", entropy, verbose=False).score == 0


def test_check_reports_expected_and_got(capsys):
    def kl_divergence(p, q):
        return (p * (p / q).log()).sum(-1)

    lossedu.check("ch03.kl_divergence", kl_divergence)
    out = capsys.readouterr().out
    result = lossedu.check("ch03.kl_divergence", kl_divergence, verbose=False)
    assert 0 < result.score < result.max_score
    assert "✗" in out and "✓" in out and "expected inf, got nan" in out


def test_check_runs_only_public_cases():
    for q in all_questions().values():
        result = lossedu.check(q.name, lambda *a, **k: 0.0, verbose=False)
        assert len(result.cases) == len(q.public_cases()) == len(q.cases())
        assert q.max_score() > q.max_score(include_hidden=False)


def test_check_rejects_unknown_question():
    with pytest.raises(ValueError, match="unknown question 'ch99.nothing'"):
        lossedu.check("ch99.nothing", print)
