"""Benchmark rows for chapter 04 (lossedu.classification): forward + backward on 4096x1000 logits."""

import torch
import torch.nn.functional as F

import lossedu

N, C = 4096, 1000


def _logits_and_labels():
    g = torch.Generator().manual_seed(4)
    x = (torch.randn(N, C, generator=g) * 3).requires_grad_(True)
    y = torch.randint(0, C, (N,), generator=g)
    return [x, y]


def _logits_and_weights():
    x, y = _logits_and_labels()
    g = torch.Generator().manual_seed(5)
    y = y.clone()
    y[::7] = -100
    return [x, y, torch.rand(C, generator=g) + 0.5]


def _logits_and_soft_targets():
    x, _ = _logits_and_labels()
    g = torch.Generator().manual_seed(6)
    return [x, torch.randn(N, C, generator=g).softmax(1)]


def _log_probs_and_labels():
    x, y = _logits_and_labels()
    return [x.detach().log_softmax(1).requires_grad_(True), y]


def _segmentation():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(16, 21, 64, 64, generator=g).requires_grad_(True)
    return [x, torch.randint(0, 21, (16, 64, 64), generator=g)]


def _binary_logits():
    g = torch.Generator().manual_seed(8)
    x = (torch.randn(N, C, generator=g) * 3).requires_grad_(True)
    y = (torch.rand(N, C, generator=g) < 0.3).float()
    return [x, y, torch.rand(C, generator=g) * 3 + 0.5]


def _binary_probs():
    x, y, _ = _binary_logits()
    return [torch.sigmoid(x.detach()).clamp(1e-6, 1 - 1e-6).requires_grad_(True), y]


def _language_model(vocab, dtype):
    """Logits of a language model's batch (8192 tokens), made directly on the GPU."""
    def make():
        g = torch.Generator(device="cuda").manual_seed(9)
        x = (torch.randn(8192, vocab, generator=g, device="cuda") * 2).to(dtype).requires_grad_(True)
        return [x, torch.randint(0, vocab, (8192,), generator=g, device="cuda")]
    return make


GPU_ONLY = {"devices": ("cuda",)}

CASES = [
    ("cross_entropy 4096x1000 (vs F.cross_entropy)", _logits_and_labels,
     lossedu.cross_entropy, F.cross_entropy),
    ("cross_entropy weight+ignore_index 4096x1000", _logits_and_weights,
     lambda x, y, w: lossedu.cross_entropy(x, y, weight=w),
     lambda x, y, w: F.cross_entropy(x, y, weight=w)),
    ("cross_entropy label_smoothing=0.1 4096x1000", _logits_and_labels,
     lambda x, y: lossedu.cross_entropy(x, y, label_smoothing=0.1),
     lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1)),
    ("cross_entropy probability targets 4096x1000", _logits_and_soft_targets,
     lossedu.cross_entropy, F.cross_entropy),
    ("cross_entropy segmentation 16x21x64x64", _segmentation,
     lossedu.cross_entropy, F.cross_entropy),
    ("nll_loss 4096x1000 (vs F.nll_loss)", _log_probs_and_labels,
     lossedu.nll_loss, F.nll_loss),
    ("log_softmax 4096x1000 (vs F.log_softmax)", _logits_and_labels,
     lambda x, y: lossedu.log_softmax(x, 1), lambda x, y: F.log_softmax(x, 1)),
    ("softmax 4096x1000 (vs F.softmax)", _logits_and_labels,
     lambda x, y: lossedu.softmax(x, 1), lambda x, y: F.softmax(x, 1)),
    ("binary_cross_entropy_with_logits pos_weight 4096x1000", _binary_logits,
     lambda x, y, p: lossedu.binary_cross_entropy_with_logits(x, y, pos_weight=p),
     lambda x, y, p: F.binary_cross_entropy_with_logits(x, y, pos_weight=p)),
    ("binary_cross_entropy 4096x1000 (vs F.binary_cross_entropy)", _binary_probs,
     lossedu.binary_cross_entropy, F.binary_cross_entropy),
] + [
    (f"cross_entropy LM 8192x{vocab} {str(dtype).replace('torch.', '')}", _language_model(vocab, dtype),
     lossedu.cross_entropy, F.cross_entropy, GPU_ONLY)
    for vocab in (32000, 128256) for dtype in (torch.float32, torch.bfloat16)
]
