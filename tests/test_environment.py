"""Tests for course_utils.environment and the `doctor` command."""

import os
import subprocess
import sys

import numpy as np
import pytest

from course_utils import environment
from course_utils.__main__ import main


def test_set_seed_repeats_numpy_and_tensorflow():
    import tensorflow as tf

    environment.set_seed(7)
    # The legacy global NumPy RNG is exactly what set_seed must seed.
    first = (np.random.rand(), float(tf.random.uniform(())))  # noqa: NPY002
    environment.set_seed(7)
    assert (np.random.rand(), float(tf.random.uniform(()))) == first  # noqa: NPY002


def test_set_seed_default_is_the_course_seed():
    assert environment.set_seed() == 66478


@pytest.mark.parametrize(
    ("seed", "error"), [(1.5, TypeError), ("1", TypeError), (True, TypeError), (-1, ValueError)]
)
def test_set_seed_bad_values(seed, error):
    with pytest.raises(error, match=f"Received: seed={seed!r}"):
        environment.set_seed(seed)


def test_check_setup_reports_versions_and_sources(monkeypatch, capsys):
    import keras
    import tensorflow as tf

    monkeypatch.setenv("COURSE_QUICK", "1")
    report = environment.check_setup()
    assert report["tensorflow"] == tf.__version__
    assert report["keras"] == keras.__version__
    assert report["mode"].startswith("Quick mode")
    assert set(report["data"]) == {"mnist", "cifar10"}
    assert report["problems"] == []
    shown = capsys.readouterr().out
    for text in ("TensorFlow", "Keras", "Devices", "MNIST from", "CIFAR-10 from", "All set."):
        assert text in shown


def test_check_setup_lists_problems(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "maybe")
    monkeypatch.setenv("COURSE_DATA_DIR", "/no/such/folder")
    report = environment.check_setup(verbose=False)
    assert len(report["problems"]) == 3  # the mode, and the data folder for each data set
    assert "Received: COURSE_QUICK='maybe'" in report["problems"][-1]


def test_doctor_exit_status(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    assert main(["doctor"]) == 0
    monkeypatch.setenv("COURSE_QUICK", "maybe")
    assert main(["doctor"]) == 1
    assert "Problems:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("version", "too_old"), [("3.3.3", True), ("3.5.0", True), ("3.6.0", False), ("3.10.0", False)]
)
def test_check_setup_says_when_keras_is_older_than_the_course_needs(monkeypatch, version, too_old):
    import keras

    monkeypatch.setattr(keras, "__version__", version)
    problems = environment.check_setup(verbose=False)["problems"]
    named = [p for p in problems if f"Keras {version} is older than 3.6" in p]
    assert bool(named) is too_old, problems
    if too_old:
        assert "pip install -U keras" in named[0]


@pytest.mark.parametrize(("setting", "expected"), [("0", False), ("1", True)])
def test_doctor_runs_as_a_module_and_onednn_follows_tf_enable_onednn_opts(setting, expected):
    # A fresh interpreter: TensorFlow reads the variable once, when it is imported. One run
    # checks both `python -m course_utils doctor` and what onednn_enabled() reports.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; from course_utils import environment as e; "
            "print(e.onednn_enabled()); sys.argv = ['course_utils', 'doctor']; "
            "runpy.run_module('course_utils', run_name='__main__')",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_ENABLE_ONEDNN_OPTS": setting},
    )
    lines = result.stdout.strip().splitlines()
    assert lines and lines[0] == str(expected), result.stderr[-2000:]
    assert "TensorFlow" in result.stdout, result.stderr[-2000:]
    onednn_row = next(line for line in lines if line.lstrip().startswith("oneDNN"))
    assert environment._ONEDNN_TEXT[expected] in onednn_row
