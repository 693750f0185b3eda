"""The exercise checks compute their truth from the data a notebook loaded: in these tests,
the offline stand-in, which is small, always there and the same on every machine.

A test module's ``MISTAKES`` table lists its catalogued mistakes, one row each:
``(exercise, rule name, answer)``, where the answer is a value or a function that makes it.
A test that takes the ``mistake`` fixture runs once per row.

An answer that the installed Keras itself refuses to build (Keras 3.6 refuses a
``ModelCheckpoint`` writing a whole model to ``.h5``, later versions accept it) cannot reach
a check, so its test is skipped there, saying so (the ``build`` fixture)."""

import traceback
from functools import lru_cache

import keras
import pytest

from course_utils import exercises
from course_utils.data import load_cifar10, load_mnist


@lru_cache(maxsize=2)
def standin(name):
    loader = {"mnist": load_mnist, "cifar10": load_cifar10}[name]
    return loader("standin", verbose=False)


@pytest.fixture(autouse=True)
def standin_data():
    exercises.use_reference_data(standin)
    yield standin
    exercises.use_reference_data(None)


def pytest_generate_tests(metafunc):
    if "mistake" in metafunc.fixturenames:
        rows = metafunc.module.MISTAKES
        ids = [f"{e.key}-{name}" + ("" if callable(a) else f"-{a}") for e, name, a in rows]
        metafunc.parametrize("mistake", rows, ids=ids, indirect=True)


@pytest.fixture
def mistake(request):
    """``mistake(*args)`` asserts that the row's exercise refuses its answer (made with
    ``args`` when it is a function) as incorrect, naming the row's rule."""
    exercise, name, answer = request.param

    def assert_named(*args):
        feedback = exercise.check(made(answer, *args) if callable(answer) else answer)
        assert feedback.outcome is exercises.Outcome.INCORRECT and feedback.rule == name, feedback

    return assert_named


def made(make, *args):
    """``make(*args)``, skipping the test when Keras itself refuses to build the answer."""
    try:
        return make(*args)
    except ValueError as error:
        if "/keras/" not in traceback.extract_tb(error.__traceback__)[-1].filename:
            raise
        pytest.skip(f"Keras {keras.__version__} refuses to build this answer: {error}")


@pytest.fixture
def build():
    """``build(make, *args)``: ``made`` for a test module."""
    return made
