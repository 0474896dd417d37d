"""Value: construction, bad input, operators with numbers on either side, identity, domain errors."""

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given

from autograd_core import Value
from autograd_core.testing import finite_floats

# --- construction ----------------------------------------------------------------------------


def test_ints_become_floats_and_grad_starts_as_float_zero():
    x = Value(3, label="x")
    assert type(x.data) is float and x.data == 3.0
    assert type(x.grad) is float and x.grad == 0.0
    assert (x.label, x.op, x.parents, x.const) == ("x", "", (), None)


def test_other_real_numbers_are_accepted():
    assert Value(Fraction(1, 4)).data == 0.25


@pytest.mark.parametrize("bad", [True, False, "1.0", None, [1.0], (1.0,), {"x": 1.0}, {1.0}, 1 + 2j, b"1",
                                 Value(1.0)])
def test_non_real_data_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_an_int_too_large_for_a_float_is_an_overflow_error_naming_it():
    with pytest.raises(OverflowError, match=r"data \(int\) is too large for a float"):
        Value(10**400)


NON_REAL = [True, "5", None, [1.0], 1 + 2j, b"1", Value(1.0)]


@pytest.mark.parametrize("attribute", ["data", "grad"])
@pytest.mark.parametrize("bad", NON_REAL)
def test_assigning_a_non_number_to_data_or_grad_is_refused_and_changes_nothing(attribute, bad):
    x = Value(2.0)
    (x * x).backward()
    with pytest.raises(TypeError, match=f"{attribute} must be a real number .* got {type(bad).__name__}"):
        setattr(x, attribute, bad)
    assert (x.data, x.grad) == (2.0, 4.0)
    assert repr(x) == "Value(data=2, grad=4)"


@pytest.mark.parametrize("attribute", ["data", "grad"])
def test_assigning_other_real_numbers_to_data_or_grad_stores_floats(attribute):
    x = Value(2.0)
    for number, expected in [(3, 3.0), (Fraction(1, 4), 0.25), (-0.0, -0.0), (math.inf, math.inf)]:
        setattr(x, attribute, number)
        stored = getattr(x, attribute)
        assert type(stored) is float and stored == expected and math.copysign(1, stored) == math.copysign(1, expected)
    with pytest.raises(OverflowError, match=rf"{attribute} \(int\) is too large for a float"):
        setattr(x, attribute, 10**400)


def test_assigned_data_and_grad_are_what_backward_and_optimizers_see():
    w = Value(0.5)
    w.data = 3  # as micrograd users write it
    y = w * w
    y.backward()
    assert (y.data, w.grad) == (9.0, 6.0)
    w.grad = 0
    y.backward()
    assert w.grad == 6.0


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j, True])
@pytest.mark.parametrize("operation", [
    lambda x, b: x + b, lambda x, b: b + x, lambda x, b: x - b, lambda x, b: b * x,
    lambda x, b: x / b, lambda x, b: b / x, lambda x, b: x ** b, lambda x, b: b * x,
    lambda x, b: x % b, lambda x, b: b % x, lambda x, b: x // b, lambda x, b: b // x, lambda x, b: b - x,
])
def test_operand_of_the_wrong_type_is_a_type_error_naming_it(operation, bad):
    with pytest.raises(TypeError) as caught:
        operation(Value(2.0), bad)
    # `"a" * x` falls back to sequence repetition, whose message names only Value.
    assert type(bad).__name__ in str(caught.value) or "sequence" in str(caught.value)


# --- structure ---------------------------------------------------------------------------------


def test_parents_keep_order_and_duplicates():
    x, y = Value(2.0), Value(3.0)
    square = x * x
    assert square.parents == (x, x) and square.parents[0] is x and square.parents[1] is x
    assert (x - y).parents[0] is x and (x - y).parents[1] is y
    assert (y - x).parents[0] is y


def test_plain_numbers_become_constant_leaves_on_either_side():
    x = Value(2.0)
    left, right = (5 - x).parents
    assert left.data == 5.0 and left.op == "" and right is x
    assert (x - 5).parents[1].data == 5.0


def test_an_operand_is_a_value_an_int_or_a_float_in_both_builds():
    # As torch.Tensor: a Fraction (or any other number type) is refused as an operand, not
    # converted, in the pure build as in the compiled one (whose methods accept exactly the
    # annotated Value | float); Value(Fraction(...)) converts it, as the constructor says.
    x = Value(2.0)
    for operation in (lambda: x + Fraction(1, 2), lambda: Fraction(1, 2) * x, lambda: x < Fraction(1, 2)):
        with pytest.raises(TypeError, match="Fraction"):
            operation()
    y = x * Value(Fraction(1, 4))
    y.backward()
    assert (y.data, x.grad) == (0.5, 0.25)
    with pytest.raises(TypeError, match="bool"):
        x + True


