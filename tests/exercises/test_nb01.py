"""Exercises of notebook 01: each catalogued mistake of the old checks is still named, and
near misses the exercise text rules out are refused."""

import numpy as np
import pytest

from course_utils.exercises import Outcome, nb01


def x_train(data):
    return data("mnist")[0][0]


def y_train(data):
    return data("mnist")[0][1]


HEADER = nb01.q1.header

MISTAKES = [
    (nb01.q1, "little_endian", lambda d: np.frombuffer(HEADER, "<u4")),
    (nb01.q1, "one_byte_each", lambda d: np.frombuffer(HEADER, np.uint8)),
    (nb01.q1, "mnist_train_header", lambda d: [2051, 60000, 28, 28]),
    (nb01.q2, "one_side_only", lambda d: 28),
    (nb01.q2, "added_sides", lambda d: 56),
    (nb01.q2, "whole_array", lambda d: x_train(d).size),
    (nb01.q2, "shape_not_count", lambda d: x_train(d).shape[1:]),
    (nb01.q3, "test_set", lambda d: int(np.sum(d("mnist")[1][1] == 5))),
    (nb01.q3, "all_counts", lambda d: np.bincount(y_train(d))),
    (nb01.q3, "pixel_value", lambda d: int(np.sum(x_train(d) == 5))),
    (nb01.q3, "fraction", lambda d: float(np.mean(y_train(d) == 5))),
    (nb01.q4, "percentage", lambda d: 100 * np.mean(x_train(d) == 0)),
    (nb01.q4, "count_not_fraction", lambda d: int(np.sum(x_train(d) == 0))),
    (nb01.q4, "ink_fraction", lambda d: np.mean(x_train(d) > 0)),
    (nb01.q4, "test_set", lambda d: np.mean(d("mnist")[1][0] == 0)),
]


def test_catalogued_mistake_is_named(mistake, standin_data):
    mistake(standin_data)


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (np.frombuffer(HEADER, ">u4"), None),  # an array of the right numbers is fine
        ((2051.0, 10000.0, 28.0, 28.0), "python_ints"),
        (("2051", "10000", "28", "28"), "python_ints"),
        ((2051, 10000, 28), "four_numbers"),
        ("2051 10000 28 28", "parse"),
    ],
)
def test_decode_header_near_misses(answer, rule):
    feedback = nb01.q1.check(answer)
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


@pytest.mark.parametrize(
    ("answer", "rule"),
    [(784.0, "whole_number"), (784.05, "whole_number"), ("784", "whole_number"), (True, None)],
)
def test_pixels_per_image_is_an_exact_int(answer, rule):
    feedback = nb01.q2.check(answer)
    assert not feedback.correct
    if rule:
        assert feedback.rule == rule and "an int such as" in feedback.message


def test_count_digit_accepts_numpy_ints_and_refuses_floats(standin_data):
    count = np.sum(y_train(standin_data) == 5)
    assert nb01.q3.check(count).correct
    assert nb01.q3.check(int(count)).correct
    assert nb01.q3.check(float(count)).rule == "whole_number"
    assert nb01.q3.check(float(count) + 0.05).rule == "whole_number"


def test_background_fraction_must_be_computed_and_a_number(standin_data):
    fraction = float(np.mean(x_train(standin_data) == 0))
    assert nb01.q4.check(np.float64(fraction)).correct
    assert nb01.q4.check(round(fraction, 2)).rule == "computed"
    assert nb01.q4.check(str(fraction)).rule == "number"
    assert nb01.q4.check(np.array([fraction])).rule == "number"


def test_none_is_explained():
    assert "did you forget to assign" in nb01.q2.check(None).message


def test_progress_after_checks():
    nb01.q2.check(...)
    nb01.q1.check(nb01.q1.reference())
    rows = {key: outcome for key, _, outcome in nb01.show_progress().rows}
    assert rows["1.2"] is Outcome.NOT_ATTEMPTED and rows["1.1"] is Outcome.CORRECT
