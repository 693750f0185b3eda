"""Notebook 09's six ways to feed and compute one small CNN, side by side in one run.

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_input_pipeline.py
    COURSE_DATA_DIR=../shared/data python benchmarks/bench_input_pipeline.py --images 8192 --rounds 3

Every variant trains a new `course_utils.models.speed_cnn` (notebook 05's 8-filter CNN,
its softmax a float32 layer of its own) with Adam on MNIST training images, batch 128,
and is measured by `course_utils.training.images_per_second`, as in the notebook: one
warm-up epoch (tracing; compiling, with XLA), then `--epochs` timed epochs.

- "NumPy float32": `fit(x, y, batch_size=128)` on float32 pixels in [0, 1], the baseline;
- "tf.data": `from_tensor_slices -> shuffle -> batch -> prefetch(AUTOTUNE)`;
- "tf.data + cache": the same with `.cache()` before `shuffle`;
- "uint8 + Rescaling": uint8 arrays, `Rescaling(1 / 255)` as the model's first layer;
- "XLA": the baseline compiled with `jit_compile=True`;
- "mixed_float16": the baseline under the `mixed_float16` policy (policy set back after).

The variants run one after the other in one process, in every round (`--rounds`), and
each is reported as the median of its rounds and as a ratio to the baseline of the same
run: the ratios carry over to another machine of the same kind, the images/s do not. The
header names what they depend on: the CPU, oneDNN (TF_ENABLE_ONEDNN_OPTS), the devices
and the versions. Run it on an otherwise idle machine.
"""

import argparse
import os
import platform
import statistics
import sys

import keras
import numpy as np
import tensorflow as tf

from course_utils import load_mnist, set_seed
from course_utils.data import DataUnavailableError
from course_utils.environment import cpu_model, onednn_enabled
from course_utils.models import speed_cnn
from course_utils.training import images_per_second

BATCH_SIZE = 128
BASELINE = "NumPy float32"
VARIANTS = (BASELINE, "tf.data", "tf.data + cache", "uint8 + Rescaling", "XLA", "mixed_float16")


def compiled(model, jit_compile=False):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    return model


def pipeline(x, y, cache=False):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if cache:
        dataset = dataset.cache()
    return dataset.shuffle(len(x), seed=0).batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE)


def mixed_model():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        return speed_cnn()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def variants(x_uint8, y):
    """{name: function that builds, trains and measures the variant for ``epochs``}."""
    x_float = x_uint8.astype("float32") / 255

    def arrays(model, x):
        return lambda epochs: images_per_second(model(), x, y, BATCH_SIZE, epochs=epochs)

    def dataset(cache):
        return lambda epochs: images_per_second(
            compiled(speed_cnn()), pipeline(x_float, y, cache), epochs=epochs
        )

    runs = [
        arrays(lambda: compiled(speed_cnn()), x_float),
        dataset(cache=False),
        dataset(cache=True),
        arrays(lambda: compiled(speed_cnn("uint8")), x_uint8),
        arrays(lambda: compiled(speed_cnn(), jit_compile=True), x_float),
        arrays(lambda: compiled(mixed_model()), x_float),
    ]
    return dict(zip(VARIANTS, runs, strict=True))


def describe_setup():
    """One line each: the machine, TensorFlow's CPU and device set-up, the versions."""
    setting = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")
    onednn = {True: "on", False: "off", None: "unknown"}[onednn_enabled()]
    gpus = [
        tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        f"oneDNN: {onednn} (TF_ENABLE_ONEDNN_OPTS={setting}); GPUs: {', '.join(gpus) or 'none'}",
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {np.__version__}, "
        f"{platform.python_implementation()} {platform.python_version()}",
    ]


def measure(x_uint8, y, epochs=1, rounds=1, names=None):
    """Run every variant (or those in ``names``) once per round; return
    {name: [Throughput of each round]}."""
    runs = variants(x_uint8, y)
    names = [name for name in VARIANTS if name in (names or VARIANTS)]
    results = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            set_seed()
            results[name].append(runs[name](epochs))
    return results


def table(results):
    """The report's rows: each variant's median over its rounds, and its ratio to the
    baseline's median."""
    medians = {
        name: statistics.median(r.images_per_second for r in rounds)
        for name, rounds in results.items()
    }
    baseline = medians.get(BASELINE)
    lines = [
        f"{'variant':<20}{'images/s':>10}{'x NumPy':>9}{'first step s':>14}{'timed epoch s':>15}"
    ]
    for name, rounds in results.items():
        ratio = f"{medians[name] / baseline:>9.2f}" if baseline else f"{'-':>9}"
        first = statistics.median(r.first_step_seconds for r in rounds)
        timed = statistics.median(statistics.mean(r.epoch_seconds) for r in rounds)
        lines.append(f"{name:<20}{medians[name]:>10,.0f}{ratio}{first:>14.2f}{timed:>15.2f}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60_000, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every variant (median)")
    parser.add_argument("variants", nargs="*", help=f"some of {', '.join(VARIANTS)} (default: all)")
    args = parser.parse_args(argv)
    if min(args.images, args.epochs, args.rounds) < 1 or args.images > 60_000:
        parser.error("--images must be 1 to 60000, --epochs and --rounds at least 1")
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose among {', '.join(VARIANTS)}")
    try:  # source="local" never downloads: no data is an error at once, not a wait
        (x_train, y_train), _ = load_mnist(source="local", verbose=False)
    except (DataUnavailableError, ValueError) as error:
        sys.exit(f"bench_input_pipeline needs MNIST: {error}")
    x_uint8, y = x_train[: args.images, ..., np.newaxis], y_train[: args.images]
    for line in describe_setup():
        print(line)
    print(
        f"{len(x_uint8):,} images, batch {BATCH_SIZE}, 1 warm-up + {args.epochs} timed "
        f"epoch(s) per variant, {args.rounds} round(s)",
        flush=True,
    )
    results = measure(x_uint8, y, args.epochs, args.rounds, args.variants or None)
    for line in table(results):
        print(line)
    print(
        "images/s: timed epochs only, median of the rounds; x NumPy: against the baseline; "
        "first step: tracing (and XLA compiling) plus one step"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
