"""A jit call's arguments: their structure, which is the cache's key, and how to rebuild them.

An argument is a number, a ``Value``, or a (nested) list or tuple of them; or a *static*
argument, passed on as it is. :func:`describe` reads a call's arguments once: the numbers and
the ``Value`` s in order, and the structure (the nesting and lengths of the lists and tuples,
which leaves are numbers and which ``Value`` s, the static arguments' values) as a hashable
key. :func:`rebuild` makes arguments of the same structure from other leaves: stand-ins to
trace the function with, or fresh Values to run it eagerly.

>>> from autograd_core import Value
>>> call = describe(([1.0, Value(2.0)], 3), {}, static_argnums={1}, name_of=["xs", "n"].__getitem__)
>>> call.floats, len(call.values), call.args
([1.0], 1, (('dynamic', ('list', 'n', 'v')), ('static', 3)))
>>> rebuild(call, [5.0], [Value(7.0)], lambda x, name: (name, x), lambda v, name: (name, v.data),
...         ["xs", "n"].__getitem__)
([[('xs_0', 5.0), ('xs_1', 7.0)], 3], {})
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..engine.value import Value, as_float

__all__ = ["NUMBER", "VALUE", "Call", "describe", "rebuild", "shape_of", "stand_ins", "hashable"]

NUMBER, VALUE = "n", "v"
"""The structure of a leaf: a number, or a ``Value``."""


def shape_of(x: Any, floats: list[float], values: list[Value], where: Callable[[], str]) -> Any:
    """The structure of one argument (:data:`NUMBER`, :data:`VALUE`, or ``("list"|"tuple", *items)``),
    its numbers appended to ``floats`` and its Values to ``values``, in order; ``where()`` names it
    in a TypeError for anything else.

    >>> floats, values = [], []
    >>> shape_of((1, [2.5, Value(1.0)]), floats, values, lambda: "x"), floats
    (('tuple', 'n', ('list', 'n', 'v')), [1.0, 2.5])
    >>> shape_of("1", [], [], lambda: "argument x")
    Traceback (most recent call last):
    ...
    TypeError: argument x is a str: jit takes numbers, Values and lists or tuples of them as arguments; ...
    """
    cls = x.__class__
    if cls is float:
        floats.append(x)
        return NUMBER
    if cls is list or cls is tuple:
        items = [shape_of(item, floats, values, _item_of(where, index)) for index, item in enumerate(x)]
        return ("list" if cls is list else "tuple", *items)
    if isinstance(x, Value):
        values.append(x)
        return VALUE
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        floats.append(as_float(x, where()))
        return NUMBER
    raise TypeError(f"{where()} is a {type(x).__name__}: jit takes numbers, Values and lists or tuples of "
                    f"them as arguments; name the argument in static_argnums (or static_argnames) to pass "
                    f"it to the function as it is")


def _item_of(where: Callable[[], str], index: int) -> Callable[[], str]:
    return lambda: f"{where()}[{index}]"


def stand_ins(shape: Any, floats: Iterator[float], values: Iterator[Value], number: Callable[[float, str], Any],
              value: Callable[[Value, str], Any], name: str) -> Any:
    """An argument of ``shape`` rebuilt with ``number(x, name)`` for each number and
    ``value(v, name)`` for each Value, taken in order from the iterators ``floats`` and ``values``;
    an item's name is its argument's name and its place (``xs_0_1`` for ``xs[0][1]``).

    >>> stand_ins(("list", "n", "n"), iter([1.0, 2.0]), iter([]), lambda x, name: name, None, "xs")
    ['xs_0', 'xs_1']
    """
    if shape == NUMBER:
        return number(next(floats), name)
    if shape == VALUE:
        return value(next(values), name)
    items = [stand_ins(item, floats, values, number, value, f"{name}_{index}") for index, item in enumerate(shape[1:])]
    return items if shape[0] == "list" else tuple(items)


def hashable(value: Any, what: str) -> Any:
    """``value`` when it can be hashed (a static argument is part of the cache's key), else a
    TypeError naming ``what``.

    >>> hashable((1, "a"), "n")
    (1, 'a')
    >>> hashable([1], "static argument n")
    Traceback (most recent call last):
    ...
    TypeError: static argument n must be hashable (it is part of the cache's key), got list
    """
    try:
        hash(value)
    except TypeError:
        raise TypeError(f"{what} must be hashable (it is part of the cache's key), got "
                        f"{type(value).__name__}") from None
    return value


class Call(NamedTuple):
    """One call's arguments: ``key`` (the structure, hashable), the ``floats`` and ``values`` (its
    leaves, in order), and per positional argument (``args``) and keyword (``kwargs``, by name)
    ``("static", value)`` or ``("dynamic", shape)``."""

    key: tuple[Any, ...]
    floats: list[float]
    values: list[Value]
    args: tuple[tuple[str, Any], ...]
    kwargs: tuple[tuple[str, tuple[str, Any]], ...]


def describe(args: Sequence[Any], kwargs: Mapping[str, Any], static_argnums: Collection[int] = (),
             static_argnames: Collection[str] = (), name_of: Callable[[int], str] = "arg{}".format,
             version: Any = None) -> Call:
    """A call's arguments read once: its leaves and its structure, as a :class:`Call` whose key
    also holds ``version`` (the op table's, for jit).

    >>> describe((1.0, 2.0), {}).key == describe((3.0, 4), {}).key != describe(([3.0], 4), {}).key
    True
    """
    floats: list[float] = []
    values: list[Value] = []
    described = []
    for position, arg in enumerate(args):
        name = name_of(position)
        if position in static_argnums:
            described.append(("static", hashable(arg, f"static argument {name}")))
        else:
            described.append(("dynamic", shape_of(arg, floats, values, _named(name))))
    named = []
    for name in sorted(kwargs):
        if name in static_argnames:
            named.append((name, ("static", hashable(kwargs[name], f"static argument {name}"))))
        else:
            named.append((name, ("dynamic", shape_of(kwargs[name], floats, values, _named(name)))))
    return Call((version, tuple(described), tuple(named)), floats, values, tuple(described), tuple(named))


def _named(name: str) -> Callable[[], str]:
    return lambda: f"argument {name}"


def rebuild(call: Call, floats: Sequence[float], values: Sequence[Value], number: Callable[[float, str], Any],
            value: Callable[[Value, str], Any], name_of: Callable[[int], str] = "arg{}".format,
            ) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments of ``call``'s structure, each number made by ``number``
    and each Value by ``value`` from ``floats`` and ``values`` (see :func:`stand_ins`); static
    arguments as they are."""
    float_items, value_items = iter(floats), iter(values)
    rebuilt = [described if kind == "static" else stand_ins(described, float_items, value_items, number, value,
                                                           name_of(position))
               for position, (kind, described) in enumerate(call.args)]
    named = {name: described if kind == "static" else stand_ins(described, float_items, value_items, number, value,
                                                                name)
             for name, (kind, described) in call.kwargs}
    return rebuilt, named
