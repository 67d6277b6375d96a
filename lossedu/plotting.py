"""One plotting style for the whole course, and a helper to draw a loss beside its gradient."""

from __future__ import annotations

from typing import Callable, Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import torch

STYLE = {
    "figure.figsize": (7.0, 3.2),
    "figure.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "font.size": 10,
    "savefig.bbox": "tight",
}


def use_style() -> None:
    """Apply the course's matplotlib style (call once at the top of a notebook).

    In a notebook it also switches inline figures to "retina" PNGs: drawn at twice the
    resolution and shown at their usual size, so they stay sharp on high-density screens
    (phones, laptops) and when a reader zooms in.
    """
    mpl.rcParams.update(STYLE)
    _inline_retina()


def _inline_retina() -> bool:
    """Ask IPython's inline backend for 2x PNGs; False outside a notebook kernel."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing is drawn inline
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    set_matplotlib_formats("retina")
    return True


def loss_and_gradient(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor):
    """Evaluate an element-wise ``fn`` on the grid ``x`` and its derivative by autograd.

    Returns ``(values, gradients)`` as float64 tensors detached from the graph.
    """
    x = x.detach().to(torch.float64).clone().requires_grad_(True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return y.detach(), grad.detach()


def plot_loss_and_gradient(
    curves: Mapping[str, Callable[[torch.Tensor], torch.Tensor]],
    x: torch.Tensor,
    *,
    xlabel: str = "residual",
    ylim=None,
    glim=None,
    title: str | None = None,
):
    """Draw each element-wise loss in ``curves`` (left) and its derivative (right).

    ``curves`` maps a legend label to a function of a 1-D tensor. The derivative
    comes from autograd, so it is exactly what an optimiser would see.
    Returns the figure.
    """
    fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    xs = x.detach().cpu().to(torch.float64)
    for label, fn in curves.items():
        y, g = loss_and_gradient(fn, xs)
        ax_l.plot(xs.numpy(), y.numpy(), label=label)
        ax_g.plot(xs.numpy(), g.numpy(), label=label)
    ax_l.set_xlabel(xlabel)
    ax_l.set_ylabel("loss")
    ax_g.set_xlabel(xlabel)
    ax_g.set_ylabel("d loss / d " + xlabel.split()[0])
    ax_l.set_title("loss")
    ax_g.set_title("gradient")
    if ylim is not None:
        ax_l.set_ylim(*ylim)
    if glim is not None:
        ax_g.set_ylim(*glim)
    ax_l.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
