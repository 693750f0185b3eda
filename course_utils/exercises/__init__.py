"""Exercise checks: pass your answer in, and get a sentence back.

Each notebook has a module of exercises (``course_utils.exercises.nb01`` and so on)
whose attributes ``q1``, ``q2``, ... are ``Exercise`` objects::

    from course_utils.exercises import nb01 as ex

    answer = ...                  # your code here
    ex.q1.check(answer)           # not attempted / incorrect (and why) / correct
    ex.q1.hint()                  # hints come in levels: call again for the next
    ex.q1.solution()              # the worked answer from the solution notebook

``check`` never raises into the notebook: whatever it is given, it answers with
``Feedback`` that shows as Markdown in Jupyter and Colab and as text in a terminal.
"""

import enum
import importlib
import json
import sys
from functools import lru_cache
from importlib import resources

import numpy as np


class Outcome(enum.Enum):
    """What a check found."""

    NOT_ATTEMPTED = "not attempted"
    INCORRECT = "incorrect"
    CORRECT = "correct"


# Marks from the Dingbats block, which ordinary text fonts (DejaVu, Segoe UI Symbol, Menlo)
# cover: colour emoji such as U+2705 show as empty boxes where no emoji font is installed.
_ICONS = {Outcome.NOT_ATTEMPTED: "✎", Outcome.INCORRECT: "✗", Outcome.CORRECT: "✓"}


class Feedback:
    """The result of a check: an outcome, the exercise it belongs to, and a message.

    Example:
    >>> print(Feedback("1.1", Outcome.CORRECT, "Well done."))
    [correct] Exercise 1.1: Well done.
    """

    def __init__(self, key, outcome, message, mistake=None):
        self.key = key
        self.outcome = outcome
        self.message = message
        self.mistake = mistake  # the name of a recognised classic mistake, if any

    @property
    def correct(self):
        return self.outcome is Outcome.CORRECT

    def _repr_markdown_(self):
        label = self.outcome.value.capitalize()
        return f"{_ICONS[self.outcome]} **Exercise {self.key}, {label}.** {self.message}"

    def __str__(self):
        return f"[{self.outcome.value}] Exercise {self.key}: {self.message}"

    __repr__ = __str__


class Mistake:
    """A classic wrong answer, recognised by name.

    Args:
        name: a short identifier, e.g. ``"integer_division"``.
        message: the sentence a learner sees; it names the mistake.
        answer: a function of the exercise's reference data that returns the wrong
            value this mistake produces (compared like the right answer), or
        test: a predicate ``test(answer, exercise)`` for mistakes not tied to one value.
    """

    def __init__(self, name, message, answer=None, test=None):
        if (answer is None) == (test is None):
            raise TypeError(f"Mistake {name!r} needs exactly one of answer= or test=.")
        self.name = name
        self.message = message
        self.answer = answer
        self.test = test

    def matches(self, answer, exercise):
        if self.test is not None:
            return bool(self.test(answer, exercise))
        wrong = self.answer(exercise)
        return exercise.same(answer, wrong)


