"""Exercises of notebook 05: the model checks name each way a model differs from the
exercise's text, the compile check refuses every loss, optimizer and metric the text rules
out (the double softmax of `from_logits=True` included), and every catalogued mistake of
the old checks is still named."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils import models
from course_utils.exercises import Outcome, nb05
from course_utils.exercises import keras_checks as kc

PROBS, LABELS = nb05.q3.example()
RIGHT = np.argmax(PROBS, axis=1) == LABELS
HISTORY = nb05.q4.example()


def variant(*args, **changes):
    """The exercise's model, ``models.first_cnn``, with one thing changed (``kc.variant``)."""
    return kc.variant(models.first_cnn(), *args, **changes)


def compiled(**settings):
    model = models.first_cnn()
    model.compile(**settings)
    return model


MISTAKES = [
    (nb05.q3, "percentage", lambda: 100 * np.mean(RIGHT)),
    (nb05.q3, "count", lambda: np.sum(RIGHT)),
    (nb05.q3, "error_rate", lambda: np.mean(~RIGHT)),
    (nb05.q3, "mean_probability", lambda: np.mean(PROBS[np.arange(200), LABELS])),
    (nb05.q4, "zero_based", lambda: int(np.argmin(HISTORY["val_loss"]))),
    (nb05.q4, "training_loss", lambda: len(HISTORY["loss"])),
    (nb05.q4, "best_val_accuracy", lambda: int(np.argmax(HISTORY["val_accuracy"])) + 1),
    (nb05.q4, "a_loss_value", lambda: float(min(HISTORY["val_loss"]))),
]


def test_catalogued_mistake_is_named(mistake):
    mistake()


def model_cases():
    flat = keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")])
    return {
        "not a model": ("cnn", "not a Keras model"),
        "no softmax": (variant(3, activation="linear"), "`activation` is 'linear'"),
        "flat input": (flat, "The input is flat (784,)"),
        "no flatten": (variant(drop="Flatten"), "Flatten is missing"),
        "wrong filters": (variant(0, filters=16), "`filters` is 16"),
        "wrong units": (variant(3, units=2), "`units` is 2"),
        "rgb input": (variant(shape=(28, 28, 3)), "input shape is (28, 28, 3)"),
        "relu in the convolution": (variant(0, activation="relu"), "`activation` is 'relu'"),
        "same padding": (variant(0, padding="same"), "`padding` is 'same'"),
    }


@pytest.mark.parametrize("case", list(model_cases()))
def test_first_cnn_check_names_the_mistake(case):
    model, message = model_cases()[case]
    for exercise in (nb05.q1, nb05.q2):
        feedback = exercise.check(model)
        assert feedback.outcome is Outcome.INCORRECT
        assert message in feedback.message, feedback.message


def test_first_cnn_accepts_a_separate_softmax_layer_and_named_layers():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(10, name="logits"),
            layers.Softmax(name="probabilities"),
        ]
    )
    assert nb05.q1.check(model).correct


def test_first_cnn_refuses_a_compiled_model_and_the_functional_api():
    model = compiled(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert nb05.q1.check(model).rule == "not_compiled"
    inputs = keras.Input((28, 28, 1))
    functional = keras.Model(inputs, models.first_cnn()(inputs))
    assert nb05.q1.check(functional).rule == "sequential"


def test_first_cnn_reference_count_is_keras():
    assert nb05.q1.check(models.first_cnn()).message.startswith("13,610 parameters")


SPARSE = "sparse_categorical_crossentropy"


@pytest.mark.parametrize(
    ("settings", "rule", "message"),
    [
        ({"loss": "categorical_crossentropy"}, "one_hot_loss", "wants one-hot labels"),
        ({"loss": "binary_crossentropy"}, "binary_loss", "for 2 classes"),
        ({"loss": "mse"}, "regression_loss", "regression loss"),
        ({"loss": SPARSE, "metrics": []}, "accuracy", 'add `metrics=["accuracy"]`'),
        ({"loss": "kl_divergence"}, "sparse_loss", "'kl_divergence'"),
        (
            {"loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
            "from_logits",
            "second softmax",
        ),
        ({"loss": SPARSE, "optimizer": "sgd"}, "adam", "'sgd'"),
        ({"loss": SPARSE, "optimizer": keras.optimizers.Adam(0.01)}, "adam_defaults", "0.01"),
    ],
)
def test_compile_check_names_the_mistake(settings, rule, message):
    settings = {"optimizer": "adam", "metrics": ["accuracy"], **settings}
    feedback = nb05.q2.check(compiled(**settings))
    assert feedback.rule == rule and message in feedback.message, feedback


def test_compile_check_needs_a_compiled_fresh_model():
    assert "not compiled yet" in nb05.q2.check(models.first_cnn()).message
    model = compiled(optimizer="adam", loss=SPARSE, metrics=["accuracy"])
    model.fit(np.zeros((2, 28, 28, 1)), np.arange(2), epochs=1, verbose=0)
    assert nb05.q2.check(model).rule == "fresh"


@pytest.mark.parametrize(
    "settings",
    [
        {"loss": keras.losses.SparseCategoricalCrossentropy()},
        {"loss": keras.losses.sparse_categorical_crossentropy},
        {"loss": SPARSE, "metrics": ["acc"]},
        {"loss": SPARSE, "metrics": [keras.metrics.SparseCategoricalAccuracy()]},
        {"loss": SPARSE, "optimizer": keras.optimizers.Adam()},
    ],
    ids=["loss object", "loss function", "acc", "metric object", "Adam()"],
)
def test_compile_check_accepts_equivalent_spellings(settings):
    settings = {"optimizer": "adam", "metrics": ["accuracy"], **settings}
    assert nb05.q2.check(compiled(**settings)).correct


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (float(np.mean(RIGHT)) + 0.001, "computed"),
        (str(float(np.mean(RIGHT))), "number"),
        (np.array([np.mean(RIGHT)]), "number"),
    ],
)
def test_accuracy_is_a_computed_number(answer, rule):
    assert nb05.q3.check(answer).rule == rule


def test_spot_overfitting_refuses_a_float_epoch():
    best = int(np.argmin(HISTORY["val_loss"])) + 1
    assert nb05.q4.check(best).correct
    assert nb05.q4.check(float(best)).rule == "whole_number"
