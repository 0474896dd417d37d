"""The checks: gradients against central differences (:mod:`.gradcheck`) and the chain rule
spelled out path by path against backward (:mod:`.explain`), in the names a reader knows
(:mod:`.names`: labels, a neuron's z and a, short expressions; never an internal counter).
The hypothesis strategies for testing your own code are :mod:`autograd_core.testing`.
"""