def is_whole_number(value):
    """Whether ``value`` is an int (Python or NumPy), not a bool or a float.

    Example:
    >>> is_whole_number(784), is_whole_number(np.int64(5)), is_whole_number(784.0)
    (True, True, False)
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_model(answer):
    """Whether ``answer`` is a Keras model (any kind: Sequential, Functional, subclassed).

    Example:
    >>> import keras
    >>> is_model(keras.Sequential()), is_model(keras.layers.Dense(1))
    (True, False)
    """
    import keras

    return isinstance(answer, keras.Model)


def layer_activation(layer):
    """The name of a layer's activation (``"relu"``, ``"softmax"``), or ``""`` if it has none.

    Example:
    >>> import keras
    >>> layer_activation(keras.layers.Dense(1, activation="relu"))
    'relu'
    """
    activation = layer.get_config().get("activation")
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "")


def is_placeholder(answer):
    """Whether the learner has not replaced the placeholder ``...`` yet.

    Example:
    >>> is_placeholder(...), is_placeholder(None), is_placeholder(0)
    (True, False, False)
    """
    return answer is Ellipsis


class Exercise:
    """One exercise: a check that computes the truth, classic mistakes, hints, solution.

    Subclasses (or instances) set ``key`` ("1.2"), ``title``, ``hints`` (a list, from
    gentle to nearly the answer), ``mistakes`` (a list of ``Mistake``), and define
    ``expected()``, which computes the right answer with NumPy or Keras. Override
    ``same`` for answers that are not numbers, tuples or arrays, and ``diagnose`` to
    explain a wrong answer that no catalogued mistake explains.
    """

    key = "?"
    title = ""
    notebook = ""
    hints = ()
    mistakes = ()

    def __init__(self):
        self._hint_level = 0
        self.last = None  # the last Feedback, for the progress table

    # --- what a subclass defines --------------------------------------------------------
    def expected(self):
        raise NotImplementedError

    def same(self, answer, reference):
        """Whether ``answer`` equals ``reference`` (type, shape and value)."""
        return _same(answer, reference)

    def validate(self, answer):
        """Return a message when the answer is of the wrong kind, else None."""
        return None

    def diagnose(self, answer, reference):
        """A message for a wrong answer that no catalogued mistake explains."""
        if answer is None:
            return (
                "Your answer is None: did you forget to assign the value (or to `return` "
                "it from your function)?"
            )
        return f"Your answer is {_short(answer)}; that is not it. Try `ex.q{self.number}.hint()`."

    # --- what a learner calls -----------------------------------------------------------
    @property
    def number(self):
        return self.key.split(".")[-1]

    def check(self, answer):
        """Check an answer; returns Feedback and never raises."""
        try:
            feedback = self._check(answer)
        except Exception as error:  # a check must never crash the learner's notebook
            feedback = Feedback(
                self.key,
                Outcome.INCORRECT,
                f"The check could not use your answer ({type(error).__name__}: "
                f"{_first_line(error)}). Is it the kind of value the exercise asks for?",
            )
        self.last = feedback
        return feedback

    def _check(self, answer):
        if is_placeholder(answer):
            return Feedback(
                self.key,
                Outcome.NOT_ATTEMPTED,
                "Replace the `...` in the cell above with your answer, run it, then run "
                "this cell again.",
            )
        problem = self.validate(answer)
        if problem:
            return Feedback(self.key, Outcome.INCORRECT, problem)
        reference = self.expected()
        if self.same(answer, reference):
            return Feedback(self.key, Outcome.CORRECT, self.praise(reference))
        for mistake in self.mistakes:
            if mistake.matches(answer, self):
                return Feedback(self.key, Outcome.INCORRECT, mistake.message, mistake.name)
        return Feedback(self.key, Outcome.INCORRECT, self.diagnose(answer, reference))

    def praise(self, reference):
        """The sentence shown with a correct answer."""
        return "Well done."

    def hint(self, level=None):
        """Show the next hint (or hint number ``level``, from 1)."""
        if not self.hints:
            return _Text("There is no hint for this one; try `.solution()`.")
        if level is None:
            self._hint_level = min(self._hint_level + 1, len(self.hints))
            level = self._hint_level
        if not isinstance(level, int) or not 1 <= level <= len(self.hints):
            return _Text(f"Hints go from 1 to {len(self.hints)}. Received: level={level!r}.")
        more = " Call `.hint()` again for more." if level < len(self.hints) else ""
        return _Text(f"Hint {level}/{len(self.hints)}: {self.hints[level - 1]}{more}")

    def solution(self):
        """Show the worked answer, taken from the solution notebook."""
        code = solution_code(self.notebook, self.key)
        if code is None:
            return _Text(f"No stored solution for exercise {self.key}.")
        return _Code(f"Solution to exercise {self.key}:", code)


class TupleExercise(Exercise):
    """An exercise whose answer is a tuple of values the learner copy sets to ``...``.

    All parts still ``...``: "not attempted". Some of them: also "not attempted", unless
    ``names`` names the parts, and then the feedback names the one still missing.
    """

    names = ()

    def _check(self, answer):
        parts = answer if isinstance(answer, (tuple, list)) else ()
        missing = [is_placeholder(part) for part in parts]
        if any(missing) and not self.names:
            answer = ...
        elif any(missing) and len(parts) == len(self.names):
            if not all(missing):
                still = self.names[missing.index(True)]
                message = f"`{still}` is still `...`: give it a value too."
                return Feedback(self.key, Outcome.INCORRECT, message)
            answer = ...
        return super()._check(answer)


def kind(value):
    """The type name of ``value``, for messages such as "Received: list."

    Example:
    >>> kind([1, 2]), kind(None)
    ('list', 'NoneType')
    """
    return type(value).__name__


class WholeNumberExercise(Exercise):
    """An exercise whose answer is one whole number (``26.0`` is accepted as ``26``)."""

    unit = "whole number"
    example = 26

    def validate(self, answer):
        if not is_whole_number(answer) and not isinstance(answer, float):
            return f"Give one {self.unit}, e.g. `{self.example}`. Received: {_short(answer)}."
        return None

    def same(self, answer, reference):
        if isinstance(answer, float):
            return answer.is_integer() and int(answer) == reference
        return is_whole_number(answer) and int(answer) == reference


def progress(module):
    """A table of this notebook's exercises and their last outcome in this kernel.

    Args:
        module: an exercise module, e.g. ``course_utils.exercises.nb01``.
    """
    rows = []
    for name in sorted(vars(module)):
        exercise = getattr(module, name)
        if name.startswith("q") and isinstance(exercise, Exercise):
            outcome = exercise.last.outcome if exercise.last else Outcome.NOT_ATTEMPTED
            rows.append((exercise.key, exercise.title, outcome))
    return _Progress(rows)


def progress_for(module_name):
    """The ``show_progress()`` function of an exercise module: ``progress_for(__name__)``."""

    def show_progress():
        """The exercises of this notebook and how each went in this kernel."""
        return progress(sys.modules[module_name])

    return show_progress


@lru_cache(maxsize=1)
def _solutions():
    try:
        text = resources.files("course_utils.exercises").joinpath("solutions.json").read_text()
        return json.loads(text)
    except (OSError, ValueError):  # not built yet: solution() says so instead of failing
        return {}


def solution_code(notebook, key):
    """The solution code of exercise ``key`` in ``notebook``, as the build stored it."""
    return _solutions().get(notebook, {}).get(key)


@lru_cache(maxsize=2)
def reference_data(name):
    """The data set a notebook loaded (same settings, same source), for checks."""
    from course_utils.data import load_cifar10, load_mnist

    loader = {"mnist": load_mnist, "cifar10": load_cifar10}[name]
    return loader(verbose=False)


def load(notebook):
    """The exercise module of a notebook, e.g. ``load("01")``."""
    return importlib.import_module(f"course_utils.exercises.nb{notebook}")


# --- comparing and describing answers ---------------------------------------------------


def _same(answer, reference):
    if isinstance(reference, bool) or isinstance(answer, bool):
        return type(answer) is type(reference) and answer == reference
    if isinstance(reference, (int, float, np.integer, np.floating)):
        if not isinstance(answer, (int, float, np.integer, np.floating)):
            return False
        return bool(np.isclose(float(answer), float(reference), rtol=1e-6, atol=1e-9))
    if isinstance(reference, tuple):
        return (
            isinstance(answer, (tuple, list))
            and len(answer) == len(reference)
            and all(_same(a, r) for a, r in zip(answer, reference, strict=True))
        )
    if isinstance(reference, np.ndarray):
        return (
            isinstance(answer, np.ndarray)
            and answer.shape == reference.shape
            and answer.dtype == reference.dtype
            and bool(np.allclose(answer, reference, equal_nan=False))
        )
    return answer == reference


def _short(value, limit=80):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0][:160] if text else "no message"


class _Text:
    def __init__(self, text):
        self.text = text

    def _repr_markdown_(self):
        return self.text

    def __repr__(self):
        return self.text.replace("`", "")


class _Code:
    def __init__(self, title, code):
        self.title = title
        self.code = code

    def _repr_markdown_(self):
        return f"{self.title}\n\n```python\n{self.code}\n```"

    def __repr__(self):
        return f"{self.title}\n\n{self.code}"


class _Progress:
    def __init__(self, rows):
        self.rows = rows

    def counts(self):
        return {o: sum(1 for *_, outcome in self.rows if outcome is o) for o in Outcome}

    def _repr_markdown_(self):
        lines = ["| Exercise | | Status |", "|---|---|---|"]
        lines += [f"| {k} | {t} | {_ICONS[o]} {o.value} |" for k, t, o in self.rows]
        return "\n".join(lines)

    def __repr__(self):
        return "\n".join(f"{k:>5}  {o.value:<14} {t}" for k, t, o in self.rows)
