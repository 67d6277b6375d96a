"""Chapter 08: lossedu.training against torchmetrics, scikit-learn, scipy and direct formulas."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from sklearn.metrics import brier_score_loss

import lossedu
from _helpers import F64, assert_matches

torchmetrics_ce = pytest.importorskip("torchmetrics.functional.classification").multiclass_calibration_error


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _probs(n, c, *, seed=0, scale=3.0, dtype=F64):
    return (scale * torch.randn(n, c, generator=_gen(seed), dtype=F64)).softmax(dim=1).to(dtype)


def _target(n, c, seed=1):
    return torch.randint(0, c, (n,), generator=_gen(seed))


# ----------------------------------------------------------------------------- references
def ece_reference(probs, target, n_bins=15, norm="l1"):
    """The ECE written as the textbook sum over bins, one bin at a time (differentiable)."""
    conf, pred = probs.max(dim=1)
    correct = (pred == target).to(probs.dtype)
    edges = torch.linspace(0, 1, n_bins + 1, dtype=probs.dtype)
    gaps, weights = [], []
    for k in range(n_bins + 1):  # slot n_bins: confidences of exactly 1
        upper = edges[k + 1] if k < n_bins else math.inf
        inside = (conf >= edges[min(k, n_bins)]) & (conf < upper)
        if not bool(inside.any()):
            continue
        gaps.append(correct[inside].mean() - conf[inside].mean())
        weights.append(inside.sum().to(probs.dtype) / len(conf))
    gaps, weights = torch.stack(gaps), torch.stack(weights).to(probs.dtype)
    if norm == "l1":
        return (weights * gaps.abs()).sum()
    if norm == "l2":
        return (weights * gaps**2).sum().sqrt()
    return gaps.abs().max()


def brier_reference(probs, target, reduction="mean"):
    per = ((probs - F.one_hot(target, probs.shape[1]).to(probs.dtype)) ** 2).sum(dim=1)
    return {"none": per, "mean": per.mean(), "sum": per.sum()}[reduction]


def nll_at(logits, target, t):
    return F.cross_entropy(logits / t, target).item()


# ----------------------------------------------------------------------------- ECE
@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("n_bins", [1, 5, 15, 40])
@pytest.mark.parametrize("scale", [0.3, 3.0, 30.0])
def test_ece_matches_torchmetrics(norm, n_bins, scale):
    probs = _probs(500, 7, scale=scale, dtype=torch.float32)
    target = _target(500, 7)
    ours = lossedu.expected_calibration_error(probs, target, n_bins=n_bins, norm=norm)
    theirs = torchmetrics_ce(probs, target, num_classes=7, n_bins=n_bins, norm=norm)
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours, theirs.to(ours.dtype), rtol=0, atol=1e-6)


def test_ece_matches_torchmetrics_in_float64_and_on_edge_values():
    # confidences exactly 1, exactly on bin boundaries and exactly 1/C
    probs = torch.tensor(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.4, 0.0], [0.2, 0.8, 0.0],
         [1 / 3, 1 / 3, 1 / 3], [0.5, 0.25, 0.25], [0.0, 0.4, 0.6], [0.7, 0.3, 0.0]],
        dtype=F64,
    )
    target = torch.tensor([0, 2, 0, 0, 1, 0, 2, 1])
    for n_bins in (1, 5, 10, 15):
        for norm in ("l1", "l2", "max"):
            ours = lossedu.expected_calibration_error(probs, target, n_bins=n_bins, norm=norm)
            theirs = torchmetrics_ce(probs.float(), target, num_classes=3, n_bins=n_bins, norm=norm)
            assert abs(ours.item() - theirs.item()) <= 1e-6, (n_bins, norm)
            assert ours.dtype == F64


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_ece_values_and_gradients_match_the_textbook_sum(norm):
    probs = _probs(200, 5, seed=3).requires_grad_(True)
    target = _target(200, 5, seed=4)
    assert_matches(
        lambda p, t: lossedu.expected_calibration_error(p, t, n_bins=10, norm=norm),
        lambda p, t: ece_reference(p, t, n_bins=10, norm=norm),
        [probs, target],
        rtol=1e-12, atol=1e-12,
    )


def test_ece_gradcheck():
    probs = _probs(40, 4, seed=5).requires_grad_(True)
    target = _target(40, 4, seed=6)
    for norm in ("l1", "l2", "max"):
        assert torch.autograd.gradcheck(
            lambda p: lossedu.expected_calibration_error(p, target, n_bins=8, norm=norm), (probs,)
        )


def test_ece_simple_cases():
    # a model that is always right with confidence 1 is perfectly calibrated
    probs = torch.eye(4, dtype=F64)
    assert lossedu.expected_calibration_error(probs, torch.arange(4)).item() == 0.0
    # always wrong with confidence 1: ECE is 1
    assert lossedu.expected_calibration_error(probs, torch.tensor([1, 2, 3, 0])).item() == 1.0
    # one bin: |mean accuracy - mean confidence|
    probs = _probs(100, 3, seed=2)
    target = _target(100, 3, seed=9)
    conf, pred = probs.max(1)
    expected = abs((pred == target).double().mean() - conf.mean())
    torch.testing.assert_close(lossedu.expected_calibration_error(probs, target, n_bins=1), expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(2, 6), st.integers(1, 30), st.floats(0.1, 20.0), st.integers(0, 2**31 - 1))
def test_ece_properties(n, c, n_bins, scale, seed):
    probs = _probs(n, c, seed=seed, scale=scale)
    target = _target(n, c, seed=seed + 1)
    l1 = lossedu.expected_calibration_error(probs, target, n_bins=n_bins)
    l2 = lossedu.expected_calibration_error(probs, target, n_bins=n_bins, norm="l2")
    mx = lossedu.expected_calibration_error(probs, target, n_bins=n_bins, norm="max")
    assert 0 <= l1 <= l2 + 1e-12 <= mx + 2e-12 <= 1 + 2e-12  # Jensen: l1 <= l2 <= max
    d = lossedu.reliability_diagram(probs, target, n_bins=n_bins)
    assert d.count.sum().item() == n


def test_ece_on_cuda_like_dtypes_float16_runs():
    probs = _probs(50, 3).to(torch.bfloat16)
    out = lossedu.expected_calibration_error(probs, _target(50, 3))
    assert out.dtype == torch.bfloat16


# ----------------------------------------------------------------------------- reliability diagram
def test_reliability_diagram_reproduces_ece():
    probs = _probs(300, 6, seed=11)
    target = _target(300, 6, seed=12)
    d = lossedu.reliability_diagram(probs, target, n_bins=12)
    assert d.edges.shape == (13,) and d.count.shape == d.accuracy.shape == d.confidence.shape == (12,)
    full = d.count > 0
    ece = (d.count[full] / 300 * (d.accuracy[full] - d.confidence[full]).abs()).sum()
    torch.testing.assert_close(ece, lossedu.expected_calibration_error(probs, target, n_bins=12))
    assert torch.isnan(d.accuracy[~full]).all()
    # each bin's mean confidence lies inside the bin
    lo, hi = d.edges[:-1][full], d.edges[1:][full]
    assert bool(((d.confidence[full] >= lo) & (d.confidence[full] <= hi)).all())


def test_reliability_diagram_puts_confidence_one_in_the_last_bin():
    probs = torch.tensor([[1.0, 0.0], [0.97, 0.03], [0.55, 0.45]], dtype=F64)
    d = lossedu.reliability_diagram(probs, torch.tensor([0, 1, 0]), n_bins=10)
    assert d.count.tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    torch.testing.assert_close(d.confidence[-1], torch.tensor(0.985, dtype=F64))
    torch.testing.assert_close(d.accuracy[-1], torch.tensor(0.5, dtype=F64))


# ----------------------------------------------------------------------------- Brier
def test_brier_matches_sklearn_multiclass_and_binary():
    probs = _probs(400, 5, seed=13)
    target = _target(400, 5, seed=14)
    ours = lossedu.brier_score(probs, target)
    theirs = brier_score_loss(target.numpy(), probs.numpy(), labels=list(range(5)))
    assert abs(ours.item() - theirs) < 1e-12
    # two classes: twice scikit-learn's binary score (which scores only the positive class)
    probs = _probs(200, 2, seed=15)
    target = _target(200, 2, seed=16)
    binary = brier_score_loss(target.numpy(), probs[:, 1].numpy())
    assert abs(lossedu.brier_score(probs, target).item() - 2 * binary) < 1e-12


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_brier_values_and_gradients(reduction):
    probs = _probs(50, 4, seed=17).requires_grad_(True)
    target = _target(50, 4, seed=18)
    assert_matches(
        lambda p, t: lossedu.brier_score(p, t, reduction=reduction),
        lambda p, t: brier_reference(p, t, reduction=reduction),
        [probs, target], rtol=1e-12, atol=1e-14,
    )
    assert torch.autograd.gradcheck(lambda p: lossedu.brier_score(p, target, reduction=reduction), (probs,))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(2, 8), st.floats(0.01, 50.0), st.integers(0, 2**31 - 1))
def test_brier_lies_in_0_2(n, c, scale, seed):
    per = lossedu.brier_score(_probs(n, c, seed=seed, scale=scale), _target(n, c, seed=seed + 1), reduction="none")
    assert bool((per >= 0).all()) and bool((per <= 2 + 1e-12).all())


def test_brier_is_proper_on_one_example():
    # the expected score under true probabilities q is minimised by predicting q
    q = torch.tensor([0.6, 0.3, 0.1], dtype=F64)

    def expected_score(p):
        return sum(q[k] * lossedu.brier_score(p[None], torch.tensor([k])) for k in range(3))

    best = expected_score(q)
    for other in ([0.7, 0.2, 0.1], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]):
        assert expected_score(torch.tensor(other, dtype=F64)) > best


# ----------------------------------------------------------------------------- temperature
def test_temperature_scale_values_gradients_and_argmax():
    z = torch.randn(10, 4, generator=_gen(19), dtype=F64, requires_grad=True)
    t = torch.tensor(2.5, dtype=F64, requires_grad=True)
    assert_matches(lossedu.temperature_scale, lambda a, b: a / b, [z, t])
    assert torch.equal(lossedu.temperature_scale(z, 0.1).argmax(1), z.argmax(1))
    assert torch.autograd.gradcheck(lossedu.temperature_scale, (z, t))


def _calibrated_logits(n, c, seed):
    """Logits and labels drawn from softmax(logits): a perfectly calibrated model."""
    g = _gen(seed)
    z = 2.0 * torch.randn(n, c, generator=g, dtype=F64)
    y = torch.multinomial(z.softmax(dim=1), 1, generator=g).squeeze(1)
    return z, y


def test_fit_temperature_matches_scipy():
    z, y = _calibrated_logits(3000, 5, seed=20)
    for factor in (0.5, 1.0, 3.0):
        t = lossedu.fit_temperature(factor * z, y)
        assert t.dtype == F64 and t.dim() == 0 and not t.requires_grad
        ref = minimize_scalar(lambda s: nll_at(factor * z, y, math.exp(s)), bounds=(-3, 3),
                              method="bounded", options={"xatol": 1e-10}).x
        assert abs(t.item() - math.exp(ref)) < 1e-6 * math.exp(ref)
        # the gradient of the NLL in T vanishes at the fitted temperature
        tt = t.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(factor * z / tt, y), tt)
        assert abs(g.item()) < 1e-10


def test_fit_temperature_on_a_model_made_overconfident_on_purpose():
    # a softmax-regression model fitted on data drawn from a known softmax model is nearly
    # calibrated; multiplying its weights by 4 makes it overconfident with the same accuracy
    g = _gen(21)
    w_true = torch.randn(6, 4, generator=g, dtype=F64)
    x = torch.randn(6000, 6, generator=g, dtype=F64)
    y = torch.multinomial((x @ w_true).softmax(1), 1, generator=g).squeeze(1)
    model = torch.nn.Linear(6, 4, bias=False).double()
    opt = torch.optim.LBFGS(model.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(model(x[:4000]), y[:4000])
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        model.weight.mul_(4.0)
        val, test = model(x[4000:5000]), model(x[5000:])
    t = lossedu.fit_temperature(val, y[4000:5000])
    assert 3.5 < t.item() < 4.5  # it undoes the factor of 4
    before = lossedu.expected_calibration_error(test.softmax(1), y[5000:])
    after = lossedu.expected_calibration_error(lossedu.temperature_scale(test, t).softmax(1), y[5000:])
    assert after < 0.5 * before
    assert F.cross_entropy(test / t, y[5000:]) < F.cross_entropy(test, y[5000:])
    assert torch.equal((test / t).argmax(1), test.argmax(1))  # accuracy unchanged


def test_fit_temperature_returns_the_bound_when_the_optimum_is_outside():
    z = torch.tensor([[5.0, 0.0], [0.0, 5.0]], dtype=F64)  # separable: NLL falls as T -> 0
    t = lossedu.fit_temperature(z, torch.tensor([0, 1]), bounds=(0.1, 10.0))
    assert abs(t.item() - 0.1) < 1e-12
    t = lossedu.fit_temperature(z, torch.tensor([1, 0]), bounds=(0.1, 10.0))  # always wrong
    assert abs(t.item() - 10.0) < 1e-12


def test_fit_temperature_float32_and_dtype():
    z, y = _calibrated_logits(500, 3, seed=22)
    t32 = lossedu.fit_temperature((2 * z).float(), y)
    t64 = lossedu.fit_temperature(2 * z, y)
    assert t32.dtype == torch.float32
    assert abs(t32.item() - t64.item()) < 1e-4


# ----------------------------------------------------------------------------- training helpers
def _toy(seed=0):
    g = _gen(seed)
    x = torch.randn(120, 2, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def _run(seed=0, epochs=5, batch_size=16):
    x, y = _toy()
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    opt = torch.optim.SGD(net.parameters(), lr=0.3)
    h = lossedu.train(net, F.cross_entropy, opt, x, y, epochs=epochs, batch_size=batch_size,
                      val=(x[:40], y[:40]), seed=seed, progress=False)
    return net, h


def test_train_is_deterministic_and_learns():
    net1, h1 = _run()
    net2, h2 = _run()
    assert h1 == h2
    for a, b in zip(net1.parameters(), net2.parameters()):
        assert torch.equal(a, b)
    assert len(h1["train_loss"]) == 6 and len(h1["val_accuracy"]) == 6
    assert abs(h1["train_loss"][0] - math.log(2)) < 0.2  # starts near ln C
    assert h1["train_loss"][-1] < 0.5 * h1["train_loss"][0]
    assert h1["train_accuracy"][-1] > 0.9


def test_train_full_batch_equals_plain_gradient_descent():
    x, y = _toy()
    torch.manual_seed(0)
    a = torch.nn.Linear(2, 2)
    b = torch.nn.Linear(2, 2)
    b.load_state_dict(a.state_dict())
    lossedu.train(a, F.cross_entropy, torch.optim.SGD(a.parameters(), lr=0.5), x, y, epochs=3, progress=False)
    opt = torch.optim.SGD(b.parameters(), lr=0.5)
    for _ in range(3):  # shuffling does not change a full-batch mean gradient (up to round-off)
        opt.zero_grad()
        F.cross_entropy(b(x), y).backward()
        opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)


def test_evaluate_restores_mode_and_handles_one_logit():
    net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Dropout(0.5))
    net.train()
    x, y = _toy()
    out = lossedu.evaluate(net, lambda z, t: F.binary_cross_entropy_with_logits(z.squeeze(1), t.float()), x, y)
    assert net.training
    expected = ((net[0](x).squeeze(1) > 0) == (y == 1)).float().mean()
    torch.testing.assert_close(out["accuracy"], expected)
    assert out["logits"].shape == (120, 1)


def test_train_shows_a_progress_bar(capsys):
    x, y = _toy()
    net = torch.nn.Linear(2, 2)
    lossedu.train(net, F.cross_entropy, torch.optim.SGD(net.parameters(), lr=0.1), x, y, epochs=2,
                  val=(x, y))
    err = capsys.readouterr().err
    assert "training" in err and "val loss" in err and "2/2" in err


# ----------------------------------------------------------------------------- errors
P = torch.tensor([[0.7, 0.3], [0.4, 0.6]], dtype=F64)
Y = torch.tensor([0, 1])


@pytest.mark.parametrize("fn", [lossedu.expected_calibration_error, lossedu.reliability_diagram, lossedu.brier_score])
def test_probability_errors(fn):
    with pytest.raises(ValueError, match="probs must sum to 1 along dim=1, got a sum of 1.2"):
        fn(torch.tensor([[0.7, 0.5], [0.4, 0.6]], dtype=F64), Y)
    with pytest.raises(ValueError, match="probs must be non-negative"):
        fn(torch.tensor([[1.2, -0.2], [0.4, 0.6]], dtype=F64), Y)
    with pytest.raises(ValueError, match="probs must not contain NaN"):
        fn(torch.tensor([[math.nan, 0.5], [0.4, 0.6]], dtype=F64), Y)
    with pytest.raises(ValueError, match=r"probs must not be empty, got shape \(0, 2\)"):
        fn(torch.zeros(0, 2, dtype=F64), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"probs must not be empty, got shape \(2, 0\)"):
        fn(torch.zeros(2, 0, dtype=F64), Y)
    with pytest.raises(ValueError, match=r"probs must have shape \(N, C\).*got shape \(2,\)"):
        fn(P[0], Y[:1])
    with pytest.raises(TypeError, match="probs must be a floating-point tensor"):
        fn(torch.tensor([[1, 0], [0, 1]]), Y)
    with pytest.raises(TypeError, match="probs must be a torch.Tensor, got list"):
        fn([[0.7, 0.3]], Y[:1])
    with pytest.raises(TypeError, match="target must be an integer tensor"):
        fn(P, Y.double())
    with pytest.raises(TypeError, match="target must be a torch.Tensor, got list"):
        fn(P, [0, 1])
    with pytest.raises(ValueError, match="target contains the class index 2"):
        fn(P, torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="same batch size, got 2"):
        fn(P, torch.tensor([0, 1, 1]))


@pytest.mark.parametrize("fn", [lossedu.expected_calibration_error, lossedu.reliability_diagram])
def test_n_bins_errors(fn):
    with pytest.raises(ValueError, match="n_bins must be >= 1, got 0"):
        fn(P, Y, n_bins=0)
    with pytest.raises(ValueError, match="n_bins must be >= 1, got -3"):
        fn(P, Y, n_bins=-3)
    with pytest.raises(TypeError, match="n_bins must be an int, got float"):
        fn(P, Y, n_bins=10.0)
    with pytest.raises(TypeError, match="n_bins must be an int, got bool"):
        fn(P, Y, n_bins=True)


def test_norm_and_reduction_errors():
    with pytest.raises(ValueError, match="norm must be one of 'l1', 'l2', 'max', got 'L1'"):
        lossedu.expected_calibration_error(P, Y, norm="L1")
    with pytest.raises(ValueError, match="reduction must be one of"):
        lossedu.brier_score(P, Y, reduction="average")


def test_temperature_errors():
    z = torch.randn(3, 2)
    for bad in (0, 0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="temperature must be positive and finite"):
            lossedu.temperature_scale(z, bad)
    with pytest.raises(ValueError, match="temperature must be positive and finite, got -2.0"):
        lossedu.temperature_scale(z, torch.tensor(-2.0))
    with pytest.raises(ValueError, match=r"temperature must be a number or a 0-d tensor, got shape \(1,\)"):
        lossedu.temperature_scale(z, torch.tensor([2.0]))
    with pytest.raises(TypeError, match="temperature must be a number or a 0-d tensor, got str"):
        lossedu.temperature_scale(z, "2")
    with pytest.raises(TypeError, match="temperature must be a number or a 0-d tensor, got bool"):
        lossedu.temperature_scale(z, True)
    with pytest.raises(ValueError, match="logits must have a class dimension"):
        lossedu.temperature_scale(torch.tensor(1.0), 2.0)


def test_fit_temperature_errors():
    z = torch.randn(4, 3)
    y = torch.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"logits must not be empty, got shape \(0, 3\)"):
        lossedu.fit_temperature(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\)"):
        lossedu.fit_temperature(z[0], y[:1])
    with pytest.raises(ValueError, match="target contains the class index 3"):
        lossedu.fit_temperature(z, torch.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="bounds\\[0\\] must be a positive temperature, got 0"):
        lossedu.fit_temperature(z, y, bounds=(0, 10))
    with pytest.raises(ValueError, match="bounds\\[1\\] must be a positive temperature, got -1.0"):
        lossedu.fit_temperature(z, y, bounds=(0.1, -1.0))
    with pytest.raises(ValueError, match="bounds must satisfy bounds\\[0\\] < bounds\\[1\\]"):
        lossedu.fit_temperature(z, y, bounds=(5.0, 1.0))
    with pytest.raises(TypeError, match="bounds must be a tuple"):
        lossedu.fit_temperature(z, y, bounds=[0.1, 10.0])
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        lossedu.fit_temperature(z, y, steps=0)


def test_training_helper_errors():
    x, y = _toy()
    net = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got function"):
        lossedu.evaluate(lambda t: t, F.cross_entropy, x, y)
    with pytest.raises(TypeError, match="loss_fn must be callable, got str"):
        lossedu.evaluate(net, "ce", x, y)
    with pytest.raises(ValueError, match="x and y must hold the same, non-zero number of examples, got 120 and 3"):
        lossedu.evaluate(net, F.cross_entropy, x, y[:3])
    with pytest.raises(ValueError, match="got 0 and 0"):
        lossedu.evaluate(net, F.cross_entropy, x[:0], y[:0])
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        lossedu.train(net, F.cross_entropy, None, x, y, epochs=1)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        lossedu.train(net, F.cross_entropy, opt, x, y, epochs=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        lossedu.train(net, F.cross_entropy, opt, x, y, epochs=1, batch_size=0)
    with pytest.raises(TypeError, match="val must be None or a tuple"):
        lossedu.train(net, F.cross_entropy, opt, x, y, epochs=1, val=[x, y])
    with pytest.raises(TypeError, match="progress must be a bool"):
        lossedu.train(net, F.cross_entropy, opt, x, y, epochs=1, progress=1)


def test_value_checks_are_skipped_when_validation_is_off():
    bad = torch.tensor([[0.7, 0.5], [0.4, 0.6]], dtype=F64)
    with lossedu.set_validate_args(False):
        lossedu.expected_calibration_error(bad, Y)
        lossedu.brier_score(bad, Y)
        lossedu.temperature_scale(bad, torch.tensor(-1.0, dtype=F64))
        with pytest.raises(ValueError, match="n_bins must be >= 1"):  # an option, always checked
            lossedu.expected_calibration_error(bad, Y, n_bins=0)
        with pytest.raises(ValueError, match="temperature must be positive"):  # a Python number
            lossedu.temperature_scale(bad, 0.0)
