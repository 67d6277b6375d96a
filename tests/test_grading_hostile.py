"""A hostile class: attacks on the grader, malformed notebooks and honest edge cases.

Every kind of failure the grader once had is here, written as a student would
write it: reaching the answers (tensor methods, ``torch.ops``, re-exports,
``sys.modules``, ``builtins``, frames, decorators, rebinding imports ...), code
that runs while definitions load, processes that escape, symlinks planted where
outputs go, notebooks that crash a parser, floods, and honest code that must
keep its marks. The grader must survive, write one row per submission, leave
submissions byte-identical and write nothing outside its output folder.

Most submissions are graded once, together, in one batch (``--jobs 2``) so the
suite stays quick; the tests then read that batch's rows.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _helpers import digest as _digest, with_cell as _with_cell

from lossedu.grading import questions_for, sandbox
from lossedu.grading.extract import definitions, select
from lossedu.grading.grader import grade_many, run_child
from lossedu.grading.private import Private, load, question_seed, write_template
from lossedu.grading.report import gradescope

ROOT = Path(__file__).resolve().parent.parent
SOL03 = ROOT / "solutions" / "03-information-to-cross-entropy.ipynb"
SOL02 = ROOT / "solutions" / "02-regression-losses.ipynb"
SOL04 = ROOT / "solutions" / "04-classification-losses.ipynb"
PRIVATE = Private(seed=20261126)
IN_CI = os.environ.get("CI") == "true"


def _bwrap_or_skip():
    ok, why = sandbox.status()
    if not ok:
        if IN_CI:
            pytest.fail(f"bubblewrap must work in CI (CI=true), but: {why}")
        pytest.skip(f"\n\n*** bubblewrap is unavailable here, the sandbox is NOT tested: {why} ***\n")




def _notebook(dst: Path, exercise: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["lossedu"] = {"exercise": exercise}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, dst)
    return dst


def _scores(result) -> dict:
    return {q.question: (q.score, q.max_score, {c.message for c in q.cases}) for q in result.questions}


# --------------------------------------------------------------------------- attacks (run in the batch)
REACH_AROUND_CH04 = '''
import torch.nn as nn

def stable_log_softmax(x):
    return x.log_softmax(-1)  # a tensor method: no forbidden name in the source

def weighted_cross_entropy(x, t, weight=None, ignore_index=-100):
    return torch.ops.aten.nll_loss_nd(torch.ops.aten._log_softmax(x, -1, False), t, weight, 1, ignore_index)

def smoothed_cross_entropy(x, t, eps):
    return nn.modules.loss.F.cross_entropy(x, t, label_smoothing=eps)  # a re-export

def bce_with_logits(x, y, pos_weight=None):
    fn = getattr(nn.functional, "binary_cross_entropy_with_logits")  # a literal getattr
    return fn(x, y, pos_weight=pos_weight)
'''

REACH_LOSSEDU_CH03 = '''
def entropy(p):
    import sys
    return sys.modules["lossedu"].entropy(p)

def kl_divergence(p, q):
    import builtins as b
    return b.__import__("lossedu").kl_divergence(p, q)

def js_divergence(p, q):
    return torch.sys.modules["lossedu"].js_divergence(p, q)

def cross_entropy(p, q):
    import pkgutil
    return pkgutil.resolve_name("lossedu.information:cross_entropy_between")(p, q)
'''

FRAMES_CH03 = '''
def entropy(p):
    import inspect
    return inspect.currentframe().f_back.f_locals["expected"]

def kl_divergence(p, q):
    return (lambda: 0).__globals__["__builtins__"]["__import__"]("runpy")

def js_divergence(p, q):
    name = "_C"
    return getattr(torch, name)

def cross_entropy(p, q):
    global kl_divergence
    kl_divergence = lambda p, q: 0.0
    return torch.zeros(())
'''

DEFINITION_TIME_CH03 = """
import lossedu
import os
from os import *
from lossedu.information import entropy        # rebinds the answer after its stub

def _give(f):
    return lossedu.kl_divergence

@_give
def kl_divergence(p, q):
    raise NotImplementedError

def js_divergence(p, q, _=open(r"{marker}", "w")):
    raise NotImplementedError

class Sneaky:
    globals().update(cross_entropy=lossedu.cross_entropy_between)

