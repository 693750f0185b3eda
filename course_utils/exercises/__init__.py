"""Exercise checks: pass your answer in, and get a sentence back.

Each notebook has a module of exercises (``course_utils.exercises.nb01`` and so on)
whose attributes ``q1``, ``q2``, ... are exercises::

    from course_utils.exercises import nb01 as ex

    answer = ...                  # your code here
    ex.q1.check(answer)           # not attempted / incorrect (and why) / correct
    ex.q1.hint()                  # hints come in levels: call again for the next
    ex.q1.solution()              # the worked answer from the solution notebook

How a check is written: ``parse`` turns the answer into what the rules read (or raises
``Unusable`` with a sentence), then an ordered table of ``Rule`` objects runs, one per
requirement the exercise's text states or implies and one per catalogued classic mistake.
The first rule that fails is the feedback, with its sentence from the exercise's
``messages``. A ``SpecExercise`` is correct when no rule fails; a ``ValueExercise`` when no
rule fails and the answer is the value ``expected()`` computes from the notebook's data.
Each rule carries an answer that breaks it, which the tests check is refused by name.
"""

import enum
import importlib
import json
import string
import sys
from functools import lru_cache
from importlib import resources

import numpy as np


class Outcome(enum.Enum):
    """What a check found."""

    NOT_ATTEMPTED = "not attempted"
    INCORRECT = "incorrect"
    CORRECT = "correct"
    NOT_CHECKED = "not checked"  # the check's own data could not be loaded


# Marks from the Dingbats block, which ordinary text fonts (DejaVu, Segoe UI Symbol, Menlo)
# cover: colour emoji such as U+2705 show as empty boxes where no emoji font is installed.
ICONS = {
    Outcome.NOT_ATTEMPTED: "✎",
    Outcome.INCORRECT: "✗",
    Outcome.CORRECT: "✓",
    Outcome.NOT_CHECKED: "❢",
}
CATCH_ALL = "The check could not use your answer"


class Feedback:
    """The result of a check: the exercise's key, an outcome, a message, and the name of the
    rule an incorrect answer broke (``"parse"`` when it could not be read).

    Example:
    >>> print(Feedback("1.1", Outcome.CORRECT, "Well done."))
    [correct] Exercise 1.1: Well done.
    """

    def __init__(self, key, outcome, message, rule=None):
        self.key, self.outcome, self.message, self.rule = key, outcome, message, rule

    @property
    def correct(self):
        return self.outcome is Outcome.CORRECT

    def _repr_markdown_(self):
        label = self.outcome.value.capitalize()
        return f"{ICONS[self.outcome]} **Exercise {self.key}, {label}.** {self.message}"

    def __str__(self):
        return f"[{self.outcome.value}] Exercise {self.key}: {self.message}"

    __repr__ = __str__


class Unusable(Exception):
    """Raised by ``parse`` when the rules cannot read an answer; its message is the sentence
    the learner sees."""


class Rule:
    """One requirement of an exercise, or one catalogued classic mistake.

    Args:
        name: the rule's name: ``Feedback.rule`` of an answer that breaks it, and the key of
            its sentence in the exercise's ``messages``.
        holds: ``holds(parsed, exercise)``, true when the answer meets the requirement; it
            may assume that every earlier rule holds.
        breaks: ``breaks(exercise)``, an answer that breaks this rule and no earlier one.
        mistake: a catalogued classic mistake, whose specific sentence may come before a
            requirement that the same answer also breaks.
        message: the sentence, for rules made outside an exercise (``whole_number``);
            otherwise it is ``exercise.messages[name]``.

    Example:
    >>> rule = Rule("even", lambda n, ex: n % 2 == 0, lambda ex: 3, message="Give an even number.")
    >>> rule.holds(4, None), rule.breaks(None)
    (True, 3)
    """

    def __init__(self, name, holds, breaks, mistake=False, message=None):
        self.name, self.holds, self.breaks = name, holds, breaks
        self.mistake, self.message = mistake, message

    def __repr__(self):
        return f"Rule({self.name!r})"


def mistake(name, wrong):
    """A catalogued wrong value: the rule fails when the parsed answer is the parsed
    ``wrong(exercise)``, as the exercise's ``same`` compares them.

    Example:
    >>> rule = mistake("percentage", lambda ex: 81.0)
    >>> rule.name, rule.mistake, rule.breaks(None)
    ('percentage', True, 81.0)
    """

    def holds(parsed, exercise):
        try:
            return not exercise.same(parsed, exercise.parse(wrong(exercise)))
        except Unusable:
            return True

    return Rule(name, holds, wrong, mistake=True)


