"""The graph compiler: trace a loss once, write it out as straight-line Python.

:mod:`.symbols` turns the op table's rules into source text; :mod:`.step` traces a
function, emits its forward and backward code and runs it (:func:`compile`).
"""
