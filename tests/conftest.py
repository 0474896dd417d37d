"""Test configuration: hypothesis runs deterministically unless asked to run long.

HYPOTHESIS_PROFILE=long (locally) draws many more examples with fresh randomness.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from autograd_core import OPS, remove_op
from autograd_core.engine.ops import BUILT_IN_OPS

settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _forget_user_defined_ops():
    """Ops a test adds with define_op leave with it, so OPS holds the built-in ops in every test."""
    yield
    for name in set(OPS) - BUILT_IN_OPS:
        remove_op(name)


@pytest.fixture
def dot():
    """Skips the test when Graphviz's dot is missing, except on CI, which installs it (there it must fail)."""
    import shutil

    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("Graphviz's dot is not installed")
