"""Every exercise of notebooks 01-02: the reference answer is correct, every catalogued
mistake is recognised by name, and random junk never raises."""

import math
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils.data import load_mnist
from course_utils.exercises import Exercise, Outcome, nb00, nb01, nb02, nb03, nb04, nb05


@lru_cache(maxsize=1)
def standin(name):
    return load_mnist("standin", verbose=False)


@pytest.fixture(autouse=True)
def small_data(monkeypatch):
    """Checks compute their truth from the data the notebook loaded: here, the stand-in."""
    for module in (nb00, nb01, nb02):  # nb03 and nb04 need no data
        monkeypatch.setattr(module, "reference_data", standin)


def x_train():
    return standin("mnist")[0][0]


def y_train():
    return standin("mnist")[0][1]


def x_test():
    return standin("mnist")[1][0]


# For each exercise: its reference answer, and one example of every catalogued mistake.
CASES = {
    nb00.q1: (
        lambda: len(x_train()),
        {
            "test_set": lambda: len(x_test()),
            "train_plus_test": lambda: len(x_train()) + len(x_test()),
            "pixels_not_images": lambda: x_train().size,
            "shape_not_count": lambda: x_train().shape,
        },
    ),
    nb01.q2: (
        lambda: x_train().shape[1] * x_train().shape[2],
        {
            "one_side_only": lambda: 28,
            "added_sides": lambda: 56,
            "whole_array": lambda: x_train().size,
            "shape_not_count": lambda: x_train().shape[1:],
        },
    ),
    nb01.q1: (
        lambda: tuple(int(n) for n in np.frombuffer(nb01.q1.header, ">u4")),
        {
            "little_endian": lambda: np.frombuffer(nb01.q1.header, "<u4"),
            "one_byte_each": lambda: np.frombuffer(nb01.q1.header, np.uint8),
            "mnist_train_header": lambda: [2051, 60000, 28, 28],
        },
    ),
    nb01.q3: (
        lambda: np.sum(y_train() == 5),
        {
            "test_set": lambda: int(np.sum(standin("mnist")[1][1] == 5)),
            "all_counts": lambda: np.bincount(y_train()),
            "pixel_value": lambda: int(np.sum(x_train() == 5)),
            "fraction": lambda: float(np.mean(y_train() == 5)),
        },
    ),
    nb01.q4: (
        lambda: np.mean(x_train() == 0),
        {
            "percentage": lambda: 100 * np.mean(x_train() == 0),
            "count_not_fraction": lambda: int(np.sum(x_train() == 0)),
            "ink_fraction": lambda: np.mean(x_train() > 0),
            "test_set": lambda: np.mean(x_test() == 0),
        },
    ),
    nb02.q1: (
        lambda: x_train().astype("float32") / 255,
        {
            "forgot_to_scale": lambda: x_train().astype("float32"),
            "integer_division": lambda: x_train() // 255,
            "float64": lambda: x_train() / 255,
            "centred": lambda: x_train().astype("float32") / 255 - 0.5,
            "divided_by_256": lambda: x_train().astype("float32") / 256,
            "subset": lambda: x_train()[:100].astype("float32") / 255,
        },
    ),
    nb02.q2: (
        lambda: np.expand_dims(x_train(), axis=3),
        {
            "channels_first": lambda: x_train()[:, None],
            "no_channel_axis": lambda: x_train(),
            "flattened": lambda: x_train().reshape(len(x_train()), -1),
            "three_channels": lambda: np.repeat(x_train()[..., None], 3, axis=3),
        },
    ),
    nb02.q3: (
        lambda: "sparse_categorical_crossentropy",
        {
            "one_hot_loss": lambda: "categorical_crossentropy",
            "binary": lambda: "binary_crossentropy",
            "regression_loss": lambda: "mse",
            "not_a_name": lambda: nb02,
        },
    ),
    nb02.q4: (
        lambda: (
            math.floor(len(x_train()) * 0.8),
            len(x_train()) - math.floor(len(x_train()) * 0.8),
        ),
        {
            "swapped": lambda: (
                len(x_train()) - math.floor(len(x_train()) * 0.8),
                math.floor(len(x_train()) * 0.8),
            ),
            "test_set": lambda: (len(x_test()) - 71, 71),
            "not_whole_numbers": lambda: (len(x_train()) * 0.8, len(x_train()) * 0.2),
        },
    ),
    nb03.q1: (
        lambda: (28 - 3) // 1 + 1,
        {"forgot_plus_one": lambda: 25, "same_formula": lambda: 28, "subtracted_half": lambda: 27},
    ),
    nb03.q2: (
        lambda: math.ceil(7 / 2),
        {
            "rounded_down": lambda: 3,
            "valid_formula": lambda: 2,
            "not_rounded": lambda: 3.5,
            "ignored_strides": lambda: 7,
        },
    ),
    nb03.q3: (
        lambda: 13 // 2,
        {"rounded_up": lambda: 7, "not_rounded": lambda: 6.5, "strides_one": lambda: 12},
    ),
    nb03.q4: (
        lambda: 28.0,
        {
            "forgot_padding": lambda: 24,
            "padding_one_side": lambda: 26,
            "forgot_plus_one": lambda: 27,
        },
    ),
    nb03.q5: (
        lambda: 6 * 6 * 10,
        {"forgot_channels": lambda: 36, "rounded_up": lambda: 490, "one_pool": lambda: 1690},
    ),
    nb03.q6: (
        lambda: [5, 5, 1, 32],
        {
            "forgot_input_channels": lambda: (5, 5, 32),
            "channels_first_order": lambda: (32, 1, 5, 5),
            "in_out_swapped": lambda: (5, 5, 32, 1),
        },
    ),
    nb03.q7: (lambda: 24, {"ignored_dilation": lambda: 26, "dilation_times_kernel": lambda: 23}),
    nb04.q1: (
        lambda: 100,
        {"forgot_bias": lambda: 90, "one_bias": lambda: 91, "one_filter": lambda: 10},
    ),
    nb04.q2: (
        lambda: 18496,
        {
            "forgot_input_channels": lambda: 640,
            "forgot_bias": lambda: 18432,
            "bias_per_channel": lambda: 20480,
        },
    ),
    nb04.q3: (
        lambda: (9216 + 1) * 128,
        {"forgot_bias": lambda: 1179648, "one_bias": lambda: 1179649, "added": lambda: 9344},
    ),
    nb04.q4: (lambda: 0, {"multiplied_shape": lambda: 9216, "dense_after": lambda: 1179776}),
    nb04.q5: (
        lambda: 2 * 64,
        {
            "moving_stats_trainable": lambda: 256,
            "only_gamma": lambda: 64,
            "non_trainable_too": lambda: 192,
        },
    ),
    nb04.q6: (
        lambda: 13610,
        {
            "forgot_biases": lambda: 13592,
            "forgot_conv_shrink": lambda: 15770,
            "no_pooling": lambda: 54170,
            "conv_only": lambda: 80,
        },
    ),
    nb05.q1: (lambda: first_cnn(), {}),
    nb05.q2: (lambda: first_cnn(loss="sparse_categorical_crossentropy"), {}),
    nb05.q3: (
        lambda: np.mean(np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1]),
        {
            "percentage": lambda: (
                100 * np.mean(np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1])
            ),
            "count": lambda: np.sum(
                np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1]
            ),
            "error_rate": lambda: np.mean(
                np.argmax(nb05.q3.example()[0], axis=1) != nb05.q3.example()[1]
            ),
            "mean_probability": lambda: np.mean(
                nb05.q3.example()[0][np.arange(200), nb05.q3.example()[1]]
            ),
        },
    ),
    nb05.q4: (
        lambda: int(np.argmin(nb05.q4.example()["val_loss"])) + 1,
        {
            "zero_based": lambda: int(np.argmin(nb05.q4.example()["val_loss"])),
            "training_loss": lambda: len(nb05.q4.example()["loss"]),
            "best_val_accuracy": lambda: int(np.argmax(nb05.q4.example()["val_accuracy"])) + 1,
            "a_loss_value": lambda: float(min(nb05.q4.example()["val_loss"])),
        },
    ),
}
EXERCISES = list(CASES)
IDS = [f"q{ex.key}" for ex in EXERCISES]