_d = {{}}
_d[open(r"{marker}", "w")] = 1
_STOLEN = os.listdir("/")

def _helper(p, q):
    return _STOLEN + list(_d)   # a definition that needs the refused assignments: they are named in a note
"""

FLOOD_CH03 = '''
def entropy(p):
    while True:
        print("x" * 1_000_000)

def kl_divergence(p, q):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass

def js_divergence(p, q):
    return torch.zeros(5_000_000)  # far too many numbers for an answer
'''

HONEST_CH02_EXTRA = '''
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
TINY = torch.finfo(torch.float64).tiny


def gaussian_nll(input, target, var):
    var = var.clamp_min(TINY)
    return (0.5 * (var.log() + (input - target) ** 2 / var) + HALF_LOG_2PI).mean()
'''


def _lookup_table_cell() -> str:
    """A student who copies the public expected values: full public marks, nothing hidden."""
    q = questions_for("ch03")[0]  # entropy
    rows = [(c.args[0].tolist(), q.reference(*c.args).tolist()) for c in q.public_cases()]
    return f"""
_TABLE = {rows!r}

def entropy(p):
    for inputs, answer in _TABLE:
        if p.tolist() == inputs:
            return torch.tensor(answer, dtype=torch.float64)
    return torch.zeros(p.shape[:-1], dtype=torch.float64)
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every submission of the hostile class once, two at a time."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    subs.mkdir()
    marker = root / "pwned"
    made: dict[str, Path] = {}

    made["reach_ch04"] = _with_cell(SOL04, subs / "reach_ch04.ipynb", REACH_AROUND_CH04)
    made["reach_lossedu"] = _with_cell(SOL03, subs / "reach_lossedu.ipynb", REACH_LOSSEDU_CH03)
    made["frames"] = _with_cell(SOL03, subs / "frames.ipynb", FRAMES_CH03)
    made["definition_time"] = _with_cell(SOL03, subs / "definition_time.ipynb",
                                         DEFINITION_TIME_CH03.format(marker=marker))
    made["flood"] = _with_cell(SOL03, subs / "flood.ipynb", FLOOD_CH03)
    made["lookup"] = _with_cell(SOL03, subs / "lookup.ipynb", _lookup_table_cell())
    # honest edge cases
    made["future_late"] = _with_cell(SOL03, subs / "future_late.ipynb",
                                     "from __future__ import annotations\n\ndef entropy(p: torch.Tensor) -> torch.Tensor:\n"
                                     "    return -torch.special.xlogy(p, p).sum(-1)\n")
    made["math_constant"] = _with_cell(SOL02, subs / "math_constant.ipynb", HONEST_CH02_EXTRA)
    nb3 = nbformat.read(SOL03, as_version=4)
    v3 = nbformat.convert(nb3, 3)
    made["nbformat3"] = subs / "nbformat3.ipynb"
    made["nbformat3"].write_text(nbformat.writes(v3, version=3))
    # malformed or not notebooks at all
    made["top_list"] = subs / "top_list.ipynb"
    made["top_list"].write_text("[1, 2, 3]")
    made["null_meta"] = subs / "null_meta.ipynb"
    made["null_meta"].write_text(json.dumps({"metadata": None, "cells": [], "nbformat": 4}))
    made["bad_cells"] = subs / "bad_cells.ipynb"
    made["bad_cells"].write_text(json.dumps({"metadata": {"lossedu": {"exercise": "ch03"}}, "nbformat": 4,
                                             "cells": [1, "x", None, {"cell_type": "code", "source": 7},
                                                       {"cell_type": "code", "source": [1, None]}]}))
    made["no_cells"] = subs / "no_cells.ipynb"
    made["no_cells"].write_text(json.dumps({"metadata": {"lossedu": {"exercise": "ch03"}}, "nbformat": 4,
                                            "cells": []}))
    made["deep_json"] = subs / "deep_json.ipynb"
    made["deep_json"].write_text("[" * 100_000 + "]" * 100_000)
    long_sum = " + ".join(["1"] * 601)
    big_int = "7" * 5001
    made["parser_bombs"] = _notebook(subs / "parser_bombs.ipynb", "ch03",
                                     f"import torch\nX = {long_sum}\n\ndef _uses_x():\n    return X\n",
                                     f"Y = {big_int}\n",
                                     "S = '\\ud800'\n",
                                     "def entropy(p):\n    raise ValueError('\\ud800 a lone surrogate')\n")
    made["fifo"] = subs / "fifo.ipynb"
    os.mkfifo(made["fifo"])
    made["folder"] = subs / "folder.ipynb"
    made["folder"].mkdir()
    made["missing"] = subs / "missing.ipynb"

    digests = {k: _digest(p) for k, p in made.items() if p.is_file()}
    before = set(root.rglob("*"))
    start = time.monotonic()
    results = grade_many(list(made.values()), jobs=2, progress=False, private=PRIVATE,
                         call_timeout=1.0, question_timeout=4.0)
    seconds = time.monotonic() - start
    return {"made": made, "results": dict(zip(made, results)), "digests": digests, "root": root,
            "before": before, "marker": marker, "seconds": seconds}


