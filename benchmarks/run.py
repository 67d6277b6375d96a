"""Speed of lossedu against its torch / scipy counterpart, measured in the same run.

Each ``benchmarks/bench_*.py`` module lists ``CASES``: tuples
``(name, make_inputs, lossedu_fn, reference_fn)``. ``make_inputs()`` returns the
positional arguments (float tensors that need gradients have ``requires_grad``);
both functions get fresh copies. The time of forward + backward is measured for
both, and the ratio lossedu / reference is printed: 1.0 means "as fast",
2.0 "twice as slow". Ratios, not seconds, are what the project tracks.

The two functions are timed in alternation (ours, reference, ours, ...) and the
fastest run of each is kept, so that load from other processes, which only ever
adds time, disturbs both sides alike and mostly drops out of the ratio.

``--device cuda`` (``make bench DEVICE=cuda``) moves every input to the GPU,
synchronises before and after each timed call, and adds the ratio of peak GPU
memory (lossedu / reference) over one forward+backward. A case may carry a fifth
element, a dict of options: ``{"devices": ("cuda",)}`` runs it only there (the
language-model-size cross-entropy cases), ``{"devices": ("cpu",)}`` only on the
CPU (a scipy reference), ``{"forward_only": True}`` times the forward pass alone,
``{"repeat": 1, "warmup": 0}`` caps the runs of a slow case (a reference that takes a
minute), and ``{"rtol": 1e-9}`` also prints whether the two results agree to that
relative tolerance (the first element of a tuple result is compared).
lossedu's value checks are off while timing (``--validate`` turns them on): the
goals are stated for a training loop that has turned them off.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import torch


import lossedu


def _fresh(args):
    out = []
    for a in args:
        if isinstance(a, torch.Tensor):
            b = a.detach().clone()
            b.requires_grad_(a.requires_grad)
            out.append(b)
        else:
            out.append(a)
    return out


def _to(args, device):
    out = []
    for a in args:
        if isinstance(a, torch.Tensor):
            b = a.detach().to(device)
            b.requires_grad_(a.requires_grad)
            out.append(b)
        else:
            out.append(a)
    return out


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _once(fn, base, device, forward_only=False):
    args = _fresh(base)
    _sync(device)
    start = time.perf_counter()
    out = fn(*args)
    if not forward_only and isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward() if out.dim() else out.backward()
    _sync(device)
    return time.perf_counter() - start


def _peak_memory(fn, base, device, forward_only=False):
    """Peak GPU memory (bytes) allocated during one call, above what was held before it."""
    args = _fresh(base)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    out = fn(*args)
    if not forward_only and isinstance(out, torch.Tensor) and out.requires_grad:
        out.sum().backward() if out.dim() else out.backward()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device) - before
    del out, args
    return peak


def _time_pair(ours, reference, base, repeat, device, forward_only=False, warmup=3):
    """Fastest forward+backward time of each function, measured in alternation."""
    for _ in range(warmup):
        _once(ours, base, device, forward_only)
        _once(reference, base, device, forward_only)
    t_ours, t_ref = [], []
    for _ in range(repeat):
        t_ours.append(_once(ours, base, device, forward_only))
        t_ref.append(_once(reference, base, device, forward_only))
    return min(t_ours), min(t_ref)


def _agree(ours, reference, base, rtol) -> bool:
    first = [f(*_fresh(base)) for f in (ours, reference)]
    a, b = (float((r[0] if isinstance(r, tuple) else r).detach().double().cpu()) for r in first)
    return abs(a - b) <= rtol * abs(b)


def load_cases(folder: Path):
    cases = []
    for path in sorted(folder.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(getattr(module, "CASES", []))
    return cases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--validate", action="store_true", help="keep lossedu's value checks on while timing")
    args = parser.parse_args(argv)
    try:
        device = torch.device(args.device or "cpu")
    except RuntimeError as exc:
        parser.error(f"--device {args.device!r}: {exc}")
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {args.device!r}: CUDA is not available on this machine")
    torch.manual_seed(0)
    cases = []
    for case in load_cases(Path(__file__).parent):
        name, make, ours, reference = case[:4]
        options = case[4] if len(case) > 4 else {}
        if args.k in name and device.type in options.get("devices", ("cpu", "cuda")):
            cases.append((name, make, ours, reference, options))
    if not cases:
        print(f"no benchmark cases found for {device}", file=sys.stderr)
        return 1
    on_gpu = device.type == "cuda"
    where = torch.cuda.get_device_name(device) if on_gpu else f"CPU, {torch.get_num_threads()} threads"
    checks = "on" if args.validate else "off"
    print(f"torch {torch.__version__} on {where}; best of {args.repeat}; lossedu value checks {checks}")
    header = f"{'case':66s} {'lossedu ms':>11s} {'reference ms':>13s} {'ratio':>7s}"
    print(header + (f" {'peak mem ratio':>15s}" if on_gpu else ""))
    failures = 0
    with lossedu.set_validate_args(args.validate):
        for name, make, ours, reference, options in cases:
            forward_only = bool(options.get("forward_only", False))
            label = name + (" [forward]" if forward_only else "")
            try:
                base = _to(make(), device)
                repeat = min(args.repeat, options.get("repeat", args.repeat))
                t_ours, t_ref = _time_pair(ours, reference, base, repeat, device, forward_only,
                                           options.get("warmup", 3))
                line = f"{label:66s} {t_ours * 1e3:11.3f} {t_ref * 1e3:13.3f} {t_ours / t_ref:7.2f}"
                if "rtol" in options:
                    line += f"  agrees to {options['rtol']:g}: {_agree(ours, reference, base, options['rtol'])}"
                if on_gpu:
                    m_ours = _peak_memory(ours, base, device, forward_only)
                    m_ref = _peak_memory(reference, base, device, forward_only)
                    line += f" {m_ours / max(m_ref, 1):15.2f}"
                print(line, flush=True)
            except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others
                failures += 1
                print(f"{label:66s} ERROR {type(exc).__name__}: {exc}", flush=True)
            finally:
                base = None
                if on_gpu:
                    torch.cuda.empty_cache()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
