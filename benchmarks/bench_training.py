"""Benchmark rows for chapter 08 (lossedu.training)."""

import torch

import lossedu

try:  # a test extra; the rows that need it are skipped without it
    from torchmetrics.functional.classification import multiclass_calibration_error
except ImportError:  # pragma: no cover
    multiclass_calibration_error = None


def _probs():
    g = torch.Generator().manual_seed(0)
    p = (3 * torch.randn(100_000, 100, generator=g)).softmax(dim=1)
    return [p, torch.randint(0, 100, (100_000,), generator=g)]


def _logits():
    g = torch.Generator().manual_seed(1)
    z = 3 * torch.randn(20_000, 100, generator=g)
    return [z, torch.randint(0, 100, (20_000,), generator=g)]


def _brier_reference(p, y):
    return (p - torch.nn.functional.one_hot(y, p.shape[1]).to(p.dtype)).square().sum(1).mean()


def _lbfgs_temperature(z, y):
    # the usual recipe: optimise log T with LBFGS on the NLL
    log_t = torch.zeros((), requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=1.0, max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return log_t.detach().exp()


CASES = [
    ("brier_score 100000x100 (vs one_hot formula)", _probs, lossedu.brier_score, _brier_reference,
     {"forward_only": True, "rtol": 1e-5}),
    ("fit_temperature 20000x100 (vs LBFGS on log T)", _logits, lossedu.fit_temperature, _lbfgs_temperature,
     {"forward_only": True, "rtol": 1e-4, "repeat": 3}),
]
if multiclass_calibration_error is not None:
    CASES.insert(0, (
        "expected_calibration_error 100000x100 (vs torchmetrics)", _probs,
        lossedu.expected_calibration_error,
        lambda p, y: multiclass_calibration_error(p, y, num_classes=100),
        {"forward_only": True, "rtol": 1e-5},
    ))
