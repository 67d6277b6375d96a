"""lossedu.data: offline digits, a deterministic split and the cached feature network."""

import os
import pathlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits as sk_load_digits

import lossedu
import lossedu.data as data


@pytest.fixture(scope="module")
def trained():
    """One training from scratch in this process (a few seconds on the CPU)."""
    return data.train_digits_net()


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


# ----------------------------------------------------------------------------- cache_dir
def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSEDU_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("LOSSEDU_CACHE_DIR")
    assert data.cache_dir() == tmp_path / "xdg" / "lossedu"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.cache_dir() == pathlib.Path.home() / ".cache" / "lossedu"


# ----------------------------------------------------------------------------- load_digits
def test_load_digits_matches_sklearn():
    bunch = sk_load_digits()
    images, labels = data.load_digits(size=8, dtype=torch.float64)
    assert images.shape == (1797, 1, 8, 8) and labels.shape == (1797,)
    assert labels.dtype == torch.int64
    np.testing.assert_array_equal(images[:, 0].numpy(), bunch.images / 16.0)
    np.testing.assert_array_equal(labels.numpy(), bunch.target)


def test_load_digits_upsampled():
    images, labels = data.load_digits()
    assert images.shape == (1797, 1, 16, 16) and images.dtype == torch.float32
    assert float(images.min()) == 0.0 and float(images.max()) == 1.0
    small, _ = data.load_digits(size=8, dtype=torch.float64)
    expected = F.interpolate(small, size=(16, 16), mode="bilinear", align_corners=False)
    torch.testing.assert_close(data.load_digits(dtype=torch.float64)[0], expected, rtol=0, atol=1e-15)
    big, _ = data.load_digits(size=28)
    assert big.shape == (1797, 1, 28, 28)


def test_load_digits_returns_fresh_tensors():
    a, _ = data.load_digits(dtype=torch.float64)
    a.zero_()
    b, _ = data.load_digits(dtype=torch.float64)
    assert float(b.max()) == 1.0


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"size": 4}, ValueError, r"size must be >= 8"),
        ({"size": 16.0}, TypeError, r"size must be an int"),
        ({"dtype": torch.int64}, TypeError, r"dtype must be a floating-point"),
    ],
)
def test_load_digits_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        data.load_digits(**kwargs)


# ----------------------------------------------------------------------------- digits_split
def test_split_partitions_and_stratifies():
    split = data.digits_split()
    _, labels = data.load_digits(size=8)
    everything = torch.cat([split["train"], split["val"], split["test"]])
    assert torch.equal(torch.sort(everything).values, torch.arange(1797))
    for part, share in (("train", 0.6), ("val", 0.2), ("test", 0.2)):
        idx = split[part]
        assert idx.dtype == torch.int64
        assert torch.equal(idx, torch.sort(idx).values)
        counts = torch.bincount(labels[idx], minlength=10)
        total = torch.bincount(labels, minlength=10)
        assert torch.all((counts - share * total).abs() <= 1)


def test_split_is_deterministic():
    a, b, c = data.digits_split(0), data.digits_split(0), data.digits_split(1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["test"], c["test"])
    with pytest.raises(TypeError, match="seed must be an int"):
        data.digits_split("0")


# ----------------------------------------------------------------------------- DigitsNet
def test_digitsnet_shapes_and_features():
    net = data.DigitsNet()
    x = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    feats = net.features(x)
    assert list(feats) == list(data.DigitsNet.FEATURE_LAYERS)
    assert [tuple(v.shape) for v in feats.values()] == [(3, 8, 16, 16), (3, 16, 8, 8), (3, 32, 4, 4)]
    assert list(net.features(x, layers=["conv2"])) == ["conv2"]
    assert list(net.features(x, layers="conv1")) == ["conv1"]
    assert torch.equal(net.features(x, layers=("conv3", "conv1"))["conv3"], feats["conv3"])
    assert net(x).shape == (3, 10)
    assert net.embed(x).shape == (3, data.DigitsNet.EMBED_DIM)
    assert torch.equal(net.fc2(net.embed(x)), net(x))


