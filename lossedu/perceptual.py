"""Chapter 06: perceptual losses.

Losses that compare images the way a viewer (or a network) does rather than pixel by pixel:

* :func:`ssim` and :func:`ssim_loss`, the structural similarity index of :cite:t:`wang2004image`,
  hand-designed from local means, variances and covariances (same numbers as
  ``torchmetrics.functional.structural_similarity_index_measure``);
* :func:`perceptual_loss`, the feature reconstruction loss of :cite:t:`johnson2016perceptual`: a
  squared distance between the activations of a fixed network, with a choice of layers,
  per-layer or per-channel weights and the unit normalisation of LPIPS :cite:p:`zhang2018unreasonable`;
* :func:`gram_matrix` and :func:`style_loss`, the texture statistics of :cite:t:`gatys2016image`.

An *extractor* is the fixed network: an object with a ``features(x, layers)`` method that
returns a dict ``{layer name: activation}`` (like :class:`lossedu.data.DigitsNet`), or any
callable that maps ``x`` to such a dict (or to one tensor). An extractor that is a
:class:`torch.nn.Module` must be in eval mode with frozen parameters: a perceptual loss
trains the image, never the feature network. Checking the input's shape and range is the
extractor's job (``DigitsNet`` raises a :class:`ValueError` for anything but
``(N, 1, 16, 16)`` images in [0, 1]).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from ._checks import (
    check_nonnegative_tensor,
    check_positive,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_tensor,
    reduce,
)

__all__ = [
    "ssim",
    "ssim_loss",
    "perceptual_loss",
    "gram_matrix",
    "style_loss",
]


# ----------------------------------------------------------------------------- SSIM
def _check_images(input, target) -> None:
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    check_same_device(input, target, "input", "target")
    if input.dtype != target.dtype:
        raise TypeError(f"input and target must have the same dtype, got {input.dtype} and {target.dtype}")
    if input.dim() != 4:
        raise ValueError(
            f"input must be a batch of images of shape (N, C, H, W), got shape {tuple(input.shape)} "
            f"(add dimensions with x[None, None] for one grey image)"
        )


def _check_kernel(kernel_size, sigma) -> None:
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int):
        raise TypeError(f"kernel_size must be an int, got {type(kernel_size).__name__}")
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size}")
    check_positive(sigma, "sigma")


def _gaussian_window(kernel_size: int, sigma: float, dtype: torch.dtype) -> torch.Tensor:
    """The normalised 1-D Gaussian window ``g`` (the 2-D window is its outer product)."""
    r = torch.arange(kernel_size, dtype=dtype) - (kernel_size - 1) / 2
    g = torch.exp(-0.5 * (r / sigma) ** 2)
    return g / g.sum()


def _filter_matrix(size: int, g: torch.Tensor) -> torch.Tensor:
    """The ``(size, size)`` matrix ``M`` with ``M @ v`` = ``v`` reflect-padded, then filtered by ``g``.

    Row ``i`` holds the window centred on ``i``; a tap that falls off the edge is folded
    back onto its mirror image (``F.pad(mode='reflect')``: the edge pixel is not repeated).
    Built on the CPU, so every device gets the same matrix.
    """
    k = g.numel()
    rows = torch.arange(size)[:, None].expand(size, k)
    src = rows + torch.arange(k)[None, :] - k // 2
    src = torch.where(src < 0, -src, src)
    src = torch.where(src > size - 1, 2 * (size - 1) - src, src)
    m = torch.zeros(size, size, dtype=g.dtype)
    return m.index_put_((rows, src), g.expand(size, k), accumulate=True)


def _ssim_map(input, target, data_range, kernel_size, sigma, k1, k2) -> torch.Tensor:
    n, c, h, w = input.shape
    pad = kernel_size // 2
    if pad >= h or pad >= w:
        raise ValueError(
            f"input's height and width must exceed kernel_size // 2 = {pad} (reflection padding), "
            f"got an image of {h}x{w}; use a smaller kernel_size"
        )
    g = _gaussian_window(kernel_size, sigma, input.dtype)
    rows = _filter_matrix(h, g).to(input.device)
    cols = _filter_matrix(w, g).to(input.device)
    # the five local moments in one batch; the Gaussian window is separable, so filtering
    # (with reflection at the border) is one matrix product along each axis
    stack = torch.cat([input, target, input * input, target * target, input * target])
    stack = rows @ (stack @ cols.T)
    mu_x, mu_y, xx, yy, xy = stack.split(n)
    mu_xx, mu_yy, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    var_x = torch.clamp(xx - mu_xx, min=0.0)  # >= 0 in exact arithmetic; clamp the round-off
    var_y = torch.clamp(yy - mu_yy, min=0.0)
    cov = xy - mu_xy
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    return ((2 * mu_xy + c1) * (2 * cov + c2)) / ((mu_xx + mu_yy + c1) * (var_x + var_y + c2))


def ssim(
    input: torch.Tensor,
    target: torch.Tensor,
    data_range: float,
    kernel_size: int = 11,
    sigma: float = 1.5,
    reduction: str = "mean",
    *,
    k1: float = 0.01,
    k2: float = 0.03,
    return_map: bool = False,
):
    r"""Structural similarity (SSIM) between two batches of images.

    At every pixel, with Gaussian-weighted local means :math:`\mu_x, \mu_y`, variances
    :math:`\sigma_x^2, \sigma_y^2` and covariance :math:`\sigma_{xy}` (window of
    ``kernel_size`` × ``kernel_size`` pixels, standard deviation ``sigma``):

    .. math::
        \mathrm{SSIM}(x, y) = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
        {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},
        \qquad C_1 = (k_1 L)^2,\ C_2 = (k_2 L)^2,

    where :math:`L` is ``data_range`` (1 for images in [0, 1], 255 for 8-bit images).
    The map is averaged over channels and pixels to one number per image; SSIM lies in
    [-1, 1] and equals 1 exactly when the images are equal.

    Reduction over the batch: ``'mean'`` (default), ``'sum'`` or ``'none'`` (shape ``(N,)``).
    With ``return_map=True`` the result is ``(value, map)``, ``map`` of shape ``(N, C, H, W)``.

    Shapes: ``input`` and ``target`` are ``(N, C, H, W)`` with the same shape, dtype and
    device; ``H`` and ``W`` must exceed ``kernel_size // 2``.

    Conventions are those of ``torchmetrics.functional.structural_similarity_index_measure``
    (reflection padding, so the map has the image's size; variances clamped at 0), whose
    values this function reproduces. One difference: torchmetrics ignores ``kernel_size``
    for the Gaussian window and uses ``2 * int(3.5 * sigma + 0.5) + 1`` pixels, which is 11
    for the default ``sigma=1.5``; here ``kernel_size`` is honoured. Wang et al. crop the
    border instead of padding it, so their numbers differ slightly near the edges.

    Reference: :cite:t:`wang2004image`, *Image quality assessment: from error
    visibility to structural similarity*, IEEE TIP 13(4), 2004.

    >>> import torch, lossedu
    >>> x = torch.linspace(0, 1, 256).reshape(1, 1, 16, 16)
    >>> round(float(lossedu.ssim(x, x, data_range=1.0)), 4)
    1.0
    >>> round(float(lossedu.ssim(x, 1 - x, data_range=1.0)), 4)
    -0.5343
    """
    _check_images(input, target)
    check_positive(data_range, "data_range")
    _check_kernel(kernel_size, sigma)
    check_positive(k1, "k1")
    check_positive(k2, "k2")
    check_reduction(reduction)
    if not isinstance(return_map, bool):
        raise TypeError(f"return_map must be a bool, got {type(return_map).__name__}")
    ssim_map = _ssim_map(input, target, data_range, kernel_size, sigma, k1, k2)
    value = reduce(ssim_map.flatten(1).mean(dim=1), reduction)
    return (value, ssim_map) if return_map else value


def ssim_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    data_range: float,
    kernel_size: int = 11,
    sigma: float = 1.5,
    reduction: str = "mean",
    *,
    k1: float = 0.01,
    k2: float = 0.03,
) -> torch.Tensor:
    r"""SSIM as a loss: :math:`\ell(x, y) = 1 - \mathrm{SSIM}(x, y)` per image.

    Zero for identical images, at most 2. Arguments, shapes and reduction as in
    :func:`ssim` (``'none'`` gives one loss per image, shape ``(N,)``).

    Reference: :cite:t:`zhao2017loss`, *Loss functions for image restoration with
    neural networks*, IEEE TCI 3(1), 2017.

    >>> import torch, lossedu
    >>> x = torch.linspace(0, 1, 256).reshape(1, 1, 16, 16)
    >>> float(lossedu.ssim_loss(x, x, data_range=1.0))
    0.0
    """
    per_image = ssim(input, target, data_range, kernel_size, sigma, "none", k1=k1, k2=k2)
    return reduce(1 - per_image, reduction)


# ----------------------------------------------------------------------------- extractors
def _check_extractor(extractor) -> None:
    if not (hasattr(extractor, "features") or callable(extractor)):
        raise TypeError(
            "extractor must have a features(x, layers) method (like lossedu.data.DigitsNet) "
            f"or be callable, got {type(extractor).__name__}"
        )
    if isinstance(extractor, torch.nn.Module):
        if extractor.training:
            raise ValueError(
                "extractor must be in eval mode (call extractor.eval()): in training mode "
                "dropout and batch norm make the loss random and change the network"
            )
        if any(p.requires_grad for p in extractor.parameters()):
            raise ValueError(
                "extractor's parameters must not require gradients (call "
                "extractor.requires_grad_(False)): a perceptual loss trains the image, "
                "never the feature network"
            )


def _layer_names(layers) -> tuple[str, ...] | None:
    if layers is None:
        return None
    if isinstance(layers, str):
        return (layers,)
    layers = tuple(layers)
    if not layers or not all(isinstance(name, str) for name in layers):
        raise ValueError(f"layers must be a non-empty sequence of layer names, got {layers!r}")
    return layers


def _extract(extractor, x: torch.Tensor, layers) -> dict[str, torch.Tensor]:
    if hasattr(extractor, "features"):
        feats = extractor.features(x, layers) if layers is not None else extractor.features(x)
    else:
        feats = extractor(x)
    if isinstance(feats, torch.Tensor):
        feats = {"output": feats}
    if not isinstance(feats, Mapping):
        raise TypeError(f"extractor must return a dict of feature tensors, got {type(feats).__name__}")
    if layers is None:
        return dict(feats)
    missing = [name for name in layers if name not in feats]
    if missing:
        raise ValueError(f"the extractor returned no layer named {missing[0]!r}; it returned {tuple(feats)}")
    return {name: feats[name] for name in layers}


def _features_of_pair(input, target, extractor, layers):
    """Features of input and target, one pass of the extractor each (so that an extractor's
    error message describes the tensor the caller passed)."""
    fx = _extract(extractor, input, layers)
    fy = _extract(extractor, target, layers)
    out = {}
    for name in fx:
        a, b = fx[name], fy.get(name)
        if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor) or a.shape != b.shape \
                or a.dim() < 2 or a.shape[0] != input.shape[0]:
            got = tuple(a.shape) if isinstance(a, torch.Tensor) else type(a).__name__
            raise ValueError(
                f"feature {name!r} must be a tensor with the batch in its first dimension and the "
                f"same shape for input and target, got {got}"
            )
        out[name] = (a, b)
    return out


def _layer_weights(layer_weights, names: Sequence[str], feats, *, per_channel: bool):
    if layer_weights is None:
        return [1.0] * len(names)
    if isinstance(layer_weights, Mapping):
        unknown = [k for k in layer_weights if k not in names]
        if unknown:
            raise ValueError(f"layer_weights names the layer {unknown[0]!r}, which is not among the layers {tuple(names)}")
        layer_weights = [layer_weights.get(name, 0.0) for name in names]
    layer_weights = list(layer_weights)
    if len(layer_weights) != len(names):
        raise ValueError(
            f"layer_weights must have one entry per layer ({len(names)} layers: {tuple(names)}), "
            f"got {len(layer_weights)}"
        )
    out = []
    for name, w in zip(names, layer_weights):
        if isinstance(w, torch.Tensor) and per_channel:
            channels = feats[name][0].shape[1]
            check_tensor(w, f"layer_weights[{name!r}]")
            if w.dim() != 1 or w.numel() != channels:
                raise ValueError(
                    f"layer_weights[{name!r}] must be a number or a 1-D tensor with one weight per "
                    f"channel ({channels} channels), got shape {tuple(w.shape)}"
                )
            check_same_device(w, feats[name][0], f"layer_weights[{name!r}]", "the features")
            check_nonnegative_tensor(w, f"layer_weights[{name!r}]")
            out.append(w.to(feats[name][0].dtype).view(1, -1, *([1] * (feats[name][0].dim() - 2))))
        else:
            what = "a number or a 1-D tensor of per-channel weights" if per_channel else "a number"
            if isinstance(w, bool) or not isinstance(w, (int, float)):
                raise TypeError(f"layer_weights[{name!r}] must be {what}, got {type(w).__name__}")
            check_positive(w, f"layer_weights[{name!r}]", strict=False)
            out.append(float(w))
    return out


def _prepare(input, target, extractor, layers, reduction):
    check_tensor(input, "input")
    check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    check_same_device(input, target, "input", "target")
    if input.dim() == 0:
        raise ValueError("input must have a batch dimension, got a scalar")
    check_reduction(reduction)
    _check_extractor(extractor)
    names = _layer_names(layers)
    feats = _features_of_pair(input, target, extractor, names)
    return feats, tuple(feats)


# ----------------------------------------------------------------------------- feature losses
def perceptual_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    extractor,
    layers=None,
    layer_weights=None,
    reduction: str = "mean",
    *,
    normalize: bool = False,
) -> torch.Tensor:
    r"""Feature (perceptual) distance: squared differences of a fixed network's activations.

    For each image pair and each chosen layer :math:`l`, with activations
    :math:`\phi_l(x)` of shape :math:`C_l \times H_l \times W_l`:

    .. math::
        \ell(x, y) = \sum_l \frac{1}{C_l H_l W_l} \sum_{c,h,w}
        w_{l,c}\,\bigl(\hat\phi_l(x)_{chw} - \hat\phi_l(y)_{chw}\bigr)^2 .

    With ``normalize=False`` (default), :math:`\hat\phi = \phi` and equal weights: this
    is the feature reconstruction loss of :cite:t:`johnson2016perceptual` summed over layers. With
    ``normalize=True`` each activation vector is scaled to unit length over its channels
    at every pixel (:math:`\hat\phi_{hw} = \phi_{hw} / (\lVert\phi_{hw}\rVert + 10^{-10})`)
    and per-channel weights :math:`w_{l,c} \ge 0` give the LPIPS form of
    :cite:t:`zhang2018unreasonable` (up to the constant :math:`1/C_l`, which their learned weights absorb).

    ``layers``: names of the extractor's layers (default: all it returns). ``layer_weights``:
    ``None`` (all 1), a sequence with one entry per layer, or a dict ``{name: weight}``
    (missing layers get 0); an entry is a number :math:`\ge 0` or a 1-D tensor of
    per-channel weights. Reduction over the batch: ``'mean'`` (default), ``'sum'`` or
    ``'none'`` (shape ``(N,)``).

    The extractor (see the module's docstring) is applied to ``input`` and to ``target``;
    it must be in eval mode with frozen parameters, and it checks the images' shape and
    range (``DigitsNet``: ``(N, 1, 16, 16)`` in [0, 1]). Gradients flow to ``input``
    (and ``target`` if it requires them), never into the extractor.

    References: :cite:t:`johnson2016perceptual`, *Perceptual losses for real-time style
    transfer and super-resolution*, ECCV 2016; :cite:t:`zhang2018unreasonable`, *The
    unreasonable effectiveness of deep features as a perceptual metric*, CVPR 2018.

    >>> import torch, lossedu
    >>> net = lossedu.data.pretrained_digits_net()
    >>> images, _ = lossedu.data.load_digits()
    >>> x, y = images[:2], images[10:12]
    >>> float(lossedu.perceptual_loss(x, x, net))
    0.0
    >>> bool(lossedu.perceptual_loss(x, y, net, layers=["conv2"]) > 0)
    True
    """
    if not isinstance(normalize, bool):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    feats, names = _prepare(input, target, extractor, layers, reduction)
    weights = _layer_weights(layer_weights, names, feats, per_channel=True)
    total = None
    for name, w in zip(names, weights):
        fx, fy = feats[name]
        if normalize:
            if fx.dim() < 2:
                raise ValueError(f"normalize=True needs a channel dimension in feature {name!r}")
            fx = fx / (torch.linalg.vector_norm(fx, dim=1, keepdim=True) + 1e-10)
            fy = fy / (torch.linalg.vector_norm(fy, dim=1, keepdim=True) + 1e-10)
        term = ((fx - fy) ** 2 * w).flatten(1).mean(dim=1)
        total = term if total is None else total + term
    return reduce(total, reduction)


def gram_matrix(input: torch.Tensor) -> torch.Tensor:
    r"""Gram matrix of feature maps: channel-by-channel inner products over positions.

    For activations :math:`\phi` of shape :math:`C \times H \times W` (flattened to
    :math:`C \times HW`),

    .. math::
        G_{cd} = \frac{1}{C H W} \sum_{h, w} \phi_{c h w}\, \phi_{d h w},

    the normalisation of :cite:t:`johnson2016perceptual`. It forgets *where* features occur and
    keeps which features occur *together*: a summary of texture, or style.

    Shapes: ``input`` is ``(N, C, *spatial)`` with at least one spatial dimension; the
    result is ``(N, C, C)``, symmetric and positive semi-definite.

    Reference: :cite:t:`gatys2016image`, *Image style transfer using convolutional neural
    networks*, CVPR 2016.

    >>> import torch, lossedu
    >>> phi = torch.tensor([[[[1.0, 0.0]], [[1.0, 1.0]]]])  # (1, 2, 1, 2)
    >>> lossedu.gram_matrix(phi)
    tensor([[[0.2500, 0.2500],
             [0.2500, 0.5000]]])
    """
    check_tensor(input, "input")
    if input.dim() < 3:
        raise ValueError(
            f"input must have shape (N, C, H, W) (at least one spatial dimension), got shape {tuple(input.shape)}"
        )
    n, c = input.shape[:2]
    flat = input.reshape(n, c, -1)
    return flat @ flat.transpose(1, 2) / (c * flat.shape[2])


def style_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    extractor,
    layers=None,
    layer_weights=None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Style (texture) loss: squared Frobenius distance between Gram matrices of features.

    .. math::
        \ell(x, y) = \sum_l w_l\, \bigl\lVert G(\phi_l(x)) - G(\phi_l(y)) \bigr\rVert_F^2,

    with :func:`gram_matrix` and the extractor's activations :math:`\phi_l`. Positions do
    not enter a Gram matrix, so an image and a shifted or rearranged copy with the same
    local textures have nearly the same style.

    ``layers``, ``layer_weights`` (numbers :math:`\ge 0`), the extractor and the reduction
    over the batch (``'mean'``, ``'sum'``, ``'none'``) behave as in :func:`perceptual_loss`.

    References: :cite:t:`gatys2016image`; :cite:t:`johnson2016perceptual`.

    >>> import torch, lossedu
    >>> net = lossedu.data.pretrained_digits_net()
    >>> images, _ = lossedu.data.load_digits()
    >>> float(lossedu.style_loss(images[:3], images[:3], net))
    0.0
    """
    feats, names = _prepare(input, target, extractor, layers, reduction)
    weights = _layer_weights(layer_weights, names, feats, per_channel=False)
    total = None
    for name, w in zip(names, weights):
        fx, fy = feats[name]
        term = w * ((gram_matrix(fx) - gram_matrix(fy)) ** 2).sum(dim=(1, 2))
        total = term if total is None else total + term
    return reduce(total, reduction)
