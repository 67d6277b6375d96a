"""Stored notebook outputs must not depend on the device.

nbval compares every stored output with a fresh run, on the CPU in CI and on a
GPU where one exists. A raw round-off difference (``max |ours - torch| = 2.2e-16``)
is the classic output that differs between the two: the CPU prints ``0.0e+00``,
the GPU ``2.2e-16``. The course prints agreement as a statement with a tolerance
instead (``agrees with torch to 1e-12: True``). This test scans the stored outputs
for what looks like such a difference and fails on each one it finds: a zero
written in scientific notation (``0.0e+00``), or a number below 1e-10 in magnitude
on a line that speaks of a difference or an error (``|a - b|``, "diff", "error",
"max", "gap", "residual"). A tolerance written as a bare power of ten (``1e-12``)
is allowed: it is a constant of the statement, not a measured difference. A tiny
value that is itself the subject (``p log p = -2.303e-98``) is allowed too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(
    p for folder in ("book", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb")
)

# a number in scientific notation: mantissa with a decimal point or not, then e±NN
SCI = re.compile(r"(?<![\w.])[-+]?(\d+(?:\.\d*)?|\.\d+)[eE]([-+]?\d+)(?![\w.])")
LIMIT = 1e-10
DIFFERENCE = re.compile(r"\||diff|error|max|gap|residual|deviation", re.I)


def tiny_numbers(text: str) -> list[str]:
    """The raw differences a line would print: scientific-notation numbers below 1e-10.

    >>> tiny_numbers("max |a - b| = 2.2e-16, agrees to 1e-12: True, 0.0e+00, 3.1e-05")
    ['2.2e-16', '0.0e+00']
    """
    found = []
    for line in text.splitlines():
        about_a_difference = bool(DIFFERENCE.search(line))
        for match in SCI.finditer(line):
            mantissa, exponent = match.group(1), match.group(2)
            if mantissa == "1" and exponent.startswith("-"):
                continue  # a bare power of ten: a tolerance such as 1e-12
            value = abs(float(match.group(0)))
            if value == 0 or (value < LIMIT and about_a_difference):
                found.append(match.group(0))
    return found


def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") in ("execute_result", "display_data"):
        text = output.get("data", {}).get("text/plain", "")
    else:
        return ""
    return "".join(text) if isinstance(text, list) else text


def test_the_scanner_finds_raw_differences():
    assert tiny_numbers("max |lossedu - torch| = 2.2e-16") == ["2.2e-16"]
    assert tiny_numbers("difference 0.0e+00") == ["0.0e+00"]
    assert tiny_numbers("max error: tensor([1.0000e-20, 5.0000e-01])") == ["1.0000e-20"]
    assert tiny_numbers("p = 1e-100:  p log p = -2.303e-98") == []
    assert tiny_numbers("agrees with torch to 1e-12: True") == []
    assert tiny_numbers("loss 6.4e-03, step 1e-4, lr=3e-4") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_raw_round_off_differences_in_stored_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for number, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            hits = tiny_numbers(_output_text(output))
            if hits:
                problems.append(f"cell {number}: {', '.join(hits)}")
    assert not problems, (
        f"{path.name} prints numbers below {LIMIT:g} that differ between CPU and GPU; print "
        f"agreement with a tolerance instead (see CONTRIBUTING.md): " + "; ".join(problems)
    )