def mistakes(wrong_values):
    """A ``mistake`` rule per fixed wrong value, ``{rule name: wrong value}``, in order.

    Example:
    >>> [(rule.name, rule.breaks(None)) for rule in mistakes({"forgot_bias": 90, "one": 10})]
    [('forgot_bias', 90), ('one', 10)]
    """
    return [mistake(name, lambda ex, w=w: w) for name, w in wrong_values.items()]


def is_whole_number(value):
    """Whether ``value`` is an int (Python or NumPy), not a bool or a float.

    Example:
    >>> is_whole_number(784), is_whole_number(np.int64(5)), is_whole_number(784.0)
    (True, True, False)
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real_number(value):
    """Whether ``value`` is a finite int or float (Python or NumPy scalar), not a bool.

    Example:
    >>> is_real_number(0.5), is_real_number(np.float32(1)), is_real_number("0.5")
    (True, True, False)
    """
    numbers = (int, float, np.integer, np.floating)
    return isinstance(value, numbers) and not isinstance(value, bool) and bool(np.isfinite(value))


def short(value, limit=80):
    """A short description of ``value`` for a message, which never raises.

    Example:
    >>> short(np.zeros((2, 3))), short(np.int64(7)), short("x" * 100)[-5:]
    ('an array of shape (2, 3) and dtype float64', 'np.int64(7)', 'xx...')
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):  # the type shows, whatever NumPy's own repr does
        return f"np.{type(value).__name__}({value})"
    try:
        text = repr(value)
    except Exception:  # a repr that raises still gets a description
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Say(string.Formatter):
    def convert_field(self, value, conversion):  # `!r` describes in short, never raises
        return short(value) if conversion == "r" else super().convert_field(value, conversion)


def say(template, parsed, exercise):
    """A message from a template: ``{a}`` is the parsed answer, ``{ex}`` the exercise, and
    ``!r`` describes a value in short; a function ``template(parsed, exercise)`` also works.

    Example:
    >>> say("Received: {a!r}.", "x" * 3, None)
    "Received: 'xxx'."
    """
    return (
        template(parsed, exercise)
        if callable(template)
        else _Say().format(template, a=parsed, ex=exercise)
    )


def same_value(answer, reference):
    """Whether ``answer`` is ``reference``: same kind, shape and dtype, equal values.

    Whole numbers compare exactly, other numbers with a relative tolerance of 1e-9, tuples
    and lists part by part, arrays by shape, dtype and value; bools only equal bools.

    Example:
    >>> same_value(784, 784), same_value((28, 28), [28, 28]), same_value(True, 1)
    (True, True, False)
    """
    if isinstance(reference, (bool, np.bool_)) or isinstance(answer, (bool, np.bool_)):
        return type(answer) is type(reference) and answer == reference
    if is_whole_number(reference):
        return is_whole_number(answer) and int(answer) == int(reference)
    if is_real_number(reference):
        return is_real_number(answer) and bool(np.isclose(answer, reference, rtol=1e-9, atol=0))
    if isinstance(reference, (tuple, list)):
        return (
            isinstance(answer, (tuple, list))
            and len(answer) == len(reference)
            and all(same_value(a, r) for a, r in zip(answer, reference, strict=True))
        )
    if isinstance(reference, np.ndarray):
        return (
            isinstance(answer, np.ndarray)
            and answer.shape == reference.shape
            and answer.dtype == reference.dtype
            and bool(np.allclose(answer, reference, rtol=1e-6, atol=1e-9))
        )
    return type(answer) is type(reference) and bool(answer == reference)


