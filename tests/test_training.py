"""course_utils.training: the input pipeline, the time budget and the reference models."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils.training import TimeBudget, course_schedule, keras_example_model, make_dataset


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


def test_time_budget_stops_training():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = TimeBudget(1e-9)
    history = model.fit(np.zeros((8, 2)), np.zeros(8), epochs=50, verbose=0, callbacks=[budget])
    assert len(history.history["loss"]) == 1 == len(budget.epoch_seconds)


def test_time_budget_lets_a_generous_budget_run():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(
        np.zeros((8, 2)), np.zeros(8), epochs=3, verbose=0, callbacks=[TimeBudget(600)]
    )
    assert len(history.history["loss"]) == 3


@pytest.mark.parametrize("seconds", [0, -5, True, "300"])
def test_time_budget_bad_seconds(seconds):
    with pytest.raises(ValueError, match="Received"):
        TimeBudget(seconds)


def test_keras_example_model_is_the_official_one():
    model = keras_example_model()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dropout",
        "Dense",
    ]
    assert model.count_params() == 34_826
    assert model.output_shape == (None, 10)


def test_course_schedule_warms_up_then_decays():
    schedule = course_schedule(1000, peak=3e-3)
    rates = [float(schedule(step)) for step in (0, 25, 50, 500, 999)]
    assert rates[0] == 0.0 and rates[1] < rates[2]
    assert rates[2] == pytest.approx(3e-3)
    assert rates[2] > rates[3] > rates[4] > 0
