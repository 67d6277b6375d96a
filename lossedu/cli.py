"""The ``lossedu`` command: grade submissions and maintain the exercise notebooks.

    lossedu grade SUBMISSION.ipynb [...] --out grades.csv [--private PATH] [--jobs N] [--feedback DIR]
                  [--resume] [--gradescope results.json] [--question-timeout S] [--call-timeout S]
    lossedu private-template PATH
    lossedu make-exercises [--check] [--no-run]
    lossedu execute NOTEBOOK.ipynb [...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _grade(args) -> int:
    import hashlib

    from .grading import report, sandbox
    from .grading.extract import NotebookError, read_bytes
    from .grading.grader import GRADER_VERSION, grade_many

    ok, why = sandbox.status()
    if not ok:
        print("\n" + "!" * 78 + "\n" + sandbox.WARNING.format(why=why) + "\n" + "!" * 78 + "\n", file=sys.stderr)
    private = None
    if args.private:
        from .grading import private as private_mod

        try:
            private = private_mod.load(args.private)
        except ValueError as exc:
            print(f"lossedu grade: {exc}", file=sys.stderr)
            return 2
        repo = private_mod.inside_a_repository(args.private)
        if repo is not None:
            print(f"lossedu grade: WARNING: {args.private} lies inside the git repository {repo}; keep private "
                  "cases out of anything students can read", file=sys.stderr)
    else:
        print("lossedu grade: WARNING: no --private file, so only the PUBLIC cases (the ones students see with "
              "lossedu.check) are graded; write one with `lossedu private-template PATH`", file=sys.stderr)
    if args.resume and not args.feedback:
        print("lossedu grade: --resume needs --feedback DIR (where earlier results are kept)", file=sys.stderr)
        return 2
    if args.gradescope and len(args.submissions) != 1:
        print("lossedu grade: --gradescope writes one results.json: give exactly one submission", file=sys.stderr)
        return 2
    missing = [p for p in args.submissions if not Path(p).is_file()]
    for p in missing:
        print(f"lossedu grade: {p}: not a regular file (it gets a row with an error)", file=sys.stderr)
    done = {}
    if args.resume:
        fingerprint = private.fingerprint if private is not None else ""
        for i, p in enumerate(args.submissions):
            earlier = report.load_feedback(args.feedback, p)
            if earlier is None or earlier.error or earlier.submission != str(p) or earlier.private != fingerprint:
                continue
            try:
                digest = hashlib.sha256(read_bytes(p)).hexdigest()
            except NotebookError:
                continue
            if digest == earlier.digest:
                done[i] = earlier
        print(f"lossedu grade: --resume: {len(done)} of {len(args.submissions)} already graded", file=sys.stderr)

    def save(i, result):
        if args.feedback:
            report.write_feedback(result, args.feedback)

    results = grade_many(
        args.submissions,
        timeout=args.timeout,
        call_timeout=args.call_timeout,
        question_timeout=args.question_timeout,
        memory_mb=args.memory_mb,
        jobs=args.jobs,
        progress=not args.quiet,
        private=private,
        done=done,
        on_result=save,
    )
    report.write_csv(results, args.out)
    if args.gradescope:
        report.atomic_write(args.gradescope, json.dumps(report.gradescope(results[0]), indent=2, ensure_ascii=False))
    for r in results:
        status = f"  ({r.error})" if r.error else ""
        print(f"{r.submission}: {r.score:g}/{r.max_score:g}{status}")
    text = report.summary(results)
    print(text)
    if args.feedback:
        report.atomic_write(Path(args.feedback) / "summary.txt", text + "\n")
    print(f"wrote {args.out} (grader {GRADER_VERSION}, {'sandboxed' if ok else 'NOT sandboxed'})")
    return 0


def _private_template(args) -> int:
    from .grading import private

    try:
        path = private.write_template(args.path)
    except FileExistsError:
        print(f"lossedu private-template: {args.path} exists; it is never overwritten", file=sys.stderr)
        return 1
    repo = private.inside_a_repository(path)
    if repo is not None:
        print(f"WARNING: {path} lies inside the git repository {repo}: move it out of anything students can read",
              file=sys.stderr)
    print(f"wrote {path}: a fresh private seed; grade with `lossedu grade ... --private {path}`")
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


def _install_cells(args) -> int:
    from .notebooks import install_cells

    changed = install_cells(args.root, check=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'updated'}: {path}")
    if args.check and changed:
        print("run `lossedu install-cells` to update them", file=sys.stderr)
        return 1
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
    g.add_argument("--private", metavar="PATH", help="the instructor's private-cases file (hidden cases)")
    g.add_argument("--timeout", type=float, default=None,
                   help="hard limit in seconds per submission (default: start-up plus every question's budget)")
    g.add_argument("--question-timeout", type=float, default=30.0,
                   help="seconds allowed for all the cases of one question (default: 30)")
    g.add_argument("--call-timeout", type=float, default=10.0, help="seconds allowed per call of a student function (default: 10)")
    g.add_argument("--memory-mb", type=int, default=4096, help="address-space cap per submission in MiB (default: 4096; 0: none)")
    g.add_argument("--feedback", metavar="DIR", help="also write feedback per submission (JSON, text and HTML)")
    g.add_argument("--resume", action="store_true", help="reuse the results in --feedback DIR of unchanged submissions")
    g.add_argument("--gradescope", metavar="PATH", help="also write Gradescope's results.json (one submission)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_grade)

    t = sub.add_parser("private-template", help="write a new private-cases file (a fresh random seed)")
    t.add_argument("path", help="where to write it: keep it outside the repository")
    t.set_defaults(func=_private_template)

    m = sub.add_parser("make-exercises", help="write exercises/ from solutions/")
    m.add_argument("solutions", nargs="*", help="only these solution notebooks (default: all)")
    m.add_argument("--root", default=".", help="the course's root folder")
    m.add_argument("--check", action="store_true", help="only report exercises that differ; exit 1 if any")
    m.add_argument("--no-run", action="store_true", help="do not execute the new exercise notebooks")
    m.set_defaults(func=_make_exercises)

    ic = sub.add_parser("install-cells", help="give every notebook the install cell for _config.yml's repository.url")
    ic.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    ic.add_argument("--root", default=".")
    ic.set_defaults(func=_install_cells)

    e = sub.add_parser("execute", help="run notebooks top to bottom and store their outputs")
    e.add_argument("notebooks", nargs="+")
    e.set_defaults(func=_execute)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