def test_the_batch_survives_with_one_row_per_submission(batch):
    assert set(batch["results"]) == set(batch["made"])
    for key, r in batch["results"].items():
        assert r.submission == str(batch["made"][key])
        json.dumps(r.to_json())  # every row can be written
    ran = [r for r in batch["results"].values() if r.sandboxed is not None]
    assert len(ran) >= 9
    if sandbox.status()[0]:
        assert all(r.sandboxed for r in ran)


def test_submissions_are_byte_identical_and_nothing_is_written_beside_them(batch):
    for key, digest in batch["digests"].items():
        assert _digest(batch["made"][key]) == digest, key
    assert set(batch["root"].rglob("*")) == batch["before"]
    assert not batch["marker"].exists(), "code ran while the definitions were loaded"


def test_tensor_methods_torch_ops_reexports_and_getattr_score_zero(batch):
    s = _scores(batch["results"]["reach_ch04"])
    for name in ("ch04.stable_log_softmax", "ch04.weighted_cross_entropy", "ch04.smoothed_cross_entropy",
                 "ch04.bce_with_logits"):
        assert s[name][0] == 0, name
    assert any("aten::_log_softmax" in m for m in s["ch04.stable_log_softmax"][2])
    assert any(".ops" in m for m in s["ch04.weighted_cross_entropy"][2])
    assert any("cross_entropy" in m for m in s["ch04.smoothed_cross_entropy"][2])
    assert any("aten::binary_cross_entropy_with_logits" in m for m in s["ch04.bce_with_logits"][2])


def test_reaching_lossedu_through_the_module_table_builtins_or_pkgutil_scores_zero(batch):
    s = _scores(batch["results"]["reach_lossedu"])
    for name, tool in [("ch03.entropy", "sys"), ("ch03.kl_divergence", "builtins"),
                       ("ch03.js_divergence", ".sys"), ("ch03.cross_entropy", "pkgutil")]:
        assert s[name][0] == 0, name
        assert any(tool in m and "may not use" in m for m in s[name][2]), (name, s[name][2])


def test_frames_dunders_computed_getattr_and_global_rebinding_score_zero(batch):
    s = _scores(batch["results"]["frames"])
    for name, tool in [("ch03.entropy", "inspect"), ("ch03.kl_divergence", ".__globals__"),
                       ("ch03.js_divergence", "getattr"), ("ch03.cross_entropy", "global")]:
        assert s[name][0] == 0, name
        assert any(tool in m for m in s[name][2]), (name, s[name][2])


def test_code_that_would_run_at_definition_time_is_refused_and_gains_nothing(batch):
    r = batch["results"]["definition_time"]
    notes = "\n".join(r.notes)
    for expected in ("import *", "decorator", "default value", "class Sneaky", "plain name", "_STOLEN"):
        assert expected in notes, expected
    # the refused definitions never replaced the solution's: full marks, from the student's own code
    assert r.score == r.max_score > 0
    assert not batch["marker"].exists()


def test_floods_and_endless_functions_cost_only_their_own_question(batch):
    s = _scores(batch["results"]["flood"])
    assert s["ch03.entropy"][0] == 0
    assert s["ch03.kl_divergence"][0] == 0
    assert any("budget" in m or "longer than" in m for m in s["ch03.kl_divergence"][2])
    assert s["ch03.js_divergence"][0] == 0
    assert any("too many" in m for m in s["ch03.js_divergence"][2])
    assert s["ch03.cross_entropy"][0] == s["ch03.cross_entropy"][1] > 0


