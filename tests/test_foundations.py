"""Chapter 01: lossedu.foundations against torch and scikit-learn, values and gradients."""

import numpy as np
import pytest
import sklearn.metrics
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import lossedu
from _helpers import F64, assert_matches

REDUCTIONS = ["none", "mean", "sum"]


def _scores_labels(seed, shape, scale=1.0, label_dtype=torch.long):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(shape, generator=g, dtype=F64) * scale
    y = (torch.randint(0, 2, shape, generator=g) * 2 - 1).to(label_dtype)
    return s, y


def _torch_hinge(scores, target, margin=1.0, reduction="mean"):
    loss = F.relu(margin - target.to(scores.dtype) * scores)
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


# ----------------------------------------------------------------------------- hinge
BINARY_CASES = [
    ("small", (8,), 1.0),
    ("2-D", (4, 5), 1.0),
    ("large scores", (50,), 1e6),
    ("huge scores", (20,), 1e150),
    ("tiny scores", (20,), 1e-12),
    ("one element", (1,), 1.0),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 4.0])
@pytest.mark.parametrize("name,shape,scale", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_hinge_matches_relu_expression(name, shape, scale, margin, reduction):
    s, y = _scores_labels(1, shape, scale)
    assert_matches(lossedu.hinge_loss, _torch_hinge, [s, y], kwargs={"margin": margin, "reduction": reduction})


@pytest.mark.parametrize("label_dtype", [torch.long, torch.int8, torch.float32, F64])
def test_hinge_accepts_any_real_label_dtype(label_dtype):
    s, y = _scores_labels(2, (6,), label_dtype=label_dtype)
    assert_matches(lossedu.hinge_loss, _torch_hinge, [s, y], grad=[True, False])


def test_hinge_at_the_kink_uses_zero_like_relu():
    s = torch.tensor([1.0, -1.0, 0.5, -2.0], dtype=F64)  # y s = margin exactly for the first two
    y = torch.tensor([1, -1, 1, 1])
    assert_matches(lossedu.hinge_loss, _torch_hinge, [s, y], kwargs={"reduction": "sum"})


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_is_twice_two_class_multi_margin(reduction):
    s, y = _scores_labels(3, (9,))
    two_class = torch.stack([torch.zeros_like(s), s], dim=1)
    theirs = 2 * F.multi_margin_loss(two_class, (y + 1) // 2, reduction=reduction)
    torch.testing.assert_close(lossedu.hinge_loss(s, y, reduction=reduction), theirs)


def test_hinge_embedding_loss_is_a_different_loss():
    s = torch.tensor([2.0, 0.5], dtype=F64)
    y = torch.tensor([1.0, 1.0], dtype=F64)
    # hinge_embedding_loss returns x itself for y = 1: 2.0 and 0.5, the hinge gives 0 and 0.5
    torch.testing.assert_close(F.hinge_embedding_loss(s, y, reduction="none"), s)
    torch.testing.assert_close(lossedu.hinge_loss(s, y, reduction="none"), torch.tensor([0.0, 0.5], dtype=F64))


# ----------------------------------------------------------------------------- zero-one
@pytest.mark.parametrize("name,shape,scale", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_zero_one_matches_sklearn(name, shape, scale):
    s, y = _scores_labels(4, shape, scale)
    pred = np.where(s.numpy() > 0, 1, -1).ravel()
    rate = sklearn.metrics.zero_one_loss(y.numpy().ravel(), pred)
    count = sklearn.metrics.zero_one_loss(y.numpy().ravel(), pred, normalize=False)
    assert lossedu.zero_one_loss(s, y).item() == pytest.approx(rate, abs=1e-15)
    assert lossedu.zero_one_loss(s, y, reduction="sum").item() == count
    elementwise = lossedu.zero_one_loss(s, y, reduction="none")
    assert elementwise.shape == s.shape and elementwise.dtype == s.dtype
    torch.testing.assert_close(elementwise, (torch.sign(s) != y).to(F64))


def test_zero_one_counts_a_zero_score_as_a_mistake():
    s = torch.tensor([0.0, 0.0, -0.0], dtype=F64)
    y = torch.tensor([1, -1, 1])
    assert lossedu.zero_one_loss(s, y, reduction="none").tolist() == [1.0, 1.0, 1.0]


def test_zero_one_gradient_is_zero():
    s, y = _scores_labels(5, (7,))
    s.requires_grad_(True)
    (grad,) = torch.autograd.grad(lossedu.zero_one_loss(s, y), s)
    assert torch.equal(grad, torch.zeros_like(s))
    assert torch.autograd.gradcheck(lambda a: lossedu.zero_one_loss(a, y, reduction="none"), (s,))


# ----------------------------------------------------------------------------- multi-margin
def _mm_inputs(seed, n, c, *, scale=1.0, weighted=False, integer=False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, generator=g, dtype=F64) * scale
    if integer:
        x = x.round()
    t = torch.randint(0, c, (n,), generator=g)
    w = torch.rand(c, generator=g, dtype=F64) * 2 if weighted else None
    return x, t, w


MM_CASES = [
    ("small", 6, 4, 1.0, False),
    ("many classes", 3, 200, 1.0, False),
    ("one class", 5, 1, 1.0, False),
    ("large scores", 8, 5, 1e6, False),
    ("tiny scores", 8, 5, 1e-9, False),
    ("ties at the kink", 30, 4, 2.0, True),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("name,n,c,scale,integer", MM_CASES, ids=[c[0] for c in MM_CASES])
def test_multi_margin_matches_torch(name, n, c, scale, integer, p, margin, weighted, reduction):
    x, t, w = _mm_inputs(6, n, c, scale=scale, weighted=weighted, integer=integer)
    kwargs = {"p": p, "margin": margin, "weight": w, "reduction": reduction}
    assert_matches(lossedu.multi_margin_loss, F.multi_margin_loss, [x, t], kwargs=kwargs, rtol=1e-10, atol=1e-12)


def test_multi_margin_ties_really_hit_the_kink():
    # the "ties" case above is only meaningful if some margin - x_y + x_i is exactly 0
    x, t, _ = _mm_inputs(6, 30, 4, scale=2.0, integer=True)
    z = 1.0 - x.gather(1, t[:, None]) + x
    z[torch.arange(30), t] = 5.0
    assert bool((z == 0).any())


@pytest.mark.parametrize("target", [torch.tensor(2), torch.tensor([2])], ids=["0-dim", "(1,)"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_one_sample(target, reduction):
    x = torch.tensor([0.3, -1.0, 0.9, 0.2, 0.95], dtype=F64)
    assert_matches(lossedu.multi_margin_loss, F.multi_margin_loss, [x, target], kwargs={"reduction": reduction})


def test_multi_margin_positional_arguments_follow_torch():
    x, t, w = _mm_inputs(7, 4, 3, weighted=True)
    torch.testing.assert_close(
        lossedu.multi_margin_loss(x, t, 2, 0.7, w), F.multi_margin_loss(x, t, 2, 0.7, w)
    )


def test_multi_margin_mean_is_a_plain_mean_even_with_weights():
    x, t, w = _mm_inputs(8, 6, 4, weighted=True)
    per_sample = lossedu.multi_margin_loss(x, t, weight=w, reduction="none")
    torch.testing.assert_close(lossedu.multi_margin_loss(x, t, weight=w), per_sample.mean())


# ----------------------------------------------------------------------------- penalties
def _params(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(3, 4, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64) * 1e3,
            torch.randn(2, 2, 2, generator=g, dtype=F64) * 1e-8]


def test_penalties_match_torch_norms():
    params = _params(9)
    flat = torch.cat([p.reshape(-1) for p in params])
    torch.testing.assert_close(lossedu.l1_penalty(params), torch.linalg.vector_norm(flat, 1))
    torch.testing.assert_close(lossedu.l2_penalty(params), torch.linalg.vector_norm(flat, 2) ** 2)


def test_penalty_gradients_are_sign_and_twice_the_weights():
    params = [p.requires_grad_() for p in _params(10)]
    grads = torch.autograd.grad(lossedu.l1_penalty(params), params)
    for p, g in zip(params, grads):
        torch.testing.assert_close(g, torch.sign(p.detach()))
    grads = torch.autograd.grad(lossedu.l2_penalty(params), params)
    for p, g in zip(params, grads):
        torch.testing.assert_close(g, 2 * p.detach())


def test_penalties_accept_a_tensor_a_generator_and_model_parameters():
    torch.manual_seed(0)
    model = nn.Linear(3, 2).double()
    expected = model.weight.detach().pow(2).sum() + model.bias.detach().pow(2).sum()
    torch.testing.assert_close(lossedu.l2_penalty(model.parameters()).detach(), expected)
    torch.testing.assert_close(lossedu.l1_penalty(model.weight).detach(), model.weight.detach().abs().sum())
    torch.testing.assert_close(lossedu.l2_penalty(p for p in [model.bias]).detach(), model.bias.detach().pow(2).sum())


def test_gradcheck():
    s, y = _scores_labels(11, (5,))
    s.requires_grad_()
    for r in REDUCTIONS:
        assert torch.autograd.gradcheck(lambda a: lossedu.hinge_loss(a, y, margin=0.3, reduction=r), (s,))
    x, t, w = _mm_inputs(12, 4, 5, weighted=True)
    x.requires_grad_()
    for p in (1, 2):
        for r in REDUCTIONS:
            assert torch.autograd.gradcheck(
                lambda a: lossedu.multi_margin_loss(a, t, p=p, weight=w, reduction=r), (x,)
            )
    params = [q.requires_grad_() for q in _params(13)[:2]]
    assert torch.autograd.gradcheck(lambda a, b: lossedu.l1_penalty([a, b]), params)
    assert torch.autograd.gradcheck(lambda a, b: lossedu.l2_penalty([a, b]), params)
    v = torch.linspace(-2, 2, 9, dtype=F64) + 0.01
    assert torch.autograd.gradcheck(lambda a: lossedu.softshrink(a, 0.7), (v.requires_grad_(),))


# ----------------------------------------------------------------------------- softshrink
@pytest.mark.parametrize("lambd", [0.0, 0.5, 1.0, 1e-8, 1e6])
def test_softshrink_matches_torch(lambd):
    g = torch.Generator().manual_seed(14)
    x = torch.cat([torch.randn(50, generator=g, dtype=F64) * 3,
                   torch.tensor([lambd, -lambd, 0.0, 1e300, -1e300], dtype=F64)])
    assert_matches(lossedu.softshrink, F.softshrink, [x], kwargs={"lambd": lambd})


def test_softshrink_default_and_float32():
    x = torch.linspace(-2, 2, 17)
    torch.testing.assert_close(lossedu.softshrink(x), F.softshrink(x))
    assert lossedu.softshrink(x).dtype == torch.float32


# ----------------------------------------------------------------------------- parameter groups
class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 3, 3)
        self.bn = nn.BatchNorm1d(3)
        self.fc = nn.Linear(3, 4, bias=False)
        self.ln = nn.LayerNorm(4)
        self.head = nn.Linear(4, 4)
        self.tied = nn.Linear(4, 4, bias=False)
        self.tied.weight = self.head.weight  # shared
        self.frozen = nn.Linear(4, 1)
        self.frozen.requires_grad_(False)


def test_decay_param_groups_splits_biases_and_norms():
    net = _Net()
    decay, no_decay = lossedu.decay_param_groups(net, 0.05)
    assert decay["weight_decay"] == 0.05 and no_decay["weight_decay"] == 0.0
    assert decay["names"] == ["conv.weight", "fc.weight", "head.weight"]
    assert no_decay["names"] == ["conv.bias", "bn.weight", "bn.bias", "ln.weight", "ln.bias", "head.bias"]
    trainable = {id(p) for p in net.parameters() if p.requires_grad}
    listed = [id(p) for p in decay["params"] + no_decay["params"]]
    assert len(listed) == len(set(listed)) and set(listed) == trainable
    opt = torch.optim.AdamW([decay, no_decay], lr=1e-3)  # the extra "names" key is accepted
    assert [g["weight_decay"] for g in opt.param_groups] == [0.05, 0.0]


def test_decay_param_groups_in_an_optimizer_decay_only_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2)).double()
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    opt = torch.optim.SGD(lossedu.decay_param_groups(net, 0.5), lr=0.1)
    for p in net.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    for name, p in net.named_parameters():
        factor = 1 - 0.1 * 0.5 if name == "0.weight" else 1.0
        torch.testing.assert_close(p.detach(), before[name] * factor)


# ----------------------------------------------------------------------------- weight decay claims
def _linear_problem():
    g = torch.Generator().manual_seed(15)
    X = torch.randn(32, 4, generator=g, dtype=F64)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0], dtype=F64) + 0.1 * torch.randn(32, generator=g, dtype=F64)
    return X, y


def _train(opt_factory, penalty=0.0, steps=25):
    X, y = _linear_problem()
    torch.manual_seed(16)
    model = nn.Linear(4, 1).double()
    opt = opt_factory(model.parameters())
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(X).squeeze(1) - y) ** 2).mean() + penalty / 2 * lossedu.l2_penalty(model.parameters())
        loss.backward()
        opt.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_weight_decay_is_half_lambda_l2_penalty(momentum):
    lam = 0.3
    a = _train(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum, weight_decay=lam))
    b = _train(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum), penalty=lam)
    c = _train(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum), penalty=2 * lam)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    assert (a - c).abs().max() > 1e-3  # λ‖w‖² (no ½) is a different objective


