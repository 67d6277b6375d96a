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
    buffer = b""
    done = 0

    def take(chunk) -> bool:
        """Pass on the whole answer lines in ``chunk``; True to stop reading."""
        nonlocal buffer, done
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:  # only well-formed answers to this question, in order, are passed on
                record = json.loads(line)
                ok = isinstance(record, dict) and record.get("q") == question["index"] and record.get("c") == done
            except (ValueError, RecursionError):
                ok = False
            if not ok:
                return True
            out(line.decode("utf-8", errors="replace"))
            done += 1
            if done == len(question["cases"]):
                return True  # every case answered: stop reading (something it started may hold the pipe)
        return len(buffer) > MAX_LINE + 1024

    timed_out = _read_until(read_fd, time.monotonic() + budget, take)
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


def _read_until(read_fd: int, deadline: float, take) -> bool:
    """Read ``read_fd`` in chunks, handing each to ``take``, until the end of the stream,
    until ``take`` returns True, or until ``deadline`` (``time.monotonic()``).

    Returns True when the deadline ended it. Nothing blocks past the deadline: a
    process that holds the pipe open without writing cannot stall the reader.
    """
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk or take(chunk):
            return False


# --------------------------------------------------------------------------- main
def _prepare():
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy  # noqa: F401 - loaded once, before the forks
    import torch

    torch.set_num_threads(1)
    with _recorder(torch)():  # load the dispatch machinery once, before any fork
        (torch.ones(2, dtype=torch.float64) * 2).log_softmax(-1).sum()
    return torch


def main() -> None:
    out_file = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    os.dup2(2, 1)  # the submission's prints go to stderr, never into the answer channel
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.buffer.read())
    serve(request, out_file, _prepare())


def serve(request: dict, out_file, torch) -> None:
    """Run one submission's request, writing answer lines to ``out_file``; never returns."""

    def out(line: str) -> None:
        out_file.write(line + "\n")
        out_file.flush()

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


# --------------------------------------------------------------------------- zygote
# With bubblewrap, the grader may start one sandboxed runner per job as a *zygote*: it imports
# torch once, then forks one process per submission, and that process gives itself new user,
# mount, PID and IPC namespaces (uid 65534, a fresh /tmp and /sandbox, /proc hidden, every
# capability dropped) before it runs the request, exactly as ``main`` would. Each submission
# thus keeps its own namespaces without paying for torch's import again.
_CLONE = {"user": 0x10000000, "ns": 0x00020000, "pid": 0x20000000, "ipc": 0x08000000}


def _isolate(libc, uid: int, gid: int) -> None:
    """In a fresh fork of the zygote: new namespaces, fresh folders, no capabilities."""
    import ctypes

    def check(result, what):
        if result != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    check(libc.unshare(sum(_CLONE.values())), "unshare")
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"65534 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"65534 {gid} 1")


def _enter(libc) -> None:
    """In the first process of the new PID namespace: folders, then drop every capability."""
    import ctypes

    def check(result, what):
        if result != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
    nosuid, nodev, noexec, rec, private = 2, 4, 8, 16384, 1 << 18
    check(libc.mount(b"none", b"/", None, rec | private, None), "mount private")
    for folder in (b"/tmp", b"/sandbox"):
        check(libc.mount(b"tmpfs", folder, b"tmpfs", nosuid | nodev, b"size=64m,mode=1777"), "mount tmpfs")
    try:  # no user namespace below this one (bubblewrap's --disable-userns, done from inside)
        with open("/proc/sys/user/max_user_namespaces", "w") as fh:
            fh.write("0")
    except OSError:
        pass
    check(libc.mount(b"tmpfs", b"/proc", b"tmpfs", nosuid | nodev | noexec, b"size=4k,mode=555"), "hide /proc")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir("/sandbox")


def _read_exact(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def zygote() -> None:
    """Serve requests (8-byte length, then JSON) on stdin; after each, write
    ``{"end": true, "timed_out": ...}`` (whether the request's deadline killed it)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    torch = _prepare()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    uid, gid = os.getuid(), os.getgid()
    channel.write(json.dumps({"zygote": "ready"}) + "\n")
    channel.flush()
    while True:
        try:
            size = int.from_bytes(_read_exact(0, 8), "little")
            request = json.loads(_read_exact(0, size))
        except (EOFError, ValueError):
            os._exit(0)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                os.dup2(devnull, 0)
                os.dup2(devnull, 2)  # nothing the submission prints is read
                _isolate(libc, uid, gid)
                inner = os.fork()
                if inner == 0:
                    _enter(libc)
                    serve(request, os.fdopen(write_fd, "w", encoding="utf-8", errors="replace"), torch)
                os.close(write_fd)
                _, status = os.waitpid(inner, 0)
            finally:
                os._exit(0)
        os.close(write_fd)
        pending = [b""]

        def relay(chunk) -> bool:
            """Forward the whole lines in ``chunk``; True to stop reading."""
            *lines, pending[0] = (pending[0] + chunk).split(b"\n")
            for line in lines:  # whole lines only: a process killed mid-line sends nothing half-written
                channel.write(line.decode("utf-8", errors="replace") + "\n")
            channel.flush()
            return len(pending[0]) > MAX_LINE + 4096

        timed_out = _read_until(read_fd, time.monotonic() + float(request.get("deadline") or 3600), relay)
        for p in (pid,):
            try:
                os.kill(p, signal.SIGKILL)  # its namespace's first process dies with it (PDEATHSIG)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(p, 0)
            except ChildProcessError:
                pass
        os.close(read_fd)
        channel.write(json.dumps({"end": True, "timed_out": timed_out}) + "\n")
        channel.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        zygote()
    else:
        main()
