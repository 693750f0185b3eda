"""pytest set-up shared by the unit tests, the doctests and nbval."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window opens in tests


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undo any change a test or doctest makes to os.environ (e.g. COURSE_QUICK)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
