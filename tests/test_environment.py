"""Tests for course_utils.environment and the `doctor` command."""

import collections
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from course_utils import config, data, download, environment
from course_utils.__main__ import main

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the dev extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


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


# ---------------------------------------------------------------------------------------
# doctor: the rows, each judged PASS or FAIL

ROWS = ["Python", "TensorFlow", "Keras", "MNIST", "CIFAR-10", "Free disk", "GPU", "oneDNN", "Mode"]
DiskUsage = collections.namedtuple("DiskUsage", "total used free")


@pytest.fixture
def all_well(monkeypatch, tmp_path):
    """A set-up where every row passes, on any machine and without a network: both data
    sets in a Keras cache (tmp_path/keras/datasets, returned), 50 GB free, full mode. The
    table is as wide as COLUMNS says: one line a row."""
    monkeypatch.setenv("COLUMNS", "1000")
    cache = tmp_path / "keras" / "datasets"
    (cache / "cifar-10-batches-py").mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(b"")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for name in ("COURSE_DATA_DIR", "COURSE_QUICK", "COURSE_REQUIRE_REAL_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: DiskUsage(100e9, 50e9, 50e9))
    monkeypatch.setattr(environment, "_probe", lambda host: pytest.fail(f"probed {host}"))
    return cache


def offline(monkeypatch):
    monkeypatch.setattr(environment, "_probe", lambda host: "no answer within 3 s")


def too_old_keras(monkeypatch, cache):
    import keras

    monkeypatch.setattr(keras, "__version__", "3.5.0")


def too_old_tensorflow(monkeypatch, cache):
    import tensorflow as tf

    monkeypatch.setattr(tf, "__version__", "2.15.1")


def jax_backend(monkeypatch, cache):
    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")


def only_the_standin(monkeypatch, cache):
    (cache / "cifar-10-batches-py").rmdir()
    offline(monkeypatch)


def full_disk(monkeypatch, cache):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: DiskUsage(100e9, 99.8e9, 0.2e9))


def bad_mode(monkeypatch, cache):
    monkeypatch.setenv("COURSE_QUICK", "maybe")


