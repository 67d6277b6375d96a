"""The child that runs one submission: a self-contained script, run by file path.

It imports only the standard library, ``torch`` and ``numpy``: nothing of
``lossedu``, so the references and the question registry are never loaded in
the process (or, with the sandbox, even visible on its file system). The grader
sends one JSON request on stdin::

    {"statements": [{"cell": 3, "source": "def entropy(p): ..."}, ...], "future": [...],
     "call_timeout": 10, "defs_timeout": 20, "limits": {...},
     "questions": [{"function": "entropy", "budget": 30,
                    "cases": [{"args": [...], "kwargs": {...}}, ...]}, ...]}

and reads JSON lines on stdout::

    {"defs": "ok", "errors": [...]}     or {"defs": "error", "message": "..."}
    {"q": 0, "c": 0, "answer": ..., "ops": ["aten op", ...]}
    {"q": 0, "error": "...", "from": 3}  (cases 3.. of question 0 were not run)
    {"done": true}

The definitions are executed once, one statement at a time (one that fails
costs only itself). Each question then runs in its own forked
process: its cases are called under a ``TorchDispatchMode`` that records every
aten operator they reach (so the grader can refuse ``_log_softmax`` however it
was called), with a per-call alarm, and the whole question is killed when its
time budget runs out, so one endless function never costs the other questions.
What a question computes cannot change what the next one sees. The grader
trusts none of this: it decodes the lines with size and depth limits and
compares the answers with its own references.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import sys
import time

MAX_LINE = 8 * 1024 * 1024  # one encoded answer
MAX_OPS = 256


class CallTimeout(BaseException):
    """Raised inside a submission's function that runs past its time limit."""


def _alarm(signum, frame):
    raise CallTimeout()


def _limit(limits: dict) -> None:
    def setlim(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass

    mem = int(limits.get("memory_mb") or 0)
    if mem > 0:
        setlim(resource.RLIMIT_AS, mem * 1024 * 1024)
    setlim(resource.RLIMIT_CORE, 0)
    fsize = int(limits.get("file_mb") or 0)
    if fsize > 0:
        setlim(resource.RLIMIT_FSIZE, fsize * 1024 * 1024)
    cpu = int(limits.get("cpu_seconds") or 0)
    if cpu > 0:
        try:
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            if hard != resource.RLIM_INFINITY:
                cpu = min(cpu, hard - 1)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        except (ValueError, OSError):
            pass


# --------------------------------------------------------------------------- plain data
def _decode(data, torch):
    if isinstance(data, dict) and "__tensor__" in data:
        dtype = getattr(torch, str(data["dtype"]))
        if not isinstance(dtype, torch.dtype):
            raise ValueError("bad dtype")
        return torch.tensor(data["__tensor__"], dtype=dtype).reshape([int(s) for s in data["shape"]])
    if isinstance(data, list):
        return [_decode(d, torch) for d in data]
    if isinstance(data, dict):
        return {str(k): _decode(v, torch) for k, v in data.items()}
    return data


def _encode_answer(value, torch, np):
    """A tensor, an array or a plain number becomes plain data; anything else an error
    record, so a custom object (one whose ``__eq__`` always says True) never passes."""
    kind = type(value)
    if kind in (bool, int, float):
        return value if kind is not int or abs(value) < 2**63 else float(value)
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return np.asarray(value).astype(np.float64).item()
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value).astype(np.float64))
    if isinstance(value, torch.Tensor):
        t = torch.Tensor.detach(value)
        t = torch.Tensor.cpu(t).as_subclass(torch.Tensor)
        dtype = str(t.dtype).replace("torch.", "")
        if t.is_complex():
            return {"__error__": "returned a complex tensor; expected real numbers"}
        if t.numel() > 1_000_000:
            return {"__error__": f"returned a tensor of {t.numel()} elements; that is far too many"}
        t = t.to(torch.float64)
        return {"__tensor__": t.tolist(), "dtype": dtype, "shape": list(t.shape)}
    return {"__error__": f"returned a {kind.__name__}; expected a tensor or a number"}


