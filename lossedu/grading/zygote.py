"""Sandboxed zygotes: one bubblewrap sandbox per grading job that imports torch once.

A fresh interpreter importing torch costs about a second of CPU (far more on a
loaded machine), which is most of what grading one submission costs. With
bubblewrap, each job of ``lossedu grade`` therefore keeps one sandboxed runner
alive (a *zygote*, see :func:`lossedu.grading.runner.zygote`); for each submission
it forks a process that enters new user, mount, PID and IPC namespaces of its own
(uid 65534, a fresh ``/tmp`` and ``/sandbox``, ``/proc`` hidden, no capability)
before it runs anything of the submission. What the grader reads back is capped
and timed exactly as for a one-off runner; a zygote that misbehaves or runs past
a deadline is killed and replaced.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import subprocess
import threading
import time

from . import sandbox

READY_SECONDS = 120.0
_LIVE: list["Zygote"] = []
_LOCK = threading.Lock()


class Zygote:
    def __init__(self):
        env = dict(sandbox.ENV)
        self.proc = subprocess.Popen(
            sandbox.bwrap_command(zygote=True), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b""
        with _LOCK:
            _LIVE.append(self)
        first = self._line(time.monotonic() + READY_SECONDS)
        if first != {"zygote": "ready"}:
            self.kill()
            raise RuntimeError("the sandboxed zygote did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with _LOCK:
            if self in _LIVE:
                _LIVE.remove(self)

    def _line(self, end: float, cap: int = 8 * 1024 * 1024 + 4096):
        """The next line as JSON (None at the deadline, at EOF, or when it is too long)."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or len(self.buffer) > cap:
                return None
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_READ)
                if not sel.select(timeout=min(left, 0.5)):
                    continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if len(line) > cap:
            return None
        try:
            return json.loads(line.decode("utf-8", errors="replace"))
        except (ValueError, RecursionError):
            return {"__malformed__": True}

    def run(self, request: dict, deadline: float, total_cap: int):
        """Send one request; return (records, error). The zygote is killed on any trouble."""
        payload = json.dumps(dict(request, deadline=deadline)).encode()
        try:
            self.proc.stdin.write(len(payload).to_bytes(8, "little") + payload)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            self.kill()
            return [], "the sandbox stopped unexpectedly"
        end = time.monotonic() + deadline + 5
        records, size = [], 0
        while True:
            record = self._line(end)
            if record is None:
                self.kill()
                timed_out = time.monotonic() >= end
                return records, (f"timed out after {deadline:g} s (killed)" if timed_out
                                 else "the submission's process sent back something that is not an answer")
            if record.get("end") is True and set(record) == {"end", "timed_out"}:
                return records, (f"timed out after {deadline:g} s (killed)" if record["timed_out"] else "")
            size += 1
            if size > 1_000_000 or "__malformed__" in record or not isinstance(record, dict):
                self.kill()
                return records, "the submission's process sent back something that is not an answer"
            records.append(record)


_LOCAL = threading.local()


_SPARE: list[Zygote] = []  # the probe's zygote, handed to the first thread that needs one


def run(request: dict, deadline: float, total_cap: int):
    """Run one request in this thread's zygote (started or replaced as needed)."""
    z = getattr(_LOCAL, "zygote", None)
    if z is None or not z.alive():
        with _LOCK:
            spare = _SPARE.pop() if _SPARE else None
        z = _LOCAL.zygote = spare if spare is not None and spare.alive() else Zygote()
    return z.run(request, deadline, total_cap)


def shutdown() -> None:
    """Kill every live zygote (the end of a batch, or of the process)."""
    with _LOCK:
        live = list(_LIVE)
        _SPARE.clear()
    for z in live:
        z.kill()


atexit.register(shutdown)


def probe() -> tuple[bool, str]:
    """Start a zygote and grade a one-line definition in it."""
    request = {"statements": [{"cell": 0, "source": "def f(x):\n    return x + 1\n"}], "future": [],
               "call_timeout": 10, "defs_timeout": 10, "limits": {},
               "questions": [{"function": "f", "budget": 10, "cases": [{"args": [1], "kwargs": {}}]}]}
    try:
        z = Zygote()
    except Exception as exc:  # noqa: BLE001
        return False, f"a sandboxed zygote cannot start here: {exc}"
    records, error = z.run(request, 60, 1 << 20)
    answers = [r.get("answer") for r in records if r.get("q") == 0]
    if error or answers != [2]:
        z.kill()
        return False, f"a sandboxed zygote cannot isolate submissions here: {error or 'no answer'}"
    with _LOCK:
        _SPARE.append(z)
    return True, ""
