"""The tiny GPT (nn.gpt): loss and every gradient against the same model in PyTorch float64,
the loss falling in training, the shipped names, the ``gpt`` command."""

from __future__ import annotations

import math
import random

import pytest

from autograd_core import Value
from autograd_core_cli.main import main
from nn.data import names
from nn.gpt import BOS, GPT, GPTConfig, decode, encode, train

# --- against PyTorch: the same weights, the model written independently with tensors ---------------


def _torch_loss(torch, weights: dict, config: GPTConfig, tokens: list):
    """The GPT's mean cross-entropy as matrix code: embeddings, then per block RMS norm →
    masked multi-head attention (+ x) and RMS norm → ReLU MLP (+ x), then RMS norm → head."""
    def rms(x):
        return x / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + 1e-5)

    n = min(config.block_size, len(tokens) - 1)
    inputs, targets = torch.tensor(tokens[:n]), torch.tensor(tokens[1:n + 1])
    x = weights["wte"][inputs] + weights["wpe"][:n]
    heads, size = config.n_head, config.head_size
    future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    for i in range(config.n_layer):
        h = rms(x)
        q, k, v = (h @ weights[f"layer{i}.{name}"].T for name in ("wq", "wk", "wv"))
        q, k, v = (t.view(n, heads, size).transpose(0, 1) for t in (q, k, v))  # (heads, n, size)
        scores = (q @ k.transpose(1, 2)) / math.sqrt(size)
        attention = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        y = (attention @ v).transpose(0, 1).reshape(n, config.n_embd)
        x = x + y @ weights[f"layer{i}.wo"].T
        x = x + torch.relu(rms(x) @ weights[f"layer{i}.fc1"].T) @ weights[f"layer{i}.fc2"].T
    logits = rms(x) @ weights["lm_head"].T
    return torch.nn.functional.cross_entropy(logits, targets)


@pytest.mark.parametrize("config, name", [
    (GPTConfig(), "isabella"),                                         # the default model
    (GPTConfig(n_embd=8, n_head=2, block_size=5, n_layer=2), "christopher"),  # 2 blocks, name cut to 5
])
def test_loss_and_every_gradient_match_pytorch_float64(config, name):
    torch = pytest.importorskip("torch")
    model = GPT(config, seed=3)
    tokens = encode(name)
    loss = model.loss(tokens)
    loss.backward()
    weights = {key: torch.tensor([[p.data for p in row] for row in rows], dtype=torch.float64,
                                 requires_grad=True) for key, rows in model.weights.items()}
    expected = _torch_loss(torch, weights, config, tokens)
    expected.backward()
    assert abs(loss.data - expected.item()) <= 1e-9
    for key, rows in model.weights.items():
        ours = torch.tensor([[p.grad for p in row] for row in rows], dtype=torch.float64)
        worst = (ours - weights[key].grad).abs().max().item()
        assert worst <= 1e-9, f"{key}: gradients differ by up to {worst:.3g}"
    # Every weight matrix took part (so no comparison above is of two all-zero matrices by accident).
    assert all(weights[key].grad.abs().max().item() > 0 for key in weights)


# --- training --------------------------------------------------------------------------------------------


def _mean_loss(model: GPT, sample: list) -> float:
    return sum(model.loss(encode(name)).data for name in sample) / len(sample)


def test_loss_falls_clearly_in_the_first_steps():
    # A small model (8 wide, 2 heads) and 60 steps keep this quick (about 3 s); the same 20 names
    # are scored before and after (one name per step is too noisy a measure by itself).
    model = GPT(GPTConfig(n_embd=8, n_head=2, block_size=8), seed=0)
    everyone = names()
    held = random.Random(1).sample(everyone, 20)
    before = _mean_loss(model, held)
    losses = train(model, everyone, steps=60, lr=0.02, seed=0)
    after = _mean_loss(model, held)
    assert len(losses) == 60 and all(math.isfinite(loss) for loss in losses)
    assert before == pytest.approx(math.log(27), abs=0.15)  # near uniform over 27 tokens at the start
    assert after < before - 0.4, (before, after)  # measured: 3.31 -> 2.70


def test_training_is_reproducible_from_the_seed():
    config = GPTConfig(n_embd=4, n_head=2, block_size=4)
    runs = [train(GPT(config, seed=5), ["anna", "bob", "eve"], steps=5, seed=2) for _ in range(2)]
    assert runs[0] == runs[1]