def test_a_lookup_table_of_public_answers_earns_no_hidden_points(batch):
    r = batch["results"]["lookup"]
    entropy = next(q for q in r.questions if q.question == "ch03.entropy")
    public = [c for c in entropy.cases if not c.hidden]
    hidden = [c for c in entropy.cases if c.hidden]
    assert public and all(c.passed for c in public)
    assert hidden and not any(c.passed for c in hidden)


@pytest.mark.parametrize("key", ["future_late", "math_constant", "nbformat3"])
def test_honest_edge_cases_get_full_marks(batch, key):
    r = batch["results"][key]
    failed = [(q.question, c.label, c.message) for q in r.questions for c in q.cases if not c.passed]
    assert r.error == "" and not failed, failed
    assert r.score == r.max_score > 0


@pytest.mark.parametrize("key,words", [
    ("top_list", "top level"), ("null_meta", "no lossedu exercise metadata"), ("deep_json", "not a readable notebook"),
    ("fifo", "not a regular file"), ("folder", "not a regular file"), ("missing", "cannot be opened"),
    ("no_cells", "defines nothing"), ("bad_cells", "defines nothing"),
])
def test_malformed_submissions_get_an_error_row_with_a_clear_message(batch, key, words):
    r = batch["results"][key]
    assert words in r.error, r.error
    assert r.score == 0


def test_parser_bombs_and_lone_surrogates_are_reported_not_fatal(batch):
    r = batch["results"]["parser_bombs"]
    assert r.error == ""
    notes = "\n".join(r.notes)
    assert "nested too deeply" in notes
    s = _scores(r)
    message = next(iter(s["ch03.entropy"][2]))
    assert "ValueError" in message
    message.encode("utf-8")  # no lone surrogate survives into the gradebook


def test_the_batch_is_quick(batch):
    # 20 submissions, 9 of them run; generous for a loaded 2-core machine
    assert batch["seconds"] < 240


# --------------------------------------------------------------------------- the sandbox itself
PROBE = r'''
import os, sys, socket, signal, time
import torch

def probe(x):
    flags = []
    flags.append(os.getuid() != 0)
    flags.append(not os.path.exists(os.path.join(ROOT, "solutions")))   # no repository, no solutions
    try:
        import lossedu
        flags.append(False)
    except ImportError:
        flags.append(True)
    flags.append(len([p for p in os.listdir("/proc") if p.isdigit()]) < 10)   # its own PID namespace
    flags.append(len(os.environ) < 15 and "SECRET_FOR_TEST" not in os.environ)
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1)
        flags.append(False)
    except OSError:
        flags.append(True)
    try:
        open(os.path.join(OUTSIDE, "written"), "w").write("x")
        flags.append(False)
    except OSError:
        flags.append(True)
    try:
        os.kill(GRADER_PID, signal.SIGKILL)
        flags.append(False)
    except OSError:
        flags.append(True)
    import ctypes
    flags.append(ctypes.CDLL(None).unshare(0x10000000) != 0)   # no user namespace of its own
    if os.fork() == 0:          # a daemon that holds the pipes and tries to outlive the sandbox
        os.setsid()
        time.sleep(30)
        open(os.path.join(OUTSIDE, "daemon"), "w").write("x")
        os._exit(0)
    return torch.tensor([float(f) for f in flags], dtype=torch.float64)
'''


@pytest.mark.parametrize("mode", ["zygote", "one sandbox per submission"])
def test_the_sandbox_hides_the_machine_and_contains_its_processes(tmp_path, monkeypatch, mode):
    _bwrap_or_skip()
    if mode == "zygote" and not sandbox.zygote_status()[0]:
        if IN_CI:
            pytest.fail(f"sandboxed zygotes must work in CI: {sandbox.zygote_status()[1]}")
        pytest.skip(f"\n\n*** sandboxed zygotes are unavailable here: {sandbox.zygote_status()[1]} ***\n")
    command = None if mode == "zygote" else (sandbox.bwrap_command(), True)
    monkeypatch.setenv("SECRET_FOR_TEST", "1")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chmod(outside, 0o777)
    source = f"ROOT = {str(ROOT)!r}\nOUTSIDE = {str(outside)!r}\nGRADER_PID = {os.getpid()}\n" + PROBE
    request = {"statements": [{"cell": 0, "source": source}], "future": [], "call_timeout": 20, "defs_timeout": 20,
               "limits": {"memory_mb": 4096, "file_mb": 1},
               "questions": [{"function": "probe", "budget": 30, "cases": [{"args": [0], "kwargs": {}}]}]}
    start = time.monotonic()
    output, sandboxed = run_child(request, 120, command)
    assert sandboxed
    assert time.monotonic() - start < 60, "a daemon holding the pipes blocked the grader"
    answer = next(r["answer"] for r in output.lines if r.get("q") == 0)
    names = ["non-root", "no repository", "no lossedu", "own PIDs", "clean environment", "no network",
             "read-only outside", "cannot signal the grader", "no nested user namespace"]
    assert answer["__tensor__"] == [1.0] * len(names), dict(zip(names, answer["__tensor__"]))
    time.sleep(1)
    assert list(outside.iterdir()) == []


