"""autograd-core: a scalar reverse-mode automatic-differentiation engine.

>>> from autograd_core import Value, grad
>>> x = Value(2.0, label="x")
>>> y = (x * x).sigmoid()
>>> y.backward()
>>> round(x.grad, 6)
0.070651
>>> grad(lambda x: x.tanh())(0.0)
1.0
"""

from .backprop import backward, gradients
from .compiler import CompiledForward, CompiledStep, compile  # noqa: A004 - the contract's name: autograd_core.compile
from .define import define_op, remove_op
from .explain import Explanation, explain
from .finite_differences import GradcheckError, GradcheckReport, gradcheck
from .functional import grad, hessian, value_and_grad
from .graph import local_partials, node_names, topological_order
from .modes import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .ops import OPS, Op
from .value import Value, as_float, as_int, call_op

__version__ = "0.1.0"

__all__ = [
    "Value", "OPS", "Op", "as_float", "as_int", "define_op", "remove_op", "call_op",
    "backward", "gradients", "grad", "value_and_grad", "hessian",
    "no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled", "is_anomaly_enabled",
    "explain", "Explanation",
    "gradcheck", "GradcheckReport", "GradcheckError",
    "topological_order", "node_names", "local_partials",
    "compile", "CompiledStep", "CompiledForward",
]
