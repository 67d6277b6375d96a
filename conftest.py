"""Test-session set-up shared by the unit tests and nbval's notebook runs.

nbval starts one Jupyter kernel per notebook. With many pytest-xdist workers the
default TCP transport races: each kernel picks "free" ports that another kernel
may take before it binds them, and a kernel that loses the race dies before it
answers ``kernel_info``, taking its notebook's cells with it. Here every kernel
talks over IPC sockets in a private temporary folder (no ports to race for), and
a kernel that still fails to start is started again, up to three times.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time

try:
    import nbval.kernel as _nbval_kernel
    import nbval.plugin as _nbval_plugin
except ImportError:  # nbval is a test extra; plain unit-test runs work without it
    _nbval_kernel = None

if _nbval_kernel is not None:
    from jupyter_client.manager import KernelManager

    _ATTEMPTS = 3
    _BASE = tempfile.mkdtemp(prefix="lossedu-kernels-")
    atexit.register(shutil.rmtree, _BASE, True)

    def _start_new_kernel(startup_timeout=60, kernel_name="python", **kwargs):
        folder = tempfile.mkdtemp(dir=_BASE)
        km = KernelManager(
            kernel_name=kernel_name,
            kernel_spec_manager=_nbval_kernel.NbvalKernelspecManager(),
            transport="ipc",
            ip=os.path.join(folder, "k"),
            connection_file=os.path.join(folder, "kernel.json"),
        )
        try:
            km.start_kernel(**kwargs)
            assert km.transport == "ipc", km.transport
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=startup_timeout)
            except RuntimeError:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
                raise
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return km, kc

    _nbval_kernel.start_new_kernel = _start_new_kernel

    class _RetryingKernel(_nbval_kernel.RunningKernel):
        def __init__(self, *args, **kwargs):
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    super().__init__(*args, **kwargs)
                    return
                except RuntimeError:
                    if attempt == _ATTEMPTS:
                        raise
                    time.sleep(attempt)

    _nbval_plugin.RunningKernel = _RetryingKernel
