"""Every exercise, from its own rule table: the reference answer is correct; an answer made
to break one requirement is refused and the feedback names that requirement (or a
catalogued mistake listed before it); junk is refused by a rule, never by the catch-all;
the catch-all itself cannot raise; hints stop one step short of the solution."""

import ast
import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils.exercises import (
    CATCH_ALL,
    Outcome,
    exercises_of,
    load,
    same_value,
    solution_code,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]


def _load_all():
    """Every exercise, and the modules that failed to import (a test reports them)."""
    found, broken = [], {}
    for notebook in NOTEBOOKS:
        try:
            found += exercises_of(load(notebook))
        except Exception as error:  # reported by the first test, not as a collection error
            broken[notebook] = repr(error)
    return found, broken


# Rule tables are built without reading any data (their rules read it when they run).
EXERCISES, BROKEN = _load_all()
RULES = [(exercise, rule) for exercise in EXERCISES for rule in exercise.rules]


def _ids(values):
    return [v.key if hasattr(v, "key") else v[0].key + ":" + v[1].name for v in values]


def test_every_exercise_heading_of_the_notebooks_has_its_check():
    assert not BROKEN
    headings = set()
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            headings |= set(re.findall(r"^### Exercise (\d+\.\d+)", "".join(cell["source"]), re.M))
    assert sorted({exercise.key for exercise in EXERCISES}) == sorted(headings)
    assert len(EXERCISES) == len(headings) == 45


@pytest.mark.parametrize("exercise", EXERCISES, ids=_ids(EXERCISES))
def test_reference_answer_is_correct(exercise):
    feedback = exercise.check(exercise.reference())
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize("exercise", EXERCISES, ids=_ids(EXERCISES))
def test_rule_table_is_well_formed(exercise):
    names = [rule.name for rule in exercise.rules]
    assert len(names) == len(set(names)), f"duplicate rule names in {exercise.key}: {names}"
    assert exercise.title and exercise.hints
    unsaid = [
        r.name for r in exercise.rules if r.message is None and r.name not in exercise.messages
    ]
    assert not unsaid, f"rules without a message: {unsaid}"
    unused = set(exercise.messages) - set(names) - {"praise"}
    assert not unused, f"messages no rule uses: {unused}"


@pytest.mark.parametrize(("exercise", "rule"), RULES, ids=_ids(RULES))
def test_an_answer_that_breaks_a_rule_is_refused_by_name(exercise, rule, build):
    feedback = exercise.check(build(rule.breaks, exercise))
    assert feedback.outcome is Outcome.INCORRECT, f"{rule.name}: {feedback}"
    names = [r.name for r in exercise.rules]
    fired = feedback.rule
    earlier_mistake = (
        fired in names
        and names.index(fired) < names.index(rule.name)
        and exercise.rules[names.index(fired)].mistake
    )
    assert fired == rule.name or earlier_mistake, f"{rule.name} -> {fired}: {feedback.message}"
    assert feedback.message and not feedback.message.startswith(CATCH_ALL)


def _junk():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    return [
        "",
        "sparse",
        0,
        -1,
        3.5,
        float("nan"),
        float("inf"),
        True,
        [],
        (),
        {},
        {"a": 1},
        [1, 2, 3],
        (1, "x"),
        np.array([]),
        np.zeros((2, 2)),
        np.array(["a", "b"]),
        np.float64(0.5),
        object(),
        print,
        int,
        keras.layers.Dense(3),
        model,
        keras.optimizers.Adam(),
        keras.callbacks.EarlyStopping(),
    ]


JUNK = _junk()


@pytest.mark.parametrize("exercise", EXERCISES, ids=_ids(EXERCISES))
def test_junk_is_refused_by_a_rule_not_the_catch_all(exercise):
    for junk in JUNK:
        feedback = exercise.check(junk)
        if feedback.correct and same_value(junk, exercise.reference()):
            continue  # junk that is this exercise's answer (Flatten's 0 parameters in 4.4)
        assert feedback.outcome is Outcome.INCORRECT, f"{junk!r}: {feedback}"
        assert not feedback.message.startswith(CATCH_ALL), f"{junk!r}: {feedback}"


class _Hostile:
    """An answer whose every method raises, the way a broken object might."""

    def __eq__(self, other):
        raise SystemExit("from __eq__")

    __ne__ = __lt__ = __gt__ = __eq__
    __hash__ = object.__hash__

    def __repr__(self):
        raise RuntimeError("from __repr__")

    def __str__(self):
        raise RuntimeError("from __str__")

    def __len__(self):
        raise SystemExit("from __len__")

    def __iter__(self):
        raise ValueError("from __iter__")

    def __getattr__(self, name):
        raise SystemExit(f"from __getattr__({name})")


class _StrRaises(Exception):
    def __str__(self):
        raise RuntimeError("from __str__")


@pytest.mark.parametrize("exercise", EXERCISES, ids=_ids(EXERCISES))
def test_catch_all_cannot_raise(exercise, monkeypatch):
    feedback = exercise.check(_Hostile())
    assert feedback.outcome is Outcome.INCORRECT

    def explode(answer):
        raise _StrRaises()

    monkeypatch.setattr(exercise, "parse", explode)
    feedback = exercise.check(exercise.reference())
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.message.startswith(CATCH_ALL) and "_StrRaises" in feedback.message


def _solution_expressions(code):
    """The right-hand side of each assignment in a stored solution, spaces removed."""
    tree = ast.parse(code)
    values = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)]
    flat = [re.sub(r"\s+", "", ast.get_source_segment(code, value)) for value in values]
    return [expression for expression in flat if len(expression) >= 8]


@pytest.mark.parametrize("exercise", EXERCISES, ids=_ids(EXERCISES))
def test_hints_stop_one_step_short_of_the_solution(exercise):
    code = solution_code(exercise.notebook, exercise.key)
    assert code, f"no stored solution for {exercise.key}"
    for hint in exercise.hints:
        flat = re.sub(r"\s+", "", hint.replace("`", ""))
        for expression in _solution_expressions(code):
            assert expression not in flat, f"hint gives the solution away: {hint!r}"