def test_sampled_names_are_letters_and_end_within_the_context():
    model = GPT(GPTConfig(n_embd=4, n_head=1, block_size=6), seed=0)
    rng = random.Random(0)
    for _ in range(20):
        name = model.sample(rng, temperature=1.0)
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyz") and len(name) <= 6
    assert model.parameters()[0].grad == 0.0  # sampling records nothing


# --- tokens, sizes and bad input --------------------------------------------------------------------------


def test_encode_and_decode_round_trip():
    assert encode("zoe") == [BOS, 25, 14, 4, BOS]
    assert decode(encode("zoe")) == "zoe"


@pytest.mark.parametrize("bad, error", [("", ValueError), ("Anna", ValueError), ("jo-an", ValueError),
                                        (7, TypeError)])
def test_encode_refuses_what_is_not_a_lowercase_name(bad, error):
    with pytest.raises(error):
        encode(bad)


@pytest.mark.parametrize("sizes, error", [({"n_embd": 10, "n_head": 4}, ValueError),
                                          ({"block_size": 0}, ValueError), ({"n_layer": 1.5}, TypeError)])
def test_config_refuses_bad_sizes(sizes, error):
    with pytest.raises(error):
        GPTConfig(**sizes)


def test_parameter_count_of_the_default_model():
    # wte 27×16 + wpe 16×16 + 4 attention 16×16 + fc1 64×16 + fc2 16×64 + head 27×16
    assert len(GPT().parameters()) == 27 * 16 + 16 * 16 + 4 * 256 + 2 * 1024 + 27 * 16 == 4192


def test_the_model_runs_on_another_scalar_type():
    # The benchmark runs this code on other engines; a Value subclass stands in for one here.
    class Other(Value):
        pass

    model = GPT(GPTConfig(n_embd=4, n_head=1, block_size=4), seed=0, value=Other)
    assert all(type(p) is Other for p in model.parameters())
    assert model.loss(encode("al")).data == GPT(GPTConfig(n_embd=4, n_head=1, block_size=4), seed=0).loss(
        encode("al")).data


# --- the shipped names ----------------------------------------------------------------------------------


def test_shipped_names_are_unique_lowercase_words_in_order():
    everyone = names()
    assert len(everyone) == 5163
    assert everyone == sorted(set(everyone))
    assert all(name.isascii() and name.isalpha() and name.islower() for name in everyone)
    assert {"mary", "james", "emma", "olivia"} <= set(everyone)


# --- the command ------------------------------------------------------------------------------------------


def test_gpt_command_trains_and_samples(capsys):
    status = main(["gpt", "--steps", "4", "--sample", "3", "--n-embd", "8", "--n-head", "2",
                   "--block-size", "8", "--seed", "1"])
    out, err = capsys.readouterr()
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("GPT(n_embd=8, n_head=2, block_size=8, n_layer=1") and "5163 names, 4 steps" in lines[0]
    assert lines[-4] == "3 sampled names (temperature 0.5):"
    assert all(name.isalpha() or name == "" for name in lines[-3:])
    assert "loss=" in err  # the tqdm bar


@pytest.mark.parametrize("flags", [["--steps", "-1"], ["--n-embd", "10"], ["--temperature", "0", "--steps", "0"]])
def test_gpt_command_refuses_bad_flags(flags, capsys):
    assert main(["gpt", *flags]) == 1
    assert "autograd-core gpt: error:" in capsys.readouterr().err


# --- W6: the benchmark's engines run this same model code ---------------------------------------------


def test_w6_engines_agree_and_the_floor_computes_the_same_loss():
    gpt_step = pytest.importorskip("benchmarks.gpt_step")
    config = GPTConfig(n_embd=4, n_head=2, block_size=4)
    found = gpt_step.engines(config)
    assert {"ours", "baseline"} <= set(found)
    assert gpt_step.floor_forward(config)() == pytest.approx(found["ours"].forward().data, abs=1e-12)
    assert "equal (1e-9)" in gpt_step.check_agreement(found)
    # A baseline whose gradients are off is caught before anything is timed.
    found["baseline"].model.parameters()[0].data += 1e-3
    with pytest.raises(AssertionError, match="baseline disagrees"):
        gpt_step.check_agreement(found)
