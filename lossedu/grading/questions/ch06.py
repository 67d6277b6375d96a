"""Exercise 06: perceptual losses."""

from __future__ import annotations

import torch

from lossedu import perceptual as ref
from lossedu.grading import Case, Question

F64 = torch.float64


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _images(seed, shape, noise=0.2, scale=1.0):
    g = _gen(seed)
    x = torch.rand(shape, generator=g, dtype=F64)
    y = (x + noise * torch.randn(shape, generator=g, dtype=F64)).clamp(0, 1)
    return x * scale, y * scale


def _features(seed, shape, relu=True):
    g = _gen(seed)
    fx = torch.randn(shape, generator=g, dtype=F64)
    fy = fx + 0.5 * torch.randn(shape, generator=g, dtype=F64)
    return (fx.clamp(min=0), fy.clamp(min=0)) if relu else (fx, fy)


def _identity(z):
    return {"features": z}


# ----------------------------------------------------------------------------- SSIM
def _ssim_map_reference(x, y, data_range, kernel_size=11, sigma=1.5):
    return ref.ssim(x, y, data_range, kernel_size, sigma, "none", return_map=True)[1]


def _ssim_map_cases():
    x, y = _images(1, (1, 1, 16, 16))
    xb, yb = _images(2, (2, 3, 12, 14))
    x8, y8 = _images(3, (1, 1, 16, 16), scale=255.0)
    flat = torch.full((1, 1, 12, 12), 0.5, dtype=F64)
    return [
        Case((x, x, 1.0), label="equal images: a map of ones"),
        Case((x, y, 1.0), label="one grey 16x16 image and a noisy copy"),
        Case((xb, yb, 1.0), label="a batch of 2 colour images, 12x14"),
        Case((x8, y8, 255.0), label="8-bit range: data_range=255"),
        Case((x, y, 1.0), {"kernel_size": 7, "sigma": 1.0}, label="kernel_size=7, sigma=1.0"),
        Case((flat, flat * 0.5, 1.0), label="flat images: only luminance is left"),
    ]


def _ssim_map_hidden(seed):
    x, y = _images(seed, (2, 1, 10, 11), noise=0.4)
    return [Case((x, y, 2.0), {"kernel_size": 5, "sigma": 0.8}, label="hidden: kernel_size=5, data_range=2")]


def _ssim_cases():
    x, y = _images(11, (3, 1, 16, 16))
    xc, yc = _images(12, (2, 2, 20, 20), noise=0.5)
    return [
        Case((x, x, 1.0), label="SSIM(x, x) = 1"),
        Case((x, y, 1.0), label="the default 'mean' over a batch of 3"),
        Case((x, y, 1.0), {"reduction": "none"}, label="'none': one value per image"),
        Case((xc, yc, 1.0), {"reduction": "sum"}, label="'sum', two channels"),
        Case((x, 1 - x, 1.0), label="an image and its negative"),
    ]


def _ssim_hidden(seed):
    x, y = _images(seed, (4, 1, 9, 9), noise=0.3)
    return [Case((x, y, 1.0), {"reduction": "none"}, label="hidden: 9x9 images, 'none'")]


# ----------------------------------------------------------------------------- Gram and features
def _gram_cases():
    fx, _ = _features(21, (2, 3, 4, 5))
    return [
        Case((torch.tensor([[[[1.0, 0.0]], [[1.0, 1.0]]]], dtype=F64),), label="a (1, 2, 1, 2) example"),
        Case((fx,), label="a batch of 2, 3 channels, 4x5 positions"),
        Case((torch.randn(1, 4, 6, generator=_gen(22), dtype=F64),), label="one spatial dimension: (N, C, L)"),
        Case((torch.zeros(1, 2, 3, 3, dtype=F64),), label="all zeros"),
    ]


def _gram_hidden(seed):
    return [Case((torch.randn(3, 5, 2, 2, generator=_gen(seed), dtype=F64),), label="hidden: 5 channels on 2x2")]