def test_without_bubblewrap_the_grader_says_so_loudly(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "lossedu.cli", "grade", str(tmp_path / "none.ipynb"),
                           "--out", str(tmp_path / "g.csv"), "--quiet"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "LOSSEDU_NO_SANDBOX": "1"})
    assert proc.returncode == 0
    assert "WITHOUT a sandbox" in proc.stderr and "NOT sandboxed" in proc.stdout


# --------------------------------------------------------------------------- definitions on the syntax tree
def test_definitions_keep_constants_from_math_numpy_torch_and_refuse_the_rest():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in [
        "import math, torch\nimport numpy as np\nimport torch.nn.functional as F",
        "HALF = 0.5 * math.log(2 * math.pi)\nW = torch.tensor([1.0, 2.0]).double()\nE = np.finfo(np.float64).eps\nG = F",
        "N = len(open('/etc/passwd').read())",
        "T = torch.load('x.pt')",
        "L = [f for f in range(3)]",
        "P = torch._C._get_tracing_state()",
        "def f(x, y=1, *, z=(1, 2), w=None):\n    return x",
        "def g(x, y=W):\n    return x",
        "class Model:\n    '''doc'''\n    scale = 2.0\n    def __call__(self, x):\n        return x * self.scale",
        "class Bad(torch.nn.Module, metaclass=type):\n    pass",
        "from __future__ import annotations\ndef h(x: 'whatever'[0]) -> open('/x'):\n    return x",
        "def uses(x):\n    return N, T, L, P  # a refused constant a definition needs is named in a note",
    ]]
    source, notes = definitions(nb)
    text = "\n".join(notes)
    for kept in ("HALF = 0.5", "W = torch.tensor", "E = np.finfo", "G = F", "def f(", "class Model", "def h("):
        assert kept in source, kept
    assert source.startswith("from __future__ import annotations\n")
    for refused in ("N = ", "T = ", "L = ", "P = ", "def g(", "class Bad"):
        assert refused not in source, refused
    assert "`N = ...` was not run: it calls open()" in text
    assert "torch.load" in text and "ListComp" in text and "private attribute" in text
    assert "default value that is not a literal" in text and "metaclass" in text


def test_a_dead_functions_local_import_does_not_poison_the_aliases():
    from lossedu.grading.forbidden import check_tree

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import torch\nimport torch.nn.functional as L\n\n"
        "def unused():\n    import numpy as L\n    return L\n\n"
        "def entropy(p):\n    return L.kl_div(p, p)\n")]
    chosen = select(nb)
    names, _ = check_tree(chosen["tree"], "entropy", ("torch.nn.functional.kl_div",), aliases=chosen["aliases"])
    assert names == ["torch.nn.functional.kl_div"]


# --------------------------------------------------------------------------- private cases
def test_private_template_writes_a_fresh_seed_once(tmp_path):
    path = write_template(tmp_path / "private.json")
    data = json.loads(path.read_text())
    assert data["format"] == "lossedu-private/1" and isinstance(data["seed"], int)
    assert "ch03.entropy" in data["cases"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):
        write_template(path)
    other = write_template(tmp_path / "other.json")
    assert json.loads(other.read_text())["seed"] != data["seed"]
    # extra cases load as hidden cases, and a broken file says why
    data["cases"]["ch03.entropy"] = [{"args": [{"__tensor__": [0.1, 0.9], "dtype": "float64", "shape": [2]}],
                                      "points": 2, "label": "mine"}]
    path.chmod(0o600)
    path.write_text(json.dumps(data))
    private = load(path)
    q = questions_for("ch03")[0]
    cases = private.cases_for(q)
    assert cases[-1].label == "mine" and cases[-1].points == 2 and all(c.hidden for c in cases)
    assert len(cases) == len(q.hidden_cases(0)) + 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "lossedu-private/1", "seed": "x"}))
    with pytest.raises(ValueError, match="seed"):
        load(bad)