def test_every_exercise_is_tested():
    modules = (nb00, nb01, nb02, nb03, nb04, nb05)
    defined = [v for m in modules for k, v in vars(m).items() if k.startswith("q")]
    assert set(defined) == set(EXERCISES)
    assert all(isinstance(ex, Exercise) for ex in defined)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_reference_answer_is_correct(exercise):
    feedback = exercise.check(CASES[exercise][0]())
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_placeholder_is_not_attempted(exercise):
    assert exercise.check(...).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_catalogued_mistake_has_an_example(exercise):
    assert set(CASES[exercise][1]) == {m.name for m in exercise.mistakes}


CATALOGUE = [(ex, name) for ex in EXERCISES for name in CASES[ex][1]]


@pytest.mark.parametrize(
    ("exercise", "name"), CATALOGUE, ids=[f"q{e.key}-{n}" for e, n in CATALOGUE]
)
def test_catalogued_mistake_is_named(exercise, name):
    feedback = exercise.check(CASES[exercise][1][name]())
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.mistake == name, f"got {feedback.mistake}: {feedback.message}"
    messages = {m.name: m.message for m in exercise.mistakes}
    assert feedback.message == messages[name]
    assert len(set(messages.values())) == len(messages), "each mistake has its own message"


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=5),
    st.tuples(st.floats(), st.floats()),
    hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=4, max_side=3)),
)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(junk=JUNK)
def test_random_junk_never_raises(exercise, junk):
    feedback = exercise.check(junk)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.CORRECT)
    assert feedback.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_wrong_shape_dtype_nan_and_none_get_a_message(exercise):
    for junk in (None, "text", np.zeros((2, 2)), np.full(3, np.nan), float("nan")):
        feedback = exercise.check(junk)
        assert feedback.outcome is Outcome.INCORRECT and feedback.message


