"""pytest set-up shared by the unit tests, the doctests and nbval."""

import os
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window opens in tests

# `pytest` runs the notebooks in quick mode unless told otherwise (COURSE_QUICK=0 for the
# full lessons). nbval's kernels inherit this environment.
os.environ.setdefault("COURSE_QUICK", "1")
# A figure outside the range a lesson's `expect(...)` states fails the notebook under test
# (a learner sees a warning instead).
os.environ.setdefault("COURSE_STRICT", "1")


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undo any change a test or doctest makes to os.environ (e.g. COURSE_QUICK)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


# What a check cell prints as plain text: "[correct] Exercise 1.2: ...".
_CHECK_RESULT = re.compile(r"\[(correct|incorrect|not attempted)\] Exercise (\d+\.\d+)")
# In the solutions every check must pass; in the learner copies none has been attempted.
_EXPECTED_OUTCOME = {"solutions": "correct", "notebooks": "not attempted"}


def _output_text(output):
    if "text" in output:
        return "".join(output["text"])
    return "".join(output.get("data", {}).get("text/plain", ""))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail an nbval cell whose exercise check reports the wrong outcome for its folder."""
    result = yield
    outputs = getattr(item, "test_outputs", None)
    expected = _EXPECTED_OUTCOME.get(Path(str(item.fspath)).parent.name)
    if outputs and expected:
        for output in outputs:
            for outcome, key in _CHECK_RESULT.findall(_output_text(output)):
                if outcome != expected:
                    pytest.fail(
                        f"Exercise {key} reports {outcome!r}; in {item.fspath.basename} under "
                        f"{Path(str(item.fspath)).parent.name}/ every check must be {expected!r}.",
                        pytrace=False,
                    )
    return result
