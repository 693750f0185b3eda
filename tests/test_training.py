"""course_utils.training: the input pipeline, the time budget and the schedule."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils.training import CosineTimeBudget, TimeBudget, course_schedule, make_dataset


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
