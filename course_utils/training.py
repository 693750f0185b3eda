"""Training helpers shared by the MNIST lessons and the benchmarks: an input pipeline
without stalls, a wall-clock budget, and the course's learning-rate schedule. (The models
themselves are in ``course_utils.models``.)"""

import time

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
