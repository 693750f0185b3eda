"""Exercises of notebook 04: each classic miscount of the old checks is still named, counts
are exact ints, and the truth is Keras' own count of the layers each text describes."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils import models
from course_utils.exercises import Outcome, nb04

MISTAKES = [
    (nb04.q1, "forgot_bias", 90),
    (nb04.q1, "one_bias", 91),
    (nb04.q1, "one_filter", 10),
    (nb04.q2, "forgot_input_channels", 640),
    (nb04.q2, "forgot_bias", 18432),
    (nb04.q2, "bias_per_channel", 20480),
    (nb04.q3, "forgot_bias", 1179648),
    (nb04.q3, "one_bias", 1179649),
    (nb04.q3, "added", 9344),
    (nb04.q4, "multiplied_shape", 9216),
    (nb04.q4, "multiplied_shape", 9217),
    (nb04.q4, "multiplied_shape", 144),
    (nb04.q4, "dense_after", 1179776),
    (nb04.q5, "moving_stats_trainable", 256),
    (nb04.q5, "only_gamma", 64),
    (nb04.q5, "non_trainable_too", 192),
    (nb04.q6, "forgot_biases", 13592),
    (nb04.q6, "forgot_conv_shrink", 15770),
    (nb04.q6, "no_pooling", 54170),
    (nb04.q6, "conv_only", 80),
]


def test_catalogued_miscount_is_named(mistake):
    mistake()


def built(input_shape, *stack):
    model = keras.Sequential([keras.Input(input_shape), *stack])
    return model


# Each exercise's text, built by Keras, and the count it asks for.
KERAS = [
    (nb04.q1, lambda: built((28, 28, 1), layers.Conv2D(10, 3)).count_params()),
    (nb04.q2, lambda: built((26, 26, 32), layers.Conv2D(64, 3)).count_params()),
    (nb04.q3, lambda: built((9216,), layers.Dense(128)).count_params()),
    (nb04.q4, lambda: built((12, 12, 64), layers.Flatten()).count_params()),
    (
        nb04.q5,
        lambda: sum(
            int(np.prod(weight.shape))
            for weight in built((26, 26, 64), layers.BatchNormalization()).trainable_weights
        ),
    ),
    (nb04.q6, lambda: models.first_cnn().count_params()),
]


@pytest.mark.parametrize(("exercise", "count"), KERAS, ids=[e.key for e, _ in KERAS])
def test_count_is_what_keras_counts(exercise, count):
    assert exercise.check(count()).correct
    assert exercise.check(np.int64(count())).correct
    feedback = exercise.check(float(count()))
    assert feedback.rule == "whole_number" and f"Received: {float(count())!r}" in feedback.message
    assert exercise.check(count() + 1).outcome is Outcome.INCORRECT


def test_whole_model_is_the_models_first_cnn_without_its_softmax_counted():
    stack = [layers.Conv2D(8, 3), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10)]
    assert built((28, 28, 1), *stack).count_params() == models.first_cnn().count_params()


def test_batch_norm_total_is_not_the_trainable_count():
    layer = layers.BatchNormalization()
    layer.build((None, 26, 26, 64))
    assert nb04.q5.check(layer.count_params()).rule == "moving_stats_trainable"


@pytest.mark.parametrize("answer", ["0", 0.0, False, None, (0,)])
def test_flatten_count_is_the_int_zero(answer):
    assert nb04.q4.check(answer).outcome is Outcome.INCORRECT