def test_doctor_exit_status_is_0_when_every_row_passes(all_well, capsys):
    assert main(["doctor", "--no-train"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[: len(ROWS)]] == [
        ["PASS", row.split()[0]] for row in ROWS
    ]
    assert lines[-1] == f"All {len(ROWS)} checks passed."


@pytest.mark.parametrize(
    ("breakage", "row"),
    [
        (too_old_tensorflow, "TensorFlow"),
        (too_old_keras, "Keras"),
        (jax_backend, "Keras"),
        (only_the_standin, "CIFAR-10"),
        (full_disk, "Free disk"),
        (bad_mode, "Mode"),
    ],
)
def test_doctor_exit_status_is_1_when_a_row_fails(all_well, monkeypatch, capsys, breakage, row):
    breakage(monkeypatch, all_well)
    assert main(["doctor", "--no-train"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^FAIL  {row} ", out, re.MULTILINE), out
    assert out.splitlines()[-1] == f"1 of {len(ROWS)} checks failed: {row}."


def test_doctor_without_tensorflow_fails_in_a_row(all_well, monkeypatch, capsys):
    def broken(verbose):
        raise ImportError("DLL load failed while importing _pywrap_tensorflow_internal")

    monkeypatch.setattr(environment, "check_setup", broken)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  TensorFlow  cannot be imported (ImportError: DLL load failed" in out
    assert "pip install -U tensorflow keras" in out


def test_doctor_json_has_every_row(all_well, capsys):
    import tensorflow as tf

    assert main(["doctor", "--json", "--no-train"]) == 0
    result = json.loads(capsys.readouterr().out)  # nothing else on stdout
    assert [row["check"] for row in result["rows"]] == ROWS
    assert all(set(row) == {"check", "status", "detail"} for row in result["rows"])
    assert {row["status"] for row in result["rows"]} == {"PASS"}
    assert result["passed"] is True and result["training"] is None
    assert result["versions"]["tensorflow"] == tf.__version__


def test_doctor_json_says_what_failed(all_well, monkeypatch, capsys):
    full_disk(monkeypatch, all_well)
    assert main(["doctor", "--json", "--no-train"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] is False
    assert [row["check"] for row in result["rows"] if row["status"] == "FAIL"] == ["Free disk"]


def newer(version):
    major, minor, _ = environment._release(version)
    return f"{major}.{minor + 1}.0"


def older(minimum):
    return f"{minimum[0]}.{minimum[1] - 1}.9"


@pytest.mark.parametrize(
    ("name", "tested", "minimum", "package"),
    [
        ("TensorFlow", environment.TESTED_TENSORFLOW, environment.MIN_TENSORFLOW, "tensorflow"),
        ("Keras", environment.TESTED_KERAS, environment.MIN_KERAS, "keras"),
    ],
)
def test_version_row(name, tested, minimum, package):
    lowest, newest = tested
    range_text = f"tested: {lowest} to {newest}"
    assert environment._version_row(name, lowest) == (name, "PASS", f"{lowest} ({range_text})")
    assert environment._version_row(name, newest) == (name, "PASS", f"{newest} ({range_text})")
    later = newer(newest)
    assert environment._version_row(name, later) == (
        name,
        "PASS",
        f"{later} ({range_text}; newer than tested)",
    )
    row = environment._version_row(name, older(minimum))
    assert row.status == "FAIL" and row.detail.startswith(f"{older(minimum)} is older than ")
    assert f"run `pip install -U {package}`" in row.detail and range_text in row.detail


@pytest.mark.parametrize(
    ("version", "status"), [("3.9.18", "FAIL"), ("3.10.0", "PASS"), ("3.13.1", "PASS")]
)
def test_python_row(version, status):
    row = environment._python_row(version)
    assert row.status == status
    assert ("install Python 3.10 or newer" in row.detail) is (status == "FAIL")


def test_tested_versions_agree_with_pyproject_noxfile_and_run_times():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lowest = dict(
        re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)\s*", requirement).groups()
        for requirement in pyproject["dependencies"]
        if ">=" in requirement
    )
    machine = json.loads((ROOT / "benchmarks" / "run_times.json").read_text())["machine"]
    colab = dict(re.findall(r'"(tensorflow|keras)==([0-9.]+)"', (ROOT / "noxfile.py").read_text()))
    release = environment._release
    for package, (oldest, newest) in (
        ("tensorflow", environment.TESTED_TENSORFLOW),
        ("keras", environment.TESTED_KERAS),
    ):
        assert release(oldest) == release(lowest[package]), package  # nox -s minimum
        assert newest == machine[package], package  # the machine that ran every notebook
        assert release(oldest) <= release(colab[package]) <= release(newest), package
    assert pyproject["requires-python"] == ">=" + ".".join(map(str, environment.MIN_PYTHON))


def test_data_row_names_a_local_folder_or_the_keras_cache(all_well, monkeypatch, tmp_path):
    assert environment._data_row("mnist", data.plan_source("mnist")) == (
        "MNIST",
        "PASS",
        f"keras.datasets cache: {all_well / 'mnist.npz'}",
    )
    folder = tmp_path / "course-data"
    folder.mkdir()
    x = np.zeros((20, 28, 28), np.uint8)
    y = np.arange(20, dtype=np.uint8) % 10
    np.savez(folder / "mnist.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    row = environment._data_row("mnist", data.plan_source("mnist"))
    assert row.status == "PASS" and row.detail.startswith(f"COURSE_DATA_DIR: {folder}")
    assert "NOT verified against a published hash" in row.detail  # a loud note, not a FAIL
    (folder / "mnist.npz").write_bytes(b"not a zip file")
    row = environment._data_row("mnist", data.plan_source("mnist"))
    assert row.status == "FAIL" and "cannot be read as an npz archive" in row.detail


def test_data_row_passes_when_a_download_would_work(all_well, monkeypatch):
    (all_well / "mnist.npz").unlink()
    monkeypatch.setattr(environment, "_probe", lambda host: None)
    assert environment._data_row("mnist", data.plan_source("mnist")) == (
        "MNIST",
        "PASS",
        "not here yet: keras.datasets will download 11 MB from storage.googleapis.com on first use",
    )


@pytest.mark.parametrize("require_real", ["0", "1"])
def test_data_row_with_only_the_standin_says_how_to_get_the_data(
    all_well, monkeypatch, require_real
):
    (all_well / "mnist.npz").unlink()
    offline(monkeypatch)
    monkeypatch.setenv("COURSE_REQUIRE_REAL_DATA", require_real)
    row = environment._data_row("mnist", data.plan_source("mnist"))
    assert row.status == "FAIL"
    for text in (
        "COURSE_DATA_DIR is not set; not in the Keras cache",
        "storage.googleapis.com cannot be reached: no answer within 3 s",
        "run `python -m course_utils download`;",
        "`python -m course_utils download --to DIR`",
        "`export COURSE_DATA_DIR=/path`",
        "`python -m course_utils download --to DIR --mirror URL`",
    ):
        assert text in row.detail
    would_get = "an error (COURSE_REQUIRE_REAL_DATA=1)" if require_real == "1" else "the offline"
    assert f"The notebooks would get {would_get}" in row.detail


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when this returns


def test_probe_closed_port_fails_within_seconds(no_proxy):
    start = time.perf_counter()
    reason = download.unreachable("127.0.0.1", port=free_port())
    assert time.perf_counter() - start < 4
    assert reason == "the connection was refused (a firewall, or no network)"


def test_probe_open_port_passes(no_proxy):
    with socket.create_server(("127.0.0.1", 0)) as server:
        assert download.unreachable("127.0.0.1", port=server.getsockname()[1]) is None


def test_probe_gives_up_on_a_name_lookup_that_hangs(no_proxy, monkeypatch):
    def lookup_that_hangs(*args, **kwargs):
        time.sleep(2)
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "create_connection", lookup_that_hangs)
    start = time.perf_counter()
    assert download.unreachable("example.com", timeout=0.2) == "no answer within 0.2 s"
    assert time.perf_counter() - start < 2


def test_probe_goes_through_the_https_proxy(no_proxy, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as proxy:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        assert download.unreachable("unreachable.invalid") is None
    port = free_port()
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{port}")
    assert download.unreachable("unreachable.invalid") == (
        f"the connection was refused (a firewall, or no network) "
        f"(through the proxy 127.0.0.1:{port})"
    )


@pytest.mark.parametrize(
    ("free", "status"), [(environment.DISK_NEEDED - 1, "FAIL"), (environment.DISK_NEEDED, "PASS")]
)
def test_disk_row_looks_at_the_nearest_existing_folder(monkeypatch, tmp_path, free, status):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "not" / "yet"))
    looked = []

    def usage(path):
        looked.append(path)
        return DiskUsage(100e9, 100e9 - free, free)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    row = environment._disk_row()
    assert looked == [tmp_path] and row.status == status
    assert row.detail.startswith(f"{free / 1e9:.{2 if status == 'FAIL' else 1}f} GB free in")


def test_format_table_wraps_details_without_splitting_a_command():
    detail = "word " * 12 + "`python -m course_utils download --to DIR --mirror URL` then more"
    rows = [environment.Row("MNIST", "FAIL", detail), environment.Row("Python", "PASS", "3.11")]
    lines = environment._format_table(rows, width=60).splitlines()
    assert all(len(line) <= 60 for line in lines if "`" not in line)
    assert any("`python -m course_utils download --to DIR --mirror URL`" in li for li in lines)
    assert lines[0].startswith("FAIL  MNIST   word") and lines[1].startswith(" " * 14 + "word")
    assert lines[-1] == "1 of 2 checks failed: MNIST."


# ---------------------------------------------------------------------------------------
# doctor: the training smoke test


def tiny_mnist(verbose=True):
    x = np.zeros((64, 28, 28), np.uint8)
    y = np.zeros(64, np.uint8)
    return data.Dataset("mnist", (x, y), (x, y), source="local", origin="a test")


@pytest.mark.parametrize("broken", ["load_mnist", "first_cnn"])
def test_doctor_smoke_test_failure_is_a_row_not_a_traceback(all_well, monkeypatch, capsys, broken):
    from course_utils import models

    def explode(*args, **kwargs):
        raise RuntimeError("the disk caught fire.\n  File 'x.py', line 1")

    monkeypatch.setattr(data, "load_mnist", tiny_mnist)
    monkeypatch.setattr(data if broken == "load_mnist" else models, broken, explode)
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    assert (
        "FAIL  Training    training failed: RuntimeError: the disk caught fire.\n" in captured.out
    )
    assert "Traceback" not in captured.out + captured.err and "x.py" not in captured.out
    assert captured.out.splitlines()[-1] == f"1 of {len(ROWS) + 1} checks failed: Training."


@pytest.mark.parametrize(("least", "status"), [(0.0, "PASS"), (1.01, "FAIL")])
def test_smoke_test_judges_the_accuracy(monkeypatch, least, status):
    monkeypatch.setattr(data, "load_mnist", tiny_mnist)
    monkeypatch.setattr(environment, "SMOKE_STEPS", 2)
    monkeypatch.setattr(environment, "SMOKE_MIN_ACCURACY", least)
    row, figures = environment._training_row(seconds=0.01)  # one epoch
    assert row.status == status, row
    assert figures["images"] == 2 * environment.SMOKE_BATCH_SIZE and figures["test_images"] == 64
    assert re.match(
        r"\d+\.\d% on 64 test images after \d+\.\d s of training \(128 images, ", row.detail
    )
    assert ("TensorFlow computes wrong results here" in row.detail) is (status == "FAIL")


def test_smoke_test_on_the_standin_fails(monkeypatch):
    load = data.load_mnist
    monkeypatch.setattr(data, "load_mnist", lambda verbose=True: load("standin", verbose=False))
    monkeypatch.setattr(environment, "SMOKE_STEPS", 20)
    row, figures = environment._training_row(seconds=0.01)
    assert row.status == "FAIL" and row.detail.startswith("trained on the offline STAND-IN")
    assert figures["source"] == "standin" and figures["test_images"] == 355


# ---------------------------------------------------------------------------------------
# doctor as a command, in a fresh interpreter


def real_data_or_skip():
    """Skip unless COURSE_DATA_DIR holds MNIST and CIFAR-10; in CI (CI=true) fail instead."""
    plans = [data.plan_source(name) for name in ("mnist", "cifar10")]
    if not all(plan.startswith(f"{config.DATA_DIR_ENV}:") for plan in plans):
        reason = f"COURSE_DATA_DIR does not hold MNIST and CIFAR-10: {plans}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the doctor on the real data, but {reason}")
        pytest.skip(reason)


def run_doctor(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "course_utils", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize(("setting", "expected"), [("0", False), ("1", True)])
def test_doctor_runs_as_a_module_and_onednn_follows_tf_enable_onednn_opts(setting, expected):
    # A fresh interpreter: TensorFlow reads the variable once, when it is imported. Its log
    # lines go to stderr, so stdout is the JSON alone.
    result = run_doctor("--no-train", "--json", TF_ENABLE_ONEDNN_OPTS=setting)
    report = json.loads(result.stdout or "null")
    assert report, result.stderr[-2000:]
    assert report["onednn"] is expected and report["training"] is None
    rows = {row["check"]: row for row in report["rows"]}
    assert list(rows) == ROWS
    assert rows["oneDNN"] == {
        "check": "oneDNN",
        "status": "PASS",
        "detail": environment._ONEDNN_TEXT[expected],
    }


def test_doctor_trains_on_real_mnist():
    """The one real run of the smoke test: about 10 s of training, then 2,000 test images."""
    real_data_or_skip()
    start = time.perf_counter()
    result = run_doctor(COLUMNS="1000")  # one line a row
    seconds = time.perf_counter() - start
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert [line.split()[:2] for line in lines[:-2]] == [
        ["PASS", row.split()[0]] for row in [*ROWS, "Training"]
    ]
    assert lines[-2:] == ["", f"All {len(ROWS) + 1} checks passed."]
    training = re.fullmatch(
        r"PASS  Training    (\d+\.\d)% on 2,000 test images after (\d+\.\d) s of training "
        r"\(([\d,]+) images, ([\d,]+) images/s\); needs (\d+)%",
        lines[len(ROWS)],
    )
    assert training, lines[len(ROWS)]
    accuracy, train_seconds = float(training[1]), float(training[2])
    assert accuracy >= 100 * environment.SMOKE_MIN_ACCURACY == float(training[5])
    assert 1 < train_seconds <= environment.SMOKE_SECONDS + 5, train_seconds
    assert seconds < 120
