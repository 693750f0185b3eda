"""The exercise machinery in course_utils.exercises: rule tables, the two kinds of
exercise, feedback, hints, solutions, progress, and a catch-all that cannot raise."""

import sys
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils import exercises
from course_utils.exercises import (
    CATCH_ALL,
    Feedback,
    Outcome,
    Rule,
    SpecExercise,
    Unusable,
    ValueExercise,
    bind,
    computed,
    mistake,
    real_number,
    same_value,
    whole_number,
)


class PixelCount(ValueExercise):
    """A toy exercise: the number of pixels in a 28x28 image, as an int."""

    title = "Pixels in one image"
    hints = ["Multiply the height by the width.", "Two numbers from the shape."]
    messages = {"forgot_width": "You counted one side only.", "praise": "{a} pixels."}
    rules = [mistake("forgot_width", lambda ex: 28), whole_number(784)]

    def expected(self):
        return 28 * 28


class EvenPair(SpecExercise):
    """A toy specification: a pair of two even ints, the first smaller."""

    title = "An even pair"
    names = ("low", "high")
    hints = ["Two even numbers."]
    messages = {"even": "Both must be even.", "ordered": "{a[0]} is not below {a[1]}."}
    rules = [
        Rule("even", lambda a, ex: a[0] % 2 == a[1] % 2 == 0, lambda ex: (1, 4)),
        Rule("ordered", lambda a, ex: a[0] < a[1], lambda ex: (4, 2)),
    ]

    def parse(self, answer):
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise Unusable(f"Give two numbers. Received: {exercises.short(answer)}.")
        if not all(isinstance(n, int) for n in answer):
            raise Unusable("Give two ints.")
        return answer

    def reference(self):
        return (2, 4)


module = types.ModuleType("course_utils.exercises.nb99")
sys.modules[module.__name__] = module
PIXELS, PAIR = bind(module.__name__, PixelCount(), EvenPair())


def test_bind_numbers_the_exercises_and_makes_show_progress():
    assert (module.q1, module.q2) == (PIXELS, PAIR)
    assert (PIXELS.key, PAIR.key, PIXELS.notebook) == ("99.1", "99.2", "99")
    assert callable(module.show_progress)


def test_check_not_attempted():
    feedback = PIXELS.check(...)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "Replace the `...`" in feedback.message


def test_value_exercise_correct_mistake_rule_and_unknown():
    assert PIXELS.check(784).correct and PIXELS.check(np.int32(784)).message == "784 pixels."
    assert PIXELS.check(28).rule == "forgot_width"
    assert PIXELS.check(784.0).rule == "whole_number"
    unknown = PIXELS.check(100)
    assert unknown.outcome is Outcome.INCORRECT and unknown.rule is None
    assert "Your answer is 100" in unknown.message and "ex.q1.hint()" in unknown.message


def test_spec_exercise_reports_the_first_rule_that_fails():
    assert PAIR.check((2, 4)).correct
    assert PAIR.check((1, 3)).rule == "even"
    assert PAIR.check((4, 2)).message == "4 is not below 2."
    assert PAIR.check([2, 4]).rule == "parse"


def test_tuple_half_answered_names_the_part_still_missing():
    assert PAIR.check((2, ...)).message == "`high` is still `...`: give it a value too."
    assert PAIR.check((..., ...)).outcome is Outcome.NOT_ATTEMPTED


def test_none_is_explained():
    feedback = PIXELS.check(None)
    assert feedback.rule == "parse" and "did you forget to assign" in feedback.message


class Explosive(Exception):
    def __str__(self):
        raise RuntimeError("str of the error")


class Hostile:
    def __eq__(self, other):
        raise SystemExit("eq")

    __hash__ = object.__hash__

    def __repr__(self):
        raise RuntimeError("repr")


def test_catch_all_survives_system_exit_and_a_broken_str(monkeypatch):
    monkeypatch.setattr(PIXELS, "parse", lambda answer: answer == 1)
    feedback = PIXELS.check(Hostile())
    assert feedback.message.startswith(CATCH_ALL) and "SystemExit: eq" in feedback.message

    def explode(answer):
        raise Explosive()

    monkeypatch.setattr(PIXELS, "parse", explode)
    feedback = PIXELS.check(784)
    assert feedback.outcome is Outcome.INCORRECT and "Explosive: no message" in feedback.message


def test_keyboard_interrupt_is_not_swallowed(monkeypatch):
    def interrupt(answer):
        raise KeyboardInterrupt

    monkeypatch.setattr(PIXELS, "parse", interrupt)
    with pytest.raises(KeyboardInterrupt):
        PIXELS.check(784)