def test_adamw_is_not_an_l2_penalty_but_adam_weight_decay_is():
    lam = 0.3
    adam_wd = _train(lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=lam))
    adam_l2 = _train(lambda ps: torch.optim.Adam(ps, lr=0.05), penalty=lam)
    adamw = _train(lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=lam))
    torch.testing.assert_close(adam_wd, adam_l2, rtol=1e-10, atol=1e-12)
    assert (adamw - adam_l2).abs().max() > 1e-3


# ----------------------------------------------------------------------------- properties
finite = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def binary_batches(draw):
    n = draw(st.integers(1, 10))
    s = torch.tensor(draw(st.lists(finite, min_size=n, max_size=n)), dtype=F64)
    y = torch.tensor(draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n)))
    return s, y


@settings(max_examples=200, deadline=None)
@given(binary_batches(), st.floats(0.0, 5.0))
def test_binary_properties(batch, margin):
    s, y = batch
    h = lossedu.hinge_loss(s, y, margin=margin, reduction="none")
    z = lossedu.zero_one_loss(s, y, reduction="none")
    assert bool((h >= 0).all())
    assert bool((h[y * s >= margin] == 0).all())  # zero once the margin is met
    assert bool(((z == 0) | (z == 1)).all())
    assert bool((lossedu.hinge_loss(s, y, reduction="none") >= z).all())  # margin 1: an upper bound
    # the hinge loss of a label equals the hinge loss of the flipped label on the negated score
    torch.testing.assert_close(h, lossedu.hinge_loss(-s, -y, margin=margin, reduction="none"))


