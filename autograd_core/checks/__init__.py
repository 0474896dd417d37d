"""The checks: gradients against central differences (:mod:`.gradcheck`) and the chain rule
spelled out path by path against backward (:mod:`.explain`). The hypothesis strategies for
testing your own code are :mod:`autograd_core.testing`.
"""
