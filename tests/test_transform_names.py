"""grad, value_and_grad and hessian return functions named after the one they transform
(functools.wraps, as JAX's transformations are), whose docstring says what they compute."""

import inspect

import pytest

from autograd_core import grad, hessian, value_and_grad


def loss(w, b):
    """The squared error of a one-weight line at x = 2, t = 1."""
    return (w * 2.0 + b - 1.0) ** 2


@pytest.mark.parametrize("transform, what, which", [
    (lambda f: grad(f), "Gradient", "argument 0"),
    (lambda f: grad(f, argnums=(0, 1)), "Gradient", "arguments 0, 1"),
    (lambda f: value_and_grad(f, argnums=1), "Value and gradient", "argument 1"),
    (lambda f: hessian(f), "Hessian", "every argument"),
    (lambda f: hessian(f, argnums=(1, 0)), "Hessian", "arguments 1, 0"),
])
def test_the_transformed_function_carries_the_name_and_says_what_it_computes(transform, what, which):
    transformed = transform(loss)
    assert transformed.__name__ == "loss"
    assert transformed.__qualname__ == "loss"
    assert transformed.__module__ == __name__
    assert transformed.__wrapped__ is loss
    first, _, rest = transformed.__doc__.partition("\n\n")
    assert first == f"{what} of loss with respect to {which}."
    assert rest == loss.__doc__
    assert list(inspect.signature(transformed).parameters) == ["w", "b"]


def test_nesting_keeps_the_innermost_name_and_still_differentiates():
    second = grad(grad(lambda x: x ** 3))
    assert second.__name__ == "<lambda>"
    assert second.__doc__.startswith("Gradient of <lambda> with respect to argument 0.\n\nGradient of <lambda>")
    assert second(2.0) == 12.0   # d²/dx² x³ = 6x


def test_a_callable_object_without_a_name_or_docstring_is_fine():
    class Square:
        def __call__(self, x):
            return x * x

    df = grad(Square())
    assert df(3.0) == 6.0
    assert df.__doc__ == "Gradient of f with respect to argument 0."
