"""Speed of the grader: what the sandbox and the runner add per submission, and a class of 100.

Run ``python benchmarks/bench_grading.py`` (``make bench`` does). It prints

* the floor every child process pays: a fresh interpreter importing torch and numpy;
* one chapter's solution answered by the runner as a plain process and inside the
  bubblewrap sandbox (best of ``--repeat``), and the overhead over the floor;
* the same in a warm sandboxed zygote (what ``lossedu grade`` does when bubblewrap allows
  user namespaces inside its sandbox): no interpreter start, no torch import;
* ``--n`` submissions of one chapter (half solutions, half untouched exercises)
  graded end to end with ``--jobs`` (hidden cases from a private seed included).

Goals (issue 11): sandbox + runner add at most 0.3 s per submission; 100
submissions grade in at most 60 s with ``--jobs 2`` on 2 cores. Seconds depend on
the machine and its load, so the floor is printed beside them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES: list = []  # benchmarks/run.py compares losses; this module times the grader instead

ROOT = Path(__file__).resolve().parent.parent


FLOOR = "import resource, torch, numpy; u = resource.getrusage(resource.RUSAGE_SELF); print(u.ru_utime + u.ru_stime)"


def _best(fn, repeat: int) -> tuple[float, float]:
    """Fastest wall time and smallest CPU time over ``repeat`` runs of ``fn`` (which returns
    the CPU seconds its child process reported about itself). CPU seconds hardly change with
    the load of other processes; wall seconds do."""
    walls, cpus = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        cpus.append(fn())
        walls.append(time.perf_counter() - start)
    return min(walls), min(cpus)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="03-information-to-cross-entropy")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from lossedu.grading import sandbox
    from lossedu.grading.extract import exercise_of, read_notebook, select
    from lossedu.grading.grader import build_request, grade_many, run_child
    from lossedu.grading.private import Private
    from lossedu.grading.registry import questions_for

    solution = ROOT / "solutions" / f"{args.chapter}.ipynb"
    exercise = ROOT / "exercises" / f"{args.chapter}.ipynb"
    nb = read_notebook(solution)
    private = Private(seed=12345)
    request = build_request(select(nb), questions_for(exercise_of(nb)), private=private)
    ok, why = sandbox.status()

    floor, floor_cpu = _best(lambda: float(subprocess.run([sys.executable, "-I", "-c", FLOOR], check=True,
                                                          capture_output=True, text=True).stdout), args.repeat)
    print(f"{'':52s} {'wall s':>8s} {'CPU s':>8s} {'+CPU over the floor':>20s}")
    print(f"{'fresh interpreter importing torch + numpy (floor)':52s} {floor:8.3f} {floor_cpu:8.3f}")

    def answer(command):
        output, _ = run_child(request, 300, command)
        done = [r for r in output.lines if r.get("done")]
        assert done, output.error
        return float(done[0]["cpu"])

    if ok:
        bare = _best(lambda: subprocess.run([sys.executable, "-I", "-c", "pass"], check=True) and 0.0, 5)[0]
        boxed_bare = _best(lambda: subprocess.run(sandbox.bwrap_command()[:-4] + [sys.executable, "-I", "-c", "pass"],
                                                  check=True) and 0.0, 5)[0]
        print(f"{'sandbox set-up alone (python -c pass, in and out)':52s} {boxed_bare - bare:8.3f}")

    plain, plain_cpu = _best(lambda: answer((sandbox.plain_command(), False)), args.repeat)
    print(f"{'runner, plain process (one solution, all cases)':52s} {plain:8.3f} {plain_cpu:8.3f} "
          f"{plain_cpu - floor_cpu:+20.3f}")
    if ok:
        boxed, boxed_cpu = _best(lambda: answer((sandbox.bwrap_command(), True)), args.repeat)
        print(f"{'runner in the bubblewrap sandbox':52s} {boxed:8.3f} {boxed_cpu:8.3f} "
              f"{boxed_cpu - floor_cpu:+20.3f}   goal: <= +0.3 s")
        if sandbox.zygote_status()[0]:
            from lossedu.grading import zygote

            def warm():
                records, error = zygote.run(request, 300, 1 << 25)
                done = [r for r in records if r.get("done")]
                assert done, error
                return float(done[0]["cpu"])

            warm()  # starts this thread's zygote (it imports torch once)
            fork, fork_cpu = _best(warm, args.repeat)
            print(f"{'one submission in a warm sandboxed zygote (default)':52s} {fork:8.3f} {fork_cpu:8.3f}")
            zygote.shutdown()
        else:
            print(f"sandboxed zygotes unavailable ({sandbox.zygote_status()[1]}): one sandbox per submission")
    else:
        print(f"bubblewrap unavailable ({why}): the sandboxed runner is not timed")

    folder = Path(tempfile.mkdtemp(prefix="lossedu-bench-"))
    try:
        paths = []
        for i in range(args.n):
            p = folder / f"student{i:03d}.ipynb"
            shutil.copyfile(solution if i % 2 == 0 else exercise, p)
            paths.append(p)
        start = time.perf_counter()
        results = grade_many(paths, jobs=args.jobs, progress=False, private=private)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    errors = sum(1 for r in results if r.error)
    full = sum(1 for r in results if r.score == r.max_score > 0)
    print(f"{args.n} submissions of {args.chapter}, --jobs {args.jobs} ({'sandboxed' if ok else 'NOT sandboxed'}): "
          f"{seconds:7.1f} s, {seconds / args.n:.2f} s per submission ({full} full marks, {errors} errors)   "
          f"goal: <= 60 s for 100 on 2 cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