def first_cnn(*, input_shape=(28, 28, 1), stack=None, loss=None, metrics=("accuracy",)):
    """The notebook-05 model (or a variant), compiled when a loss is given."""
    import keras
    from keras import layers

    stack = stack or [
        layers.Conv2D(8, 3),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ]
    model = keras.Sequential([keras.Input(input_shape), *stack])
    if loss is not None:
        model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


def _model_cases():
    from keras import layers

    return {
        "not a model": ("cnn", "not a Keras model"),
        "no softmax": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10),
                ]
            ),
            "activation is 'linear'",
        ),
        "flat input": (
            first_cnn(input_shape=(784,), stack=[layers.Dense(10, activation="softmax")]),
            "The input is flat (784,)",
        ),
        "no flatten": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "Flatten is missing",
        ),
        "wrong filters": (
            first_cnn(
                stack=[
                    layers.Conv2D(16, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "16 filters of (3, 3)",
        ),
        "wrong units": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(2, activation="softmax"),
                ]
            ),
            "has 2 units; MNIST has 10",
        ),
        "rgb input": (first_cnn(input_shape=(28, 28, 3)), "input shape is (28, 28, 3)"),
    }


@pytest.mark.parametrize("case", list(_model_cases()))
def test_first_cnn_check_names_the_mistake(case):
    model, message = _model_cases()[case]
    for exercise in (nb05.q1, nb05.q2):
        feedback = exercise.check(model)
        assert feedback.outcome is Outcome.INCORRECT
        assert message in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("loss", "metrics", "message"),
    [
        ("categorical_crossentropy", ("accuracy",), "wants one-hot labels"),
        ("binary_crossentropy", ("accuracy",), "for 2 classes"),
        ("mse", ("accuracy",), "regression loss"),
        ("sparse_categorical_crossentropy", (), 'add `metrics=["accuracy"]`'),
        (None, (), "not compiled yet"),
    ],
)
def test_compile_check_names_the_mistake(loss, metrics, message):
    feedback = nb05.q2.check(first_cnn(loss=loss, metrics=metrics))
    assert feedback.outcome is Outcome.INCORRECT and message in feedback.message


def test_compile_check_accepts_a_loss_object():
    import keras

    model = first_cnn()
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )
    assert nb05.q2.check(model).correct


def test_first_cnn_reference_count_is_keras():
    assert first_cnn().count_params() == nb05.q1.expected()


def test_kernel_shape_accepts_the_layer_attribute():
    from keras import layers

    layer = layers.Conv2D(32, 5)
    layer.build((None, 28, 28, 1))
    assert nb03.q6.check(layer.kernel.shape).outcome is Outcome.CORRECT


def test_none_is_explained():
    assert "did you forget to assign" in nb01.q2.check(None).message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_hints_and_solution_exist(exercise):
    assert len(exercise.hints) >= 2
    shown = exercise.solution()
    assert "Solution to exercise" in repr(shown), "run `python -m course_utils build`"


def test_progress_after_checks():
    nb01.q2.check(...)
    nb01.q1.check(CASES[nb01.q1][0]())
    table = nb01.show_progress()
    rows = {key: outcome for key, _, outcome in table.rows}
    assert rows["1.2"] is Outcome.NOT_ATTEMPTED and rows["1.1"] is Outcome.CORRECT
