"""Every public helper of plotting, params, shapes and images, fed junk, either returns or
raises ValueError/TypeError (a sentence), never IndexError, ZeroDivisionError, ..."""

import inspect

import keras
import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers

from course_utils import images, params, plotting, shapes

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

MODULES = (plotting, params, shapes, images)
SKIPPED = {"graphviz_missing"}  # no arguments


def public_functions():
    for module in MODULES:
        for name, function in vars(module).items():
            if (
                inspect.isfunction(function)
                and function.__module__ == module.__name__
                and not name.startswith("_")
                and name not in SKIPPED
            ):
                yield pytest.param(function, id=f"{module.__name__.split('.')[-1]}.{name}")


def tiny_model():
    return keras.Sequential(
        [keras.Input((6, 6, 1)), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(2)]
    )


MODEL = tiny_model()
UNBUILT = keras.Sequential([layers.Dense(2)])

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.sampled_from(["valid", "same", "grayscale", "rgb", "loss"]),
    st.integers(-3, 3),
    st.integers(min_value=10**18, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(float("nan")),
    st.lists(st.integers(-2, 4), max_size=4),
    st.just([[1, 2], [3]]),  # ragged
    st.lists(st.floats(allow_nan=True), max_size=3),
    st.tuples(st.integers(-1, 30), st.integers(-1, 30)),
    st.tuples(st.integers(-1, 30), st.integers(-1, 30), st.integers(-1, 4)),
    st.sampled_from(
        [np.zeros(()), np.zeros((0,)), np.zeros((3, 0)), np.ones((4, 4)), np.ones((2, 5, 5))]
    ),
    st.sampled_from([np.ones((2, 6, 6, 1)), np.full((3, 3, 1, 2), np.nan), np.array(["a", "b"])]),
    st.sampled_from([{"loss": [1.0]}, {"loss": "x"}, {}, MODEL, UNBUILT, layers.Dense(2)]),
    st.sampled_from([params.ParamTable([]), params.ParamTable([("d", "Dense", "", 3, 0, 3)])]),
)


def call_or_refuse(function, args, kwargs):
    try:
        function(*args, **kwargs)
    except (ValueError, TypeError) as error:
        assert str(error), f"{function.__name__} raised an empty {type(error).__name__}"
    except FileNotFoundError:  # load_image: a junk path that is a string
        assert function is images.load_image
    finally:
        plt.close("all")


@pytest.mark.parametrize("function", list(public_functions()))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_junk_is_refused_with_a_sentence(function, data):
    """The required arguments and a few of the optional ones (by name), all junk."""
    args, kwargs = [], {}
    for param in inspect.signature(function).parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            args += data.draw(st.lists(JUNK, max_size=2))
        elif param.default is param.empty:
            args.append(data.draw(JUNK))
        elif data.draw(st.integers(0, 2)) == 0:
            kwargs[param.name] = data.draw(JUNK)
    call_or_refuse(function, args, kwargs)


def test_every_helper_is_covered():
    names = {param.id.split(".")[-1] for param in public_functions()}
    assert {"plot_images", "confusion_matrix", "param_table", "trace_shapes", "load_image"} <= names
    assert len(names) >= 30
