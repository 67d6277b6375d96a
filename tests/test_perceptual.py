"""Chapter 06: lossedu.perceptual against torchmetrics' SSIM and independent references."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import lossedu
from lossedu.data import load_digits, pretrained_digits_net
from _helpers import F64, assert_matches

from torchmetrics.functional.image.ssim import structural_similarity_index_measure as tm_ssim


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _pair(shape, seed=0, noise=0.2, dtype=F64):
    g = _gen(seed)
    x = torch.rand(shape, generator=g, dtype=dtype)
    y = (x + noise * torch.randn(shape, generator=g, dtype=dtype)).clamp(0, 1)
    return x, y


@pytest.fixture(scope="module")
def net():
    return pretrained_digits_net(dtype=F64)


@pytest.fixture(scope="module")
def digits():
    images, labels = load_digits(dtype=F64)
    return images, labels


# ----------------------------------------------------------------------------- SSIM
def torchmetrics_ssim(x, y, data_range, kernel_size=11, sigma=1.5, reduction="mean", **kw):
    red = {"mean": "elementwise_mean"}.get(reduction, reduction)
    return tm_ssim(x, y, data_range=data_range, sigma=sigma, reduction=red, **kw)


@pytest.mark.parametrize("shape", [(3, 1, 16, 16), (2, 3, 20, 13), (1, 2, 64, 48), (4, 1, 6, 6)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ssim_matches_torchmetrics(shape, reduction):
    x, y = _pair(shape, seed=sum(shape))
    assert_matches(lossedu.ssim, torchmetrics_ssim, (x, y, 1.0), kwargs={"reduction": reduction}, rtol=0, atol=1e-6)
    assert_matches(lossedu.ssim, torchmetrics_ssim, (x, y, 1.0), kwargs={"reduction": reduction}, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5, 2.0])
@pytest.mark.parametrize("data_range", [1.0, 2.0, 255.0])
def test_ssim_matches_torchmetrics_options(sigma, data_range):
    x, y = _pair((2, 2, 32, 32), seed=3)
    x, y = x * data_range, y * data_range
    kernel_size = 2 * int(3.5 * sigma + 0.5) + 1  # the window torchmetrics derives from sigma
    kw = {"kernel_size": kernel_size, "sigma": sigma}
    assert_matches(lossedu.ssim, torchmetrics_ssim, (x, y, data_range), kwargs=kw, rtol=1e-10, atol=1e-12)
    kw = {"k1": 0.02, "k2": 0.05}
    ours = lossedu.ssim(x, y, data_range, **kw)
    torch.testing.assert_close(ours, torchmetrics_ssim(x, y, data_range, **kw), rtol=1e-10, atol=1e-12)


def test_ssim_float32_and_extremes():
    x, y = _pair((2, 1, 16, 16), seed=5, dtype=torch.float32)
    torch.testing.assert_close(lossedu.ssim(x, y, 1.0), torchmetrics_ssim(x, y, 1.0), rtol=1e-5, atol=1e-6)
    zeros, ones = torch.zeros(1, 1, 16, 16, dtype=F64), torch.ones(1, 1, 16, 16, dtype=F64)
    # constant images: only the luminance term is left, (2ab + C1) / (a^2 + b^2 + C1)
    c1 = 0.01**2
    assert float(lossedu.ssim(zeros, ones, 1.0)) == pytest.approx(c1 / (1 + c1), rel=1e-12)
    assert float(lossedu.ssim(zeros, zeros, 1.0)) == 1.0
    big = _pair((1, 1, 16, 16), seed=6)[0] * 1e6
    assert torch.isfinite(lossedu.ssim(big, big.flip(-1), 1e6))


def reference_ssim_map(x, y, data_range, kernel_size, sigma, k1=0.01, k2=0.03):
    """SSIM written out: a full 2-D Gaussian window, one convolution per moment."""
    r = torch.arange(kernel_size, dtype=x.dtype) - (kernel_size - 1) / 2
    g = torch.exp(-(r**2) / (2 * sigma**2))
    w2 = torch.outer(g, g) / torch.outer(g, g).sum()
    c = x.shape[1]
    w2 = w2.expand(c, 1, kernel_size, kernel_size)
    pad = kernel_size // 2

    def filt(z):
        return F.conv2d(F.pad(z, (pad,) * 4, mode="reflect"), w2, groups=c)

    mx, my = filt(x), filt(y)
    vx, vy, cxy = filt(x * x) - mx**2, filt(y * y) - my**2, filt(x * y) - mx * my
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    return (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx.clamp(min=0) + vy.clamp(min=0) + c2))


@pytest.mark.parametrize("kernel_size, sigma", [(7, 1.5), (3, 0.8), (11, 3.0), (1, 1.0)])
def test_ssim_honours_kernel_size(kernel_size, sigma):
    x, y = _pair((2, 2, 16, 16), seed=kernel_size)
    value, ssim_map = lossedu.ssim(x, y, 1.0, kernel_size, sigma, return_map=True)
    expected = reference_ssim_map(x, y, 1.0, kernel_size, sigma)
    torch.testing.assert_close(ssim_map, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(value, expected.mean(), rtol=1e-12, atol=1e-12)
    per_image, _ = lossedu.ssim(x, y, 1.0, kernel_size, sigma, reduction="none", return_map=True)
    torch.testing.assert_close(per_image, expected.flatten(1).mean(1), rtol=1e-12, atol=1e-12)


def test_ssim_loss_is_one_minus_ssim():
    x, y = _pair((3, 1, 16, 16), seed=7)
    for reduction in ("none", "mean", "sum"):
        per_image = 1 - lossedu.ssim(x, y, 1.0, reduction="none")
        expected = {"none": per_image, "mean": per_image.mean(), "sum": per_image.sum()}[reduction]
        torch.testing.assert_close(lossedu.ssim_loss(x, y, 1.0, reduction=reduction), expected)
    assert float(lossedu.ssim_loss(x, x, 1.0)) == 0.0


def test_ssim_gradcheck():
    x, y = _pair((2, 2, 6, 6), seed=8)
    x.requires_grad_(True)
    y.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: lossedu.ssim(a, b, 1.0, 5, 1.0, reduction="none"), (x, y), fast_mode=True)
    assert torch.autograd.gradcheck(lambda a, b: lossedu.ssim_loss(a, b, 1.0, 3, 0.7), (x, y), fast_mode=True)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(6, 12), st.floats(0.3, 2.0), st.integers(0, 2**31 - 1))
def test_ssim_properties(n, c, size, sigma, seed):
    x, y = _pair((n, c, size, size), seed=seed, noise=0.5)
    kernel_size = min(2 * int(3.5 * sigma + 0.5) + 1, 2 * size - 1)
    same = lossedu.ssim(x, x, 1.0, kernel_size, sigma, reduction="none")
    torch.testing.assert_close(same, torch.ones(n, dtype=F64), rtol=0, atol=1e-12)  # SSIM(x, x) = 1
    s_xy = lossedu.ssim(x, y, 1.0, kernel_size, sigma, reduction="none")
    s_yx = lossedu.ssim(y, x, 1.0, kernel_size, sigma, reduction="none")
    torch.testing.assert_close(s_xy, s_yx, rtol=0, atol=1e-12)  # symmetric
    assert bool((s_xy <= 1 + 1e-12).all() and (s_xy >= -1 - 1e-12).all())
    assert bool((lossedu.ssim_loss(x, y, 1.0, kernel_size, sigma, reduction="none") >= -1e-12).all())


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([[0.0]], torch.zeros(1, 1, 8, 8), 1.0), {}, TypeError, r"input must be a torch.Tensor"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 9), 1.0), {}, ValueError, r"input and target must have the same shape"),
        ((torch.zeros(8, 8), torch.zeros(8, 8), 1.0), {}, ValueError, r"shape \(N, C, H, W\), got shape \(8, 8\)"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8, dtype=F64), 1.0), {}, TypeError, r"same dtype"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 0.0), {}, ValueError, r"data_range must be > 0, got 0.0"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"kernel_size": 4}, ValueError, r"kernel_size must be a positive odd integer, got 4"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"kernel_size": 3.0}, TypeError, r"kernel_size must be an int"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"sigma": -1.0}, ValueError, r"sigma must be > 0"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"k2": 0}, ValueError, r"k2 must be > 0"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"reduction": "avg"}, ValueError, r"reduction must be one of"),
        ((torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), 1.0), {}, ValueError, r"height and width must exceed kernel_size // 2 = 5.*4x4"),
        ((torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 1.0), {"return_map": 1}, TypeError, r"return_map must be a bool"),
    ],
)
def test_ssim_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        lossedu.ssim(*args, **kwargs)
    if "return_map" not in kwargs:
        with pytest.raises(exc, match=match):
            lossedu.ssim_loss(*args, **kwargs)


# ----------------------------------------------------------------------------- perceptual_loss
def reference_perceptual(x, y, net, layers, weights, normalize=False):
    """Johnson et al.'s normalised squared feature distance (LPIPS form with normalize), per image."""
    fx, fy = net.features(x), net.features(y)
    total = torch.zeros(x.shape[0], dtype=x.dtype)
    for name, w in zip(layers, weights):
        a, b = fx[name], fy[name]
        if normalize:
            a = a / (a.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            b = b / (b.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        d = (a - b) ** 2
        d = d * (w.view(1, -1, 1, 1) if isinstance(w, torch.Tensor) else w)
        c, h, wd = d.shape[1:]
        total = total + d.sum(dim=(1, 2, 3)) / (c * h * wd)
    return total


@pytest.mark.parametrize("normalize", [False, True])
def test_perceptual_loss_matches_reference(net, digits, normalize):
    images, _ = digits
    x, y = images[:4], images[100:104]
    layers = net.FEATURE_LAYERS
    for weights in ([1.0, 1.0, 1.0], [0.5, 0.0, 2.0]):
        expected = reference_perceptual(x, y, net, layers, weights, normalize)
        for reduction, red in (("none", expected), ("mean", expected.mean()), ("sum", expected.sum())):
            got = lossedu.perceptual_loss(x, y, net, layers, weights, reduction, normalize=normalize)
            torch.testing.assert_close(got, red, rtol=1e-12, atol=1e-14)
    per_channel = torch.linspace(0, 1, 16, dtype=F64)
    expected = reference_perceptual(x, y, net, ["conv2"], [per_channel], normalize)
    got = lossedu.perceptual_loss(x, y, net, ["conv2"], [per_channel], "none", normalize=normalize)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-14)


def test_perceptual_loss_layers_and_dict_weights(net, digits):
    images, _ = digits
    x, y = images[:3], images[50:53]
    everything = lossedu.perceptual_loss(x, y, net, reduction="none")
    by_layer = [lossedu.perceptual_loss(x, y, net, [name], reduction="none") for name in net.FEATURE_LAYERS]
    torch.testing.assert_close(everything, sum(by_layer))
    torch.testing.assert_close(lossedu.perceptual_loss(x, y, net, "conv1", reduction="none"), by_layer[0])
    weighted = lossedu.perceptual_loss(x, y, net, layer_weights={"conv3": 2.0}, reduction="none")
    torch.testing.assert_close(weighted, 2 * by_layer[2])
    assert float(lossedu.perceptual_loss(x, x, net)) == 0.0


def test_perceptual_loss_callable_extractors(net, digits):
    images, _ = digits
    x, y = images[:2], images[5:7]
    as_dict = lambda z: {"e": net.embed(z)}  # noqa: E731
    as_tensor = lambda z: net.embed(z)  # noqa: E731
    expected = ((net.embed(x) - net.embed(y)) ** 2).mean(dim=1)
    torch.testing.assert_close(lossedu.perceptual_loss(x, y, as_dict, reduction="none"), expected)
    torch.testing.assert_close(lossedu.perceptual_loss(x, y, as_tensor, reduction="none"), expected)
    torch.testing.assert_close(lossedu.perceptual_loss(x, y, as_dict, layers=["e"], reduction="none"), expected)


def test_perceptual_loss_gradients_reach_the_image_only(net, digits):
    images, _ = digits
    x = images[:2].clone().mul(0.9).add(0.05).requires_grad_(True)
    y = images[7:9]
    lossedu.perceptual_loss(x, y, net).backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    assert all(p.grad is None for p in net.parameters())


class _Smooth(torch.nn.Module):
    """A smooth extractor (tanh, no ReLU or max-pool kinks) for finite-difference checks."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a = torch.nn.Conv2d(1, 3, 3, padding=1)
        self.b = torch.nn.Conv2d(3, 4, 3, stride=2)
        self.double().eval().requires_grad_(False)

    def features(self, x, layers=None):
        a = torch.tanh(self.a(x))
        out = {"a": a, "b": torch.tanh(self.b(a))}
        return out if layers is None else {k: out[k] for k in layers}


def test_feature_losses_gradcheck():
    ext = _Smooth()
    g = _gen(13)
    x = torch.rand(2, 1, 6, 6, generator=g, dtype=F64, requires_grad=True)
    y = torch.rand(2, 1, 6, 6, generator=g, dtype=F64)
    w = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    for normalize in (False, True):
        assert torch.autograd.gradcheck(
            lambda a: lossedu.perceptual_loss(a, y, ext, None, [w, 0.5], "none", normalize=normalize),
            (x,),
            fast_mode=True,
        )
    style = lambda a: lossedu.style_loss(a, y, ext, ["b", "a"], [1.0, 3.0])  # noqa: E731
    assert torch.autograd.gradcheck(style, (x,), fast_mode=True)


def test_perceptual_loss_on_the_digits_net_is_device_and_dtype_consistent(digits):
    images, _ = digits
    net32 = pretrained_digits_net()
    x, y = images[:4].float(), images[20:24].float()
    a = lossedu.perceptual_loss(x, y, net32)
    net64 = pretrained_digits_net(dtype=F64)
    b = lossedu.perceptual_loss(x.double(), y.double(), net64)
    torch.testing.assert_close(a.double(), b, rtol=1e-5, atol=1e-7)


class _Trainable(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)

    def forward(self, x):
        return {"conv": self.conv(x)}


def test_perceptual_loss_errors(net, digits):
    images, _ = digits
    x, y = images[:2], images[2:4]
    with pytest.raises(ValueError, match=r"extractor must be in eval mode \(call extractor.eval\(\)\)"):
        lossedu.perceptual_loss(x, y, _Trainable().double())
    with pytest.raises(ValueError, match=r"must not require gradients .*requires_grad_\(False\)"):
        lossedu.perceptual_loss(x, y, _Trainable().double().eval())
    with pytest.raises(TypeError, match=r"extractor must have a features\(x, layers\) method .* got int"):
        lossedu.perceptual_loss(x, y, 3)
    with pytest.raises(TypeError, match=r"extractor must return a dict of feature tensors, got list"):
        lossedu.perceptual_loss(x, y, lambda z: [z])
    with pytest.raises(ValueError, match=r"unknown layer 'fc1'"):
        lossedu.perceptual_loss(x, y, net, layers=["fc1"])
    with pytest.raises(ValueError, match=r"returned no layer named 'b'"):
        lossedu.perceptual_loss(x, y, lambda z: {"a": z}, layers=["b"])
    with pytest.raises(ValueError, match=r"layers must be a non-empty sequence"):
        lossedu.perceptual_loss(x, y, net, layers=[])
    with pytest.raises(ValueError, match=r"one entry per layer \(3 layers: .*got 2"):
        lossedu.perceptual_loss(x, y, net, layer_weights=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"layer_weights\['conv1'\] must be >= 0, got -1.0"):
        lossedu.perceptual_loss(x, y, net, layer_weights=[-1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match=r"layer_weights\['conv1'\] must be a number or a 1-D tensor"):
        lossedu.perceptual_loss(x, y, net, layer_weights=["1", 1.0, 1.0])
    with pytest.raises(ValueError, match=r"not among the layers"):
        lossedu.perceptual_loss(x, y, net, layer_weights={"fc": 1.0})
    with pytest.raises(ValueError, match=r"one weight per channel \(8 channels\), got shape \(3,\)"):
        lossedu.perceptual_loss(x, y, net, ["conv1"], [torch.ones(3, dtype=F64)])
    negative = -torch.ones(8, dtype=F64)
    with pytest.raises(ValueError, match=r"layer_weights\['conv1'\] must be non-negative, got a value of -1.0"):
        lossedu.perceptual_loss(x, y, net, ["conv1"], [negative])
    with lossedu.set_validate_args(False):  # the value check is skipped, the loss is computed
        lossedu.perceptual_loss(x, y, net, ["conv1"], [negative])
    with pytest.raises(ValueError, match=r"input and target must have the same shape"):
        lossedu.perceptual_loss(x, y[:1], net)
    with pytest.raises(ValueError, match=r"shape \(N, 1, 16, 16\)"):
        lossedu.perceptual_loss(x[:, :, :8, :8], y[:, :, :8, :8], net)
    with pytest.raises(ValueError, match=r"pixel values in \[0, 1\]"):
        lossedu.perceptual_loss(x * 255, y * 255, net)
    with pytest.raises(ValueError, match=r"reduction must be one of"):
        lossedu.perceptual_loss(x, y, net, reduction="batchmean")
    with pytest.raises(TypeError, match=r"normalize must be a bool"):
        lossedu.perceptual_loss(x, y, net, normalize="yes")


# ----------------------------------------------------------------------------- Gram and style
def test_gram_matrix_matches_einsum_and_is_psd():
    f = torch.randn(3, 5, 4, 6, generator=_gen(11), dtype=F64)
    expected = torch.einsum("nchw,ndhw->ncd", f, f) / (5 * 4 * 6)
    g = lossedu.gram_matrix(f)
    torch.testing.assert_close(g, expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(g, g.transpose(1, 2))
    assert bool((torch.linalg.eigvalsh(g) > -1e-12).all())
    # positions do not matter: a permutation of the pixels leaves the Gram matrix unchanged
    perm = torch.randperm(24, generator=_gen(12))
    shuffled = f.flatten(2)[:, :, perm].reshape_as(f)
    torch.testing.assert_close(lossedu.gram_matrix(shuffled), g, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(lossedu.gram_matrix(f.flatten(2)), g)  # (N, C, L) works too
    assert torch.autograd.gradcheck(lossedu.gram_matrix, (f[:1, :2, :2, :3].clone().requires_grad_(True),))
    with pytest.raises(ValueError, match=r"at least one spatial dimension\), got shape \(3, 5\)"):
        lossedu.gram_matrix(f[:, :, 0, 0])
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor"):
        lossedu.gram_matrix(torch.ones(1, 2, 3, dtype=torch.int64))


def test_style_loss_matches_reference(net, digits):
    images, _ = digits
    x, y = images[:3], images[30:33]
    fx, fy = net.features(x), net.features(y)
    expected = torch.zeros(3, dtype=F64)
    for name, w in zip(net.FEATURE_LAYERS, (1.0, 0.5, 2.0)):
        gx = torch.einsum("nchw,ndhw->ncd", fx[name], fx[name]) / fx[name][0].numel()
        gy = torch.einsum("nchw,ndhw->ncd", fy[name], fy[name]) / fy[name][0].numel()
        expected = expected + w * ((gx - gy) ** 2).sum(dim=(1, 2))
    got = lossedu.style_loss(x, y, net, layer_weights=[1.0, 0.5, 2.0], reduction="none")
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-16)
    torch.testing.assert_close(lossedu.style_loss(x, y, net, layer_weights=[1.0, 0.5, 2.0]), expected.mean())
    assert float(lossedu.style_loss(x, x, net)) == 0.0
    with pytest.raises(TypeError, match=r"layer_weights\['conv1'\] must be a number, got Tensor"):
        lossedu.style_loss(x, y, net, ["conv1"], [torch.ones(8, dtype=F64)])
    with pytest.raises(ValueError, match=r"extractor must be in eval mode"):
        lossedu.style_loss(x, y, _Trainable().double())


def test_no_host_reads_with_validation_off(net, digits, monkeypatch):
    """With set_validate_args(False) nothing reads a tensor's value on the host."""
    images, _ = digits
    x, y = images[:2], images[2:4]
    calls = []
    for name in ("item", "tolist", "__bool__"):
        original = getattr(torch.Tensor, name)

        def spy(self, *a, _orig=original, _name=name, **k):
            calls.append(_name)
            return _orig(self, *a, **k)

        monkeypatch.setattr(torch.Tensor, name, spy)
    with lossedu.set_validate_args(False):
        lossedu.ssim(x, y, 1.0)
        lossedu.ssim_loss(x, y, 1.0)
        lossedu.perceptual_loss(x, y, net, ["conv1"], [torch.ones(8, dtype=F64)], normalize=True)
        lossedu.style_loss(x, y, net)
        lossedu.gram_matrix(x)
    assert calls == []