@given(
    st.one_of(
        st.none(),
        st.text(),
        st.integers(),
        st.floats(allow_nan=True),
        st.lists(st.integers()),
        hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=3, max_side=4)),
    )
)
def test_junk_never_reaches_the_catch_all(junk):
    for exercise in (PIXELS, PAIR):
        feedback = exercise.check(junk)
        assert not feedback.message.startswith(CATCH_ALL), feedback


def test_feedback_renders_as_markdown_and_text():
    feedback = Feedback("1.2", Outcome.INCORRECT, "You forgot the bias term.")
    assert feedback._repr_markdown_() == "✗ **Exercise 1.2, Incorrect.** You forgot the bias term."
    assert str(feedback) == "[incorrect] Exercise 1.2: You forgot the bias term."


def test_hint_levels():
    exercise = PixelCount()
    exercise.key = "9.1"
    assert repr(exercise.hint()).startswith("Hint 1/2: Multiply")
    assert "Call .hint() again" in repr(exercise.hint(1))
    assert repr(exercise.hint()) == "Hint 2/2: Two numbers from the shape."
    assert repr(exercise.hint()) == "Hint 2/2: Two numbers from the shape."  # stays at the last
    assert "Received: level=7" in repr(exercise.hint(7))
    assert "Received: level='1'" in repr(exercise.hint("1"))


def test_solution_comes_from_the_stored_solutions(monkeypatch):
    monkeypatch.setattr(exercises, "solution_code", lambda nb, key: "num_pixels = 28 * 28")
    shown = PIXELS.solution()
    assert "```python\nnum_pixels = 28 * 28\n```" in shown._repr_markdown_()
    assert "Solution to exercise 99.1:" in repr(shown)
    monkeypatch.setattr(exercises, "solution_code", lambda nb, key: None)
    assert "No stored solution" in repr(PIXELS.solution())


def test_progress_table():
    PIXELS.check(784)
    PAIR.check((1, 1))
    table = module.show_progress()
    assert table.counts() == {
        Outcome.CORRECT: 1,
        Outcome.INCORRECT: 1,
        Outcome.NOT_ATTEMPTED: 0,
        Outcome.NOT_CHECKED: 0,
    }
    assert "| 99.2 | An even pair | ✗ incorrect |" in table._repr_markdown_()


def test_say_fills_templates_and_never_raises_on_a_bad_repr():
    assert exercises.say("{a[0]} and {ex}", (1, 2), "ex") == "1 and ex"
    assert exercises.say("Got {a!r}.", Hostile(), None) == "Got a Hostile."
    assert exercises.say(lambda a, ex: f"{a + 1}", 1, None) == "2"


def test_number_rules():
    assert real_number(0.5).holds(np.float32(0.5), None)
    for junk in ("0.5", True, np.array([0.5]), float("nan"), None):
        assert not real_number(0.5).holds(junk, None)
    assert not whole_number(3).holds(3.0, None) and whole_number(3).holds(np.uint8(3), None)

    class Fraction(ValueExercise):
        rules = [computed("the data")]

        def expected(self):
            return 1 / 3

    fraction = Fraction()
    assert fraction.check(1 / 3).correct
    assert fraction.check(0.333).rule == "computed"
    assert fraction.check(0.5).rule is None


@pytest.mark.parametrize(
    ("answer", "reference", "same"),
    [
        (784, 784, True),
        (784.0, 784, False),
        (np.int64(784), 784, True),
        (True, 1, False),
        ("784", 784, False),
        (0.1 + 0.2, 0.3, True),
        (0.3001, 0.3, False),
        ((28, 28), (28, 28), True),
        ([28, 28], (28, 28), True),
        ((28,), (28, 28), False),
        (np.zeros(3, np.float32), np.zeros(3, np.float32), True),
        (np.zeros(3, np.float64), np.zeros(3, np.float32), False),
        (np.zeros(4, np.float32), np.zeros(3, np.float32), False),
        (np.full(3, np.nan, np.float32), np.zeros(3, np.float32), False),
    ],
)
def test_same_value(answer, reference, same):
    assert same_value(answer, reference) is same


def test_use_reference_data_switches_the_loader():
    exercises.use_reference_data(lambda name: f"fake {name}")
    try:
        assert exercises.reference_data("mnist") == "fake mnist"
    finally:
        exercises.use_reference_data(None)
    assert exercises.reference_data.cache_info().currsize == 0
