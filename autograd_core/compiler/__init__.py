"""The graph compiler: trace a loss, write it out as straight-line Python, run it.

Read it in this order: :mod:`.symbols` (the op table's rules turned into source text),
:mod:`.trace` (calling a function on stand-in Values, recording its graph and the numbers it
reads), :mod:`.emit` (the graph written out as Python functions), :mod:`.runtime` (source
made into functions, once), :mod:`.compiled` (:func:`compile`: one trace, one
:class:`CompiledLoss`), :mod:`.arguments` (a call's arguments: their structure and leaves) and
:mod:`.jit` (:func:`jit`: a trace per structure of the arguments, cached and guarded).
"""