@st.composite
def multi_batches(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    x = torch.tensor(draw(st.lists(st.floats(-100, 100), min_size=n * c, max_size=n * c)), dtype=F64)
    t = torch.tensor(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return x.reshape(n, c), t


@settings(max_examples=200, deadline=None)
@given(multi_batches(), st.sampled_from([1, 2]), st.floats(0.0, 3.0))
def test_multi_margin_properties(batch, p, margin):
    x, t = batch
    loss = lossedu.multi_margin_loss(x, t, p=p, margin=margin, reduction="none")
    assert bool((loss >= 0).all())
    # adding the same constant to every score of a sample changes nothing
    torch.testing.assert_close(loss, lossedu.multi_margin_loss(x + 7.0, t, p=p, margin=margin, reduction="none"))
    # a true class ahead of every other by at least the margin costs nothing
    ahead = x.clone()
    ahead[torch.arange(len(t)), t] = x.max(dim=1).values + margin + 1.0
    assert bool((lossedu.multi_margin_loss(ahead, t, p=p, margin=margin, reduction="none") == 0).all())


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12), st.floats(-10, 10, allow_nan=False))
def test_penalty_properties(values, c):
    w = torch.tensor(values, dtype=F64)
    assert lossedu.l1_penalty([w]) >= 0 and lossedu.l2_penalty([w]) >= 0
    torch.testing.assert_close(lossedu.l1_penalty([c * w]), abs(c) * lossedu.l1_penalty([w]))
    torch.testing.assert_close(lossedu.l2_penalty([c * w]), c**2 * lossedu.l2_penalty([w]))
    assert (lossedu.l1_penalty([w]) == 0) == bool((w == 0).all())


