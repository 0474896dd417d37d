"""Modules: ``Module`` (parameters, state, save/load), ``Neuron``, ``Layer`` and ``MLP``.

Parameters are ordered layer by layer, neuron by neuron, weights then bias, and
named after that position (``layer0.neuron1.w0``, ``layer0.neuron1.b``), so a
state dict, a saved file and an optimizer's parameter list all line up.

Initialisation follows PyTorch's ``nn.Linear`` default: every weight and bias is
drawn uniformly from [-1/sqrt(n_in), 1/sqrt(n_in)], from a ``random.Random(seed)``
so the same seed always gives the same model.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Mapping, Sequence
from typing import Any

from autograd_core import Value, as_int
from autograd_core.helpers.files import read_json, write_atomically

__all__ = ["ACTIVATIONS", "Module", "Neuron", "Layer", "MLP", "read_state_file", "state_document", "check_state"]

#: Activation name -> how to apply it to a Value ("linear" is the identity).
ACTIVATIONS = {
    "sigmoid": lambda z: z.sigmoid(),
    "tanh": lambda z: z.tanh(),
    "relu": lambda z: z.relu(),
    "linear": lambda z: z,
}

_FILE_FORMAT = "autograd-core/nn state_dict"
_FILE_VERSION = 1


def _check_activation(activation: Any) -> str:
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a str, got {type(activation).__name__}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    return activation



def _rng(seed: int | random.Random | None) -> random.Random:
    """A generator from a seed (reproducible), an existing generator (shared), or None (fresh)."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return random.Random(seed)


def _as_inputs(xs: Any, n_in: int) -> list[Value]:
    """The model's inputs as Values (plain numbers become leaves labelled x1, x2, ...)."""
    if isinstance(xs, (Value, int, float)):
        xs = [xs]
    if not isinstance(xs, Sequence) or isinstance(xs, str):
        raise TypeError(f"inputs must be a list of numbers or Values, got {type(xs).__name__}")
    if len(xs) != n_in:
        raise ValueError(f"expected {n_in} inputs, got {len(xs)}")
    out = []
    for index, x in enumerate(xs):
        if isinstance(x, Value):
            out.append(x)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            out.append(Value(float(x), label=f"x{index + 1}"))
        else:
            raise TypeError(f"input {index} must be a number or a Value, got {type(x).__name__}")
    return out


def _listed(names: list[Any], shown: int = 10) -> str:
    """``['a', 'b']``, or the first ``shown`` names and how many more (a file may hold millions)."""
    if len(names) <= shown:
        return repr(names)
    return f"{names[:shown]!r} and {len(names) - shown} more"


