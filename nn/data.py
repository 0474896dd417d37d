"""Small data sets in the form :func:`nn.fit` takes: a list of ``(inputs, target)`` pairs.

Every generator is deterministic for a given ``seed`` (``random.Random(seed)``).
"""

from __future__ import annotations

import math
import random
from importlib import resources

from autograd_core import as_int

__all__ = ["xor", "two_moons", "housing", "names", "HOUSING_INTERCEPT", "HOUSING_SLOPE", "HOUSING_NOISE"]

Sample = tuple[list[float], float]


def xor() -> list[Sample]:
    """The four XOR points with 0/1 targets.

    >>> xor()
    [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]
    """
    return [([a, b], float(int(a) ^ int(b))) for a in (0.0, 1.0) for b in (0.0, 1.0)]



def two_moons(n: int = 100, noise: float = 0.1, seed: int = 0,
              labels: tuple[float, float] = (0.0, 1.0)) -> list[Sample]:
    """Two interleaving half circles (as scikit-learn's ``make_moons`` draws them), shuffled.

    The upper moon is (cos t, sin t) and the lower (1 − cos t, 0.5 − sin t) for t
    evenly spaced in [0, π]; Gaussian noise of standard deviation ``noise`` is added
    to each coordinate. The upper moon gets ``labels[0]``, the lower ``labels[1]``:
    pass ``labels=(-1.0, 1.0)`` for the hinge loss.

    >>> points = two_moons(10, seed=1)
    >>> len(points), sorted({t for _, t in points})
    (10, [0.0, 1.0])
    """
    n = as_int(n, "n", minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    samples = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        samples.append(([math.cos(t), math.sin(t)], float(labels[0])))
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        samples.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], float(labels[1])))
    samples = [([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)], label)
               for (x, y), label in samples]
    rng.shuffle(samples)
    return samples


#: The housing generator's true line: price = 1.5 + 2.0 · acres (+ noise), price in $100k.
HOUSING_INTERCEPT = 1.5
HOUSING_SLOPE = 2.0
HOUSING_NOISE = 0.25


def housing(n: int = 50, seed: int = 0) -> list[Sample]:
    """A synthetic housing set for linear regression: lot area (acres) -> sale price ($100k).

    Generator: with ``rng = random.Random(seed)``, each lot's area is
    ``rng.uniform(0.1, 1.0)`` acres and its price is
    ``1.5 + 2.0 * area + rng.gauss(0, 0.25)`` hundred thousand dollars. The units
    keep both columns near 1, so plain gradient descent converges in a few
    hundred steps without rescaling.

    >>> data = housing(3, seed=0)
    >>> [len(x) for x, _ in data]
    [1, 1, 1]
    """
    n = as_int(n, "n", minimum=2)
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        area = rng.uniform(0.1, 1.0)
        price = HOUSING_INTERCEPT + HOUSING_SLOPE * area + rng.gauss(0.0, HOUSING_NOISE)
        samples.append(([area], price))
    return samples


def names() -> list[str]:
    """The 5,163 given names shipped with the project (``nn/datasets/names.txt``), lowercase a-z,
    sorted: the first names of the 1990 US Census (public domain), as the ``names`` package 0.3.0
    ships them (see ``nn/datasets/README.md``).

    >>> everyone = names()
    >>> len(everyone), everyone[:3]
    (5163, ['aaron', 'abbey', 'abbie'])
    """
    text = resources.files(__package__).joinpath("datasets/names.txt").read_text(encoding="ascii")
    return text.split()
