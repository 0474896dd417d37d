"""grad, value_and_grad, hessian: closed forms, nesting to third order, finite differences."""

import math

import pytest
from hypothesis import given

from autograd_core import Value, grad, hessian, value_and_grad
from autograd_core.testing import expression_dags


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


# f, f', f'', f''' in closed form.
DERIVATIVES = [
    (lambda x: x ** 3, lambda x: 3 * x ** 2, lambda x: 6 * x, lambda x: 6.0),
    (lambda x: x.exp(), math.exp, math.exp, math.exp),
    (lambda x: x.log(), lambda x: 1 / x, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3),
    (lambda x: x.tanh(), lambda x: 1 - math.tanh(x) ** 2,
     lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
     lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2)),
    (lambda x: x.sigmoid(), lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
     lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
     lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 6 * _sigmoid(x) + 6 * _sigmoid(x) ** 2)),
    (lambda x: 1 / x, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3, lambda x: -6 / x ** 4),
    (lambda x: 2 ** x, lambda x: 2 ** x * math.log(2), lambda x: 2 ** x * math.log(2) ** 2,
     lambda x: 2 ** x * math.log(2) ** 3),
]


@pytest.mark.parametrize("f, d1, d2, d3", DERIVATIVES)
@pytest.mark.parametrize("x", [0.4, 1.7])
def test_first_second_third_derivatives_match_closed_forms(f, d1, d2, d3, x):
    first, second, third = grad(f), grad(grad(f)), grad(grad(grad(f)))
    for transformed, exact in ((first, d1), (second, d2), (third, d3)):
        got = transformed(x)
        assert type(got) is float
        assert math.isclose(got, exact(x), rel_tol=1e-12, abs_tol=1e-12)


@given(expression_dags(n_inputs=1, max_ops=8))
def test_second_derivative_matches_finite_differences_of_the_first(expr):
    first = grad(expr)
    x = expr.inputs[0]
    numeric = _central(first, x, 1e-6)
    assert math.isclose(grad(first)(x), numeric, rel_tol=1e-3, abs_tol=1e-5), expr


@given(expression_dags(n_inputs=1, max_ops=6))
def test_third_derivative_matches_finite_differences_of_the_second(expr):
    second = grad(grad(expr))
    x = expr.inputs[0]
    numeric = _central(second, x, 1e-5)
    assert math.isclose(grad(second)(x), numeric, rel_tol=1e-3, abs_tol=1e-4), expr


@given(expression_dags(n_inputs=(2, 3), max_ops=8))
def test_hessian_matches_finite_differences_of_the_gradient(expr):
    n = expr.n_inputs
    gradient = grad(expr, argnums=tuple(range(n)))
    h = 1e-6
    matrix = hessian(expr)(*expr.inputs)
    for j in range(n):
        plus, minus = list(expr.inputs), list(expr.inputs)
        plus[j] += h
        minus[j] -= h
        column = [(p - m) / (2 * h) for p, m in zip(gradient(*plus), gradient(*minus), strict=True)]
        for i in range(n):
            assert math.isclose(matrix[i][j], column[i], rel_tol=1e-3, abs_tol=1e-5), (expr, i, j)
    for i in range(n):
        for j in range(i):
            assert math.isclose(matrix[i][j], matrix[j][i], rel_tol=1e-9, abs_tol=1e-12)


def test_hessian_closed_form():
    # f = x² y + exp(x y): every entry by hand.
    x, y = 0.3, -1.2
    e = math.exp(x * y)
    expected = [[2 * y + y * y * e, 2 * x + e + x * y * e], [2 * x + e + x * y * e, x * x * e]]
    got = hessian(lambda a, b: a * a * b + (a * b).exp())(x, y)
    for row, expected_row in zip(got, expected, strict=True):
        for value, exact in zip(row, expected_row, strict=True):
            assert type(value) is float and math.isclose(value, exact, rel_tol=1e-13)


def test_value_and_grad_with_argnums():
    f = lambda x, y, z: x * y + z * z  # noqa: E731
    assert value_and_grad(f)(2.0, 3.0, 1.0) == (7.0, 3.0)
    assert value_and_grad(f, argnums=(0, 2))(2.0, 3.0, 1.0) == (7.0, (3.0, 2.0))
    assert grad(f, argnums=-2)(2.0, 3.0, 1.0) == 2.0
    assert grad(f, argnums=[1, 0])(2.0, 3.0, 1.0) == (2.0, 3.0)


def test_arguments_not_differentiated_are_passed_through_unchanged():
    # As in JAX: only the argnums arguments become Values (so x ** n keeps an int exponent).
    assert grad(lambda x, n: x ** n)(-2.0, 3) == 12.0
    assert grad(lambda x, scale: x * scale["k"])(1.0, {"k": 4.0}) == 4.0


def test_keyword_arguments_are_passed_through_undifferentiated():
    # As in JAX: d/dx (x ** n) with n = 3 given by keyword is 3 x² = 12 at x = 2.
    assert grad(lambda x, n=2: x ** n)(2.0, n=3) == 12.0
    assert value_and_grad(lambda x, y, scale=1.0: x * y * scale, argnums=1)(2.0, 3.0, scale=0.5) == (3.0, 1.0)
    # ∂²/∂x∂y (k x² y) = 2 k x: with k = 5 at (1, 2) the Hessian is [[2ky, 2kx], [2kx, 0]].
    assert hessian(lambda x, y, k: k * x * x * y)(1.0, 2.0, k=5.0) == [[20.0, 10.0], [10.0, 0.0]]