def check_state(state: Any, expected: Sequence[str]) -> dict[str, float]:
    """``state`` checked against the ``expected`` names and returned as finite floats.

    Raises TypeError for a non-mapping or a non-number, ValueError for missing or
    unexpected names and for numbers that are not finite (or too large for a float).
    Linear in the number of names.

    >>> check_state({"w": 1, "b": 0.5}, ["w", "b"])
    {'w': 1.0, 'b': 0.5}
    >>> check_state({"w": float("nan")}, ["w"])
    Traceback (most recent call last):
    ...
    ValueError: parameter 'w' is nan; parameters must be finite
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"a state dict must be a mapping of name -> number, got {type(state).__name__}")
    known = set(expected)
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in known]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {_listed(missing)}")
        if unexpected:
            parts.append(f"unexpected {_listed(unexpected)}")
        raise ValueError(f"state dict does not match the model's {len(known)} parameters: "
                         + "; ".join(parts))
    values = {}
    for name in expected:
        number = state[name]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise TypeError(f"parameter {name!r} must be a number, got {type(number).__name__}")
        try:
            value = float(number)
        except OverflowError:  # an int too large for a float (JSON allows any number of digits)
            raise ValueError(f"parameter {name!r} is too large for a float; parameters must be finite") from None
        if not math.isfinite(value):
            raise ValueError(f"parameter {name!r} is {number!r}; parameters must be finite")
        values[name] = value
    return values


def read_state_file(path: str | os.PathLike) -> dict[str, float]:
    """The parameters stored in a file written by :meth:`Module.save` (checked for shape, not names).

    Raises ValueError for a file that is not valid JSON, not in this format, or
    holds a number that is not finite; TypeError for a value of the wrong type.
    """
    return state_document(read_json(path), os.fspath(path))[1]


def state_document(document: Any, shown: str) -> tuple[str, dict[str, float]]:
    """(model class name, parameters) of a state file's JSON ``document``, every field checked;
    errors name the file as ``shown``.

    >>> state_document({"format": "autograd-core/nn state_dict", "version": 1, "model": "MLP",
    ...                 "parameters": {"w": 0.5}}, "m.json")
    ('MLP', {'w': 0.5})
    """
    if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
        raise ValueError(f"{shown} is not an autograd-core state file "
                         f"(expected a JSON object with format {_FILE_FORMAT!r})")
    version = document.get("version")
    if type(version) is not int or version != _FILE_VERSION:  # true == 1 in Python, not here
        raise ValueError(f"{shown} has version {json.dumps(version)}; this program reads version {_FILE_VERSION}")
    model = document.get("model")
    if not isinstance(model, str) or not model:
        raise ValueError(f"{shown} has no model name (expected \"model\": a class name such as \"MLP\")")
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"{shown} has no 'parameters' object")
    try:
        return model, check_state(parameters, list(parameters))
    except (TypeError, ValueError) as error:
        raise type(error)(f"{shown}: {error}") from None


class Module:
    """Base class: a model with named, ordered parameters.

    Subclasses implement :meth:`named_parameters`; everything else is built on it.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in the model's fixed order."""
        raise NotImplementedError

    def parameters(self) -> list[Value]:
        """The parameters, layer by layer, neuron by neuron, weights then bias."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> current value (a plain dict, in parameter order)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``; all names must match and all values be finite.

        Everything is checked before anything is assigned, so a bad state leaves the
        model as it was.
        """
        named = self.named_parameters()
        values = check_state(state, [name for name, _ in named])
        for name, p in named:
            p.data = values[name]

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to ``path`` as JSON with :func:`autograd_core.helpers.files.write_atomically`.

        Atomic (temporary file + rename); a symlink is written through; a directory or
        device at ``path`` is refused; an existing file keeps its permissions.

        >>> import os, tempfile
        >>> model = MLP(2, [3, 1], seed=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> model.save(path)
        >>> other = MLP(2, [3, 1], seed=2)
        >>> other.load(path)
        >>> other.state_dict() == model.state_dict()
        True
        """
        state = self.state_dict()
        for name, number in state.items():
            if not math.isfinite(number):
                raise ValueError(f"cannot save: parameter {name!r} is {number!r}")
        document = {"format": _FILE_FORMAT, "version": _FILE_VERSION,
                    "model": type(self).__name__, "parameters": state}
        write_atomically(path, json.dumps(document, indent=1) + "\n")

    def load(self, path: str | os.PathLike) -> None:
        """Read parameters saved by :meth:`save`; a bad file raises and changes nothing.

        The file must have been saved from the same class (its ``model`` field) with the
        same parameter names.
        """
        model, state = state_document(read_json(path), os.fspath(path))
        if model != type(self).__name__:
            raise ValueError(f"{os.fspath(path)} holds a {model}'s parameters; this is a {type(self).__name__}")
        try:
            self.load_state_dict(state)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{os.fspath(path)}: {error}") from None

    def __call__(self, xs: Any) -> Any:
        raise NotImplementedError


class Neuron(Module):
    """One unit: ``activation(w · x + b)``.

    >>> n = Neuron(2, activation="linear", seed=0)
    >>> n.w[0].data, n.w[1].data, n.b.data = 2.0, -1.0, 0.5
    >>> n([3.0, 4.0]).data
    2.5
    """

    def __init__(self, n_in: int, activation: str = "sigmoid",
                 seed: int | random.Random | None = None) -> None:
        self.n_in = as_int(n_in, "n_in", minimum=1)
        self.activation = _check_activation(activation)
        rng = _rng(seed)
        bound = 1.0 / math.sqrt(n_in)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(n_in)]
        self.b = Value(rng.uniform(-bound, bound), label="b")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``w0 .. w{n_in-1}`` then ``b``."""
        return [(f"w{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def pre_activation(self, xs: Sequence[Value]) -> Value:
        """z = w · x + b, summed left to right (w0·x0 first, bias last)."""
        z = self.w[0] * xs[0]
        for w, x in zip(self.w[1:], xs[1:], strict=True):
            z = z + w * x
        return z + self.b

    def __call__(self, xs: Any) -> Value:
        return ACTIVATIONS[self.activation](self.pre_activation(_as_inputs(xs, self.n_in)))

    def __repr__(self) -> str:
        return f"Neuron(n_in={self.n_in}, activation={self.activation!r})"


def _numbered_parameters(kind: str, parts: Sequence[Module]) -> list[tuple[str, Value]]:
    """Each part's parameters, part by part, named ``{kind}{index}.{name}``."""
    return [(f"{kind}{index}.{name}", p) for index, part in enumerate(parts) for name, p in part.named_parameters()]


def _relabel(module: Module, prefix: str) -> None:
    """Label each parameter with its full name so graphs and explanations show it."""
    for name, p in module.named_parameters():
        p.label = prefix + name


class Layer(Module):
    """``n_out`` neurons reading the same ``n_in`` inputs."""

    def __init__(self, n_in: int, n_out: int, activation: str = "sigmoid",
                 seed: int | random.Random | None = None) -> None:
        self.n_in = as_int(n_in, "n_in", minimum=1)
        self.n_out = as_int(n_out, "n_out", minimum=1)
        self.activation = _check_activation(activation)
        rng = _rng(seed)
        self.neurons = [Neuron(n_in, activation, seed=rng) for _ in range(n_out)]
        _relabel(self, "")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``neuron{j}.w{i}`` and ``neuron{j}.b``, neuron by neuron."""
        return _numbered_parameters("neuron", self.neurons)

    def __call__(self, xs: Any) -> Any:
        xs = _as_inputs(xs, self.n_in)
        outs = [neuron(xs) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        return f"Layer(n_in={self.n_in}, n_out={self.n_out}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: ``MLP(2, [4, 4, 1])`` is 2 inputs -> 4 -> 4 -> 1 output.

    ``activation`` is one name for every layer (the output layer included, as the
    article's all-sigmoid network needs) or a list with one name per layer, e.g.
    ``["tanh", "tanh", "linear"]`` for micrograd's linear output layer.

    >>> model = MLP(2, [3, 1], activation=["tanh", "linear"], seed=0)
    >>> len(model.parameters()), model.named_parameters()[0][0]
    (13, 'layer0.neuron0.w0')
    >>> round(model([1.0, -1.0]).data, 6) == round(MLP(2, [3, 1], ["tanh", "linear"], seed=0)([1, -1]).data, 6)
    True
    """

    def __init__(self, n_in: int, sizes: Sequence[int], activation: str | Sequence[str] = "tanh",
                 seed: int | random.Random | None = 0) -> None:
        self.n_in = as_int(n_in, "n_in", minimum=1)
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
            raise TypeError(f"sizes must be a non-empty list of layer widths, got {sizes!r}")
        sizes = [as_int(n, f"sizes[{i}]", minimum=1) for i, n in enumerate(sizes)]
        if isinstance(activation, str):
            activations = [activation] * len(sizes)
        elif isinstance(activation, Sequence):
            activations = list(activation)
            if len(activations) != len(sizes):
                raise ValueError(f"{len(activations)} activations given for {len(sizes)} layers")
        else:
            raise TypeError(f"activation must be a str or a list of str, got {type(activation).__name__}")
        rng = _rng(seed)
        widths = [n_in] + sizes
        self.layers = [Layer(widths[i], widths[i + 1], activations[i], seed=rng)
                       for i in range(len(sizes))]
        _relabel(self, "")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``layer{k}.neuron{j}.w{i}`` and ``layer{k}.neuron{j}.b``."""
        return _numbered_parameters("layer", self.layers)

    def __call__(self, xs: Any) -> Any:
        out = _as_inputs(xs, self.n_in)
        for layer in self.layers:
            out = layer(out)
            out = out if isinstance(out, list) else [out]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"MLP([{inner}])"
