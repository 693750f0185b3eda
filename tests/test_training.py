"""course_utils.training: the input pipeline, the time budget, the schedule and the speed
measure."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils.training import (
    CosineTimeBudget,
    TimeBudget,
    course_schedule,
    images_per_second,
    make_dataset,
)


def test_make_dataset_batches_every_example_once():
    x = np.arange(10, dtype="float32")[:, None]
    y = np.arange(10)
    batches = list(make_dataset(x, y, batch_size=4, seed=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([np.asarray(b[1]) for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert seen.tolist() != list(range(10))  # shuffled


def test_make_dataset_is_repeatable_with_a_seed():
    x, y = np.zeros((50, 2)), np.arange(50)
    first = [np.asarray(b[1]).tolist() for b in make_dataset(x, y, 8, seed=3)]
    second = [np.asarray(b[1]).tolist() for b in make_dataset(x, y, 8, seed=3)]
    assert first == second


def test_make_dataset_turns_autotune_off():
    dataset = make_dataset(np.zeros((4, 2)), np.zeros(4), 2)
    assert dataset.options().autotune.enabled is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros((3, 2)), "y": np.zeros(2)}, "Received: 3 and 2"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(3), "batch_size": 0}, "Received: 0"),
    ],
)
def test_make_dataset_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


def tiny_model(learning_rate=0.1):
    """A one-layer model compiled with SGD, for the callbacks to act on."""
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def test_time_budget_stops_training():
    budget = TimeBudget(1e-9)
    history = tiny_model().fit(
        np.zeros((8, 2)), np.zeros(8), epochs=50, verbose=0, callbacks=[budget]
    )
    assert len(history.history["loss"]) == 1 == len(budget.epoch_seconds)


def test_time_budget_lets_a_generous_budget_run():
    history = tiny_model().fit(
        np.zeros((8, 2)), np.zeros(8), epochs=3, verbose=0, callbacks=[TimeBudget(600)]
    )
    assert len(history.history["loss"]) == 3


@pytest.mark.parametrize("seconds", [0, -5, True, "300"])
def test_time_budget_bad_seconds(seconds):
    with pytest.raises(ValueError, match="Received"):
        TimeBudget(seconds)


def test_course_schedule_warms_up_then_decays():
    schedule = course_schedule(1000, peak=3e-3)
    rates = [float(schedule(step)) for step in (0, 25, 50, 500, 999)]
    assert rates[0] == 0.0 and rates[1] < rates[2]
    assert rates[2] == pytest.approx(3e-3)
    assert rates[2] > rates[3] > rates[4] > 0


class FakeClock:
    """A clock that moves on by `step` seconds each time it is read."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_time_budget_with_a_fake_clock_stops_before_the_budget():
    # TimeBudget reads the clock once at the start and once per epoch: 1 s per epoch.
    budget = TimeBudget(10.5, clock=FakeClock(1.0))
    history = tiny_model().fit(
        np.zeros((4, 2)), np.zeros(4), batch_size=4, epochs=100, verbose=0, callbacks=[budget]
    )
    # After 10 epochs (10 s) an 11th would end at 11 s, past 10.5 s: stop at 10.
    assert len(history.history["loss"]) == 10 == len(budget.epoch_seconds)
    assert sum(budget.epoch_seconds) == 10


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0, 0.0), (0.025, 0.0015), (0.05, 0.003), (0.525, 0.001515), (1, 0.00003), (2, 0.00003)],
)
def test_cosine_time_budget_learning_rate_at(fraction, expected):
    schedule = CosineTimeBudget(300, peak=0.003)
    assert schedule.learning_rate_at(fraction) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("warmup_fraction", "final_fraction"), [(0.05, 0.01), (0.1, 0.0), (0.0, 0.2), (0.5, 0.5)]
)
def test_cosine_time_budget_is_keras_cosine_decay(warmup_fraction, final_fraction):
    budget = CosineTimeBudget(60, 0.4, warmup_fraction, final_fraction)
    steps = 10_000  # the budget as steps of a Keras schedule, indexed by fraction
    warmup_steps = round(warmup_fraction * steps)
    keras_schedule = keras.optimizers.schedules.CosineDecay(
        0.0,
        steps - warmup_steps,
        alpha=final_fraction,
        warmup_target=0.4,
        warmup_steps=warmup_steps,
    )
    for fraction in (0, 0.01, 0.0312345, 0.05, 0.1, 0.33, 0.5, 0.777777, 0.9999, 1):
        expected = float(keras_schedule(fraction * steps))
        assert budget.learning_rate_at(fraction) == pytest.approx(expected, rel=1e-5, abs=1e-9)
    assert budget.learning_rate_at(warmup_fraction) == pytest.approx(0.4)
    assert budget.learning_rate_at(1) == pytest.approx(0.4 * final_fraction, rel=1e-6)


def test_cosine_time_budget_sets_the_learning_rate_from_the_clock():
    clock = FakeClock(1.0)
    schedule = CosineTimeBudget(100, peak=0.5, warmup_fraction=0.1, clock=clock)
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(
            float(model.optimizer.learning_rate.numpy())
        )
    )
    model = tiny_model()
    model.fit(
        np.zeros((8, 2)), np.zeros(8), batch_size=1, epochs=3, verbose=0,
        callbacks=[schedule, record],
    )  # fmt: skip
    assert len(seen) == 24
    assert seen[0] == pytest.approx(schedule.learning_rate_at(seen_fraction := 1 / 100))
    assert seen_fraction < 0.1 and seen[0] < 0.5  # warming up
    peak_at = int(np.argmax(seen))
    assert seen[peak_at] <= 0.5 and all(np.diff(seen[peak_at:]) <= 0)  # then only falling


