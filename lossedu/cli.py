"""The ``lossedu`` command: grade submissions and maintain the exercise notebooks.

    lossedu grade SUBMISSION.ipynb [...] --out grades.csv [--jobs N] [--timeout S] [--feedback DIR]
    lossedu make-exercises [--check] [--no-run]
    lossedu execute NOTEBOOK.ipynb [...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _grade(args) -> int:
    from .grading.grader import grade_many, write_csv

    missing = [p for p in args.submissions if not Path(p).is_file()]
    for p in missing:
        print(f"lossedu grade: {p}: no such file (it gets a row with an error)", file=sys.stderr)
    results = grade_many(
        args.submissions,
        timeout=args.timeout,
        call_timeout=args.call_timeout,
        memory_mb=args.memory_mb,
        jobs=args.jobs,
        progress=not args.quiet,
    )
    write_csv(results, args.out)
    if args.feedback:
        folder = Path(args.feedback)
        folder.mkdir(parents=True, exist_ok=True)
        for i, r in enumerate(results):
            name = f"{i:03d}-{Path(r.submission).stem}.json"
            (folder / name).write_text(json.dumps(r.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    for r in results:
        status = f"  ({r.error})" if r.error else ""
        print(f"{r.submission}: {r.score:g}/{r.max_score:g}{status}")
    print(f"wrote {args.out}")
    return 0


def _make_exercises(args) -> int:
    from .notebooks import make_exercises, stale_exercises

    if args.check:
        problems = stale_exercises(args.root)
        for p in problems:
            print(p)
        if problems:
            print("run `lossedu make-exercises` to regenerate them", file=sys.stderr)
        return 1 if problems else 0
    for path in make_exercises(args.root, run=not args.no_run, only=args.solutions):
        print(f"wrote {path}")
    return 0


def _execute(args) -> int:
    from .notebooks import execute

    for path in args.notebooks:
        print(f"executing {path}", flush=True)
        execute(path)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lossedu", description="Grade and maintain the lossedu exercises.")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade submitted exercise notebooks into a CSV gradebook")
    g.add_argument("submissions", nargs="+", help="submitted .ipynb files (never modified)")
    g.add_argument("--out", default="grades.csv", help="CSV file to write (default: grades.csv)")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default: 1)")
    g.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per submission (default: 60)")
    g.add_argument("--call-timeout", type=float, default=10.0, help="seconds allowed per call of a student function (default: 10)")
    g.add_argument("--memory-mb", type=int, default=4096, help="address-space cap per submission in MiB (default: 4096; 0: none)")
    g.add_argument("--feedback", metavar="DIR", help="also write one JSON feedback file per submission")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_grade)

    m = sub.add_parser("make-exercises", help="write exercises/ from solutions/")
    m.add_argument("solutions", nargs="*", help="only these solution notebooks (default: all)")
    m.add_argument("--root", default=".", help="the course's root folder")
    m.add_argument("--check", action="store_true", help="only report exercises that differ; exit 1 if any")
    m.add_argument("--no-run", action="store_true", help="do not execute the new exercise notebooks")
    m.set_defaults(func=_make_exercises)

    e = sub.add_parser("execute", help="run notebooks top to bottom and store their outputs")
    e.add_argument("notebooks", nargs="+")
    e.set_defaults(func=_execute)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