@settings(max_examples=200, deadline=None)
@given(st.floats(-100, 100), st.floats(0.0, 10.0), st.floats(-1.0, 1.0))
def test_softshrink_is_the_l1_proximal_step(x, lambd, delta):
    out = lossedu.softshrink(torch.tensor([x], dtype=F64), lambd).item()

    def objective(u):
        return 0.5 * (u - x) ** 2 + lambd * abs(u)

    assert objective(out) <= objective(out + delta) + 1e-9
    assert abs(out) <= abs(x)


# ----------------------------------------------------------------------------- errors
def test_binary_error_messages():
    s = torch.tensor([0.5, -1.0])
    y = torch.tensor([1, -1])
    with pytest.raises(TypeError, match=r"scores must be a torch.Tensor, got list"):
        lossedu.hinge_loss([0.5, -1.0], y)
    with pytest.raises(TypeError, match=r"scores must be a floating-point tensor .* got dtype torch.int64"):
        lossedu.zero_one_loss(torch.tensor([1, 2]), y)
    with pytest.raises(TypeError, match=r"target must be a torch.Tensor, got list"):
        lossedu.hinge_loss(s, [1, -1])
    with pytest.raises(TypeError, match=r"target must be a real tensor of labels in \{-1, \+1\}, got dtype torch.bool"):
        lossedu.hinge_loss(s, torch.tensor([True, False]))
    with pytest.raises(ValueError, match=r"target must contain labels in \{-1, \+1\}, got a value of 0 \(map 0/1 labels"):
        lossedu.hinge_loss(s, torch.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"target must contain labels in \{-1, \+1\}, got a value of 0.5"):
        lossedu.zero_one_loss(s, torch.tensor([1.0, 0.5]))
    with pytest.raises(ValueError, match=r"scores and target must have the same shape, got \(2,\) and \(2, 1\)"):
        lossedu.hinge_loss(s, y[:, None])
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'avg'"):
        lossedu.zero_one_loss(s, y, reduction="avg")
    with pytest.raises(ValueError, match=r"margin must be >= 0, got -1.0"):
        lossedu.hinge_loss(s, y, margin=-1.0)
    with pytest.raises(TypeError, match=r"margin must be a number, got str"):
        lossedu.hinge_loss(s, y, margin="1")


