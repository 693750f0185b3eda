"""pytest set-up shared by the unit tests, the doctests and nbval."""

import importlib.util
import json
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


def _cores():
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml) starts one worker per core, unless
    PYTEST_XDIST_AUTO_NUM_WORKERS says otherwise. One worker more than cores finished the
    suite about 15% sooner on the 2-core machine of the README's run-time table, but under
    that load JupyterLab in the browser test twice stopped "Run All" silently or covered the
    page with a dialog, and a kernel on a training time budget fell short of its accuracy
    with two extra workers: a faster run that fails now and then is no use to CI."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return _cores()


# With `-n auto` every core already runs a worker, each with its own notebook kernel:
# TensorFlow's default of one thread per core in each of them would make the kernels fight
# over the cores (their threads spin while they wait). Each gets its share instead.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    share = max(1, _cores() // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(share))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(share))


ROOT = Path(__file__).resolve().parent
# Unit-test files that take much longer than the rest (seconds, junit at b6e7df9), so that a
# worker starts them early. Used only to order the run, as are the notebooks' run times.
SLOW_TEST_FILES = {
    "tests/test_browser.py": 44,
    "tests/exercises/test_nb07.py": 44,
    "tests/test_environment.py": 35,
    "tests/exercises/test_rules.py": 20,
}


def _expected_seconds():
    """{path relative to the root: seconds}: the notebooks' quick-mode run times measured in
    benchmarks/run_times.json (the same for both folders), and SLOW_TEST_FILES."""
    seconds = dict(SLOW_TEST_FILES)
    try:
        table = json.loads((ROOT / "benchmarks" / "run_times.json").read_text(encoding="utf-8"))
        for name, row in table["notebooks"].items():
            for folder in ("solutions", "notebooks"):
                seconds[f"{folder}/{name}"] = row["quick"]["onednn"]
    except (OSError, ValueError, KeyError, TypeError):  # no table yet: keep the default order
        pass
    return seconds


def pytest_collection_modifyitems(config, items):
    """Run the longest files first: with `-n auto` (pyproject.toml) each worker takes the next
    file when it is done, so starting with the long ones makes the workers finish together.
    The sort is stable, so a notebook's cells and a file's tests keep their order."""
    seconds = _expected_seconds()

    def expected(item):
        path = Path(str(item.fspath)).resolve()
        return seconds.get(
            path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else "", 0
        )

    items.sort(key=lambda item: -expected(item))


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


@pytest.fixture(scope="session")
def benchmark_script():
    """``benchmark_script(name)`` imports ``benchmarks/<name>.py``, a script rather than a
    module of a package, so that its tests can call its functions."""

    def load(name):
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
