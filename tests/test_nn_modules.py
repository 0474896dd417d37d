"""nn modules: parameter order and names, seeded init, forward values, state dicts, save/load."""

import json
import math
import os

import pytest

from autograd_core import Value
from nn import MLP, Layer, Neuron


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_parameter_order_is_layer_neuron_weights_then_bias():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layer0.neuron0.w0", "layer0.neuron0.w1", "layer0.neuron0.b", "layer0.neuron1.w0"]
    assert names[-4:] == ["layer1.neuron0.w0", "layer1.neuron0.w1", "layer1.neuron0.w2", "layer1.neuron0.b"]
    assert len(names) == 3 * 3 + 4 == len(set(names))
    assert model.parameters() == [p for _, p in model.named_parameters()]
    # Each parameter is labelled with its name, so graphs and explanations show it.
    assert [p.label for p in model.parameters()] == names


def test_same_seed_same_model_and_different_seed_different_model():
    assert MLP(3, [4, 2], seed=7).state_dict() == MLP(3, [4, 2], seed=7).state_dict()
    assert MLP(3, [4, 2], seed=7).state_dict() != MLP(3, [4, 2], seed=8).state_dict()


def test_init_is_pytorch_linear_uniform_bound():
    model = MLP(4, [50], seed=0)
    values = [p.data for p in model.parameters()]
    assert max(abs(v) for v in values) <= 1 / math.sqrt(4)
    assert max(values) > 0.4 and min(values) < -0.4  # really spread over the interval


def test_forward_matches_hand_computation_with_assigned_weights():
    model = MLP(2, [2, 1], activation=["tanh", "sigmoid"], seed=0)
    weights = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, -0.8, 0.9]
    for p, w in zip(model.parameters(), weights, strict=True):
        p.data = w
    x1, x2 = 0.5, -1.5
    h1 = math.tanh(0.1 * x1 - 0.2 * x2 + 0.3)
    h2 = math.tanh(0.4 * x1 + 0.5 * x2 - 0.6)
    expected = sigmoid(0.7 * h1 - 0.8 * h2 + 0.9)
    out = model([x1, x2])
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected, rel=1e-14)


def test_model_returns_a_list_for_several_outputs_and_accepts_values():
    model = MLP(2, [3, 2], seed=1)
    x = [Value(0.2), Value(-0.1)]
    out = model(x)
    assert isinstance(out, list) and len(out) == 2
    out[0].backward()
    assert x[0].grad != 0.0  # the graph reaches the caller's Values


@pytest.mark.parametrize("activation, fn", [
    ("linear", lambda z: z), ("relu", lambda z: max(z, 0.0)), ("tanh", math.tanh), ("sigmoid", sigmoid)])
def test_neuron_activations(activation, fn):
    n = Neuron(2, activation=activation, seed=3)
    n.w[0].data, n.w[1].data, n.b.data = 1.5, -2.0, 0.25
    for xs in ([1.0, 1.0], [2.0, 0.1]):
        z = 1.5 * xs[0] - 2.0 * xs[1] + 0.25
        assert n(xs).data == pytest.approx(fn(z), rel=1e-14, abs=1e-15)


def test_layer_names_and_zero_grad():
    layer = Layer(2, 2, activation="relu", seed=0)
    assert [name for name, _ in layer.named_parameters()] == [
        "neuron0.w0", "neuron0.w1", "neuron0.b", "neuron1.w0", "neuron1.w1", "neuron1.b"]
    for p in layer.parameters():
        p.grad = 5.0
    layer.zero_grad()
    assert all(p.grad == 0.0 for p in layer.parameters())


@pytest.mark.parametrize("make, error", [
    (lambda: MLP(2, [3], activation="softmax"), ValueError),
    (lambda: MLP(2, [3, 1], activation=["tanh"]), ValueError),
    (lambda: MLP(0, [3]), ValueError),
    (lambda: MLP(2, []), TypeError),
    (lambda: MLP(2, [2.5]), TypeError),
    (lambda: Neuron(2, seed="x"), TypeError),
    (lambda: MLP(2, [1], seed=0)([1.0]), ValueError),
    (lambda: MLP(2, [1], seed=0)([1.0, "a"]), TypeError),
])
def test_bad_arguments_raise_clear_errors(make, error):
    with pytest.raises(error):
        make()


# --- state dicts and files -----------------------------------------------------------------