def _perceptual_reference(fx, fy, weights=None, normalize=False):
    layer_weights = None if weights is None else [weights]
    return ref.perceptual_loss(fx, fy, _identity, layer_weights=layer_weights, reduction="none",
                               normalize=normalize)


def _perceptual_cases():
    fx, fy = _features(31, (3, 4, 5, 5))
    w = torch.tensor([0.0, 0.5, 1.0, 2.0], dtype=F64)
    return [
        Case((fx, fx), label="equal features: 0"),
        Case((fx, fy), label="mean over channels and positions, one value per sample"),
        Case((fx, fy), {"weights": w}, label="per-channel weights"),
        Case((fx, fy), {"normalize": True}, label="normalize=True: unit vectors over the channels"),
        Case((fx, fy), {"weights": w, "normalize": True}, label="the LPIPS form: normalised and weighted"),
        Case((fx.flatten(2), fy.flatten(2)), label="(N, C, L) features"),
    ]


def _perceptual_hidden(seed):
    fx, fy = _features(seed, (2, 3, 4, 2), relu=False)
    w = torch.rand(3, generator=_gen(seed + 1), dtype=F64)
    return [Case((fx, fy), {"weights": w, "normalize": True}, label="hidden: signed features, LPIPS form")]


def _style_reference(fx, fy):
    return ref.style_loss(fx, fy, _identity, reduction="none")


def _style_cases():
    fx, fy = _features(41, (2, 3, 4, 4))
    perm = torch.randperm(16, generator=_gen(42))
    shuffled = fx.flatten(2)[:, :, perm].reshape(fx.shape)
    return [
        Case((fx, fx), label="equal features: 0"),
        Case((fx, fy), label="a batch of 2"),
        Case((fx, shuffled), label="positions shuffled: still 0 (up to round-off)"),
        Case((fx, 2 * fx), label="features doubled: the Gram matrix is 4 times larger"),
    ]


def _style_hidden(seed):
    fx, fy = _features(seed, (3, 2, 3, 5))
    return [Case((fx, fy), label="hidden: 2 channels on 3x5")]


_SSIM = ("torchmetrics", "skimage", "pytorch_msssim", "piq", "kornia", "torchvision", "piqa")
_FEATURES = ("torchmetrics", "lpips", "piq", "kornia", "torchvision")

QUESTIONS = [
    Question(
        name="ch06.ssim_map",
        function="ssim_map",
        reference=_ssim_map_reference,
        cases=_ssim_map_cases,
        hidden=_ssim_map_hidden,
        description="The SSIM map (N, C, H, W): Gaussian-window local statistics, reflection padding.",
        forbidden=_SSIM,
        atol=1e-7,
    ),
    Question(
        name="ch06.ssim",
        function="ssim",
        reference=lambda x, y, data_range, reduction="mean": ref.ssim(x, y, data_range, reduction=reduction),
        cases=_ssim_cases,
        hidden=_ssim_hidden,
        description="SSIM per image (mean of the map over C, H, W), reduced over the batch.",
        forbidden=_SSIM,
        atol=1e-7,
    ),
    Question(
        name="ch06.gram_matrix",
        function="gram_matrix",
        reference=ref.gram_matrix,
        cases=_gram_cases,
        hidden=_gram_hidden,
        description="Gram matrix (N, C, C) of features (N, C, *spatial), divided by C times the positions.",
        forbidden=_FEATURES,
    ),
    Question(
        name="ch06.perceptual_distance",
        function="perceptual_distance",
        reference=_perceptual_reference,
        cases=_perceptual_cases,
        hidden=_perceptual_hidden,
        description="Per-sample mean squared feature difference, optional per-channel weights and unit normalisation.",
        forbidden=_FEATURES,
    ),
    Question(
        name="ch06.style_distance",
        function="style_distance",
        reference=_style_reference,
        cases=_style_cases,
        hidden=_style_hidden,
        description="Squared Frobenius distance between the Gram matrices of two feature batches, per sample.",
        forbidden=_FEATURES,
    ),
]
