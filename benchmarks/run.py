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
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import torch


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


def _once(fn, base):
    args = _fresh(base)
    start = time.perf_counter()
    out = fn(*args)
    if out.requires_grad:
        out.sum().backward() if out.dim() else out.backward()
    return time.perf_counter() - start


def _time_pair(ours, reference, make, repeat):
    """Fastest forward+backward time of each function, measured in alternation."""
    base = make()
    for _ in range(3):  # warm-up
        _once(ours, base)
        _once(reference, base)
    t_ours, t_ref = [], []
    for _ in range(repeat):
        t_ours.append(_once(ours, base))
        t_ref.append(_once(reference, base))
    return min(t_ours), min(t_ref)


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
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    cases = [c for c in load_cases(Path(__file__).parent) if args.k in c[0]]
    if not cases:
        print("no benchmark cases found", file=sys.stderr)
        return 1
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; forward+backward, best of {args.repeat}")
    print(f"{'case':66s} {'lossedu ms':>11s} {'reference ms':>13s} {'ratio':>7s}")
    for name, make, ours, reference in cases:
        t_ours, t_ref = _time_pair(ours, reference, make, args.repeat)
        print(f"{name:66s} {t_ours * 1e3:11.3f} {t_ref * 1e3:13.3f} {t_ours / t_ref:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
