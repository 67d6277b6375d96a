"""Benchmark rows for chapter 06 (lossedu.perceptual): SSIM against torchmetrics."""

import torch
from torchmetrics.functional.image.ssim import structural_similarity_index_measure as tm_ssim

import lossedu


def _images(shape):
    def make():
        g = torch.Generator().manual_seed(0)
        x = torch.rand(shape, generator=g).requires_grad_(True)
        y = (x.detach() + 0.1 * torch.randn(shape, generator=g)).clamp(0, 1)
        return [x, y]

    return make


def _digits():
    images, _ = lossedu.data.load_digits()
    x = images[:512].clone().requires_grad_(True)
    return [x, images[512:1024].clone()]


CASES = [
    ("ssim 16x3x256x256 (vs torchmetrics)", _images((16, 3, 256, 256)),
     lambda x, y: lossedu.ssim(x, y, 1.0),
     lambda x, y: tm_ssim(x, y, data_range=1.0)),
    ("ssim digits 512x1x16x16 (vs torchmetrics)", _digits,
     lambda x, y: lossedu.ssim(x, y, 1.0),
     lambda x, y: tm_ssim(x, y, data_range=1.0)),
]
