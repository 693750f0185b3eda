"""Exercises of notebook 02: each catalogued mistake of the old checks is still named, and
near misses the exercise texts rule out are refused: a dtype other than float32, another
axis layout, data other than `x_train`, a loss name Keras does not resolve to the sparse
cross-entropy, split sizes other than what `fit(validation_split=0.2)` uses."""

import keras
import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import Outcome, nb02


def x_train(data):
    return data("mnist")[0][0]


def x_test(data):
    return data("mnist")[1][0]


def split(n):
    return int(n * 0.8), n - int(n * 0.8)


MISTAKES = [
    (nb02.q1, "forgot_to_scale", lambda d: x_train(d).astype("float32")),
    (nb02.q1, "integer_division", lambda d: x_train(d) // 255),
    (nb02.q1, "float64", lambda d: x_train(d) / 255),
    (nb02.q1, "centred", lambda d: x_train(d).astype("float32") / 255 - 0.5),
    (nb02.q1, "divided_by_256", lambda d: x_train(d).astype("float32") / 256),
    (nb02.q1, "subset", lambda d: x_train(d)[:100].astype("float32") / 255),
    (nb02.q2, "channels_first", lambda d: x_train(d)[:, None]),
    (nb02.q2, "no_channel_axis", lambda d: x_train(d)),
    (nb02.q2, "flattened", lambda d: x_train(d).reshape(len(x_train(d)), -1)),
    (nb02.q2, "three_channels", lambda d: np.repeat(x_train(d)[..., None], 3, axis=3)),
    (nb02.q3, "one_hot_loss", lambda d: "categorical_crossentropy"),
    (nb02.q3, "binary", lambda d: "binary_crossentropy"),
    (nb02.q3, "regression_loss", lambda d: "mse"),
    (nb02.q3, "not_a_name", lambda d: nb02),
    (nb02.q4, "swapped", lambda d: split(len(x_train(d)))[::-1]),
    (nb02.q4, "test_set", lambda d: (len(x_test(d)) - 71, 71)),
    (nb02.q4, "not_whole_numbers", lambda d: (len(x_train(d)) * 0.8, len(x_train(d)) * 0.2)),
]


def test_catalogued_mistake_is_named(mistake, standin_data):
    mistake(standin_data)


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        pytest.param(lambda x: x.astype("float32") / 255, None, id="astype-first"),
        pytest.param(lambda x: (x / 255).astype("float32"), None, id="astype-after"),
        pytest.param(lambda x: x.astype("float32") * np.float32(1 / 255), None, id="times"),
        pytest.param(lambda x: x.astype("float16") / 255, "float32", id="float16"),
        pytest.param(lambda x: (x / 255).astype("float16"), "float32", id="float16-after"),
        pytest.param(lambda x: x.astype("float32")[..., None] / 255, "subset", id="4d"),
        pytest.param(lambda x: x.astype("float32")[::-1] / 255, "remaining", id="order"),
        pytest.param(lambda x: x.astype(str), "parse", id="str"),
        pytest.param(lambda x: keras.layers.Rescaling(1 / 255)(x), "parse", id="tensor"),
    ],
)
def test_scale_to_unit_near_misses(answer, rule, standin_data):
    feedback = nb02.q1.check(answer(x_train(standin_data)))
    if rule is None:
        assert feedback.correct, feedback
    else:
        assert feedback.outcome is Outcome.INCORRECT and (feedback.rule or "remaining") == rule, (
            feedback
        )


def test_scale_to_unit_checks_against_the_loaded_data(standin_data):
    test_images = x_test(standin_data).astype("float32") / 255
    assert nb02.q1.check(test_images).rule == "subset"
    assert "float16" in nb02.q1.check(x_train(standin_data).astype("float16") / 255).message


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (lambda x: np.expand_dims(x, axis=3), None),
        (lambda x: x.reshape((len(x), 28, 28, 1)), None),
        (lambda x: x[..., None].astype("float32"), None),
        (lambda x: x[..., None] / 255, "unchanged"),
        (lambda x: x[:10, ..., None], "shape"),
        (lambda x: x[..., None, None], "shape"),
        (lambda x: x[::-1, ..., None], "unchanged"),
    ],
    ids=["expand_dims", "reshape", "float32", "scaled", "subset", "5d", "order"],
)
def test_add_channel_axis_near_misses(answer, rule, standin_data):
    feedback = nb02.q2.check(answer(x_train(standin_data)))
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


@pytest.mark.parametrize(
    "name",
    [
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        "categorical_crossentropy",
        "kl_divergence",
        "Sparse_categorical_crossentropy",
        " sparse_categorical_crossentropy",
        "sparse",
    ],
)
def test_loss_name_is_correct_exactly_when_keras_resolves_it_to_the_sparse_loss(name):
    try:
        loss = keras.losses.get(name)
        resolved = getattr(loss, "fn", loss).__name__
    except ValueError:
        resolved = None
    feedback = nb02.q3.check(name)
    assert feedback.correct == (resolved == "sparse_categorical_crossentropy"), feedback
    if resolved is None:
        assert feedback.rule == "keras_name" and repr(name) in feedback.message


def test_loss_name_refuses_a_loss_object_and_regression_losses():
    assert nb02.q3.check(keras.losses.SparseCategoricalCrossentropy()).rule == "not_a_name"
    for name in ("mae", "mean_squared_error", "MeanAbsoluteError"):
        assert nb02.q3.check(name).rule == "regression_loss"


def keras_split(n):
    """What `fit(validation_split=0.2)` trains and validates on, counted by Keras itself."""
    steps = {"train": 0, "validation": 0}

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps["train"] += 1

        def on_test_batch_end(self, batch, logs=None):
            steps["validation"] += 1

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((n, 1), "float32")
    model.fit(x, x, validation_split=0.2, batch_size=1, epochs=1, verbose=0, callbacks=[Count()])
    return steps["train"], steps["validation"]


@pytest.mark.parametrize("n", [13, 7, 10])
def test_split_sizes_are_what_keras_fit_uses(n):
    train = np.zeros((n, 28, 28), "uint8"), np.zeros(n, "uint8")
    test = np.zeros((n + 1, 28, 28), "uint8"), np.zeros(n + 1, "uint8")
    exercises.use_reference_data(lambda name: (train, test))
    expected = keras_split(n)
    assert nb02.q4.check(expected).correct
    assert nb02.q4.check(list(expected)).correct
    assert nb02.q4.check((expected[0] + 1, expected[1] - 1)).rule == "keras_split"


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (lambda n: (float(int(n * 0.8)), float(n - int(n * 0.8))), "whole_numbers"),
        (lambda n: (np.int64(int(n * 0.8)), np.int64(n - int(n * 0.8))), None),
        (lambda n: (round(n * 0.8), n - round(n * 0.8)), "keras_split"),
        (lambda n: (int(n * 0.8), int(n * 0.2)), "keras_split"),
        (lambda n: (48_000, 12_000), "keras_split"),
        (lambda n: (int(n * 0.8), ...), "parts"),
        (lambda n: int(n * 0.8), "parse"),
    ],
    ids=["floats", "numpy", "rounded", "sum", "typed-in", "half", "one-number"],
)
def test_split_sizes_near_misses(answer, rule, standin_data):
    n = len(x_train(standin_data))
    feedback = nb02.q4.check(answer(n))
    assert feedback.correct if rule is None else feedback.rule == rule, feedback
