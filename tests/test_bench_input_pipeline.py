"""Tests for benchmarks/bench_input_pipeline.py, on a few random images (seconds, no data).

The benchmark is imported from its file for its functions; its measurements come from
`course_utils.training.images_per_second`, tested in tests/test_training.py."""

import keras
import numpy as np
import pytest

from course_utils.training import Throughput


@pytest.fixture(scope="module")
def bench(benchmark_script):
    return benchmark_script("bench_input_pipeline")


def throughput(rate):
    return Throughput(rate, 1_000, (1_000 / rate,), (2.0,), 0.5)


def test_table_gives_medians_and_ratios_to_the_baseline(bench):
    results = {
        bench.BASELINE: [throughput(100.0), throughput(300.0), throughput(200.0)],
        "XLA": [throughput(50.0), throughput(40.0), throughput(60.0)],
    }
    header, baseline, xla = bench.table(results)
    assert header.split()[:3] == ["variant", "images/s", "x"]
    assert baseline.split()[-4:] == ["200", "1.00", "0.50", "5.00"]
    assert xla.split()[1:3] == ["50", "0.25"]


def test_measure_runs_the_variants_asked_for_in_order(bench):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (256, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, 256)
    results = bench.measure(images, labels, names=["tf.data", bench.BASELINE])
    assert list(results) == [bench.BASELINE, "tf.data"]
    assert all(rounds[0].images_per_epoch == 256 for rounds in results.values())


def test_mixed_model_leaves_the_global_policy_float32(bench):
    model = bench.mixed_model()
    assert model.layers[0].compute_dtype == "float16"
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--images", "0"], "--images must be 1 to 60000"), (["fast"], "unknown variants")],
)
def test_bad_arguments_are_refused(bench, argv, message, capsys):
    with pytest.raises(SystemExit):
        bench.main(argv)
    assert message in capsys.readouterr().err
