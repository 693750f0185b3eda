"""Tests for the exercise machinery in course_utils.exercises."""

import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils import exercises
from course_utils.exercises import Exercise, Feedback, Mistake, Outcome


class PixelCount(Exercise):
    """A toy exercise: the number of pixels in a 28x28 image, as an int."""

    key = "9.1"
    title = "Pixels in one image"
    notebook = "99"
    hints = ["Multiply the height by the width.", "`28 * 28`"]
    mistakes = [
        Mistake(
            "forgot_width",
            "You counted one side only: multiply by the width too.",
            answer=lambda ex: 28,
        ),
        Mistake(
            "float",
            "A count is a whole number: use `*`, not division.",
            test=lambda answer, ex: isinstance(answer, float),
        ),
    ]

    def expected(self):
        return 28 * 28


@pytest.fixture
def exercise():
    return PixelCount()


def test_check_not_attempted(exercise):
    feedback = exercise.check(...)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "Replace the `...`" in feedback.message


def test_check_correct(exercise):
    feedback = exercise.check(784)
    assert feedback.correct and feedback.outcome is Outcome.CORRECT


def test_check_catalogued_mistakes(exercise):
    assert exercise.check(28).mistake == "forgot_width"
    assert exercise.check(784.5).mistake == "float"
    assert exercise.check(28).message.startswith("You counted one side only")


def test_check_unknown_wrong_answer(exercise):
    feedback = exercise.check(100)
    assert feedback.outcome is Outcome.INCORRECT and feedback.mistake is None
    assert "Your answer is 100" in feedback.message


class Exploding(PixelCount):
    def validate(self, answer):
        raise RuntimeError("boom\nsecond line")


def test_check_never_raises():
    feedback = Exploding().check(1)
    assert feedback.outcome is Outcome.INCORRECT
    assert "RuntimeError: boom)" in feedback.message


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
def test_check_random_junk_never_raises(junk):
    feedback = PixelCount().check(junk)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.CORRECT)


def test_feedback_renders_as_markdown_and_text():
    feedback = Feedback("1.2", Outcome.INCORRECT, "You forgot the bias term.")
    assert feedback._repr_markdown_() == "✗ **Exercise 1.2, Incorrect.** You forgot the bias term."
    assert str(feedback) == "[incorrect] Exercise 1.2: You forgot the bias term."


def test_hint_levels(exercise):
    assert repr(exercise.hint()).startswith("Hint 1/2: Multiply")
    assert "Call .hint() again" in repr(exercise.hint(1))
    assert repr(exercise.hint()) == "Hint 2/2: 28 * 28"
    assert repr(exercise.hint()) == "Hint 2/2: 28 * 28"  # stays at the last level
    assert "Received: level=7" in repr(exercise.hint(7))


def test_solution_comes_from_the_stored_solutions(exercise, monkeypatch):
    monkeypatch.setattr(exercises, "_solutions", lambda: {"99": {"9.1": "num_pixels = 28 * 28"}})
    shown = exercise.solution()
    assert "num_pixels = 28 * 28" in shown._repr_markdown_()
    assert "```python" in shown._repr_markdown_()
    monkeypatch.setattr(exercises, "_solutions", lambda: {})
    assert "No stored solution" in repr(exercise.solution())


def test_progress_table():
    module = types.SimpleNamespace(q1=PixelCount(), q2=PixelCount(), q3=PixelCount())
    module.q2.key, module.q3.key = "9.2", "9.3"
    module.q1.check(784)
    module.q2.check(28)
    table = exercises.progress(module)
    counts = table.counts()
    assert counts == {Outcome.CORRECT: 1, Outcome.INCORRECT: 1, Outcome.NOT_ATTEMPTED: 1}
    assert "| 9.2 | Pixels in one image | ✗ incorrect |" in table._repr_markdown_()


def test_mistake_needs_one_detector():
    with pytest.raises(TypeError, match="exactly one of answer= or test="):
        Mistake("x", "msg")


@pytest.mark.parametrize(
    ("answer", "reference", "same"),
    [
        (784, 784, True),
        (784.0, 784, True),
        (np.int64(784), 784, True),
        (True, 1, False),
        ("784", 784, False),
        ((28, 28), (28, 28), True),
        ([28, 28], (28, 28), True),
        ((28,), (28, 28), False),
        (np.zeros(3, np.float32), np.zeros(3, np.float32), True),
        (np.zeros(3, np.float64), np.zeros(3, np.float32), False),
        (np.zeros(4, np.float32), np.zeros(3, np.float32), False),
        (np.full(3, np.nan, np.float32), np.zeros(3, np.float32), False),
    ],
)
def test_same(answer, reference, same):
    assert exercises._same(answer, reference) is same
