"""Tests for course_utils.environment and the `doctor` command."""

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


def test_doctor_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "course_utils", "doctor"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "TensorFlow" in result.stdout, result.stderr
