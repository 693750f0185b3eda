"""The design runs behind the course's best MNIST model, scored on validation images.

    COURSE_DATA_DIR=../shared/data python benchmarks/design_best_mnist.py [VARIANT ...]

Each variant trains on the first 55,000 MNIST training images for a fixed number of
epochs and is scored on the last 5,000 (validation images: the test set plays no part in
choosing). Variants, each one change from the one before:

- "example":         the Keras example model, Adam at a constant 1e-3 (20 epochs);
- "example-cosine":  the same, with a warm-up + cosine learning rate, peak 2e-3 (20 epochs);
- "example-shifts":  the same, with random shifts of up to 10% while training (20 epochs);
- "course":          `course_mnist_model` (a 5x5 first convolution and a third convolution
  of 128 filters), cosine and shifts as above (18 epochs: each epoch costs more).

All use batch 128 and `make_dataset`. Validation accuracy is printed every 3 epochs.
"""

import argparse
import time

import keras
import numpy as np
from keras import layers

from course_utils import load_mnist, set_seed
from course_utils.models import (
    COURSE_MNIST_PEAK_LEARNING_RATE,
    course_mnist_model,
    keras_example_model,
)
from course_utils.training import course_schedule, make_dataset

BATCH_SIZE = 128


def example_with_shifts():
    """The Keras example model behind the course model's random-shift layer."""
    shift = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", interpolation="nearest")
    return keras.Sequential([keras.Input((28, 28, 1)), shift, *keras_example_model().layers])


VARIANTS = {  # name: (model, cosine schedule?, epochs)
    "example": (keras_example_model, False, 20),
    "example-cosine": (keras_example_model, True, 20),
    "example-shifts": (example_with_shifts, True, 20),
    "course": (course_mnist_model, True, 18),
}


def run(name, data):
    (x_train, y_train), (x_val, y_val) = data
    build, cosine, epochs = VARIANTS[name]
    set_seed()
    model = build()
    steps = epochs * int(np.ceil(len(x_train) / BATCH_SIZE))
    rate = course_schedule(steps, peak=COURSE_MNIST_PEAK_LEARNING_RATE) if cosine else 1e-3
    model.compile(
        optimizer=keras.optimizers.Adam(rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()

    def report(epoch, logs):
        if epoch % 3 == 2 or epoch == epochs - 1:
            _, accuracy = model.evaluate(x_val, y_val, batch_size=1_000, verbose=0)
            seconds = time.perf_counter() - start
            print(f"{name:<16}{epoch + 1:>6}{seconds:>10.0f}{accuracy:>10.2%}", flush=True)

    callback = keras.callbacks.LambdaCallback(on_epoch_end=report)
    model.fit(make_dataset(x_train, y_train, BATCH_SIZE, seed=1), epochs=epochs, verbose=0,
              callbacks=[callback])  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help=f"some of {', '.join(VARIANTS)} (default: all)")
    args = parser.parse_args()
    unknown = [name for name in args.variants if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    (x_train, y_train), _ = load_mnist(source="local", verbose=False)
    x_train = x_train[..., None].astype("float32") / 255
    data = ((x_train[:55_000], y_train[:55_000]), (x_train[55_000:], y_train[55_000:]))
    print(f"{'variant':<16}{'epoch':>6}{'seconds':>10}{'val acc':>10}")
    for name in args.variants or VARIANTS:
        run(name, data)


if __name__ == "__main__":
    main()