def test_cosine_time_budget_needs_a_plain_learning_rate():
    model = tiny_model(learning_rate=course_schedule(10))
    with pytest.raises(TypeError, match="plain number"):
        model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0, callbacks=[CosineTimeBudget(60, 0.1)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"peak": 0}, "peak must be a positive learning rate. Received: 0"),
        ({"peak": "0.1"}, "Received: '0.1'"),
        ({"peak": 0.1, "warmup_fraction": 1}, "warmup_fraction must be a number in"),
        ({"peak": 0.1, "final_fraction": -0.1}, "final_fraction must be a number in"),
    ],
)
def test_cosine_time_budget_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CosineTimeBudget(60, **kwargs)


def compiled_tiny_model():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def steps_taken(model):
    return int(model.optimizer.iterations.numpy())


def test_images_per_second_counts_a_partial_last_batch():
    import tensorflow as tf

    x, y = np.zeros((10, 2), "float32"), np.zeros(10, "float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)  # batches of 4, 4 and 2
    model = compiled_tiny_model()
    result = images_per_second(model, dataset, epochs=2, warmup_epochs=1, clock=FakeClock(0.5))
    assert result.images_per_epoch == 10  # not 3 batches x 4
    # The clock moves on 0.5 s per reading: 2 readings per epoch, 2 more around the first step
    assert result.warmup_seconds == (1.5,) and result.first_step_seconds == 0.5
    assert result.epoch_seconds == (0.5, 0.5)
    assert result.images_per_second == pytest.approx(2 * 10 / 1.0)
    assert steps_taken(model) == 3 * 3  # 3 epochs of 3 batches: fit ran warm-up + timed


def test_images_per_second_with_arrays():
    model = compiled_tiny_model()
    x, y = np.zeros((10, 2)), np.zeros(10)
    result = images_per_second(model, x, y, batch_size=4, epochs=3, warmup_epochs=0)
    assert result.images_per_epoch == 10 and result.warmup_seconds == ()
    assert len(result.epoch_seconds) == 3 and all(s > 0 for s in result.epoch_seconds)
    assert result.images_per_second == pytest.approx(30 / sum(result.epoch_seconds))
    assert steps_taken(model) == 3 * 3


def test_images_per_second_leaves_out_the_warm_up():
    # A first epoch of 5 s, 4 of them in its first step (tracing), then epochs of 1 s
    ticks = iter([0, 0.5, 4.5, 5, 5, 6, 6, 7])
    result = images_per_second(
        compiled_tiny_model(), np.zeros((8, 2)), np.zeros(8), batch_size=8, epochs=2,
        clock=lambda: next(ticks),
    )  # fmt: skip
    assert result.warmup_seconds == (5,) and result.epoch_seconds == (1, 1)
    assert result.first_step_seconds == 4
    assert result.images_per_second == 8.0


def test_images_per_second_first_step_includes_tracing():
    result = images_per_second(compiled_tiny_model(), np.zeros((64, 2)), np.zeros(64), 8)
    later_step = result.epoch_seconds[0] / 8
    assert result.first_step_seconds > later_step  # tracing the step took longer than a step


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": "model"}, TypeError, "compiled Keras model. Received: str"),
        ({"model": "uncompiled"}, ValueError, "is not compiled"),
        ({"epochs": 0}, ValueError, "epochs must be a whole number >= 1. Received: epochs=0"),
        ({"epochs": 1.5}, ValueError, "Received: epochs=1.5"),
        ({"epochs": True}, ValueError, "Received: epochs=True"),
        ({"warmup_epochs": -1}, ValueError, "Received: warmup_epochs=-1"),
        ({"batch_size": None}, ValueError, "batch_size=None"),
        ({"batch_size": 0}, ValueError, "Received: batch_size=0"),
        ({"y": None}, ValueError, "Received: y=NoneType"),
        ({"y": np.zeros(9)}, ValueError, "Received: 10 and 9"),
        ({"y": 3}, TypeError, "array of labels. Received: int"),
        ({"x": [[0.0, 0.0]] * 10}, TypeError, "Received: list"),
        ({"x": np.zeros((0, 2)), "y": np.zeros(0)}, ValueError, "holds 0 images"),
        ({"x": "dataset"}, ValueError, "y=ndarray, batch_size=4"),
        ({"x": "dataset", "y": None, "batch_size": None, "repeat": True}, ValueError, "infinite"),
    ],
)
def test_images_per_second_bad_input(kwargs, error, message):
    import tensorflow as tf

    arguments = {"x": np.zeros((10, 2)), "y": np.zeros(10), "batch_size": 4}
    arguments.update(kwargs)
    model = arguments.pop("model", None)
    if model is None:
        model = compiled_tiny_model()
    elif model == "uncompiled":
        model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    if isinstance(arguments["x"], str):  # a dataset of the same data
        dataset = tf.data.Dataset.from_tensor_slices((np.zeros((10, 2)), np.zeros(10))).batch(4)
        arguments["x"] = dataset.repeat() if arguments.pop("repeat", False) else dataset
    with pytest.raises(error, match=message):
        images_per_second(model, **arguments)