def test_nested_grad_does_not_confuse_inner_and_outer_variables():
    # d/dx [x · d/dy (x + y)] = d/dx [x] = 1 (Siskind & Pearlmutter's perturbation confusion).
    assert grad(lambda x: x * grad(lambda y: x + y)(2.0))(3.0) == 1.0
    # d/dx [x · d/dy (x y)] = d/dx x² = 2x.
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == 6.0


def test_hessian_nests_inside_grad():
    # d/dx of f''(x) for f = y⁴: d/dx 12x² = 24x.
    assert grad(lambda x: hessian(lambda y: y ** 4)(x)[0][0])(1.5) == 36.0


def test_with_value_arguments_the_result_is_a_differentiable_value():
    x = Value(2.0)
    d = grad(lambda t: t ** 3)(x)
    assert isinstance(d, Value) and d.data == 12.0
    d.backward()
    assert x.grad == 12.0  # d/dx 3x² at 2


def test_constant_function_has_zero_gradient_and_a_warning():
    with pytest.warns(UserWarning, match="does not depend"):
        assert grad(lambda x: 5.0)(1.0) == 0.0
    with pytest.warns(UserWarning, match="does not depend"):
        assert grad(lambda x, y: y * 2, argnums=0)(1.0, 4.0) == 0.0


# --- the silent wrong answer of issue 10: a Value turned into a float -----------------------------

def test_a_value_turned_into_a_float_warns_and_names_the_fix():
    with pytest.warns(UserWarning, match=r"returned a float.*math\.sin\(x\).*x\.sin\(\)"):
        assert grad(lambda x: math.sin(x))(1.0) == 0.0
    with pytest.warns(UserWarning, match="value_and_grad"):
        value_and_grad(lambda x: math.exp(x))(1.0)


def test_a_detached_graph_warns_too():
    with pytest.warns(UserWarning, match=r"detach\(\)"):
        grad(lambda x: x.detach() * 2)(1.0)


def test_no_warning_when_the_output_depends_on_the_input(recwarn):
    assert grad(lambda x: x.sin())(0.0) == 1.0
    assert grad(lambda x, y: x * y, argnums=1)(2.0, 3.0) == 2.0
    # The derivative of 3·x is the constant 3, so its own derivative is a legitimate 0.
    assert grad(grad(lambda x: 3 * x))(1.0) == 0.0
    assert not [w for w in recwarn.list if issubclass(w.category, UserWarning)]


# --- has_aux (JAX's meaning) ----------------------------------------------------------------------

def test_has_aux_returns_the_aux_untouched_beside_the_gradient():
    def loss(w):
        prediction = w * 2.0
        return (prediction - 1.0) ** 2, {"prediction": prediction.data}

    gradient, aux = grad(loss, has_aux=True)(3.0)
    assert gradient == 2 * (6.0 - 1.0) * 2.0 and aux == {"prediction": 6.0}
    (value, aux2), gradient2 = value_and_grad(loss, has_aux=True)(3.0)
    assert (value, aux2, gradient2) == (25.0, {"prediction": 6.0}, 20.0)


def test_has_aux_nests():
    first = grad(lambda x: (x ** 3, "aux"), has_aux=True)
    assert grad(lambda x: first(x)[0])(2.0) == 12.0  # d²/dx² x³ = 6x


@pytest.mark.parametrize("f, error", [
    (lambda x: x * x, TypeError),            # not a pair
    (lambda x: (x, 1, 2), TypeError),        # three items
])
def test_has_aux_needs_a_pair(f, error):
    with pytest.raises(error, match="pair"):
        grad(f, has_aux=True)(1.0)


def test_has_aux_must_be_a_bool():
    with pytest.raises(TypeError, match="has_aux"):
        grad(lambda x: x, has_aux="yes")


# --- hessian(f, argnums) -------------------------------------------------------------------------

def test_hessian_argnums_matches_closed_forms():
    f = lambda x, y, z: x * x * y + z * z * z * y  # noqa: E731
    x, y, z = 1.5, 0.3, 2.0
    assert hessian(f, argnums=0)(x, y, z) == 2 * y
    assert hessian(f, argnums=(1, 2))(x, y, z) == [[0.0, 3 * z * z], [3 * z * z, pytest.approx(6 * z * y)]]
    assert hessian(f, argnums=(2, 0))(x, y, z) == [[pytest.approx(6 * z * y), 0.0], [0.0, 2 * y]]
    with pytest.raises(ValueError, match="out of range"):
        hessian(f, argnums=3)(x, y, z)


def test_hessian_argnums_agrees_with_the_full_hessian():
    f = lambda a, b: (a * b).sin() + a ** 3  # noqa: E731
    full = hessian(f)(0.4, 1.1)
    assert hessian(f, argnums=(0, 1))(0.4, 1.1) == full
    assert hessian(f, argnums=1)(0.4, 1.1) == full[1][1]


@pytest.mark.parametrize("call, error, words", [
    (lambda: grad(lambda x: x, argnums="0")(1.0), TypeError, "str"),
    (lambda: grad(lambda x: x, argnums=True)(1.0), TypeError, "bool"),
    (lambda: grad(lambda x: x, argnums=())(1.0), TypeError, "non-empty"),
    (lambda: grad(lambda x: x, argnums=3)(1.0), ValueError, "out of range"),
    # a repeated argument used to give (0.0, dy) for (dx, dx): the first variable went unused
    (lambda: grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0), ValueError, "more than once"),
    (lambda: value_and_grad(lambda x, y: x * y, argnums=(0, -2))(2.0, 3.0), ValueError, "more than once"),
    (lambda: grad(lambda x: x)("1.0"), TypeError, "str"),
    (lambda: grad(lambda x: [x])(1.0), TypeError, "list"),
    (lambda: hessian(lambda: 1.0)(), ValueError, "at least one"),
])
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()
