"""Training helpers shared by the MNIST lessons and the benchmarks: an input pipeline
without stalls, a wall-clock budget, the course's learning-rate schedule, and a measure of
training speed. (The models themselves are in ``course_utils.models``.)"""

import time
from typing import NamedTuple

import keras
import numpy as np


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

    def __init__(self, seconds, clock=time.perf_counter):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise ValueError(f"seconds must be a positive number. Received: {seconds!r}.")
        self.seconds = seconds
        self.clock = clock  # a function returning seconds; tests pass a fake clock
        self.epoch_seconds = []

    def on_train_begin(self, logs=None):
        self.epoch_seconds = []
        self._start = self._last = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        now = self.clock()
        self.epoch_seconds.append(now - self._last)
        self._last = now
        if now - self._start + max(self.epoch_seconds) > self.seconds:
            self.model.stop_training = True


class CosineTimeBudget(TimeBudget):
    """A ``TimeBudget`` that also sets the learning rate from the time used so far.

    The learning rate rises linearly from 0 to ``peak`` over the first
    ``warmup_fraction`` of the budget, then falls along a cosine to
    ``final_fraction * peak`` at the end of the budget. Because the schedule follows the
    clock rather than a planned number of steps, it fits the budget on a fast machine
    and on a slow one alike. The optimizer needs a plain (float) learning rate.

    The curve is Keras' own ``CosineDecay`` with warm-up (``schedule``), laid over
    ``VIRTUAL_STEPS`` steps that stand for the budget: after a fraction ``f`` of the
    budget the learning rate is ``schedule(f * VIRTUAL_STEPS)``. The schedule is sampled
    once, at each virtual step, and read between samples by linear interpolation, because
    calling a Keras schedule before every batch costs milliseconds on a CPU.

    Args:
        seconds: the training budget, in seconds.
        peak: the highest learning rate, reached after the warm-up.
        warmup_fraction: the share of the budget spent warming up (rounded to a whole
            number of virtual steps, i.e. to 1/10,000 of the budget).
        final_fraction: the learning rate at the end, as a fraction of ``peak``.
        clock: a function returning seconds (``time.perf_counter``).

    Example:
    >>> schedule = CosineTimeBudget(300, peak=0.003)
    >>> [round(schedule.learning_rate_at(f), 6) for f in (0, 0.05, 0.525, 1)]
    [0.0, 0.003, 0.001515, 3e-05]
    >>> type(schedule.schedule).__name__, schedule.schedule.warmup_steps
    ('CosineDecay', 500)
    """

    VIRTUAL_STEPS = 10_000  # the budget, as steps of Keras' schedule

    def __init__(
        self, seconds, peak, warmup_fraction=0.05, final_fraction=0.01, clock=time.perf_counter
    ):
        super().__init__(seconds, clock=clock)
        if isinstance(peak, bool) or not isinstance(peak, (int, float)) or peak <= 0:
            raise ValueError(f"peak must be a positive learning rate. Received: {peak!r}.")
        for name, value in (
            ("warmup_fraction", warmup_fraction),
            ("final_fraction", final_fraction),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1). Received: {value!r}.")
        self.peak = peak
        self.warmup_fraction = warmup_fraction
        self.final_fraction = final_fraction
        warmup_steps = min(round(warmup_fraction * self.VIRTUAL_STEPS), self.VIRTUAL_STEPS - 1)
        self.schedule = keras.optimizers.schedules.CosineDecay(
            0.0,
            self.VIRTUAL_STEPS - warmup_steps,
            alpha=final_fraction,
            warmup_target=peak,
            warmup_steps=warmup_steps,
        )
        self._steps = np.arange(self.VIRTUAL_STEPS + 1, dtype="float32")
        rates = keras.ops.vectorized_map(self.schedule, self._steps)  # one call, ~0.1 s
        self._rates = keras.ops.convert_to_numpy(rates)

    def learning_rate_at(self, fraction):
        """The learning rate after ``fraction`` of the budget (0 = start, 1 = end)."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        return float(np.interp(fraction * self.VIRTUAL_STEPS, self._steps, self._rates))

    def on_train_begin(self, logs=None):
        rate = self.model.optimizer.learning_rate
        if not hasattr(rate, "assign"):
            raise TypeError(
                "CosineTimeBudget sets the learning rate itself, so compile with a plain "
                f"number, e.g. keras.optimizers.Adam(1e-3). Received: {type(rate).__name__}."
            )
        super().on_train_begin(logs)

    def on_train_batch_begin(self, batch, logs=None):
        fraction = (self.clock() - self._start) / self.seconds
        self.model.optimizer.learning_rate.assign(self.learning_rate_at(fraction))


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


class Throughput(NamedTuple):
    """What ``images_per_second`` measured.

    Attributes:
        images_per_second: images trained on per second, over the timed epochs.
        images_per_epoch: images in one epoch.
        epoch_seconds: the seconds of each timed epoch.
        warmup_seconds: the seconds of each warm-up epoch, which came first and do not count.
        first_step_seconds: the seconds of the very first training step, which also traced
            the step (and compiled it, with XLA).
    """

    images_per_second: float
    images_per_epoch: int
    epoch_seconds: tuple
    warmup_seconds: tuple
    first_step_seconds: float


class _EpochTimer(keras.callbacks.Callback):
    """Reads ``clock`` at the start and at the end of every epoch of ``fit``, and around
    its first step."""

    def __init__(self, clock):
        super().__init__()
        self.clock, self.seconds, self.first_step = clock, [], None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self.clock()

    def on_train_batch_begin(self, batch, logs=None):
        if self.first_step is None:
            self._step_start = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        if self.first_step is None:
            self.first_step = self.clock() - self._step_start

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(self.clock() - self._start)


def _whole(name, value, smallest):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise ValueError(
            f"{name} must be a whole number >= {smallest}. Received: {name}={value!r}."
        )
    return int(value)


def _images_in(dataset):
    """The images in one pass of a finite ``tf.data.Dataset`` of batches, counted in one
    pass over it (so that a smaller last batch counts as what it holds)."""
    import tensorflow as tf

    if dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            "x is a dataset without end (`repeat()` without a count), so an epoch has no "
            "end to time. Received: a dataset of infinite cardinality."
        )

    def add(count, batch):
        images = tf.nest.flatten(batch)[0]
        return count + tf.cast(tf.shape(images)[0], tf.int64)

    return int(dataset.reduce(np.int64(0), add))


def images_per_second(
    model, x, y=None, batch_size=None, epochs=1, warmup_epochs=1, clock=time.perf_counter
):
    """Train a compiled model and measure how many images per second ``fit`` trains on.

    ``fit`` runs once, for ``warmup_epochs + epochs`` epochs, and a callback times each
    epoch. The warm-up epochs pay for what happens only once: tracing the training step
    into a TensorFlow graph, and compiling it with XLA when the model was compiled with
    ``jit_compile=True``. Only the epochs after them count. Arrays are shuffled as ``fit``
    shuffles them; a dataset is used as it is (and read once before training, to count
    its images).

    Args:
        model: a compiled Keras model.
        x: the images: a NumPy array, or a finite ``tf.data.Dataset`` of
            ``(images, labels)`` batches.
        y: the labels, for an array ``x``; None for a dataset.
        batch_size: images per batch, for an array ``x``; None for a dataset, which is
            batched already.
        epochs: the epochs timed, a whole number >= 1.
        warmup_epochs: the epochs run first, timed apart and not counted, a whole
            number >= 0.
        clock: a function returning seconds (``time.perf_counter``); tests pass a fake one.

    Returns:
        A ``Throughput``: ``images_per_second`` over the timed epochs, with
        ``images_per_epoch``, the seconds of each timed (``epoch_seconds``) and warm-up
        (``warmup_seconds``) epoch, and of the first step (``first_step_seconds``).

    Raises:
        TypeError: ``model`` is not a Keras model, ``x`` neither an array nor a dataset,
            or ``y`` not an array.
        ValueError: the model is not compiled; ``y`` or ``batch_size`` is missing for
            arrays or given with a dataset; the lengths of ``x`` and ``y`` differ; the data
            is empty or endless; ``epochs`` or ``warmup_epochs`` is not a whole number in
            range.

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> result = images_per_second(model, np.zeros((10, 2)), np.zeros(10), batch_size=4)
    >>> result.images_per_epoch, len(result.warmup_seconds), len(result.epoch_seconds)
    (10, 1, 1)
    >>> result.images_per_second > 0
    True
    """
    import tensorflow as tf

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a compiled Keras model. Received: {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError(
            f"model {model.name!r} is not compiled: call `model.compile(optimizer=..., "
            "loss=...)` first."
        )
    epochs = _whole("epochs", epochs, 1)
    warmup_epochs = _whole("warmup_epochs", warmup_epochs, 0)
    if isinstance(x, tf.data.Dataset):
        if y is not None or batch_size is not None:
            raise ValueError(
                "A tf.data.Dataset holds its labels and is batched already: pass y=None and "
                f"batch_size=None. Received: y={type(y).__name__}, batch_size={batch_size!r}."
            )
        images = _images_in(x)
        fit_args = {"x": x, "shuffle": False}  # a dataset shuffles itself, or not
    elif isinstance(x, np.ndarray):
        if y is None or batch_size is None:
            raise ValueError(
                "Arrays need their labels and a batch size: pass y and batch_size. "
                f"Received: y={type(y).__name__}, batch_size={batch_size!r}."
            )
        if not hasattr(y, "__len__"):
            raise TypeError(f"y must be an array of labels. Received: {type(y).__name__}.")
        if len(x) != len(y):
            raise ValueError(f"x and y need the same length. Received: {len(x)} and {len(y)}.")
        images = len(x)
        fit_args = {"x": x, "y": y, "batch_size": _whole("batch_size", batch_size, 1)}
    else:
        raise TypeError(
            f"x must be a NumPy array or a tf.data.Dataset. Received: {type(x).__name__}."
        )
    if images == 0:
        raise ValueError("There is nothing to train on: x holds 0 images.")
    timer = _EpochTimer(clock)
    model.fit(**fit_args, epochs=warmup_epochs + epochs, verbose=0, callbacks=[timer])
    warmup, timed = timer.seconds[:warmup_epochs], timer.seconds[warmup_epochs:]
    seconds = sum(timed)
    rate = images * epochs / seconds if seconds > 0 else float("inf")  # a clock that stood still
    return Throughput(rate, images, tuple(timed), tuple(warmup), timer.first_step)