class Exercise:
    """What every exercise has: a title, hints, rules with their messages, and the learner's
    interface (``check``, ``hint``, ``solution``).

    Subclasses set ``title``, ``hints`` (from gentle to one step short of the answer),
    ``rules`` (an ordered list of ``Rule``, or a property that builds one) and ``messages``
    (``{rule name: template}`` for ``say``, and ``"praise"`` for a correct answer), and
    define ``parse`` and ``reference`` (the answer a worked solution gives). ``names`` names
    the parts of a tuple answer, so that a half-answered tuple names the part still ``...``.
    ``bind`` sets ``key`` and ``notebook``.
    """

    key, notebook, title = "?", "", ""
    hints, rules, names, messages = (), (), (), {}

    def __init__(self):
        self._hint_level = 0
        self.last = None  # the last Feedback, for the progress table

    def parse(self, answer):
        """The answer as the rules read it; raises ``Unusable`` with a sentence if it can't."""
        return answer

    def reference(self):
        """The answer the worked solution gives."""
        raise NotImplementedError

    def same(self, parsed, value):
        """Whether a parsed answer is ``value`` (also how ``mistake`` rules compare)."""
        return same_value(parsed, value)

    def remaining(self, parsed):
        """After every rule holds: a message if the answer is still wrong, else None."""
        return None

    def praise(self, parsed):
        """The sentence shown with a correct answer."""
        return say(self.messages.get("praise", "Well done."), parsed, self)

    @property
    def number(self):
        return self.key.split(".")[-1]

    def check(self, answer):
        """Check an answer; returns Feedback and never raises."""
        try:
            feedback = self._check(answer)
        except KeyboardInterrupt:
            raise
        except ReferenceDataError as error:  # the data is the problem, not the answer
            feedback = Feedback(self.key, Outcome.NOT_CHECKED, str(error), "data")
        except BaseException as error:  # SystemExit from an answer's __eq__ included
            why = f"{CATCH_ALL} ({_describe_error(error)}). Is it the kind of value asked for?"
            feedback = Feedback(self.key, Outcome.INCORRECT, why)
        self.last = feedback
        return feedback

    def _check(self, answer):
        missing = self._missing_part(answer)
        if missing is Ellipsis:
            message = "Replace the `...` in the cell above with your answer, run it, then run this cell again."
            return Feedback(self.key, Outcome.NOT_ATTEMPTED, message)
        if missing:
            return self._incorrect(f"`{missing}` is still `...`: give it a value too.", "parts")
        if answer is None:
            message = "Your answer is None: did you forget to assign the value (or to `return` it)?"
            return self._incorrect(message, "parse")
        try:
            parsed = self.parse(answer)
        except Unusable as why:
            return self._incorrect(str(why), "parse")
        for rule in self.rules:
            if not rule.holds(parsed, self):
                template = rule.message if rule.message is not None else self.messages[rule.name]
                return self._incorrect(say(template, parsed, self), rule.name)
        problem = self.remaining(parsed)
        if problem:
            return self._incorrect(problem, None)
        return Feedback(self.key, Outcome.CORRECT, self.praise(parsed))

    def _missing_part(self, answer):
        """Ellipsis when nothing is answered, the name of a part still ``...``, or None."""
        if answer is Ellipsis:
            return Ellipsis
        parts = answer if isinstance(answer, (tuple, list)) else ()
        missing = [part is Ellipsis for part in parts]
        if not any(missing):
            return None
        if not self.names or len(parts) != len(self.names) or all(missing):
            return Ellipsis
        return self.names[missing.index(True)]

    def _incorrect(self, message, rule):
        return Feedback(self.key, Outcome.INCORRECT, message, rule)

    def hint(self, level=None):
        """Show the next hint (or hint number ``level``, from 1)."""
        if not self.hints:
            return _Shown("There is no hint for this one; try `.solution()`.")
        if level is None:
            self._hint_level = min(self._hint_level + 1, len(self.hints))
            level = self._hint_level
        if not is_whole_number(level) or not 1 <= level <= len(self.hints):
            return _Shown(f"Hints go from 1 to {len(self.hints)}. Received: level={level!r}.")
        more = " Call `.hint()` again for more." if level < len(self.hints) else ""
        return _Shown(f"Hint {level}/{len(self.hints)}: {self.hints[level - 1]}{more}")

    def solution(self):
        """Show the worked answer, taken from the solution notebook."""
        code = solution_code(self.notebook, self.key)
        if code is None:
            return _Shown(f"No stored solution for exercise {self.key}.")
        title = f"Solution to exercise {self.key}:"
        return _Shown(f"{title}\n\n```python\n{code}\n```", f"{title}\n\n{code}")


class SpecExercise(Exercise):
    """An exercise whose answer is right when it meets every rule of its specification."""


class ValueExercise(Exercise):
    """An exercise with one right value, ``expected()``, computed from the notebook's data;
    an answer that passes every rule is correct only if it is that value."""

    def expected(self):
        raise NotImplementedError

    def reference(self):
        return self.expected()

    def remaining(self, parsed):
        if self.same(parsed, self.expected()):
            return None
        return f"Your answer is {short(parsed)}; that is not it. Try `ex.q{self.number}.hint()`."


def whole_number(example, what="whole number"):
    """The rule that an answer is an int (Python or NumPy): a count or a size is exact, so a
    float such as ``26.0`` (often ``/`` where the formula floors) is refused.

    Example:
    >>> whole_number(26).holds(26.0, None)
    False
    """

    def message(parsed, ex):
        why = " (a float: use `//` where the formula rounds down, or `int(...)`)"
        return f"Give one {what}, an int such as `{example}`. Received: {short(parsed)}" + (
            f"{why}." if isinstance(parsed, (float, np.floating)) else "."
        )

    return Rule(
        "whole_number",
        lambda a, ex: is_whole_number(a),
        lambda ex: float(ex.reference()),
        message=message,
    )


def real_number(example, what="number"):
    """The rule that an answer is one finite number (not a string, an array or a bool).

    Example:
    >>> real_number(0.5).holds("0.5", None), real_number(0.5).holds(np.float64(0.5), None)
    (False, True)
    """
    message = f"Give one {what}, e.g. `{example}`. Received: {{a!r}}."
    return Rule(
        "number", lambda a, ex: is_real_number(a), lambda ex: str(ex.reference()), message=message
    )


