"""Speed benchmarks: autograd-core (eager and compiled) against micrograd 0.1.0, PyTorch and
hand-written Python. Run ``bash scripts/bench.sh`` or ``python -m benchmarks``; see run.py."""
