"""Exercises of notebook 08: every catalogued mistake of the old checks is still named, Keras
agrees with the file-name check, and near misses the exercise texts rule out are refused
(a loaded `.keras` model, a Sequential or untrained wrapper, NumPy scalars for `int` and
`float`)."""

from functools import lru_cache
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from course_utils import models
from course_utils.exercises import Outcome, nb08

RUN_DIR = Path("runs") / "08_saving"
PROBS = nb08.q5.example()
CLASS, TOP = int(np.argmax(PROBS)), float(np.max(PROBS))


@lru_cache(maxsize=1)
def trained():
    """The notebook's trained `model`, in small: the Keras example after one step of `fit`."""
    model = models.keras_example_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.random.default_rng(0).random((8, 28, 28, 1)), np.arange(8), verbose=0)
    return model


def restored(tmp_path, model=None):
    """Exercise 8.2's answer, made as the notebook makes it: through a weights file."""
    trained().save_weights(tmp_path / "model.weights.h5")
    model = model or models.keras_example_model()
    model.load_weights(tmp_path / "model.weights.h5")
    return model


def wrap(*before, model=None):
    """The trained model behind ``before``, with the Functional API (exercise 8.4)."""
    inputs = x = keras.Input((28, 28, 1))
    for layer in [*before, model or trained()]:
        x = layer(x)
    return keras.Model(inputs, x)


def digit(data):
    """digit.png as `load_image` reads it: the first test digit, float32 (1, 28, 28, 1)."""
    return data("mnist")[1][0][:1, ..., None].astype("float32")


MISTAKES = [
    (nb08.q1, "plain_h5", lambda d, t: "cnn.h5"),
    (nb08.q1, "keras_extension", lambda d, t: Path("runs") / "mnist.keras"),
    (nb08.q1, "no_extension", lambda d, t: "mnist-model"),
    (nb08.q2, "not_a_model", lambda d, t: (None, trained())),
    (nb08.q2, "same_object", lambda d, t: (trained(), trained())),
    (nb08.q2, "different_architecture", lambda d, t: (models.first_cnn(), trained())),
    (nb08.q2, "weights_not_loaded", lambda d, t: (models.keras_example_model(), trained())),
    (nb08.q3, "no_batch_axis", lambda d, t: digit(d)[0] / 255 - 0.5),
    (nb08.q3, "no_channel_axis", lambda d, t: digit(d)[..., 0] / 255 - 0.5),
    (nb08.q3, "uint8", lambda d, t: digit(d).astype(np.uint8)),
    (nb08.q3, "raw_pixels", lambda d, t: digit(d)),
    (nb08.q3, "not_shifted", lambda d, t: digit(d) / 255),
    (nb08.q3, "minus_one_to_one", lambda d, t: digit(d) / 127.5 - 1),
    (nb08.q4, "not_a_model", lambda d, t: ("deployable", trained())),
    (nb08.q4, "no_rescaling", lambda d, t: (wrap(), trained())),
    (nb08.q4, "scale_without_offset", lambda d, t: (wrap(layers.Rescaling(1 / 255)), trained())),
    (nb08.q5, "swapped", lambda d, t: (np.max(PROBS), np.argmax(PROBS))),
    (nb08.q5, "probability_as_class", lambda d, t: (np.max(PROBS), 0.5)),
    (nb08.q5, "wrong_axis", lambda d, t: (np.argmax(PROBS, axis=0), TOP)),
    (nb08.q5, "array_not_int", lambda d, t: (np.argmax(PROBS, axis=1), TOP)),
    (nb08.q5, "percentage", lambda d, t: (CLASS, 100 * TOP)),
]


def test_catalogued_mistake_is_named(mistake, standin_data, tmp_path):
    mistake(standin_data, tmp_path)


@pytest.mark.parametrize(
    "name",
    ["mnist.weights.h5", "cnn.h5", "mnist.keras", "mnist-model", "model.hdf5", "w.WEIGHTS.H5"],
)
def test_weights_file_name_check_agrees_with_keras(tmp_path, name):
    try:
        trained().save_weights(tmp_path / name)
        accepted = True
    except ValueError:
        accepted = False
    assert nb08.q1.check(RUN_DIR / name).correct == accepted


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        ("runs/08_saving/cnn.weights.h5", None),
        (RUN_DIR.resolve() / "cnn.weights.h5", None),
        ("cnn.weights.h5", "in_run_dir"),
        (Path("runs") / "cnn.weights.h5", "in_run_dir"),
        (RUN_DIR / "sub" / "cnn.weights.h5", "in_run_dir"),
        (42, "parse"),
        ("", "parse"),
    ],
)
def test_weights_file_name_near_misses(answer, rule):
    feedback = nb08.q1.check(answer)
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


def test_weights_file_name_messages_quote_the_name():
    assert "'model.hdf5'" in nb08.q1.check(RUN_DIR / "model.hdf5").message
    assert "'cnn.weights.h5'" in nb08.q1.check("cnn.weights.h5").message


def test_restore_accepts_the_notebook_answer_and_a_clone(tmp_path):
    assert nb08.q2.check((restored(tmp_path), trained())).correct
    clone = keras.models.clone_model(models.keras_example_model())
    assert nb08.q2.check((restored(tmp_path, clone), trained())).correct


def test_restore_refuses_a_model_loaded_from_a_keras_file(tmp_path):
    trained().save(tmp_path / "mnist.keras")
    loaded = keras.models.load_model(tmp_path / "mnist.keras")
    assert nb08.q2.check((loaded, trained())).rule == "weights_only"