def test_nodes_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a  # identity, not data, is compared
    assert len({a, b}) == 2
    grads = {a: "a", b: "b"}
    assert grads[a] == "a"
    # object's identity hash: distinct nodes hash apart, so a graph's dicts and sets stay fast
    nodes = [Value(1.0) for _ in range(1000)]
    assert len({hash(node) for node in nodes}) == 1000 and all(hash(n) == object.__hash__(n) for n in nodes)


@pytest.mark.parametrize("operation, symbol", [
    (lambda x: x + True, "+"), (lambda x: True + x, "+"), (lambda x: x - True, "-"), (lambda x: True - x, "-"),
    (lambda x: x * True, "*"), (lambda x: True * x, "*"), (lambda x: x / True, "/"), (lambda x: True / x, "/"),
    (lambda x: x % True, "%"), (lambda x: True % x, "%"), (lambda x: x // True, "//"),
    (lambda x: True // x, "//"), (lambda x: True ** x, "**")])
def test_a_bool_operand_is_refused_naming_the_operator(operation, symbol):
    with pytest.raises(TypeError, match=rf"for {re.escape(symbol)}: bool"):
        operation(Value(2.0))
    # (x ** True is refused as an exponent: "the exponent must be a real number ..., got bool")


def test_repr_is_short_and_informative():
    x = Value(2.0, label="x")
    y = x * 3.0
    y.label = "y"
    assert repr(x) == "Value(data=2, grad=0, label='x')"
    assert repr(y) == "Value(data=6, grad=0, op='mul', label='y')"


def test_const_is_the_exponent_of_a_constant_power():
    x = Value(2.0)
    assert (x ** 3).const == 3.0
    assert (x * x).const is None and (x ** Value(3.0)).const is None


def test_an_exponent_of_any_real_type_is_a_constant_power():
    # ints and floats take a fast path; other real numbers (Fraction, float subclasses such as
    # numpy.float64) the general one
    class FloatSubclass(float):
        pass

    for exponent in (2, 0.5, Fraction(1, 2), FloatSubclass(1.5)):
        x = Value(4.0)
        y = x ** exponent
        y.backward()
        k = float(exponent)
        assert (y.op, y.const, y.data, x.grad) == ("pow_const", k, 4.0 ** k, k * 4.0 ** (k - 1))
    with pytest.raises(TypeError, match="str"):
        Value(4.0) ** "2"


def test_dividing_by_one_and_by_zero():
    assert (Value(3.0) / 1.0).data == 3.0 and (Value(3.0) / Value(1.0)).data == 3.0
    with pytest.raises(ZeroDivisionError, match=r"div\(3.0, 0.0\) divides by zero"):
        Value(3.0) / 0.0


def test_float_conversion():
    assert float(Value(2.5)) == 2.5


# --- operators against closed forms ------------------------------------------------------------

# (expression, value at x=2 y=3, d/dx, d/dy), by hand.
CLOSED_FORMS = [
    (lambda x, y: 2 + x, 4.0, 1.0, 0.0),
    (lambda x, y: x + 2, 4.0, 1.0, 0.0),
    (lambda x, y: 2 - x, 0.0, -1.0, 0.0),
    (lambda x, y: x - y, -1.0, 1.0, -1.0),
    (lambda x, y: 2 * x, 4.0, 2.0, 0.0),
    (lambda x, y: x * y, 6.0, 3.0, 2.0),
    (lambda x, y: 3 / x, 1.5, -0.75, 0.0),
    (lambda x, y: x / 4, 0.5, 0.25, 0.0),
    (lambda x, y: x / y, 2 / 3, 1 / 3, -2 / 9),
    (lambda x, y: -x, -2.0, -1.0, 0.0),
    (lambda x, y: +x, 2.0, 1.0, 0.0),
    (lambda x, y: x ** 3, 8.0, 12.0, 0.0),
    (lambda x, y: 2 ** y, 8.0, 0.0, 8 * math.log(2)),
    (lambda x, y: x ** y, 8.0, 12.0, 8 * math.log(2)),
    (lambda x, y: x.exp(), math.exp(2), math.exp(2), 0.0),
    (lambda x, y: x.log(), math.log(2), 0.5, 0.0),
    (lambda x, y: x.tanh(), math.tanh(2), 1 - math.tanh(2) ** 2, 0.0),
    (lambda x, y: y.sigmoid(), 1 / (1 + math.exp(-3)), 0.0, math.exp(-3) / (1 + math.exp(-3)) ** 2),
]


@pytest.mark.parametrize("f, value, dx, dy", CLOSED_FORMS)
def test_operators_match_closed_forms(f, value, dx, dy):
    x, y = Value(2.0), Value(3.0)
    out = f(x, y)
    out.backward()
    assert math.isclose(out.data, value, rel_tol=1e-12)
    assert math.isclose(x.grad, dx, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(y.grad, dy, rel_tol=1e-12, abs_tol=1e-15)


# --- numerics ------------------------------------------------------------------------------------


@pytest.mark.parametrize("x, expected", [(-1e6, 0.0), (1e6, 1.0), (-800.0, 0.0), (0.0, 0.5)])
def test_sigmoid_is_stable_at_large_inputs(x, expected):
    v = Value(x)
    y = v.sigmoid()
    y.backward()
    assert y.data == expected
    assert v.grad == (0.25 if x == 0.0 else 0.0)


@pytest.mark.parametrize("x, expected", [(-1e6, -1.0), (1e6, 1.0)])
def test_tanh_is_stable_at_large_inputs(x, expected):
    v = Value(x)
    y = v.tanh()
    y.backward()
    assert (y.data, v.grad) == (expected, 0.0)


@given(finite_floats(-1e308, 1e308))
def test_sigmoid_and_tanh_never_overflow(x):
    for method, low, high in (("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0)):
        v = Value(x)
        y = getattr(v, method)()
        y.backward()
        assert low <= y.data <= high
        assert 0.0 <= v.grad <= 1.0


# --- domain errors --------------------------------------------------------------------------------

DOMAIN_ERRORS = [
    (lambda: Value(0.0).log(), ValueError, "log", "0.0"),
    (lambda: Value(-1.5).log(), ValueError, "log", "-1.5"),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, "pow_const", "-8.0"),
    (lambda: Value(-2.0) ** Value(0.5), ValueError, "pow", "-2.0"),
    (lambda: (-2.0) ** Value(0.5), ValueError, "pow", "-2.0"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, "div", "0.0"),
    (lambda: 1.0 / Value(0.0), ZeroDivisionError, "div", "0.0"),
    (lambda: Value(1.0) / Value(-0.0), ZeroDivisionError, "div", "-0.0"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "pow_const", "0.0"),
    (lambda: Value(1000.0).exp(), OverflowError, "exp", "1000.0"),
    (lambda: Value(1e200) ** 2, OverflowError, "pow_const", "1e+200"),
    (lambda: Value(10.0) ** Value(400.0), OverflowError, "pow", "400.0"),
]


@pytest.mark.parametrize("make, error, op_name, value", DOMAIN_ERRORS)
def test_domain_errors_are_typed_and_name_the_op_and_value(make, error, op_name, value):
    with pytest.raises(error) as caught:
        make()
    message = str(caught.value)
    assert type(caught.value) is error
    assert f"{op_name}(" in message and value in message
    assert "math domain error" not in message and "math range error" not in message


def test_negative_base_with_integer_exponent_is_fine():
    x = Value(-2.0)
    y = x ** 3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_overflow_blames_the_size_of_the_result_not_the_domain():
    # 10 is inside pow's domain (a > 0): the message must not suggest otherwise.
    with pytest.raises(OverflowError) as caught:
        Value(10.0) ** Value(400.0)
    assert "1.8e308" in str(caught.value) and "defined for" not in str(caught.value)


# --- comparisons compare .data; == stays identity ---------------------------------------------------

def test_comparisons_compare_data_and_return_bools():
    a, b = Value(1.0), Value(2.0)
    results = [a < b, a <= b, a > b, a >= b, a < 1.5, 2 > a, a >= 1, Value(1.0) <= a]
    assert results == [True, True, False, False, True, True, True, True]
    assert all(type(r) is bool for r in results)


def test_max_min_sorted_and_if_work_on_values():
    xs = [Value(3.0), Value(-1.0), Value(2.0)]
    assert max(xs) is xs[0] and min(xs) is xs[1]
    assert [x.data for x in sorted(xs)] == [-1.0, 2.0, 3.0]
    y = xs[1]
    taken = y.relu() if y > 0 else -y  # a data-dependent branch, recorded as the branch taken
    taken.backward()
    assert (taken.op, y.grad) == ("neg", -1.0)


def test_equality_stays_identity_so_values_hash():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == 1.0)
    assert len({a, b}) == 2 and {a: "x"}[a] == "x"


def test_comparing_with_other_types_raises_type_error():
    with pytest.raises(TypeError):
        Value(1.0) < "2"  # noqa: B015
    with pytest.raises(TypeError):
        Value(1.0) > None  # noqa: B015


def test_item_returns_data():
    x = Value(2.5)
    y = x * 2
    assert y.item() == 5.0 and type(y.item()) is float
