"""Train the Keras example model and the course's MNIST recipe under the same budget.

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_best_mnist.py [--seconds 300]

Both train on the 60,000 MNIST training images through the same input pipeline
(`course_utils.training.make_dataset`, autotune off) and stop before an epoch would pass
the wall-clock budget; both are then scored on the 10,000 test images. Run it on an
otherwise idle machine: a second busy process slows every epoch.

- "keras example": the official example's model and recipe (Adam 1e-3, batch 128).
- "course recipe": the same architecture, batch 256, warm-up + cosine learning rate
  (peak 3e-3) planned to end inside the budget, label smoothing 0.1.
"""

import argparse
import time

import keras
import numpy as np

from course_utils import load_mnist, set_seed
from course_utils.training import TimeBudget, course_schedule, keras_example_model, make_dataset

SECONDS_PER_EPOCH_GUESS = 11.0  # batch 256 on this 2-core CPU; plans the schedule's length


def train(name, model, optimizer, loss, batch_size, epochs, budget, data):
    (x_train, y_train), (x_test, y_test) = data
    set_seed()
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    stopper = TimeBudget(budget)
    start = time.perf_counter()
    model.fit(make_dataset(x_train, y_train, batch_size, seed=1), epochs=epochs, verbose=0,
              callbacks=[stopper])  # fmt: skip
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(
        f"{name:<16} epochs {len(stopper.epoch_seconds):>3}   training {seconds:6.1f} s   "
        f"test accuracy {accuracy:.4f}",
        flush=True,
    )
    return accuracy, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget per model")
    args = parser.parse_args()
    (x_train, y_train), (x_test, y_test) = load_mnist(source="local", verbose=False)
    x_train = x_train[..., None].astype("float32") / 255
    x_test = x_test[..., None].astype("float32") / 255
    one_hot = keras.utils.to_categorical
    data = ((x_train, one_hot(y_train, 10)), (x_test, one_hot(y_test, 10)))
    print(f"budget {args.seconds:.0f} s per model, 60,000 training images, 10,000 test images")

    train(
        "keras example", keras_example_model(), keras.optimizers.Adam(1e-3),
        "categorical_crossentropy", 128, 1000, args.seconds, data,
    )  # fmt: skip
    epochs = int(args.seconds * 0.9 // SECONDS_PER_EPOCH_GUESS)
    steps = epochs * int(np.ceil(len(x_train) / 256))
    train(
        "course recipe", keras_example_model(), keras.optimizers.Adam(course_schedule(steps)),
        keras.losses.CategoricalCrossentropy(label_smoothing=0.1), 256, epochs, args.seconds, data,
    )  # fmt: skip


if __name__ == "__main__":
    main()
