"""The package as a whole: device selection, re-exports, shared checks, the command line."""

import subprocess
import sys

from pathlib import Path

import pytest
import torch

import lossedu
from lossedu import _checks


def test_device_honours_the_environment(monkeypatch):
    monkeypatch.setenv("LOSSEDU_DEVICE", "cpu")
    assert lossedu.device() == torch.device("cpu")
    monkeypatch.delenv("LOSSEDU_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert lossedu.device().type == expected


def test_device_rejects_bad_values(monkeypatch):
    monkeypatch.setenv("LOSSEDU_DEVICE", "gpu-please")
    with pytest.raises(ValueError, match="LOSSEDU_DEVICE='gpu-please' is not a valid torch device"):
        lossedu.device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("LOSSEDU_DEVICE", "cuda")
        with pytest.raises(ValueError, match="asks for CUDA, but CUDA is not available"):
            lossedu.device()


def test_every_public_name_is_re_exported_from_its_module():
    # every chapter module of the package: a module with an __all__ that the top level re-exports
    modules = [lossedu.foundations, lossedu.regression, lossedu.information, lossedu.classification,
               lossedu.imbalance, lossedu.perceptual, lossedu.transport, lossedu.training]
    seen = set()
    for module in modules:
        assert module.__all__, f"{module.__name__} exports nothing"
        for name in module.__all__:
            assert getattr(lossedu, name) is getattr(module, name)
            assert name not in seen, f"{name} is exported by two modules"
            seen.add(name)
            assert getattr(module, name).__doc__, f"{module.__name__}.{name} has no docstring"
    assert set(lossedu.__all__) == seen | {"device", "check", "set_validate_args", "validate_args_enabled"}


def test_every_chapter_has_a_module_on_the_api_page():
    api = (Path(__file__).resolve().parent.parent / "book" / "api.md").read_text()
    for module in ("foundations", "regression", "information", "classification", "imbalance",
                   "perceptual", "transport", "training"):
        assert f"{{lossedu-api}} lossedu.{module}" in api, f"book/api.md does not document lossedu.{module}"


def test_shared_check_messages():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'avg'"):
        _checks.check_reduction("avg")
    with pytest.raises(ValueError, match=r"reduction must be one of .* got None"):
        _checks.reduce(x, None)
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got ndarray"):
        _checks.check_tensor(x.numpy(), "input")
    with pytest.raises(TypeError, match=r"target must be an integer tensor of class indices .* got dtype torch.float32"):
        _checks.check_integer_tensor(x, "target")
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(3,\) and \(3, 1\)"):
        _checks.check_same_shape(x, x[:, None], "a", "b")
    with pytest.raises(ValueError, match=r"delta must be > 0, got 0"):
        _checks.check_positive(0, "delta")
    with pytest.raises(TypeError, match=r"delta must be a number, got str"):
        _checks.check_positive("1", "delta")
    with pytest.raises(ValueError, match=r"q must lie in \(0, 1\), got 1"):
        _checks.check_in_interval(1, "q", 0, 1, closed=False)
    with pytest.raises(ValueError, match=r"target contains the class index 5, but indices must lie in \[0, 4\] for 5 classes"):
        _checks.check_class_indices(torch.tensor([0, 5]), 5)
    _checks.check_class_indices(torch.tensor([0, -100]), 5, ignore_index=-100)


def test_weighted_mean_divides_by_the_sum_of_weights():
    loss = torch.tensor([1.0, 2.0, 3.0])
    w = torch.tensor([0.0, 1.0, 3.0])
    assert _checks.reduce(loss, "mean", w).item() == pytest.approx((2 + 9) / 4)
    assert _checks.reduce(loss, "sum", w).item() == pytest.approx(11)
    assert torch.equal(_checks.reduce(loss, "none", w), loss * w)


def test_command_line_help_and_errors():
    ok = subprocess.run([sys.executable, "-m", "lossedu.cli", "--help"], capture_output=True, text=True)
    assert ok.returncode == 0 and "grade" in ok.stdout and "make-exercises" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "lossedu.cli", "grade"], capture_output=True, text=True)
    assert bad.returncode != 0 and "submissions" in bad.stderr
