"""Training helpers shared by the MNIST lessons and the benchmarks: an input pipeline
without stalls, a wall-clock budget, and the two reference MNIST models."""

import time

import keras


def make_dataset(x, y, batch_size=32, shuffle=True, seed=None):
    """A ``tf.data`` pipeline of ``(x, y)`` batches with autotuning turned off.

    On a 2-core CPU, Keras' default pipeline (autotune on) stalled for 3-30 s at some
    epoch boundaries; with autotune off the epochs take the same time each.

    Args:
        x, y: arrays with the same first dimension.
        batch_size: examples per batch.
        shuffle: reshuffle the examples every epoch.
        seed: the shuffle seed, for repeatable runs.

    Returns:
        A ``tf.data.Dataset``.

    Example:
    >>> import numpy as np
    >>> ds = make_dataset(np.zeros((10, 4)), np.arange(10), batch_size=4, shuffle=False)
    >>> [len(y) for _, y in ds]
    [4, 4, 2]
    """
    import tensorflow as tf

    if len(x) != len(y):
        raise ValueError(f"x and y need the same length. Received: {len(x)} and {len(y)}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1. Received: {batch_size!r}.")
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(1).with_options(options)


class TimeBudget(keras.callbacks.Callback):
    """A Keras callback that stops training before an epoch would overrun ``seconds``.

    It keeps each epoch's duration in ``epoch_seconds``; after an epoch it stops when
    the elapsed time plus the longest epoch so far would pass the budget, so the
    training time stays inside it.

    Example:
    >>> TimeBudget(300).seconds
    300
    """

    def __init__(self, seconds):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise ValueError(f"seconds must be a positive number. Received: {seconds!r}.")
        self.seconds = seconds
        self.epoch_seconds = []

    def on_train_begin(self, logs=None):
        self._start = self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.epoch_seconds.append(now - self._last)
        self._last = now
        if now - self._start + max(self.epoch_seconds) > self.seconds:
            self.model.stop_training = True


def keras_example_model():
    """The official Keras MNIST example: Conv 32 -> pool -> Conv 64 -> pool -> Dropout 0.5
    -> Dense 10 (34,826 parameters).

    Example:
    >>> keras_example_model().count_params()
    34826
    """
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_example",
    )


def course_schedule(steps, peak=3e-3, warmup_fraction=0.05):
    """Warm-up then cosine decay over ``steps`` optimizer steps (the course's recipe).

    Example:
    >>> schedule = course_schedule(100)
    >>> float(schedule(0)), round(float(schedule(5)), 4)
    (0.0, 0.003)
    """
    warmup = max(1, int(steps * warmup_fraction))
    return keras.optimizers.schedules.CosineDecay(
        0.0, steps - warmup, alpha=0.01, warmup_target=peak, warmup_steps=warmup
    )