def computed(source, tolerance=5e-3):
    """The rule that a number was computed, not typed in: within ``tolerance`` of the
    expected value but not the value is a rounded copy.

    Example:
    >>> computed("`x_train`").name
    'computed'
    """
    message = (
        f"Close, but not exact: compute it from {source} rather than typing in a rounded number."
    )

    def holds(parsed, ex):
        return ex.same(parsed, ex.expected()) or abs(parsed - ex.expected()) > tolerance

    return Rule("computed", holds, lambda ex: ex.expected() + tolerance / 10, message=message)


def bind(module_name, *exercises):
    """Number the exercises of a module (``nb05``: keys 5.1, 5.2, ...), make them its
    ``q1``, ``q2``, ... and give it ``show_progress()``. Returns the exercises."""
    module = sys.modules[module_name]
    notebook = module_name.rsplit(".nb", 1)[-1]
    for number, exercise in enumerate(exercises, start=1):
        exercise.key, exercise.notebook = f"{int(notebook)}.{number}", notebook
        setattr(module, f"q{number}", exercise)

    def show_progress():
        """The exercises of this notebook and how each went in this kernel."""
        return progress(module)

    module.show_progress = show_progress
    return exercises


def exercises_of(module):
    """The exercises ``q1``, ``q2``, ... of an exercise module, in order."""
    found = {
        int(name[1:]): value for name, value in vars(module).items() if isinstance(value, Exercise)
    }
    return [found[number] for number in sorted(found)]


def progress(module):
    """A table of a notebook's exercises and their last outcome in this kernel."""
    rows = []
    for exercise in exercises_of(module):
        outcome = exercise.last.outcome if exercise.last else Outcome.NOT_ATTEMPTED
        rows.append((exercise.key, exercise.title, outcome))
    return _Progress(rows)


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


def _default_loader(name):
    from course_utils.data import load_cifar10, load_mnist

    return {"mnist": load_mnist, "cifar10": load_cifar10}[name](verbose=False)


_loader = _default_loader


_TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}


class ReferenceDataError(Exception):
    """The data a check computes its truth from could not be loaded; its message says which
    file and what is wrong, and that the answer was not judged."""

    def __init__(self, name, error):
        super().__init__(
            f"Your answer was not judged: the {_TITLES.get(name, name)} data this check needs "
            f"could not be loaded. {_describe_data_error(error)} Fix or remove that file (or "
            "unset COURSE_DATA_DIR), then run this check again."
        )


def _describe_data_error(error):
    from course_utils.data import DataFileError, DataUnavailableError

    if isinstance(error, (DataFileError, DataUnavailableError)):
        return str(error).strip()  # DataFileError: "<file>: <what is wrong>"
    return f"({_describe_error(error)})."


@lru_cache(maxsize=2)
def reference_data(name):
    """The data set a notebook loaded, ``"mnist"`` or ``"cifar10"`` (same settings, same
    source), from which checks compute the truth.

    Raises:
        ReferenceDataError: it could not be loaded (a check then says so, NOT_CHECKED).
    """
    try:
        return _loader(name)
    except Exception as error:  # any failure of the loader: the answer cannot be judged
        raise ReferenceDataError(name, error) from error


def use_reference_data(loader=None):
    """Make checks compute their truth from ``loader(name)`` (tests use the stand-in);
    ``None`` restores the notebooks' loaders."""
    global _loader
    _loader = loader or _default_loader
    reference_data.cache_clear()


def load(notebook):
    """The exercise module of a notebook, e.g. ``load("01")``."""
    return importlib.import_module(f"course_utils.exercises.nb{notebook}")


def _describe_error(error):
    """``Type: first line`` of an exception, even when its ``__str__`` raises."""
    try:
        text = str(error).strip()
    except Exception:
        text = ""
    return f"{type(error).__name__}: {text.splitlines()[0][:160] if text else 'no message'}"


class _Shown:
    """Markdown for Jupyter and plain text for a terminal: a hint or a solution."""

    def __init__(self, markdown, text=None):
        self.markdown, self.text = markdown, text or markdown.replace("`", "")

    def _repr_markdown_(self):
        return self.markdown

    def __repr__(self):
        return self.text


class _Progress:
    def __init__(self, rows):
        self.rows = rows

    def counts(self):
        return {o: sum(1 for *_, outcome in self.rows if outcome is o) for o in Outcome}

    def _repr_markdown_(self):
        lines = ["| Exercise | | Status |", "|---|---|---|"]
        lines += [f"| {k} | {t} | {ICONS[o]} {o.value} |" for k, t, o in self.rows]
        return "\n".join(lines)

    def __repr__(self):
        return "\n".join(f"{k:>5}  {o.value:<14} {t}" for k, t, o in self.rows)