def test_restore_needs_the_trained_model_second(tmp_path):
    feedback = nb08.q2.check((restored(tmp_path), models.keras_example_model()))
    assert feedback.rule == "trained_model"
    assert "Pass two models in a tuple" in nb08.q2.check(trained()).message
    assert nb08.q2.check((restored(tmp_path), "model")).rule == "parse"


def test_restore_refuses_an_architecture_with_the_same_weight_shapes():
    config = models.keras_example_model().get_config()
    config["layers"][-2]["config"]["rate"] = 0.25  # Dropout(0.25): no weights, same shapes
    other = keras.Sequential.from_config(config)
    other.set_weights(trained().get_weights())
    feedback = nb08.q2.check((other, trained()))
    assert "Dropout" in feedback.rule and "`rate` is 0.25" in feedback.message, feedback


@pytest.mark.parametrize("exercise", [nb08.q2, nb08.q4])
def test_model_pair_with_a_placeholder_is_not_attempted(exercise):
    assert exercise.check((..., trained())).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        (lambda x: (x / 255 - 0.5).astype("float64"), "float32", "dtype is float64"),
        (lambda x: np.repeat(x, 3, axis=-1), "shape", "(1, 28, 28, 3)"),
        (lambda x: np.zeros((1, 28, 28, 1), "float32"), "digit_png", "digit.png"),
        (lambda x: 0.5 - x / 255, "digit_png", "digit.png"),
        (lambda x: keras.ops.convert_to_tensor(x / 255 - 0.5), "parse", "np.asarray"),
        (lambda x: [[0.0]], "parse", "Give a NumPy array"),
        (lambda x: x * (1 / 255) - 0.5, None, ""),
        (lambda x: (x - 127.5) / 255, None, ""),
    ],
)
def test_prepared_png_near_misses(standin_data, answer, rule, message):
    feedback = nb08.q3.check(answer(digit(standin_data)))
    assert feedback.correct if rule is None else feedback.rule == rule, feedback
    assert message in feedback.message


def test_prepared_png_must_be_the_first_test_digit(standin_data):
    second = standin_data("mnist")[1][0][1:2, ..., None].astype("float32")
    assert nb08.q3.check(second / 255 - 0.5).rule == "digit_png"


def deployable_sequential():
    """The notebook's `deployable`: a Sequential list of layers, not the Functional API."""
    rescaling = layers.Rescaling(1 / 255, offset=-0.5)
    return keras.Sequential([keras.Input((28, 28, 1)), rescaling, *trained().layers])


def layer_by_layer():
    inputs = keras.Input((28, 28, 1))
    x = layers.Rescaling(1 / 255, offset=-0.5)(inputs)
    for layer in trained().layers:
        x = layer(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: wrap(layers.Rescaling(1 / 255, offset=-0.5)), None),
        (deployable_sequential, "functional"),
        (layer_by_layer, "calls_model"),
        (
            lambda: wrap(layers.Rescaling(1 / 255, -0.5), model=models.keras_example_model()),
            "calls_model",
        ),
        (lambda: wrap(layers.Lambda(lambda x: x / 255 - 0.5)), "rescaling"),
        (lambda: wrap(layers.Rescaling(1 / 127.5, offset=-1.0)), "rescaling"),
        (lambda: wrap(layers.Rescaling(1 / 255, -0.5), layers.Identity()), "calls_model"),
    ],
    ids=["reference", "sequential", "layer by layer", "untrained", "lambda", "[-1, 1]", "extra"],
)
def test_preprocessing_inside_near_misses(make, rule):
    feedback = nb08.q4.check((make(), trained()))
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


def test_preprocessing_inside_accepts_a_uint8_input():
    inputs = keras.Input((28, 28, 1), dtype="uint8")
    model = keras.Model(inputs, trained()(layers.Rescaling(1 / 255, offset=-0.5)(inputs)))
    assert nb08.q4.check((model, trained())).correct


def test_preprocessing_inside_output_after_model_is_refused():
    inputs = keras.Input((28, 28, 1))
    x = trained()(layers.Rescaling(1 / 255, offset=-0.5)(inputs))
    model = keras.Model(inputs, layers.Identity()(x))
    assert nb08.q4.check((model, trained())).rule == "calls_model"


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        ((3, 0.5), "class_value", "Class 3 is not the one with the largest probability"),
        ((CLASS, np.max(PROBS, axis=1)), "probability_float", "an array of shape (1,)"),
        ((float(CLASS), TOP), "class_int", "whole number"),
        ((np.int64(CLASS), TOP), "class_int", "np.int64(7)"),
        ((True, TOP), "class_int", "True"),
        ((CLASS, np.float32(TOP)), "probability_float", "np.float32"),
        ((CLASS, round(TOP, 4)), "computed", "Close, but not exact"),
        ((CLASS, 0.5), "probability_value", "Received: 0.5"),
        (CLASS, "parse", "Give two values"),
        ((CLASS, np.float64(TOP)), None, "Class 7"),
        ([CLASS, TOP], None, "Class 7"),
    ],
)
def test_class_and_probability_near_misses(answer, rule, message):
    feedback = nb08.q5.check(answer)
    assert feedback.correct if rule is None else feedback.rule == rule, feedback
    assert message in feedback.message


def test_class_and_probability_names_the_missing_part():
    assert nb08.q5.check((..., ...)).outcome is Outcome.NOT_ATTEMPTED
    feedback = nb08.q5.check((CLASS, ...))
    assert feedback.rule == "parts" and "`probability`" in feedback.message
