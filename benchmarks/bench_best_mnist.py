"""The course's best MNIST model against the Keras example model, under one time budget.

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_best_mnist.py [--seconds 300]

Both models train on the 60,000 MNIST training images through the same input pipeline
(`course_utils.training.make_dataset`, autotune off), in the same process, one after the
other, and stop before an epoch would pass the wall-clock budget (`TimeBudget`); both
are then scored once on the 10,000 test images. Run it on an otherwise idle machine: a
second busy process slows every epoch of whichever model is training.

- "keras example": the official example's model and recipe (Adam, constant learning
  rate 1e-3, batch 128), `course_utils.models.keras_example_model`.
- "course model": `course_utils.models.course_mnist_model` (random shifts while
  training), Adam with a warm-up and cosine learning rate that follows the clock
  (`CosineTimeBudget`, peak 2e-3), batch 128.

The recipe was chosen on validation images (the last 5,000 training images), never on
the test set; see notebook 06, section 7.
"""

import argparse
import os
import platform
import time

import keras

from course_utils import load_mnist, set_seed
from course_utils.models import (
    COURSE_MNIST_PEAK_LEARNING_RATE,
    course_mnist_model,
    keras_example_model,
)
from course_utils.training import CosineTimeBudget, TimeBudget, make_dataset

BATCH_SIZE = 128


def train(name, model, optimizer, stopper, data):
    """Train `model` under `stopper`'s budget; print and return accuracy and seconds."""
    (x_train, y_train), (x_test, y_test) = data
    set_seed()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    dataset = make_dataset(x_train, y_train, BATCH_SIZE, seed=1)
    start = time.perf_counter()
    model.fit(dataset, epochs=10_000, verbose=0, callbacks=[stopper])
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1_000, verbose=0)
    epochs = len(stopper.epoch_seconds)
    print(
        f"{name:<14}{model.count_params():>11,}{epochs:>8}{seconds / epochs:>11.1f}"
        f"{seconds:>11.1f}{accuracy:>10.2%}",
        flush=True,
    )
    return accuracy, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget per model")
    args = parser.parse_args()
    (x_train, y_train), (x_test, y_test) = load_mnist(source="local", verbose=False)
    data = (
        (x_train[..., None].astype("float32") / 255, y_train),
        (x_test[..., None].astype("float32") / 255, y_test),
    )
    print(
        f"budget {args.seconds:.0f} s of training per model; 60,000 training images, "
        f"10,000 test images; {os.cpu_count()} CPUs, Keras {keras.__version__}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    print(f"{'model':<14}{'parameters':>11}{'epochs':>8}{'s/epoch':>11}{'training s':>11}"
          f"{'test acc':>10}")  # fmt: skip
    example = train(
        "keras example", keras_example_model(), keras.optimizers.Adam(1e-3),
        TimeBudget(args.seconds), data,
    )  # fmt: skip
    course = train(
        "course model", course_mnist_model(), keras.optimizers.Adam(1e-3),
        CosineTimeBudget(args.seconds, peak=COURSE_MNIST_PEAK_LEARNING_RATE), data,
    )  # fmt: skip
    gain = 100 * (course[0] - example[0])
    errors = (1 - course[0]) / (1 - example[0])
    print(f"course model - keras example: {gain:+.2f} points; test errors x{errors:.2f}")


if __name__ == "__main__":
    main()