@pytest.mark.parametrize(
    "x, exc, match",
    [
        ([[0.0]], TypeError, r"x must be a torch.Tensor"),
        (torch.zeros(2, 1, 16, 16, dtype=torch.int64), TypeError, r"floating-point"),
        (torch.zeros(16, 16), ValueError, r"x must be a batch of grey images of shape \(N, 1, 16, 16\), got shape \(16, 16\)"),
        (torch.zeros(2, 3, 16, 16), ValueError, r"got shape \(2, 3, 16, 16\)"),
        (torch.zeros(2, 1, 8, 8), ValueError, r"load_digits\(size=16\)"),
        (torch.zeros(0, 1, 16, 16), ValueError, r"at least one image"),
        (torch.full((1, 1, 16, 16), 255.0), ValueError, r"pixel values in \[0, 1\].*255.0"),
        (torch.full((1, 1, 16, 16), -0.5), ValueError, r"pixel values in \[0, 1\].*-0.5"),
        (torch.full((1, 1, 16, 16), float("nan")), ValueError, r"pixel values in \[0, 1\].*nan"),
    ],
)
def test_digitsnet_input_errors(x, exc, match):
    net = data.DigitsNet()
    for method in (net, net.features, net.embed):
        with pytest.raises(exc, match=match):
            method(x)


def test_digitsnet_range_check_follows_validate_args():
    net = data.DigitsNet()
    x = torch.full((1, 1, 16, 16), 2.0)
    with lossedu.set_validate_args(False):
        assert net(x).shape == (1, 10)  # the value check is off ...
        with pytest.raises(ValueError, match="shape"):  # ... the shape check is not
            net(torch.zeros(1, 16, 16))


def test_digitsnet_layer_errors():
    net = data.DigitsNet()
    x = torch.zeros(1, 1, 16, 16)
    with pytest.raises(ValueError, match=r"unknown layer 'fc1'.*\('conv1', 'conv2', 'conv3'\)"):
        net.features(x, layers=["fc1"])
    with pytest.raises(ValueError, match="at least one"):
        net.features(x, layers=[])


# ----------------------------------------------------------------------------- pretrained
def test_training_is_bitwise_deterministic(trained):
    # the cached network may come from another process (or another day): same weights
    assert _same_weights(trained, data.pretrained_digits_net())
    # a second training in this process: same weights again
    assert _same_weights(trained, data.train_digits_net())


def test_training_restores_threads_and_rng(trained):
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    data.train_digits_net()
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_pretrained_accuracy(trained):
    net = data.pretrained_digits_net()
    assert net.test_accuracy >= 0.97 and net.val_accuracy >= 0.97
    assert net.train_seconds > 0
    images, labels = data.load_digits()
    test = data.digits_split()["test"]
    with torch.no_grad():
        accuracy = (net(images[test]).argmax(dim=1) == labels[test]).double().mean()
    assert float(accuracy) == net.test_accuracy == trained.test_accuracy


def test_pretrained_is_frozen_eval_and_moves(trained):
    net = data.pretrained_digits_net(dtype=torch.float64)
    assert not net.training
    assert all(not p.requires_grad for p in net.parameters())
    assert all(p.dtype == torch.float64 for p in net.parameters())
    x = torch.rand(2, 1, 16, 16, dtype=torch.float64, requires_grad=True)
    net.embed(x).sum().backward()  # gradients reach the input, not the weights
    assert x.grad is not None and all(p.grad is None for p in net.parameters())
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        data.pretrained_digits_net(dtype=torch.int32)


def test_cache_is_used_and_written_atomically(trained, monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSEDU_CACHE_DIR", str(tmp_path))
    calls = []

    def fake_training():
        calls.append(1)
        return trained

    monkeypatch.setattr(data, "train_digits_net", fake_training)
    first = data.pretrained_digits_net()
    assert len(calls) == 1
    files = sorted(os.listdir(tmp_path))
    assert files == [data.cache_path().name]  # no temporary file left behind
    assert data.cache_path().name.startswith("digitsnet-") and data._recipe_hash() in files[0]
    second = data.pretrained_digits_net()
    assert len(calls) == 1  # loaded, not retrained
    assert _same_weights(first, second)
    assert second.test_accuracy == trained.test_accuracy
    data.pretrained_digits_net(retrain=True)
    assert len(calls) == 2


def test_corrupt_cache_is_replaced(trained, monkeypatch, tmp_path):
    monkeypatch.setenv("LOSSEDU_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(data, "train_digits_net", lambda: trained)
    data.cache_path().write_bytes(b"not a checkpoint")
    net = data.pretrained_digits_net()
    assert _same_weights(net, trained)
    assert data._load_cached(data.cache_path()) is not None


def test_a_failed_write_leaves_no_file(monkeypatch, tmp_path):
    def broken_save(obj, fh):
        fh.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(data.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        data._save_atomically({"x": 1}, tmp_path / "sub" / "w.pt")
    assert os.listdir(tmp_path / "sub") == []  # neither the target nor a temporary file


def test_recipe_hash_changes_with_recipe(monkeypatch):
    before = data.cache_path().name
    monkeypatch.setitem(data.RECIPE, "epochs", data.RECIPE["epochs"] + 1)
    assert data.cache_path().name != before
