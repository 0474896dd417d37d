"""autograd-core: a scalar automatic-differentiation engine, reverse mode (``backward``, ``grad``)
and forward mode (``jvp``, ``jacfwd``) over one op table.

>>> from autograd_core import Value, grad, jvp
>>> x = Value(2.0, label="x")
>>> y = (x * x).sigmoid()
>>> y.backward()
>>> round(x.grad, 6)
0.070651
>>> grad(lambda x: x.tanh())(0.0), jvp(lambda x: x.tanh(), (0.0,), (1.0,))
(1.0, (0.0, 1.0))

The engine runs compiled by mypyc where the package was built with a C compiler, else as the
same Python source (``COMPILED`` says which; ``AUTOGRAD_CORE_PURE=1`` picks the Python source,
see :mod:`autograd_core.build`).
"""

import sys

# First: it decides, before the engine is imported, which build of it is imported.
from . import build  # isort: skip
from .checks.explain import Explanation, explain
from .checks.gradcheck import GradcheckError, GradcheckReport, gradcheck
from .compiler.compiled import (  # noqa: A004 - the contract's name: autograd_core.compile
    CompiledForward,
    CompiledLoss,
    CompiledStep,
    FrozenReadWarning,
    compile,
)
from .compiler.jit import JitCacheInfo, JitCheck, JitFunction, JitMismatchError, JitWarning, jit
from .compiler.trace import Guard, TracedReadError
from .engine.backward import backward_pass
from .engine.define import define_op, remove_op
from .engine.functional import backward, grad, gradients, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad
from .engine.graph import local_partials, node_names, topological_order
from .engine.maths import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    clamp_max,
    clamp_min,
    clip,
    exp2,
    expm1,
    floor,
    hypot,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    mod,
    sign,
    tan,
    tanh,
)
from .engine.modes import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .engine.ops import OPS, Op
from .engine.rules import cos, cosh, exp, heaviside, log, sin, sinh, sqrt
from .engine.tangents import tangent_pass
from .engine.value import Value, as_float, as_int, call_op

__version__ = "0.1.0"

COMPILED: bool = build.is_compiled(sys.modules[Value.__module__])
"""True when the engine runs as modules compiled by mypyc, False for the pure-Python modules."""

__all__ = [
    "COMPILED", "Value", "OPS", "Op", "as_float", "as_int", "define_op", "remove_op", "call_op",
    "log", "exp", "sqrt", "sin", "cos", "sinh", "cosh", "heaviside",
    "tan", "tanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10", "log1p", "expm1",
    "exp2", "sign", "floor", "mod", "atan2", "hypot", "maximum", "minimum", "clamp_min", "clamp_max", "clip",
    "backward", "gradients", "backward_pass", "grad", "value_and_grad", "hessian",
    "jvp", "jacfwd", "jacrev", "hvp", "tangent_pass",
    "no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled", "is_anomaly_enabled",
    "explain", "Explanation",
    "gradcheck", "GradcheckReport", "GradcheckError",
    "topological_order", "node_names", "local_partials",
    "compile", "CompiledLoss", "CompiledStep", "CompiledForward", "FrozenReadWarning",
    "jit", "JitFunction", "JitCacheInfo", "JitCheck", "JitMismatchError", "JitWarning", "Guard", "TracedReadError",
]