def test_question_seeds_differ_between_questions_and_private_seeds():
    assert question_seed(1, "ch03.entropy") != question_seed(1, "ch03.kl_divergence")
    assert question_seed(1, "ch03.entropy") != question_seed(2, "ch03.entropy")
    assert question_seed(1, "ch03.entropy") == question_seed(1, "ch03.entropy")


# --------------------------------------------------------------------------- outputs
def test_outputs_are_atomic_never_through_symlinks_and_resume_skips_graded_work(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    out = tmp_path / "grades.csv"
    out.symlink_to(victim)
    feedback = tmp_path / "fb"
    feedback.mkdir()
    sub = tmp_path / "student.ipynb"
    sub.write_bytes(SOL03.read_bytes())
    junk = tmp_path / "junk.ipynb"
    junk.write_text("not a notebook")
    private = write_template(tmp_path / "private.json")
    from lossedu.grading.report import feedback_name

    planted = feedback / f"{feedback_name(str(sub))}.html"
    planted.symlink_to(victim)
    cmd = [sys.executable, "-m", "lossedu.cli", "grade", str(sub), str(junk), "--out", str(out), "--quiet",
           "--feedback", str(feedback), "--private", str(private)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "do not touch"
    assert not out.is_symlink() and not planted.is_symlink()
    rows = list(csv.DictReader(out.open()))
    assert [r["submission"] for r in rows] == [str(sub), str(junk)]
    assert float(rows[0]["score"]) == float(rows[0]["max_score"]) > 0
    assert "most-failed" in proc.stdout or "graded" in proc.stdout
    data = json.loads((feedback / f"{feedback_name(str(sub))}.json").read_text())
    assert any(c["hidden"] for q in data["questions"] for c in q["cases"])
    assert "✓" in (feedback / f"{feedback_name(str(sub))}.txt").read_text()
    # --resume: the graded submission is reused, not run again
    start = time.monotonic()
    proc = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1 of 2 already graded" in proc.stderr
    assert float(list(csv.DictReader(out.open()))[0]["score"]) == float(rows[0]["score"])


def test_gradescope_results_show_public_cases_now_and_hidden_ones_after_publishing(tmp_path):
    from lossedu.grading.grader import SubmissionResult
    from lossedu.grading.spec import CaseResult, QuestionResult

    r = SubmissionResult("s.ipynb", "ch03", [QuestionResult("ch03.entropy", [
        CaseResult("a fair coin", 1.0, 1.0, True), CaseResult("hidden: another batch", 0.0, 1.0, False, "off", True)])])
    data = gradescope(r)
    assert data["score"] == 1.0
    assert [t["visibility"] for t in data["tests"]] == ["visible", "after_published"]
    assert data["tests"][1]["status"] == "failed" and data["tests"][1]["output"] == "off"
    assert json.loads(json.dumps(data)) == data


def test_the_installed_package_is_hidden_inside_the_sandbox_when_its_folder_is_mounted():
    package = Path(sandbox.__file__).resolve().parent.parent
    assert sandbox._hidden_paths([package.parent]) == [package]
    assert sandbox._hidden_paths([Path("/nonexistent-root")]) == []
    if sandbox.status()[0]:
        cmd = sandbox.bwrap_command()
        assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--clearenv" in cmd
        assert str(ROOT) not in [cmd[i + 1] for i, a in enumerate(cmd) if a == "--ro-bind"]


def test_the_gradescope_scripts_use_real_options():
    import re

    from lossedu.cli import main

    script = (ROOT / "gradescope" / "run_autograder").read_text()
    for path in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(ROOT / "gradescope" / path)]).returncode == 0
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    help_text = subprocess.run([sys.executable, "-m", "lossedu.cli", "grade", "--help"], capture_output=True,
                               text=True, timeout=120).stdout
    for option in set(re.findall(r"(--[a-z][a-z-]+)", script.split("lossedu grade", 1)[1])):
        assert option in help_text, option