def test_multi_margin_error_messages():
    x = torch.randn(3, 4)
    t = torch.tensor([0, 1, 3])
    with pytest.raises(ValueError, match=r"p must be 1 or 2 \(as in torch\), got 3"):
        lossedu.multi_margin_loss(x, t, p=3)
    with pytest.raises(ValueError, match=r"p must be 1 or 2 \(as in torch\), got True"):
        lossedu.multi_margin_loss(x, t, p=True)
    with pytest.raises(ValueError, match=r"target contains the class index 4, but indices must lie in \[0, 3\] for 4 classes"):
        lossedu.multi_margin_loss(x, torch.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"target contains the class index -1"):
        lossedu.multi_margin_loss(x, torch.tensor([0, -1, 1]))
    with pytest.raises(TypeError, match=r"target must be an integer tensor of class indices .* got dtype torch.float32"):
        lossedu.multi_margin_loss(x, t.float())
    with pytest.raises(ValueError, match=r"target must have shape \(3,\) for input of shape \(3, 4\), got \(3, 1\)"):
        lossedu.multi_margin_loss(x, t[:, None])
    with pytest.raises(ValueError, match=r"target must have shape \(\) or \(1,\) for input of shape \(4,\), got \(2,\)"):
        lossedu.multi_margin_loss(x[0], t[:2])
    with pytest.raises(ValueError, match=r"input must have shape \(N, C\) or \(C,\), got a tensor of shape \(2, 3, 4\)"):
        lossedu.multi_margin_loss(torch.randn(2, 3, 4), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"input must hold at least one sample, got an empty batch of shape \(0, 4\)"):
        lossedu.multi_margin_loss(torch.randn(0, 4), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"input must have at least one class, got shape \(3, 0\)"):
        lossedu.multi_margin_loss(torch.randn(3, 0), t)
    with pytest.raises(ValueError, match=r"weight must be a 1-D tensor with one entry per class \(4 classes\), got shape \(3,\)"):
        lossedu.multi_margin_loss(x, t, weight=torch.ones(3))
    with pytest.raises(ValueError, match=r"weight must be non-negative, got a value of -1.0"):
        lossedu.multi_margin_loss(x, t, weight=torch.tensor([1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(TypeError, match=r"weight must have the input's dtype torch.float32, got dtype torch.float64"):
        lossedu.multi_margin_loss(x, t, weight=torch.ones(4, dtype=F64))
    with pytest.raises(ValueError, match=r"margin must be >= 0, got -0.5"):
        lossedu.multi_margin_loss(x, t, margin=-0.5)
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum', got 'batchmean'"):
        lossedu.multi_margin_loss(x, t, reduction="batchmean")
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor"):
        lossedu.multi_margin_loss(t, t)


def test_penalty_and_softshrink_error_messages():
    with pytest.raises(ValueError, match=r"parameters must contain at least one tensor, got an empty iterable"):
        lossedu.l2_penalty([])
    gen = (p for p in [torch.ones(2)])
    lossedu.l1_penalty(gen)
    with pytest.raises(ValueError, match=r"empty once it has been consumed"):
        lossedu.l1_penalty(gen)
    with pytest.raises(TypeError, match=r"parameters must be a tensor or an iterable of tensors .* got float"):
        lossedu.l1_penalty(3.0)
    with pytest.raises(TypeError, match=r"parameters\[1\] must be a torch.Tensor, got list"):
        lossedu.l2_penalty([torch.ones(2), [1.0]])
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a floating-point tensor .* torch.int64"):
        lossedu.l1_penalty([torch.tensor([1, 2])])
    with pytest.raises(ValueError, match=r"lambd must be >= 0, got -0.5"):
        lossedu.softshrink(torch.ones(2), -0.5)
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got list"):
        lossedu.softshrink([1.0])
    with pytest.raises(TypeError, match=r"module must be a torch.nn.Module, got list"):
        lossedu.decay_param_groups([torch.ones(2)], 0.1)
    with pytest.raises(ValueError, match=r"weight_decay must be >= 0, got -0.1"):
        lossedu.decay_param_groups(nn.Linear(2, 1), -0.1)
    with pytest.raises(TypeError, match=r"weight_decay must be a number, got NoneType"):
        lossedu.decay_param_groups(nn.Linear(2, 1), None)


def test_device_mismatch_messages():
    meta = torch.ones(2, device="meta")
    with pytest.raises(ValueError, match=r"parameters\[0\] and parameters\[1\] must be on the same device, got cpu and meta"):
        lossedu.l2_penalty([torch.ones(2), meta])
    with pytest.raises(ValueError, match=r"weight and input must be on the same device, got meta and cpu"):
        lossedu.multi_margin_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(4, device="meta"))