def test_state_dict_round_trip_and_save_load(tmp_path):
    model = MLP(2, [3, 1], seed=1)
    path = tmp_path / "m.json"
    model.save(path)
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]  # no temporary file left behind
    other = MLP(2, [3, 1], seed=2)
    other.load(path)
    assert other.state_dict() == model.state_dict()  # exact: JSON keeps every bit of a float
    fresh = MLP(2, [3, 1], seed=3)
    fresh.load_state_dict(model.state_dict())
    assert fresh([0.3, 0.4]).data == model([0.3, 0.4]).data


def _saved(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "good.json"
    model.save(path)
    return model, path, json.loads(path.read_text())


def _write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def _bad_files(document, text):
    renamed = json.loads(json.dumps(document))
    params = renamed["parameters"]
    params["layer9.neuron0.b"] = params.pop("layer1.neuron0.b")
    missing = json.loads(json.dumps(document))
    missing["parameters"].popitem()
    extra = json.loads(json.dumps(document))
    extra["parameters"]["layer2.neuron0.w0"] = 1.0
    nan = text.replace(str(document["parameters"]["layer0.neuron0.w0"]), "NaN")
    infinite = text.replace(str(document["parameters"]["layer0.neuron1.b"]), "-Infinity")
    big = text.replace(str(document["parameters"]["layer0.neuron1.b"]), "1e999")
    wrong_type = json.loads(json.dumps(document))
    wrong_type["parameters"]["layer0.neuron0.w1"] = "0.5"
    boolean = json.loads(json.dumps(document))
    boolean["parameters"]["layer0.neuron0.w1"] = True
    other_format = dict(document, format="something else")
    huge = text.replace(str(document["parameters"]["layer0.neuron1.b"]), "1" + "0" * 400)
    duplicated = text.replace('"layer0.neuron1.b"', '"layer0.neuron0.w0"')
    return {
        "truncated": (text[: len(text) // 2], ValueError, "not valid JSON"),
        "empty": ("", ValueError, "not valid JSON"),
        "wrong names": (json.dumps(renamed), ValueError, "unexpected ['layer9.neuron0.b']"),
        "missing one": (json.dumps(missing), ValueError, "missing"),
        "one too many": (json.dumps(extra), ValueError, "unexpected"),
        "NaN": (nan, ValueError, "NaN"),
        "-Infinity": (infinite, ValueError, "Infinity"),
        "overflow": (big, ValueError, "finite"),
        "huge integer": (huge, ValueError, "'layer0.neuron1.b' is too large for a float"),
        "a name twice": (duplicated, ValueError, "names 'layer0.neuron0.w0' twice"),
        "string value": (json.dumps(wrong_type), TypeError, "must be a number"),
        "bool value": (json.dumps(boolean), TypeError, "must be a number"),
        "other format": (json.dumps(other_format), ValueError, "not an autograd-core state file"),
        "a list": ("[1, 2, 3]", ValueError, "not an autograd-core state file"),
    }


@pytest.mark.parametrize("case", [
    "truncated", "empty", "wrong names", "missing one", "one too many", "NaN", "-Infinity", "overflow",
    "huge integer", "a name twice", "string value", "bool value", "other format", "a list"])
def test_every_bad_file_is_refused_and_nothing_is_half_loaded(tmp_path, case):
    model, _, document = _saved(tmp_path)
    text = json.dumps(document, indent=1)
    bad_text, error, message = _bad_files(document, text)[case]
    target = MLP(2, [2, 1], seed=5)
    before = target.state_dict()
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        target.load(_write(tmp_path, bad_text))
    assert target.state_dict() == before


def test_save_into_a_missing_directory_names_the_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="there is no directory .*missing$"):
        MLP(2, [1], seed=0).save(tmp_path / "missing" / "m.json")


def test_a_binary_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\xff\xfe\x00 not text")
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="weights.bin is not a UTF-8 text file"):
        model.load(path)
    assert model.state_dict() == before


def test_load_state_dict_checks_everything_before_assigning():
    model = MLP(2, [2], seed=0)
    before = model.state_dict()
    state = dict(before)
    state[next(iter(state))] = 0.123
    state[list(state)[-1]] = float("nan")  # the bad value comes after a good changed one
    with pytest.raises(ValueError, match="finite"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    with pytest.raises(TypeError):
        model.load_state_dict([1.0, 2.0])


def test_save_refuses_non_finite_parameters_and_keeps_the_old_file(tmp_path):
    model, path, _ = _saved(tmp_path)
    old = path.read_text()
    model.parameters()[0].data = float("inf")
    with pytest.raises(ValueError, match="inf"):
        model.save(path)
    assert path.read_text() == old
    assert sorted(os.listdir(tmp_path)) == ["good.json"]
