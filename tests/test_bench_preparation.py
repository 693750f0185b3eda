"""Tests for benchmarks/bench_preparation.py, on a few images (a second or two in all).

The benchmark is imported from its file for its functions, and run as a script on a small
mnist.npz written here, so the tests need no real data.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import config

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_preparation.py"


@pytest.fixture(scope="module")
def bench(benchmark_script):
    return benchmark_script("bench_preparation")


def images(num_train=1_000, num_test=200):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (num_train, num_test)]


def test_each_way_prepares_what_it_claims(bench):
    x = images()[0]
    as_float64 = bench.float64_way(x)
    assert as_float64.dtype == np.float64 and as_float64.shape == (1_000, 28, 28, 1)
    np.testing.assert_allclose(as_float64[..., 0], x / 255 - 0.5)
    as_float32 = bench.float32_way(x)
    assert as_float32.dtype == np.float32 and as_float32.max() <= 1 and as_float32.min() >= 0
    as_uint8 = bench.uint8_way(x)
    assert as_uint8.dtype == np.uint8 and as_uint8.shape == (1_000, 28, 28, 1)
    assert np.shares_memory(as_uint8, x)  # a view: no copy


def test_bytes_peaks_and_ratios(bench):
    data = images()
    uint8_bytes = sum(x.nbytes for x in data)
    rows = {row["way"]: row for row in bench.measure(data, repeats=3)}
    float64, float32, uint8 = (rows[name] for name in bench.WAYS)
    assert (float64["nbytes"], float32["nbytes"], uint8["nbytes"]) == (
        8 * uint8_bytes, 4 * uint8_bytes, uint8_bytes,
    )  # fmt: skip
    assert (float64["bytes_ratio"], float32["bytes_ratio"], uint8["bytes_ratio"]) == (8, 4, 1)
    # Each float way holds at least its result. (Whether the float32 way also holds its
    # astype copy at the peak depends on NumPy: 2.x does, 1.26 divides it in place.)
    assert float64["peak"] >= float64["nbytes"]
    assert float32["peak"] >= float32["nbytes"]
    assert uint8["peak"] < 0.01 * uint8_bytes
    for row in rows.values():
        assert row["seconds"] > 0 and row["time_ratio"] > 0
    assert uint8["time_ratio"] == 1


def run(data_folder, *args):
    env = {**os.environ, config.DATA_DIR_ENV: str(data_folder)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip


def test_script_prints_a_row_per_way(tmp_path, bench):
    (x_train, x_test), labels = images(1_200, 300), np.zeros(1_200, np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=labels, x_test=x_test,
             y_test=labels[:300])  # fmt: skip
    result = run(tmp_path, "--limit", "1000", "--repeats", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1,000 training + 300 test images;") and "NumPy" in lines[0]
    for name, bytes_ratio in zip(bench.WAYS, (8, 4, 1), strict=True):
        row = next(line for line in lines if line.startswith(name))
        ms, time_ratio, megabytes, ratio, _, _ = (
            float(field.replace(",", "")) for field in row[len(name) :].split()
        )
        assert ms >= 0 and time_ratio > 0 and megabytes > 0 and ratio == bytes_ratio, row


@pytest.mark.parametrize("folder", ["", "empty"])
def test_script_without_data_says_so(tmp_path, folder):
    result = run(tmp_path if folder else "")
    assert result.returncode == 1
    assert result.stderr.startswith("bench_preparation needs MNIST:")
    assert "COURSE_DATA_DIR" in result.stderr and "Traceback" not in result.stderr
