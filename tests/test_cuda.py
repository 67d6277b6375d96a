"""On a GPU: every public loss runs under ``torch.cuda.set_sync_debug_mode("error")``.

CUDA's own detector raises on any host-device synchronisation, including ones the
CPU proxy in ``test_no_sync.py`` cannot see. Skipped where no GPU is present; the
GPU workflow (``.github/workflows/gpu.yml``) runs it. The same calls must also agree
with their CPU results, values and gradients.
"""

from __future__ import annotations

import pytest
import torch

import lossedu
from test_no_sync import CASES, _run, to_device

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


@pytest.mark.parametrize("name,i,call", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_no_sync_on_cuda_with_validation_off(name, i, call):
    dev = torch.device("cuda")
    _run(call, dev)  # warm-up: first calls may allocate and initialise handles
    torch.cuda.synchronize()
    previous = torch.cuda.get_sync_debug_mode()
    try:
        with lossedu.set_validate_args(False):
            torch.cuda.set_sync_debug_mode("error")
            out = _run(call, dev)
    finally:
        torch.cuda.set_sync_debug_mode(previous)
    expected = _run(call)
    got = out if isinstance(out, torch.Tensor) else out[0]
    want = expected if isinstance(expected, torch.Tensor) else expected[0]
    torch.testing.assert_close(got.detach().cpu(), want.detach(), equal_nan=True)
