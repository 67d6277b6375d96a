"""Device selection shared by the book, the exercises and the tests."""

from __future__ import annotations

import os

import torch


def device() -> torch.device:
    """Return the device the course runs on.

    ``LOSSEDU_DEVICE`` wins when it is set (``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...);
    otherwise CUDA when it is available, else the CPU. Notebooks call this instead of
    writing ``'cuda'`` or ``'cpu'``, so the same notebook runs on both.

    >>> import lossedu
    >>> lossedu.device().type in {"cpu", "cuda", "mps"}
    True
    """
    requested = os.environ.get("LOSSEDU_DEVICE", "").strip()
    if requested:
        try:
            dev = torch.device(requested)
        except RuntimeError as exc:
            raise ValueError(f"LOSSEDU_DEVICE={requested!r} is not a valid torch device: {exc}") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"LOSSEDU_DEVICE={requested!r} asks for CUDA, but CUDA is not available here")
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
