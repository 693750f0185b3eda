"""Exercise 0.1: the catalogued mistakes are still named, a count is an exact int, and the
full MNIST figure typed in is refused where other data were loaded."""

import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import nb00

MISTAKES = [
    (nb00.q1, "test_set", lambda x_train, x_test: len(x_test)),
    (nb00.q1, "train_plus_test", lambda x_train, x_test: len(x_train) + len(x_test)),
    (nb00.q1, "pixels_not_images", lambda x_train, x_test: x_train.size),
    (nb00.q1, "shape_not_count", lambda x_train, x_test: x_train.shape),
]


def images(data):
    (x_train, _), (x_test, _) = data("mnist")
    return x_train, x_test


def test_training_images_mistake_is_named(mistake, standin_data):
    mistake(*images(standin_data))


def test_training_images_accepts_each_way_to_count(standin_data):
    x_train, _ = images(standin_data)
    for answer in (len(x_train), x_train.shape[0], np.int64(len(x_train))):
        assert nb00.q1.check(answer).correct


@pytest.mark.parametrize("offset", [0, 0.05])
def test_training_images_refuses_a_float_count(offset, standin_data):
    answer = len(images(standin_data)[0]) + offset + 0.0
    feedback = nb00.q1.check(answer)
    assert feedback.rule == "whole_number" and f"Received: {answer!r}" in feedback.message


def test_training_images_refuses_the_typed_in_figure(standin_data):
    assert len(images(standin_data)[0]) != 60_000
    assert nb00.q1.check(60_000).rule == "typed_in"


def test_training_images_typed_in_figure_is_right_for_the_full_set():
    full = np.zeros((60_000, 2, 2), "uint8"), np.zeros(60_000, "uint8")
    test = np.zeros((10_000, 2, 2), "uint8"), np.zeros(10_000, "uint8")
    exercises.use_reference_data(lambda name: (full, test))
    assert nb00.q1.check(60_000).correct
    assert nb00.q1.check(10_000).rule == "test_set"
