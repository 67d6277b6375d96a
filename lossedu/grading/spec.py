"""Questions, test cases, plain-data encoding and the comparison of answers.

A :class:`Question` names the function a student writes, a trusted reference
implementation, its public :class:`Case` inputs and a recipe for its hidden
cases. Inputs travel to a submission and outputs come back as JSON-compatible
data, never pickle; expected values are computed and compared only by the
caller (the grader).

Hidden cases never ship in the package: ``hidden(seed)`` builds them from an
integer that the grader derives from the instructor's private seed (see
:mod:`lossedu.grading.private`), so their values are unknown to students. The
recipe must give the same number of cases, labels and points for every seed.
(``Case(..., hidden=True)`` in ``cases()`` is the older format: such a case is
still graded as hidden, but its values are public; convert it to ``hidden``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
import torch

_TENSOR = "__tensor__"
_ERROR = "__error__"


@dataclass(frozen=True)
class Case:
    """One input to a question: positional ``args`` and keyword ``kwargs``.

    ``points`` is what passing the case is worth; ``hidden`` cases are used only
    by the instructor's grader, never by :func:`lossedu.check`.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    points: float = 1.0
    label: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class Question:
    """A graded question: the student writes ``function``; ``reference`` is the truth.

    ``forbidden`` lists dotted names the answer may not use (``lossedu`` itself is
    always forbidden), e.g. ``("torch.nn.functional.kl_div", "scipy")``; the aten
    operators those names reach are refused at run time as well.
    ``hidden(seed)`` returns the hidden cases for an integer seed (see the module's
    docstring).
    """

    name: str
    function: str
    reference: Callable[..., Any]
    cases: Callable[[], Sequence[Case]]
    description: str = ""
    rtol: float = 1e-6
    atol: float = 1e-8
    forbidden: tuple = ()
    hidden: Callable[[int], Sequence[Case]] | None = None

    @property
    def exercise(self) -> str:
        return self.name.split(".", 1)[0]

    def public_cases(self) -> list[Case]:
        return [c for c in self.cases() if not c.hidden]

    def fixed_hidden_cases(self) -> list[Case]:
        """Hidden cases in the older format (their values ship in the package)."""
        return [c for c in self.cases() if c.hidden]

    def hidden_cases(self, seed: int) -> list[Case]:
        """The hidden cases for a question seed (see :func:`lossedu.grading.private.question_seed`)."""
        made = list(self.hidden(seed)) if self.hidden is not None else []
        return self.fixed_hidden_cases() + [replace(c, hidden=True) for c in made]

    def hidden_points(self) -> float:
        return float(sum(c.points for c in self.hidden_cases(0)))

    def max_score(self, include_hidden: bool = True) -> float:
        public = float(sum(c.points for c in self.public_cases()))
        return public + (self.hidden_points() if include_hidden else 0.0)


@dataclass
class CaseResult:
    label: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    hidden: bool = False


def case_line(case: CaseResult, *, points: bool = False) -> str:
    """One line of feedback: ``  ✓ label`` or ``  ✗ label: message``, with ``(earned/max)`` points when asked."""
    line = f"  {'✓' if case.passed else '✗'} {case.label}"
    if points:
        line += f" ({case.points:g}/{case.max_points:g})"
    if not case.passed and case.message:
        line += f": {case.message}"
    return line


@dataclass
class QuestionResult:
    question: str
    cases: list[CaseResult]

    @property
    def score(self) -> float:
        return float(sum(c.points for c in self.cases))

    @property
    def max_score(self) -> float:
        return float(sum(c.max_points for c in self.cases))