def _text(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = type(exc).__name__
    return text[:500]


# --------------------------------------------------------------------------- one question
def _recorder(torch):
    from torch.utils._python_dispatch import TorchDispatchMode

    class Record(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls):
            return False  # no torch._dynamo around __torch_dispatch__: importing it costs seconds

        def __init__(self):
            super().__init__()
            self.ops = set()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if len(self.ops) < MAX_OPS:
                self.ops.add(func._schema.name.split("::")[-1])
            return func(*args, **(kwargs or {}))

    return Record


def _run_question(fn, question, call_timeout, write, torch, np) -> None:
    """In a forked process: call ``fn`` on each case and write one line per case."""
    Record = _recorder(torch)
    signal.signal(signal.SIGALRM, _alarm)
    for c, case in enumerate(question["cases"]):
        ops: set = set()
        try:
            args, kwargs = _decode(case["args"], torch), _decode(case["kwargs"], torch)
            record = Record()
            try:
                if call_timeout > 0:
                    signal.setitimer(signal.ITIMER_REAL, call_timeout)
                with record:
                    value = fn(*args, **kwargs)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                ops = record.ops
            answer = _encode_answer(value, torch, np)
        except CallTimeout:
            answer = {"__error__": f"took longer than {call_timeout:g} s (stopped)"}
        except NotImplementedError:
            answer = {"__error__": "not implemented yet"}
        except MemoryError:
            answer = {"__error__": "ran out of memory (MemoryError)"}
        except BaseException as exc:  # noqa: BLE001 - a student's exception is feedback
            answer = {"__error__": f"raised {_text(exc)}"}
        write({"q": question["index"], "c": c, "answer": answer, "ops": sorted(ops)})


def _fork_question(fn, question, call_timeout, out, channel: int) -> None:
    """Run one question in a child process; kill it when its budget runs out."""
    import numpy as np
    import torch

    budget = float(question.get("budget") or 0) or 3600.0
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the question's process
        try:
            os.close(read_fd)
            os.close(channel)  # the answer channel to the grader stays with the parent
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)  # what a question prints is never read: flooding it costs nothing
            os.dup2(devnull, 2)
            sink = os.fdopen(write_fd, "w", encoding="utf-8", errors="replace")

            def write(record):
                try:
                    line = json.dumps(record)
                except (ValueError, TypeError, RecursionError) as exc:
                    line = json.dumps({"q": record["q"], "c": record["c"], "ops": record["ops"],
                                       "answer": {"__error__": f"the answer could not be encoded: {_text(exc)}"}})
                if len(line) > MAX_LINE:
                    line = json.dumps({"q": record["q"], "c": record["c"], "ops": record["ops"],
                                       "answer": {"__error__": "the answer is too large"}})
                sink.write(line + "\n")
                sink.flush()

            _limit({"cpu_seconds": int(budget) + 2})
            _run_question(fn, question, call_timeout, write, torch, np)
        finally:
            os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + budget
    buffer = b""
    done = 0
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:  # only well-formed answers to this question, in order, are passed on
                record = json.loads(line)
                ok = isinstance(record, dict) and record.get("q") == question["index"] and record.get("c") == done
            except (ValueError, RecursionError):
                ok = False
            if not ok:
                break
            out(line.decode("utf-8", errors="replace"))
            done += 1
            if done == len(question["cases"]):
                break  # every case answered: stop reading (something it started may hold the pipe)
        else:
            if len(buffer) <= MAX_LINE + 1024:
                continue
        break
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(read_fd)
    total = len(question["cases"])
    if done < total:
        if timed_out:
            message = f"the question's time budget of {budget:g} s ran out"
        else:
            message = "the question's process stopped without an answer (crashed, or over its memory or CPU limit)"
        out(json.dumps({"q": question["index"], "error": message, "from": done}))


# --------------------------------------------------------------------------- main
def main() -> None:
    out_file = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    os.dup2(2, 1)  # the submission's prints go to stderr, never into the answer channel
    sys.stdout = sys.stderr

    def out(line: str) -> None:
        out_file.write(line + "\n")
        out_file.flush()

    request = json.loads(sys.stdin.buffer.read())
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy  # noqa: F401 - loaded once, before the forks
    import torch

    torch.set_num_threads(1)
    with _recorder(torch)():  # load the dispatch machinery once, before any fork
        (torch.ones(2, dtype=torch.float64) * 2).log_softmax(-1).sum()
    _limit(request.get("limits", {}))
    torch.manual_seed(0)
    namespace: dict = {"__name__": "__submission__"}
    defs_timeout = float(request.get("defs_timeout") or 0)
    signal.signal(signal.SIGALRM, _alarm)
    import __future__

    flags = 0
    for feature in request.get("future", []):
        flag = getattr(__future__, str(feature), None)
        if isinstance(flag, __future__._Feature):
            flags |= flag.compiler_flag
    errors = []
    try:
        if defs_timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, defs_timeout)
        try:
            for statement in request["statements"]:
                try:
                    code = compile(statement["source"], f"<cell {statement['cell']}>", "exec",
                                   flags=flags, dont_inherit=True)
                    exec(code, namespace)  # noqa: S102 - definitions only, checked by the grader
                except CallTimeout:
                    raise
                except BaseException as exc:  # noqa: BLE001 - one failed definition costs only itself
                    if len(errors) < 20:
                        errors.append(f"cell {statement['cell']}: {_text(exc)}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except CallTimeout:
        out(json.dumps({"defs": "error", "message": f"the definitions took longer than {defs_timeout:g} s"}))
        out(json.dumps({"done": True}))
        os._exit(0)
    out(json.dumps({"defs": "ok", "errors": errors}))
    # every answer is looked up once, now: nothing a question does can rebind another
    functions = {q["function"]: namespace.get(q["function"]) for q in request["questions"]}
    call_timeout = float(request.get("call_timeout") or 0)
    for index, question in enumerate(request["questions"]):
        question = dict(question, index=index)
        fn = functions[question["function"]]
        if not callable(fn):
            out(json.dumps({"q": index, "error": f"no function named {question['function']!r} is defined", "from": 0}))
            continue
        _fork_question(fn, question, call_timeout, out, out_file.fileno())
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    out(json.dumps({"done": True, "cpu": round(sum(u.ru_utime + u.ru_stime for u in usage), 4)}))
    out_file.flush()
    os._exit(0)  # skip interpreter teardown: nothing the submission registered runs after this


if __name__ == "__main__":
    main()
