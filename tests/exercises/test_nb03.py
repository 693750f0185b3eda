"""Exercises of notebook 03: each catalogued slip of the old checks is still named, sizes are
exact ints (a float such as 28.0 is refused), the truth is what Keras builds, and the kernel
shape is a tuple worked out, not read off a built layer."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils.exercises import Outcome, nb03

# The old checks' catalogue, as each exercise's `slips`: {rule name: the answer it names}.
SLIPS = {
    nb03.q1: {"forgot_plus_one": 25, "same_formula": 28, "subtracted_half": 27},
    nb03.q2: {"rounded_down": 3, "valid_formula": 2, "not_rounded": 3.5, "ignored_strides": 7},
    nb03.q3: {"rounded_up": 7, "not_rounded": 6.5, "strides_one": 12},
    nb03.q4: {"forgot_padding": 24, "padding_one_side": 26, "forgot_plus_one": 27},
    nb03.q5: {"forgot_channels": 36, "rounded_up": 490, "one_pool": 1690},
    nb03.q6: {
        "forgot_input_channels": (5, 5, 32),
        "channels_first_order": (32, 1, 5, 5),
        "in_out_swapped": (5, 5, 32, 1),
    },
    nb03.q7: {"ignored_dilation": 26, "dilation_times_kernel": 23},
}
MISTAKES = [(e, name, answer) for e, slips in SLIPS.items() for name, answer in slips.items()]


def test_catalogued_slip_is_named(mistake):
    mistake()


def test_each_slip_has_its_own_message():
    for exercise in SLIPS:
        messages = [exercise.messages[rule.name] for rule in exercise.rules if rule.mistake]
        assert len(set(messages)) == len(messages), exercise.key


# The layers each exercise's text describes, built by Keras: (exercise, input, layers).
KERAS = [
    (nb03.q1, (28, 28, 1), lambda: [layers.Conv2D(1, 3, padding="valid", strides=1)]),
    (nb03.q2, (7, 7, 1), lambda: [layers.Conv2D(1, 5, strides=2, padding="same")]),
    (nb03.q3, (13, 13, 1), lambda: [layers.MaxPooling2D(2)]),
    (nb03.q4, (28, 28, 1), lambda: [layers.ZeroPadding2D(2), layers.Conv2D(1, 5, strides=1)]),
    (nb03.q7, (28, 28, 1), lambda: [layers.Conv2D(1, 3, dilation_rate=2)]),
]


@pytest.mark.parametrize(("exercise", "shape", "stack"), KERAS, ids=[e.key for e, *_ in KERAS])
def test_size_is_what_keras_builds(exercise, shape, stack):
    size = keras.Sequential([keras.Input(shape), *stack()]).output_shape[1]
    assert exercise.check(size).correct
    assert exercise.check(np.int64(size)).correct
    assert exercise.check(float(size)).rule == "whole_number"
    assert exercise.check(size + 1).outcome is Outcome.INCORRECT


def test_flatten_size_is_what_keras_builds():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(10, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        ]
    )
    assert nb03.q5.check(model.output_shape[1]).correct
    assert nb03.q5.check(model.output_shape[1:]).rule == "whole_number"


def test_explicit_padding_refuses_the_float_the_formula_gives_with_slash():
    feedback = nb03.q4.check((28 - 5 + 2 * 2) / 1 + 1)
    assert feedback.rule == "whole_number" and "28.0" in feedback.message


def test_kernel_shape_is_what_keras_builds_as_a_tuple_or_list():
    layer = layers.Conv2D(32, 5)
    layer(keras.Input((28, 28, 1)))
    shape = tuple(layer.kernel.shape)
    assert nb03.q6.check(shape).correct and nb03.q6.check(list(shape)).correct
    assert nb03.q6.check(tuple(np.int64(n) for n in shape)).correct


@pytest.mark.parametrize(
    "answer",
    [(5.0, 5.0, 1.0, 32.0), (5, 5, 1), (5, 5, 1, 32, 1), "(5, 5, 1, 32)", np.array([5, 5, 1, 32])],
)
def test_kernel_shape_must_be_a_tuple_of_four_ints(answer):
    feedback = nb03.q6.check(answer)
    assert feedback.rule == "four_ints" and "Received:" in feedback.message, feedback


def test_kernel_shape_read_off_a_built_layer_is_refused():
    layer = layers.Conv2D(32, 5)
    layer.build((None, 28, 28, 1))
    answer = layer.kernel.shape
    if isinstance(answer, tuple):  # backends other than TensorFlow give a plain tuple
        pytest.skip("this backend's kernel shape is a tuple, the answer itself")
    assert nb03.q6.check(answer).rule == "four_ints"
