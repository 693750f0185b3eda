"""pytest set-up shared by the unit tests, the doctests and nbval."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window opens in tests

# `pytest` runs the notebooks in quick mode unless told otherwise (COURSE_QUICK=0 for the
# full lessons). nbval's kernels inherit this environment.
os.environ.setdefault("COURSE_QUICK", "1")


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undo any change a test or doctest makes to os.environ (e.g. COURSE_QUICK)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