# --------------------------------------------------------------------------- encoding
def encode(obj: Any) -> Any:
    """Turn tensors, arrays, numbers, strings, lists and dicts into JSON-compatible data."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        dtype = str(t.dtype).replace("torch.", "")
        if t.is_floating_point():
            t = t.to(torch.float64)
        return {_TENSOR: t.tolist(), "dtype": dtype, "shape": list(t.shape)}
    if isinstance(obj, np.ndarray):
        return encode(torch.from_numpy(np.ascontiguousarray(obj)))
    if isinstance(obj, (bool, int, str)) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [encode(o) for o in obj]
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    raise TypeError(f"cannot send a {type(obj).__name__} as plain data")


def decode(data: Any) -> Any:
    """Inverse of :func:`encode` for inputs: tensors come back as fresh torch tensors."""
    if isinstance(data, dict) and _TENSOR in data:
        dtype = getattr(torch, data["dtype"])
        return torch.tensor(data[_TENSOR], dtype=dtype).reshape(data["shape"])
    if isinstance(data, list):
        return [decode(d) for d in data]
    if isinstance(data, dict):
        return {k: decode(v) for k, v in data.items()}
    return data


def encode_answer(value: Any) -> Any:
    """Encode what a submission returned. Anything that is not a tensor, an array or a
    plain number becomes an error record, so a custom object (one whose ``__eq__`` always
    says True, say) cannot pass for an answer."""
    if type(value) in (bool, int, float) or isinstance(value, (torch.Tensor, np.ndarray, np.floating, np.integer)):
        try:
            if isinstance(value, torch.Tensor):
                value = torch.Tensor.detach(value)
                value = torch.Tensor.cpu(value).as_subclass(torch.Tensor)
            return encode(value)
        except Exception as exc:  # noqa: BLE001 - report, never crash the grader
            return {_ERROR: f"the answer could not be read: {type(exc).__name__}: {exc}"}
    return {_ERROR: f"returned a {type(value).__name__}; expected a tensor or a number"}


def forbidden_message(names) -> str:
    return f"uses {', '.join(names)}, which this question does not allow: write it with tensor operations"


def ops_message(ops: dict) -> str:
    """``ops`` maps aten operators reached at run time to the forbidden name that reaches them."""
    calls = ", ".join(f"aten::{op} ({name})" for op, name in sorted(ops.items()))
    return f"reached {calls} at run time, which this question does not allow: write it with tensor operations"


def error_record(message: str) -> dict:
    return {_ERROR: message}


def _as_array(data: Any) -> np.ndarray:
    """Plain data from a submission -> float64 array, refusing anything else."""
    if isinstance(data, dict) and _TENSOR in data:
        if not isinstance(data.get("shape"), list):
            raise ValueError("malformed tensor record")
        arr = np.asarray(data[_TENSOR], dtype=np.float64)
        return arr.reshape([int(s) for s in data["shape"]])
    if type(data) in (bool, int, float):
        return np.asarray(float(data), dtype=np.float64)
    raise ValueError("not a tensor or a number")


def compare(expected: Any, got: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """Compare a reference answer with a submission's encoded answer, in this process.

    Returns ``(passed, message)``. NaN matches NaN and infinities must match in sign.
    """
    if isinstance(got, dict) and _ERROR in got:
        return False, str(got[_ERROR])
    exp = _as_array(encode(expected))
    try:
        arr = _as_array(got)
    except (ValueError, TypeError) as exc:
        return False, f"the answer could not be read ({exc})"
    if arr.shape != exp.shape:
        if arr.size == 1 and exp.size == 1:
            arr = arr.reshape(exp.shape)
        else:
            return False, f"expected shape {tuple(exp.shape)}, got shape {tuple(arr.shape)}"
    ok = bool(np.allclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True))
    if ok:
        return True, ""
    return False, f"expected {format_value(exp)}, got {format_value(arr)}"


def format_value(arr: np.ndarray, digits: int = 6) -> str:
    """A short, rounded, deterministic rendering of an array for feedback."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        return _fmt(float(arr), digits)
    flat = arr.reshape(-1)
    shown = ", ".join(_fmt(float(v), digits) for v in flat[:6])
    more = ", …" if flat.size > 6 else ""
    return f"[{shown}{more}] (shape {tuple(arr.shape)})"


def _fmt(v: float, digits: int) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}g}"
