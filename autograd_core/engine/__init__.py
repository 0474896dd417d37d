"""The engine: scalar nodes that record the ops applied to them, and the backward pass.

Read it in this order: :mod:`.rules` (what a derivative rule may compute with), :mod:`.ops`
(the op table: each op's forward rule and derivative rule), :mod:`.value` (``Value``, the
node, and its operators), :mod:`.backward` (the backward pass), :mod:`.graph` (the
topological walk the other readers of a graph share), :mod:`.modes` (``no_grad``,
``detect_anomaly``), :mod:`.functional` (``backward``, ``gradients``, ``grad``, ``hessian``),
:mod:`.define` (``define_op``) and :mod:`.ieee` (IEEE results at the edges of a domain).
"""
