"""The engine: scalar nodes that record the ops applied to them, and the backward pass.

Read it in this order: :mod:`.ops` (the op table: each op's forward rule and partial
derivatives), :mod:`.value` (``Value``, the node, and its operators), :mod:`.graph` (the one
topological walk), :mod:`.backprop` (the backward pass), :mod:`.modes` (``no_grad``,
``detect_anomaly``), :mod:`.define` (``define_op``), :mod:`.functional` (``grad``,
``hessian``) and :mod:`.ieee` (IEEE results at the edges of a domain).
"""
