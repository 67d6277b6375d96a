"""The child process that runs one submission's definitions.

It reads one JSON request on stdin::

    {"source": "...", "calls": [{"function": "entropy", "args": [...], "kwargs": {...}}, ...]}

executes the source, calls each function on freshly decoded tensors, and writes
one JSON list of encoded answers to its original stdout. Anything the submission
prints goes to stderr. The grader never trusts this process: it only reads back
plain data and compares it itself.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys


class CallTimeout(BaseException):
    """Raised inside a submission's function that runs past its time limit."""


def _alarm(signum, frame):
    raise CallTimeout()


def _limit_resources(limits: dict) -> None:
    """CPU seconds and address space for this process (the grader also has a wall-clock timeout)."""
    cpu = int(limits.get("cpu_seconds") or 0)
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    mem = int(limits.get("memory_mb") or 0)
    if mem > 0:
        limit = mem * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the submission's prints go to stderr, never into the answer channel
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.read())
    _limit_resources(request.get("limits", {}))

    import torch

    from lossedu.grading.spec import decode, encode_answer, error_record

    torch.manual_seed(0)
    call_seconds = float(request.get("call_timeout", 0) or 0)
    signal.signal(signal.SIGALRM, _alarm)
    namespace: dict = {"__name__": "__submission__"}
    answers = []
    try:
        exec(compile(request["source"], "<submission>", "exec"), namespace)  # noqa: S102
    except BaseException as exc:  # noqa: BLE001
        message = f"the notebook's definitions failed to run: {type(exc).__name__}: {exc}"
        answers = [error_record(message) for _ in request["calls"]]
    else:
        for call in request["calls"]:
            fn = namespace.get(call["function"])
            if not callable(fn):
                answers.append(error_record(f"no function named {call['function']!r} is defined"))
                continue
            try:
                if call_seconds > 0:
                    signal.setitimer(signal.ITIMER_REAL, call_seconds)
                try:
                    value = fn(*decode(call["args"]), **decode(call["kwargs"]))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                answers.append(encode_answer(value))
            except CallTimeout:
                answers.append(error_record(f"took longer than {call_seconds:g} s (stopped)"))
            except NotImplementedError:
                answers.append(error_record("not implemented yet"))
            except BaseException as exc:  # noqa: BLE001
                answers.append(error_record(f"raised {type(exc).__name__}: {exc}"))
    json.dump(answers, out)
    out.flush()
    os._exit(0)  # skip interpreter teardown: nothing the submission registered runs after this


if __name__ == "__main__":
    main()
