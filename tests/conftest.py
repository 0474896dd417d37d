"""Test configuration: hypothesis runs deterministically unless asked to run long; the build.

HYPOTHESIS_PROFILE=long (locally) draws many more examples with fresh randomness.
AUTOGRAD_CORE_EXPECT_BUILD=compiled (or pure) makes the run fail at once unless the engine
imported is that build: scripts/test.sh and scripts/test_wheel.sh set it, so each really tests
the build it claims to.
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

from autograd_core import COMPILED, OPS, remove_op
from autograd_core.engine.ops import BUILT_IN_OPS

_BUILD = "compiled" if COMPILED else "pure"
_EXPECTED_BUILD = os.environ.get("AUTOGRAD_CORE_EXPECT_BUILD")
if _EXPECTED_BUILD not in (None, "", _BUILD):
    raise pytest.UsageError(f"AUTOGRAD_CORE_EXPECT_BUILD={_EXPECTED_BUILD}, but the engine imported is the {_BUILD} "
                            f"build ({sys.modules['autograd_core.engine.value'].__file__})")


def pytest_report_header(config):
    return f"autograd-core engine: {_BUILD} build"

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
