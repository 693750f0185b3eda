"""Every exercise of notebooks 01-02: the reference answer is correct, every catalogued
mistake is recognised by name, and random junk never raises."""

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils.data import load_cifar10, load_mnist
from course_utils.exercises import (
    Exercise,
    Outcome,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
)
from course_utils.training import keras_example_model


@lru_cache(maxsize=2)
def standin(name):
    if name == "cifar10":
        return load_cifar10("standin", verbose=False)
    return load_mnist("standin", verbose=False)


@pytest.fixture(autouse=True)
def small_data(monkeypatch):
    """Checks compute their truth from the data the notebook loaded: here, the stand-in."""
    for module in (nb00, nb01, nb02, nb07, nb08):  # nb03 and nb04 need no data
        monkeypatch.setattr(module, "reference_data", standin)


def x_train():
    return standin("mnist")[0][0]


def y_train():
    return standin("mnist")[0][1]


def x_test():
    return standin("mnist")[1][0]


# For each exercise: its reference answer, and one example of every catalogued mistake.
CASES = {
    nb00.q1: (
        lambda: len(x_train()),
        {
            "test_set": lambda: len(x_test()),
            "train_plus_test": lambda: len(x_train()) + len(x_test()),
            "pixels_not_images": lambda: x_train().size,
            "shape_not_count": lambda: x_train().shape,
        },
    ),
    nb01.q2: (
        lambda: x_train().shape[1] * x_train().shape[2],
        {
            "one_side_only": lambda: 28,
            "added_sides": lambda: 56,
            "whole_array": lambda: x_train().size,
            "shape_not_count": lambda: x_train().shape[1:],
        },
    ),
    nb01.q1: (
        lambda: tuple(int(n) for n in np.frombuffer(nb01.q1.header, ">u4")),
        {
            "little_endian": lambda: np.frombuffer(nb01.q1.header, "<u4"),
            "one_byte_each": lambda: np.frombuffer(nb01.q1.header, np.uint8),
            "mnist_train_header": lambda: [2051, 60000, 28, 28],
        },
    ),
    nb01.q3: (
        lambda: np.sum(y_train() == 5),
        {
            "test_set": lambda: int(np.sum(standin("mnist")[1][1] == 5)),
            "all_counts": lambda: np.bincount(y_train()),
            "pixel_value": lambda: int(np.sum(x_train() == 5)),
            "fraction": lambda: float(np.mean(y_train() == 5)),
        },
    ),
    nb01.q4: (
        lambda: np.mean(x_train() == 0),
        {
            "percentage": lambda: 100 * np.mean(x_train() == 0),
            "count_not_fraction": lambda: int(np.sum(x_train() == 0)),
            "ink_fraction": lambda: np.mean(x_train() > 0),
            "test_set": lambda: np.mean(x_test() == 0),
        },
    ),
    nb02.q1: (
        lambda: x_train().astype("float32") / 255,
        {
            "forgot_to_scale": lambda: x_train().astype("float32"),
            "integer_division": lambda: x_train() // 255,
            "float64": lambda: x_train() / 255,
            "centred": lambda: x_train().astype("float32") / 255 - 0.5,
            "divided_by_256": lambda: x_train().astype("float32") / 256,
            "subset": lambda: x_train()[:100].astype("float32") / 255,
        },
    ),
    nb02.q2: (
        lambda: np.expand_dims(x_train(), axis=3),
        {
            "channels_first": lambda: x_train()[:, None],
            "no_channel_axis": lambda: x_train(),
            "flattened": lambda: x_train().reshape(len(x_train()), -1),
            "three_channels": lambda: np.repeat(x_train()[..., None], 3, axis=3),
        },
    ),
    nb02.q3: (
        lambda: "sparse_categorical_crossentropy",
        {
            "one_hot_loss": lambda: "categorical_crossentropy",
            "binary": lambda: "binary_crossentropy",
            "regression_loss": lambda: "mse",
            "not_a_name": lambda: nb02,
        },
    ),
    nb02.q4: (
        lambda: (
            math.floor(len(x_train()) * 0.8),
            len(x_train()) - math.floor(len(x_train()) * 0.8),
        ),
        {
            "swapped": lambda: (
                len(x_train()) - math.floor(len(x_train()) * 0.8),
                math.floor(len(x_train()) * 0.8),
            ),
            "test_set": lambda: (len(x_test()) - 71, 71),
            "not_whole_numbers": lambda: (len(x_train()) * 0.8, len(x_train()) * 0.2),
        },
    ),
    nb03.q1: (
        lambda: (28 - 3) // 1 + 1,
        {"forgot_plus_one": lambda: 25, "same_formula": lambda: 28, "subtracted_half": lambda: 27},
    ),
    nb03.q2: (
        lambda: math.ceil(7 / 2),
        {
            "rounded_down": lambda: 3,
            "valid_formula": lambda: 2,
            "not_rounded": lambda: 3.5,
            "ignored_strides": lambda: 7,
        },
    ),
    nb03.q3: (
        lambda: 13 // 2,
        {"rounded_up": lambda: 7, "not_rounded": lambda: 6.5, "strides_one": lambda: 12},
    ),
    nb03.q4: (
        lambda: 28.0,
        {
            "forgot_padding": lambda: 24,
            "padding_one_side": lambda: 26,
            "forgot_plus_one": lambda: 27,
        },
    ),
    nb03.q5: (
        lambda: 6 * 6 * 10,
        {"forgot_channels": lambda: 36, "rounded_up": lambda: 490, "one_pool": lambda: 1690},
    ),
    nb03.q6: (
        lambda: [5, 5, 1, 32],
        {
            "forgot_input_channels": lambda: (5, 5, 32),
            "channels_first_order": lambda: (32, 1, 5, 5),
            "in_out_swapped": lambda: (5, 5, 32, 1),
        },
    ),
    nb03.q7: (lambda: 24, {"ignored_dilation": lambda: 26, "dilation_times_kernel": lambda: 23}),
    nb04.q1: (
        lambda: 100,
        {"forgot_bias": lambda: 90, "one_bias": lambda: 91, "one_filter": lambda: 10},
    ),
    nb04.q2: (
        lambda: 18496,
        {
            "forgot_input_channels": lambda: 640,
            "forgot_bias": lambda: 18432,
            "bias_per_channel": lambda: 20480,
        },
    ),
    nb04.q3: (
        lambda: (9216 + 1) * 128,
        {"forgot_bias": lambda: 1179648, "one_bias": lambda: 1179649, "added": lambda: 9344},
    ),
    nb04.q4: (lambda: 0, {"multiplied_shape": lambda: 9216, "dense_after": lambda: 1179776}),
    nb04.q5: (
        lambda: 2 * 64,
        {
            "moving_stats_trainable": lambda: 256,
            "only_gamma": lambda: 64,
            "non_trainable_too": lambda: 192,
        },
    ),
    nb04.q6: (
        lambda: 13610,
        {
            "forgot_biases": lambda: 13592,
            "forgot_conv_shrink": lambda: 15770,
            "no_pooling": lambda: 54170,
            "conv_only": lambda: 80,
        },
    ),
    nb05.q1: (lambda: first_cnn(), {}),
    nb05.q2: (lambda: first_cnn(loss="sparse_categorical_crossentropy"), {}),
    nb05.q3: (
        lambda: np.mean(np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1]),
        {
            "percentage": lambda: (
                100 * np.mean(np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1])
            ),
            "count": lambda: np.sum(
                np.argmax(nb05.q3.example()[0], axis=1) == nb05.q3.example()[1]
            ),
            "error_rate": lambda: np.mean(
                np.argmax(nb05.q3.example()[0], axis=1) != nb05.q3.example()[1]
            ),
            "mean_probability": lambda: np.mean(
                nb05.q3.example()[0][np.arange(200), nb05.q3.example()[1]]
            ),
        },
    ),
    nb05.q4: (
        lambda: int(np.argmin(nb05.q4.example()["val_loss"])) + 1,
        {
            "zero_based": lambda: int(np.argmin(nb05.q4.example()["val_loss"])),
            "training_loss": lambda: len(nb05.q4.example()["loss"]),
            "best_val_accuracy": lambda: int(np.argmax(nb05.q4.example()["val_accuracy"])) + 1,
            "a_loss_value": lambda: float(min(nb05.q4.example()["val_loss"])),
        },
    ),
    nb06.q1: (
        lambda: keras_example_functional(),
        {
            "tensor_not_model": lambda: keras_example_functional().outputs[0],
            "layer_not_model": lambda: keras_example_functional().layers[1],
            "sequential": lambda: keras_example_model(),
            "no_channel_axis": lambda: keras_example_functional(
                input_shape=(28, 28), stack=dense_stack(flatten=True)
            ),
            "flat_input": lambda: keras_example_functional(
                input_shape=(784,), stack=dense_stack(flatten=False)
            ),
            "flatten_missing": lambda: keras_example_functional(flatten=False),
            "softmax_missing": lambda: keras_example_functional(activation=None),
        },
    ),
    nb06.q2: (
        lambda: fake_data(),
        {
            "lengths_disagree": lambda: (fake_data()[0], fake_data()[1][:200]),
            "wrong_count": lambda: fake_data(100),
            "no_channel_axis": lambda: (fake_data()[0][..., 0], fake_data()[1]),
            "integer_images": lambda: ((fake_data()[0] * 255).astype("uint8"), fake_data()[1]),
            "not_scaled": lambda: (fake_data()[0] * 255, fake_data()[1]),
            "one_hot_labels": lambda: (fake_data()[0], np.eye(2)[fake_data()[1]]),
            "labels_mod_10": lambda: (fake_data()[0], np.arange(256) % 10),
            "constant_labels": lambda: (fake_data()[0], np.zeros(256, dtype=int)),
        },
    ),
    nb06.q3: (
        lambda: exercise_callbacks(),
        {
            "not_a_list": lambda: exercise_callbacks()[0],
            "early_stopping_missing": lambda: exercise_callbacks()[1:],
            "checkpoint_missing": lambda: exercise_callbacks()[:1],
            "training_loss": lambda: exercise_callbacks(stopping={"monitor": "loss"}),
            "no_restore": lambda: exercise_callbacks(stopping={"restore_best_weights": False}),
            "wrong_patience": lambda: exercise_callbacks(stopping={"patience": 2}),
            "h5_file": lambda: exercise_callbacks(checkpoint={"filepath": "runs/best.h5"}),
            "not_best_only": lambda: exercise_callbacks(checkpoint={"save_best_only": False}),
        },
    ),
    nb06.q4: (
        lambda: (8, 6),
        {
            "zero_based": lambda: (7, 5),
            "stopped_at_best": lambda: (6, 6),
            "patience_off_by_one": lambda: (9, 6),
            "swapped": lambda: (6, 8),
            "saw_the_future": lambda: (10, 10),
        },
    ),
    nb06.q5: (
        lambda: legacy_sgd(),
        {
            "not_sgd": lambda: legacy_sgd(kind="Adam"),
            "no_momentum": lambda: legacy_sgd(momentum=0.0),
            "weight_decay": lambda: legacy_sgd(schedule=None, weight_decay=1e-5),
            "ten_times_lr": lambda: legacy_sgd(schedule=None, learning_rate=0.1),
            "constant_learning_rate": lambda: legacy_sgd(schedule=None),
            "exponential_decay": lambda: legacy_sgd(schedule="ExponentialDecay"),
        },
    ),
    nb07.q1: (
        lambda: cifar_labels().reshape(-1, 1).reshape(-1),
        {
            "not_flattened": lambda: cifar_labels().reshape(-1, 1),
            "transposed": lambda: cifar_labels().reshape(-1, 1).T,
            "one_hot": lambda: np.eye(10, dtype="float32")[cifar_labels()],
            "argmax_of_column": lambda: np.argmax(cifar_labels().reshape(-1, 1), axis=1),
            "test_labels": lambda: standin("cifar10")[1][1].reshape(-1, 1).ravel(),
        },
    ),
    nb07.q2: (
        lambda: (cifar_images().mean(axis=(0, 1, 2)), cifar_images().std(axis=(0, 1, 2))),
        {
            "one_number": lambda: (cifar_images().mean(), cifar_images().std()),
            "per_pixel": lambda: (cifar_images().mean(axis=0), cifar_images().std(axis=0)),
            "per_image": lambda: (
                cifar_images().mean(axis=(1, 2)),
                cifar_images().std(axis=(1, 2)),
            ),
            "scaled": lambda: (
                (cifar_images() / 255).mean(axis=(0, 1, 2)),
                (cifar_images() / 255).std(axis=(0, 1, 2)),
            ),
            "test_set": lambda: (
                standin("cifar10")[1][0].mean(axis=(0, 1, 2)),
                standin("cifar10")[1][0].std(axis=(0, 1, 2)),
            ),
            "variance": lambda: (
                cifar_images().mean(axis=(0, 1, 2)),
                cifar_images().var(axis=(0, 1, 2)),
            ),
        },
    ),
    nb07.q5: (
        lambda: augmentation(),
        {
            "normalization_inside": lambda: augmentation(extra=("Normalization",)),
            "missing_flip": lambda: augmentation(flip=None),
            "missing_rotation": lambda: augmentation(rotation=None),
            "missing_translation": lambda: augmentation(translation=None),
            "flip_both_ways": lambda: augmentation(flip="horizontal_and_vertical"),
            "flip_vertical": lambda: augmentation(flip="vertical"),
            "rotation_fraction_of_half_turn": lambda: augmentation(rotation=20 / 180),
            "rotation_in_radians": lambda: augmentation(rotation=np.deg2rad(20)),
        },
    ),
    nb07.q4: (
        lambda: (adapted(TRAIN), cifar_images()[:TRAIN]),
        {
            "not_adapted": lambda: (__import__("keras").layers.Normalization(), cifar_train()),
            "one_mean": lambda: (adapted(TRAIN, axis=None), cifar_train()),
            "scaled_data": lambda: (adapted(TRAIN, scale=255), cifar_train()),
            "whole_training_set": lambda: (adapted(None), cifar_train()),
            "validation_set": lambda: (adapted(-1000), cifar_train()),
            "test_set": lambda: (adapted("test"), cifar_train()),
            "train_and_test": lambda: (adapted("train+test"), cifar_train()),
        },
    ),
    nb07.q3: (
        lambda: (8 * 8 * 512 + 1) * 1024,
        {
            "no_bias": lambda: 8 * 8 * 512 * 1024,
            "one_pool": lambda: (16 * 16 * 512 + 1) * 1024,
            "no_pool": lambda: (32 * 32 * 512 + 1) * 1024,
            "three_pools": lambda: (4 * 4 * 512 + 1) * 1024,
            "with_batchnorm": lambda: (8 * 8 * 512 + 1) * 1024 + 4 * 1024,
            "flatten_size": lambda: 8 * 8 * 512,
        },
    ),
    nb08.q1: (
        lambda: "mnist.weights.h5",
        {
            "plain_h5": lambda: "cnn.h5",
            "keras_extension": lambda: Path("runs") / "mnist.keras",
            "no_extension": lambda: "mnist-model",
        },
    ),
    nb08.q2: (
        lambda: restored_pair(),
        {
            "not_a_model": lambda: (None, tiny_trained()),
            "same_object": lambda: (tiny_trained(), tiny_trained()),
            "different_architecture": lambda: (tiny_cnn(filters=3), tiny_trained()),
            "weights_not_loaded": lambda: (tiny_cnn(), tiny_trained()),
        },
    ),
    nb08.q3: (
        lambda: digit_batch() / 255 - 0.5,
        {
            "no_batch_axis": lambda: digit_batch()[0] / 255 - 0.5,
            "no_channel_axis": lambda: digit_batch()[..., 0] / 255 - 0.5,
            "uint8": lambda: digit_batch().astype(np.uint8),
            "raw_pixels": lambda: digit_batch(),
            "not_shifted": lambda: digit_batch() / 255,
            "minus_one_to_one": lambda: digit_batch() / 127.5 - 1,
        },
    ),
    nb08.q4: (
        lambda: (wrap(tiny_trained(), scale=1 / 255, offset=-0.5), tiny_trained()),
        {
            "not_a_model": lambda: ("deployable", tiny_trained()),
            "no_rescaling": lambda: (wrap(tiny_trained()), tiny_trained()),
            "scale_without_offset": lambda: (wrap(tiny_trained(), scale=1 / 255), tiny_trained()),
        },
    ),
    nb08.q5: (
        lambda: (int(np.argmax(nb08.q5.example())), float(np.max(nb08.q5.example()))),
        {
            "swapped": lambda: (np.max(nb08.q5.example()), np.argmax(nb08.q5.example())),
            "probability_as_class": lambda: (np.max(nb08.q5.example()), 0.5),
            "wrong_axis": lambda: (
                np.argmax(nb08.q5.example(), axis=0),
                float(np.max(nb08.q5.example())),
            ),
            "array_not_int": lambda: (
                np.argmax(nb08.q5.example(), axis=1),
                float(np.max(nb08.q5.example())),
            ),
            "percentage": lambda: (
                int(np.argmax(nb08.q5.example())),
                100 * float(np.max(nb08.q5.example())),
            ),
        },
    ),
}
EXERCISES = list(CASES)
IDS = [f"q{ex.key}" for ex in EXERCISES]


def test_every_exercise_is_tested():
    modules = (nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08)
    defined = [v for m in modules for k, v in vars(m).items() if k.startswith("q")]
    assert set(defined) == set(EXERCISES)
    assert all(isinstance(ex, Exercise) for ex in defined)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_reference_answer_is_correct(exercise):
    feedback = exercise.check(CASES[exercise][0]())
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_placeholder_is_not_attempted(exercise):
    assert exercise.check(...).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_catalogued_mistake_has_an_example(exercise):
    assert set(CASES[exercise][1]) == {m.name for m in exercise.mistakes}


CATALOGUE = [(ex, name) for ex in EXERCISES for name in CASES[ex][1]]


def build_answer(make):
    """Make a wrong answer; skip when this Keras refuses to make it at all.

    (Keras 3.6's ModelCheckpoint raises on a '.h5' path, so no learner can hand that
    mistake to the check there; later versions accept it with a warning.)
    """
    try:
        return make()
    except ValueError as error:
        if "must end in `.keras`" in str(error):
            pytest.skip(f"this Keras refuses the answer itself: {error}")
        raise


@pytest.mark.parametrize(
    ("exercise", "name"), CATALOGUE, ids=[f"q{e.key}-{n}" for e, n in CATALOGUE]
)
def test_catalogued_mistake_is_named(exercise, name):
    feedback = exercise.check(build_answer(CASES[exercise][1][name]))
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.mistake == name, f"got {feedback.mistake}: {feedback.message}"
    messages = {m.name: m.message for m in exercise.mistakes}
    assert feedback.message == messages[name]
    assert len(set(messages.values())) == len(messages), "each mistake has its own message"


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=5),
    st.tuples(st.floats(), st.floats()),
    hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=4, max_side=3)),
)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(junk=JUNK)
def test_random_junk_never_raises(exercise, junk):
    feedback = exercise.check(junk)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.CORRECT)
    assert feedback.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_wrong_shape_dtype_nan_and_none_get_a_message(exercise):
    for junk in (None, "text", np.zeros((2, 2)), np.full(3, np.nan), float("nan")):
        feedback = exercise.check(junk)
        assert feedback.outcome is Outcome.INCORRECT and feedback.message


def first_cnn(*, input_shape=(28, 28, 1), stack=None, loss=None, metrics=("accuracy",)):
    """The notebook-05 model (or a variant), compiled when a loss is given."""
    import keras
    from keras import layers

    stack = stack or [
        layers.Conv2D(8, 3),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ]
    model = keras.Sequential([keras.Input(input_shape), *stack])
    if loss is not None:
        model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


def _model_cases():
    from keras import layers

    return {
        "not a model": ("cnn", "not a Keras model"),
        "no softmax": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10),
                ]
            ),
            "activation is 'linear'",
        ),
        "flat input": (
            first_cnn(input_shape=(784,), stack=[layers.Dense(10, activation="softmax")]),
            "The input is flat (784,)",
        ),
        "no flatten": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "Flatten is missing",
        ),
        "wrong filters": (
            first_cnn(
                stack=[
                    layers.Conv2D(16, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "16 filters of (3, 3)",
        ),
        "wrong units": (
            first_cnn(
                stack=[
                    layers.Conv2D(8, 3),
                    layers.MaxPooling2D(2),
                    layers.Flatten(),
                    layers.Dense(2, activation="softmax"),
                ]
            ),
            "has 2 units; MNIST has 10",
        ),
        "rgb input": (first_cnn(input_shape=(28, 28, 3)), "input shape is (28, 28, 3)"),
    }


@pytest.mark.parametrize("case", list(_model_cases()))
def test_first_cnn_check_names_the_mistake(case):
    model, message = _model_cases()[case]
    for exercise in (nb05.q1, nb05.q2):
        feedback = exercise.check(model)
        assert feedback.outcome is Outcome.INCORRECT
        assert message in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("loss", "metrics", "message"),
    [
        ("categorical_crossentropy", ("accuracy",), "wants one-hot labels"),
        ("binary_crossentropy", ("accuracy",), "for 2 classes"),
        ("mse", ("accuracy",), "regression loss"),
        ("sparse_categorical_crossentropy", (), 'add `metrics=["accuracy"]`'),
        (None, (), "not compiled yet"),
    ],
)
def test_compile_check_names_the_mistake(loss, metrics, message):
    feedback = nb05.q2.check(first_cnn(loss=loss, metrics=metrics))
    assert feedback.outcome is Outcome.INCORRECT and message in feedback.message


def test_compile_check_accepts_a_loss_object():
    import keras

    model = first_cnn()
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )
    assert nb05.q2.check(model).correct


def test_first_cnn_reference_count_is_keras():
    assert first_cnn().count_params() == nb05.q1.expected()


def test_kernel_shape_accepts_the_layer_attribute():
    from keras import layers

    layer = layers.Conv2D(32, 5)
    layer.build((None, 28, 28, 1))
    assert nb03.q6.check(layer.kernel.shape).outcome is Outcome.CORRECT


def test_none_is_explained():
    assert "did you forget to assign" in nb01.q2.check(None).message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_hints_and_solution_exist(exercise):
    assert len(exercise.hints) >= 2
    shown = exercise.solution()
    assert "Solution to exercise" in repr(shown), "run `python -m course_utils build`"


def test_progress_after_checks():
    nb01.q2.check(...)
    nb01.q1.check(CASES[nb01.q1][0]())
    table = nb01.show_progress()
    rows = {key: outcome for key, _, outcome in table.rows}
    assert rows["1.2"] is Outcome.NOT_ATTEMPTED and rows["1.1"] is Outcome.CORRECT


# --- notebook 08: tiny models stand in for the trained CNN, so that the checks run fast ---


def tiny_cnn(filters=2):
    """A small CNN with notebook 08's input and output: 28x28x1 in, 10 probabilities out."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(filters, 3),
            layers.MaxPooling2D(4),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


@lru_cache(maxsize=1)
def tiny_trained():
    """The stand-in for the notebook's trained `model` (its random weights will do)."""
    return tiny_cnn()


def restored_pair():
    """Exercise 8.2's reference answer, made as the notebook makes it: via a weights file."""
    import tempfile

    model = tiny_trained()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tiny.weights.h5"
        model.save_weights(path)
        restored = tiny_cnn()
        restored.load_weights(path)
    return restored, model


def wrap(model, scale=None, offset=0.0):
    """`model` behind an optional Rescaling layer, with the Functional API (exercise 8.4)."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1))
    x = inputs if scale is None else layers.Rescaling(scale, offset=offset)(inputs)
    return keras.Model(inputs, model(x))


def digit_batch():
    """digit.png as `load_image` reads it: the first test digit, float32 (1, 28, 28, 1)."""
    return nb08.q3.example().astype("float32")[np.newaxis, ..., np.newaxis]


@pytest.mark.parametrize("case", ["reference", *CASES[nb08.q1][1]])
def test_weights_file_name_check_agrees_with_keras(tmp_path, case):
    reference, mistakes = CASES[nb08.q1]
    answer = reference() if case == "reference" else mistakes[case]()
    try:
        tiny_cnn().save_weights(tmp_path / Path(answer).name)
        accepted = True
    except ValueError:
        accepted = False
    assert nb08.q1.check(answer).correct == accepted


@pytest.mark.parametrize("exercise", [nb08.q2, nb08.q4, nb08.q5], ids=["q8.2", "q8.4", "q8.5"])
def test_tuple_with_a_placeholder_is_not_attempted(exercise):
    assert exercise.check((..., tiny_trained())).outcome is Outcome.NOT_ATTEMPTED
    assert exercise.check((..., ...)).outcome is Outcome.NOT_ATTEMPTED


def _tensor(array):
    import keras

    return keras.ops.convert_to_tensor(array)


NB08_DIAGNOSED = [
    (nb08.q1, lambda: "model.hdf5", "Keras 3 refuses 'model.hdf5'"),
    (nb08.q1, lambda: 42, "Give a file name, a str or a Path"),
    (nb08.q1, lambda: "", "names a folder, not a file"),
    (nb08.q2, lambda: tiny_trained(), "Pass two models in a tuple"),
    (nb08.q2, lambda: (tiny_cnn(), "model"), "The second item should be the notebook's"),
    (nb08.q3, lambda: (digit_batch() / 255 - 0.5).astype("float64"), "the dtype is float64"),
    (nb08.q3, lambda: np.zeros((1, 28, 28, 3), np.float32), "The shape is (1, 28, 28, 3)"),
    (nb08.q3, lambda: np.zeros((1, 28, 28, 1), np.float32), "not digit.png prepared"),
    (nb08.q3, lambda: _tensor(digit_batch() / 255 - 0.5), "convert it with `np.asarray`"),
    (nb08.q3, lambda: [[0.0]], "Give a NumPy array. Received: list."),
    (nb08.q4, lambda: (wrap(tiny_cnn(), 1 / 255, -0.5), tiny_trained()), "Reuse the trained"),
    (nb08.q4, lambda: wrap(tiny_trained(), 1 / 255, -0.5), "Pass two models in a tuple"),
    (nb08.q5, lambda: (3, 0.5), "Class 3 is not the one with the largest probability"),
    (nb08.q5, lambda: (7, np.max(nb08.q5.example(), axis=1)), "The probability is an array"),
    (nb08.q5, lambda: (7.0, 0.87), "The class should be a whole number"),
    (nb08.q5, lambda: (7, 0.5), "the probability should be the value in its column"),
    (nb08.q5, lambda: 7, "Give two values"),
]


# --- notebook 06 ----------------------------------------------------------------------


def keras_example_stack(*, flatten=True, activation="softmax"):
    from keras import layers

    stack = [
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation=activation),
    ]
    return stack if flatten else [layer for layer in stack if type(layer).__name__ != "Flatten"]


def dense_stack(*, flatten):
    from keras import layers

    head = [layers.Flatten()] if flatten else []
    return [*head, layers.Dense(10, activation="softmax")]


def keras_example_functional(*, input_shape=(28, 28, 1), stack=None, **options):
    """The Keras example model (or a variant) built with the Functional API."""
    import keras

    inputs = keras.Input(input_shape)
    x = inputs
    for layer in stack or keras_example_stack(**options):
        x = layer(x)
    return keras.Model(inputs, x)


def fake_data(count=256):
    rng = np.random.default_rng(0)
    return rng.random((count, 28, 28, 1), dtype="float32"), np.arange(count) % 2


def exercise_callbacks(*, stopping=None, checkpoint=None):
    import keras

    return [
        keras.callbacks.EarlyStopping(
            **{
                "monitor": "val_loss",
                "patience": 3,
                "restore_best_weights": True,
                **(stopping or {}),
            }
        ),
        keras.callbacks.ModelCheckpoint(
            **{
                "filepath": "runs/exercise.keras",
                "monitor": "val_loss",
                "save_best_only": True,
                **(checkpoint or {}),
            }
        ),
    ]


def legacy_sgd(*, kind="SGD", schedule="InverseTimeDecay", learning_rate=0.01, **options):
    """An optimizer like the Keras 3 translation of SGD(lr=0.01, momentum=0.9, decay=1e-5)."""
    import keras

    schedules = keras.optimizers.schedules
    if schedule == "InverseTimeDecay":
        learning_rate = schedules.InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=1e-5)
    elif schedule == "ExponentialDecay":
        learning_rate = schedules.ExponentialDecay(
            learning_rate, decay_steps=860, decay_rate=0.95, staircase=True
        )
    if kind == "Adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    return keras.optimizers.SGD(learning_rate=learning_rate, **{"momentum": 0.9, **options})


def test_keras_example_reference_count_is_keras():
    assert keras_example_model().count_params() == nb06.q1.expected() == 34_826
    assert keras_example_functional().count_params() == nb06.q1.expected()


def _functional_cases():
    from keras import layers

    def replace(index, layer):
        stack = keras_example_stack()
        stack[index] = layer
        return keras_example_functional(stack=stack)

    return {
        "fewer filters": (
            replace(0, layers.Conv2D(16, 3, activation="relu")),
            "has 25,450 parameters; the Keras example has 34,826. The first difference: the "
            "first convolution has 16 filters of (3, 3)",
        ),
        "5x5 kernel": (
            replace(2, layers.Conv2D(64, 5, activation="relu")),
            "the second convolution has 64 filters of (5, 5)",
        ),
        "no bias": (
            replace(0, layers.Conv2D(32, 3, activation="relu", use_bias=False)),
            "without biases",
        ),
        "pool 3": (replace(1, layers.MaxPooling2D(3)), "the first pooling is not 2x2"),
        "two classes": (replace(6, layers.Dense(2, activation="softmax")), "has 2 units"),
        "no relu": (
            replace(2, layers.Conv2D(64, 3)),
            "second convolution's activation is 'linear'",
        ),
        "dropout rate": (replace(5, layers.Dropout(0.25)), "The dropout rate is 0.25"),
        "sigmoid output": (replace(6, layers.Dense(10, activation="sigmoid")), "no softmax"),
        "rgb input": (
            keras_example_functional(input_shape=(28, 28, 3)),
            "input shape is (28, 28, 3)",
        ),
        "extra dense": (
            keras_example_functional(
                stack=[
                    *keras_example_stack()[:-1],
                    layers.Dense(64),
                    layers.Dense(10, activation="softmax"),
                ]
            ),
            "The layers are ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', "
            "'Dropout', 'Dense', 'Dense']",
        ),
        "not a model": ("model", "Your answer is a str, not a Keras model"),
    }


@pytest.mark.parametrize("case", list(_functional_cases()))
def test_functional_check_names_the_mistake(case):
    model, message = _functional_cases()[case]
    feedback = nb06.q1.check(model)
    assert feedback.outcome is Outcome.INCORRECT
    assert message in feedback.message, feedback.message


def test_functional_check_accepts_a_softmax_layer():
    from keras import layers

    stack = [*keras_example_stack(activation=None), layers.Softmax()]
    assert nb06.q1.check(keras_example_functional(stack=stack)).correct


@pytest.mark.parametrize(
    ("answer", "outcome", "message"),
    [
        (lambda: (fake_data()[0].astype("float64"), fake_data()[1]), Outcome.CORRECT, "256 random"),
        (lambda: (fake_data()[0], fake_data()[1].astype("float32")), Outcome.CORRECT, "256 random"),
        (
            lambda: (fake_data()[0], (np.arange(256) + 1) % 2),
            Outcome.INCORRECT,
            "labels start [1, 0",
        ),
        (
            lambda: (fake_data()[0].reshape(256, 784), fake_data()[1]),
            Outcome.INCORRECT,
            "shape (256, 784)",
        ),
        (lambda: (fake_data()[0], fake_data()[1][:, None]), Outcome.INCORRECT, "shape (256, 1)"),
        (lambda: fake_data()[0], Outcome.INCORRECT, "as one tuple"),
        (lambda: ("images", "labels"), Outcome.INCORRECT, "NumPy arrays of numbers"),
        (lambda: (..., ...), Outcome.NOT_ATTEMPTED, "Replace the `...`"),
        (lambda: (fake_data()[0], ...), Outcome.INCORRECT, "`y_fake` is still `...`"),
    ],
)
def test_fake_data_check(answer, outcome, message):
    feedback = nb06.q2.check(answer())
    assert feedback.outcome is outcome
    assert message in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "message"),
    [
        (lambda: tuple(exercise_callbacks()), Outcome.CORRECT, "EarlyStopping stops 3 epochs"),
        (
            lambda: [*exercise_callbacks(), __import__("keras").callbacks.TerminateOnNaN()],
            Outcome.CORRECT,
            "EarlyStopping stops 3 epochs",
        ),
        (
            lambda: exercise_callbacks(stopping={"monitor": "val_accuracy"}),
            Outcome.INCORRECT,
            "EarlyStopping monitors 'val_accuracy'",
        ),
        (
            lambda: exercise_callbacks(checkpoint={"monitor": "val_accuracy"}),
            Outcome.INCORRECT,
            "ModelCheckpoint monitors 'val_accuracy'",
        ),
        (
            lambda: exercise_callbacks(
                checkpoint={"filepath": "runs/best.weights.h5", "save_weights_only": True}
            ),
            Outcome.INCORRECT,
            "saves the weights only",
        ),
        (
            lambda: exercise_callbacks(checkpoint={"filepath": "runs/best.h5"}),
            Outcome.INCORRECT,
            "`.keras`",
        ),
        (lambda: None, Outcome.INCORRECT, "takes a list"),
    ],
)
def test_callbacks_check(answer, outcome, message):
    feedback = nb06.q3.check(build_answer(answer))
    assert feedback.outcome is outcome
    assert message in feedback.message, feedback.message


def keras_early_stopping(val_loss, patience):
    """Feed ``val_loss`` to Keras' own EarlyStopping; return (last epoch, restored epoch).

    Before each epoch ends, the model's one weight is set to the epoch's number (from 1),
    so the weight left at the end names the epoch that EarlyStopping restored.
    """
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    callback = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    callback.set_model(model)
    model.stop_training = False  # as fit sets it
    callback.on_train_begin()
    last = len(val_loss)
    for epoch, value in enumerate(val_loss):
        model.set_weights([np.full((1, 1), epoch + 1, dtype="float32")])
        callback.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            assert callback.stopped_epoch == epoch
            last = epoch + 1
            break
    callback.on_train_end()
    return last, int(model.get_weights()[0][0, 0])


def test_when_does_it_stop_expected_answer_is_keras():
    answer = keras_early_stopping(nb06.q4.example(), nb06.PATIENCE)
    assert answer == nb06.q4.expected() == (8, 6)
    assert nb06.q4.check(answer).correct


@settings(max_examples=30, deadline=None)
@given(
    val_loss=st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.4]), min_size=1, max_size=10),
    patience=st.integers(1, 3),
)
def test_early_stopping_epochs_matches_keras(val_loss, patience):
    assert nb06.early_stopping_epochs(val_loss, patience) == keras_early_stopping(
        val_loss, patience
    )


@pytest.mark.parametrize(
    ("answer", "outcome", "message"),
    [
        (lambda: (8.0, 6.0), Outcome.CORRECT, "stops after epoch 8"),
        (lambda: [8, 6], Outcome.CORRECT, "stops after epoch 8"),
        (lambda: (8, 5), Outcome.INCORRECT, "Training does stop after epoch 8"),
        (lambda: (5, 6), Outcome.INCORRECT, "Epoch 6 is the one restored"),
        (lambda: (3, 2), Outcome.INCORRECT, "Not (3, 2)"),
        (lambda: (8.5, 6), Outcome.INCORRECT, "Give two whole numbers"),
        (lambda: 8, Outcome.INCORRECT, "Give two whole numbers"),
        (lambda: (..., ...), Outcome.NOT_ATTEMPTED, "Replace the `...`"),
        (lambda: (8, ...), Outcome.INCORRECT, "`restored_epoch` is still `...`"),
    ],
)
def test_when_does_it_stop_check(answer, outcome, message):
    feedback = nb06.q4.check(answer())
    assert feedback.outcome is outcome
    assert message in feedback.message, feedback.message


def test_legacy_learning_rate_is_inverse_time_decay():
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-5)
    for step in (0, 1, 1_000, 10_000, 123_456):
        assert float(schedule(step)) == pytest.approx(nb06.legacy_learning_rate(step), rel=1e-6)


@pytest.mark.parametrize(
    ("answer", "outcome", "message"),
    [
        (
            lambda: __import__("keras").optimizers.SGD(
                learning_rate=__import__("keras").optimizers.schedules.InverseTimeDecay(
                    0.01, decay_steps=1, decay_rate=1e-5, staircase=True
                ),
                momentum=0.9,
            ),
            Outcome.CORRECT,
            "momentum 0.9",
        ),
        (lambda: legacy_sgd(momentum=0.5), Outcome.INCORRECT, "The momentum is 0.5"),
        (lambda: legacy_sgd(nesterov=True), Outcome.INCORRECT, "leave `nesterov` at False"),
        (
            lambda: __import__("keras").optimizers.SGD(
                learning_rate=__import__("keras").optimizers.schedules.InverseTimeDecay(
                    0.01, decay_steps=1000, decay_rate=1e-5
                ),
                momentum=0.9,
            ),
            Outcome.INCORRECT,
            "the legacy decay gives 0.01 and 0.00909091",
        ),
        (lambda: __import__("keras").optimizers.SGD, Outcome.INCORRECT, "That is the class SGD"),
        (lambda: "sgd", Outcome.INCORRECT, "not a Keras optimizer"),
    ],
)
def test_legacy_optimizer_check(answer, outcome, message):
    feedback = nb06.q5.check(answer())
    assert feedback.outcome is outcome
    assert message in feedback.message, feedback.message


# --- notebook 07: the CIFAR-10 stand-in, 5,000 training images: the notebook's x_train is
# the first TRAIN of them and its validation set the rest ---------------------------------

TRAIN = 4_000


def cifar_images():
    return standin("cifar10")[0][0]


def cifar_labels():
    return standin("cifar10")[0][1]


def cifar_train():
    return cifar_images()[:TRAIN]


def augmentation(
    *, flip="horizontal", rotation=20 / 360, translation=0.2, extra=(), order=(0, 1, 2)
):
    """Exercise 7.5's block (or a variant): None leaves a layer out."""
    import keras
    from keras import layers

    made = [
        layers.RandomFlip(flip) if flip else None,
        layers.RandomRotation(rotation) if rotation is not None else None,
        layers.RandomTranslation(translation, translation) if translation is not None else None,
    ]
    chosen = [made[i] for i in order if made[i] is not None]
    return keras.Sequential([*chosen, *(getattr(layers, name)() for name in extra)])


@lru_cache(maxsize=16)
def adapted(which, axis=-1, scale=1):
    """A Normalization layer adapted on the first `which` training images (None: all of
    them; a negative number: the last ones), "test", or "train+test"."""
    from keras import layers

    (x_all, _), (x_test, _) = standin("cifar10")
    if which == "test":
        data = x_test
    elif which == "train+test":
        data = np.concatenate([x_all[:TRAIN], x_test])
    elif which is None:
        data = x_all
    else:
        data = x_all[which:] if which < 0 else x_all[:which]
    norm = layers.Normalization(axis=axis)
    norm.adapt(data / scale if scale != 1 else data)
    return norm


def test_tutorial_first_dense_count_is_keras():
    """Keras is the oracle: build notebook 07's tutorial model (without training it) and count."""
    import keras
    from keras import layers

    x = inputs = keras.Input((32, 32, 3))
    for part in nb07.TUTORIAL_STACK:
        if part == "pool":
            x = layers.MaxPooling2D(2)(x)
        else:
            filters, kernel = part
            x = layers.Conv2D(filters, kernel, padding="same", activation="relu")(x)
            x = layers.BatchNormalization()(x)
    x = flat = layers.Flatten()(x)
    dense = None
    for units, batch_norm in nb07.TUTORIAL_HEAD:
        layer = layers.Dense(units, activation="relu")
        dense = dense or layer
        x = layer(x)
        x = layers.BatchNormalization()(x) if batch_norm else x
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    assert flat.shape[1] == nb07.flatten_size() == 32_768
    assert dense.count_params() == nb07.q3.expected() == 33_555_456
    assert model.count_params() == nb07.tutorial_params() == 42_937_418  # as notebook 07 prints
    assert nb07.q3.check(dense.count_params()).correct


def test_keras_refuses_augmentation_factors_above_one():
    """Why 7.5 has no "degrees" or "pixels" mistake: Keras raises before a check could run."""
    from keras import layers

    with pytest.raises(ValueError):
        layers.RandomRotation(20)
    with pytest.raises(ValueError):
        layers.RandomTranslation(6.4, 6.4)


def test_unadapted_normalization_is_recognised_built_or_not():
    import keras

    norm = keras.layers.Normalization()
    assert nb07.q4.check((norm, cifar_train())).mistake == "not_adapted"
    keras.Sequential([keras.Input((32, 32, 3)), norm])  # builds it: mean 0, variance 1
    assert nb07.q4.check((norm, cifar_train())).mistake == "not_adapted"


def _given_moments(variance="variance"):
    """A Normalization layer given x_train's moments instead of adapted."""
    from keras import layers

    pixels = cifar_train().reshape(-1, 3).astype("float64")
    spread = pixels.var(axis=0) if variance == "variance" else pixels.std(axis=0)
    return layers.Normalization(mean=pixels.mean(axis=0), variance=spread)


def _other_augmentations():
    import keras
    from keras import layers

    return {
        "reversed order": augmentation(order=(2, 1, 0)),
        "(-f, f) pairs": keras.Sequential(
            [
                layers.RandomTranslation((-0.2, 0.2), (-0.2, 0.2), fill_mode="nearest"),
                layers.RandomRotation((-20 / 360, 20 / 360)),
                layers.RandomFlip("horizontal"),
            ]
        ),
        "negative factors": keras.Sequential(
            [
                layers.RandomFlip("horizontal"),
                layers.RandomRotation(-0.056),
                layers.RandomTranslation(-0.2, -0.2),
            ]
        ),
        "with an Input": keras.Sequential([keras.Input((32, 32, 3)), *augmentation().layers]),
        "nested": keras.Sequential([layers.RandomFlip("horizontal"), augmentation(flip=None)]),
        "pipeline": layers.Pipeline(augmentation().layers),
    }


@pytest.mark.parametrize("case", list(_other_augmentations()))
def test_augmentation_check_accepts_equivalent_blocks(case):
    feedback = nb07.q5.check(_other_augmentations()[case])
    assert feedback.correct, feedback.message


def _legacy_generator():
    import tensorflow as tf

    return tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=20)


NB07_DIAGNOSED = [
    (nb07.q1, lambda: cifar_labels().astype("float32"), "the dtype is float32"),
    (nb07.q1, lambda: cifar_labels()[:100], "The shape is (100,)"),
    (nb07.q1, lambda: np.sort(cifar_labels()), "labels differ from the training labels"),
    (nb07.q1, lambda: _tensor(cifar_labels()), "convert it with `np.asarray`"),
    (nb07.q1, lambda: list(cifar_labels()), "Received: list."),
    (nb07.q2, lambda: cifar_images().mean(axis=(0, 1, 2)), "Give two values"),
    (nb07.q2, lambda: ("mean", "std"), "`channel_mean` should be numbers"),
    (
        nb07.q2,
        lambda: (
            cifar_images().mean(axis=(0, 1, 2), keepdims=True),
            cifar_images().std(axis=(0, 1, 2)),
        ),
        "drop `keepdims=True`",
    ),
    (
        nb07.q2,
        lambda: (cifar_images().mean(axis=(0, 1, 2)) + 1, cifar_images().std(axis=(0, 1, 2))),
        "are not the per-channel means",
    ),
    (
        nb07.q2,
        lambda: (cifar_images().mean(axis=(0, 1, 2)), cifar_images().std(axis=(0, 1, 2)) + 1),
        "The means are right; the standard deviations",
    ),
    (nb07.q5, lambda: augmentation(rotation=0.1), "up to ±36.0 degrees"),
    (nb07.q5, lambda: augmentation(translation=0.1), "up to 10% of the height"),
    (nb07.q5, lambda: augmentation(translation=(0, 0.2)), "shifts one way only"),
    (
        nb07.q5,
        lambda: augmentation(rotation=(0, 20 / 360)),
        "does not go as far both ways",
    ),
    (nb07.q5, lambda: zoomed(), "a RandomZoom layer"),
    (nb07.q5, lambda: doubled_flip(), "2 RandomFlip layers"),
    (nb07.q5, lambda: list(augmentation().layers), "Wrap the layers in `keras.Sequential"),
    (nb07.q5, lambda: augmentation().layers[0], "That is one layer, a RandomFlip"),
    (nb07.q5, _legacy_generator, "the legacy ImageDataGenerator itself"),
    (nb07.q5, lambda: grayscale_block(), "input is declared as (28, 28, 1)"),
    (nb07.q5, lambda: odd_flip("broken"), "Calling the block on two 32x32x3 images failed"),
    (nb07.q5, lambda: odd_flip("always"), "At inference (`training=False`) the block changes"),
    (nb07.q5, lambda: "augment", "Received: str."),
    (nb07.q4, lambda: adapted(TRAIN), "Pass the layer and the training images together"),
    (
        nb07.q4,
        lambda: (augmentation(), cifar_train()),
        "received a Sequential",
    ),
    (
        nb07.q4,
        lambda: (adapted(TRAIN), standin("cifar10")[1][0]),
        "The second item should be `x_train`, the training images, as loaded (raw 0..255)",
    ),
    (nb07.q4, lambda: (adapted(TRAIN), cifar_train() / 255), "divided by 255"),
    (nb07.q4, lambda: (adapted(TRAIN), _tensor(cifar_train())), "convert it with `np.asarray`"),
    (nb07.q4, lambda: (adapted(3000), cifar_train()), "the per-channel means of `x_train` are"),
    (
        nb07.q4,
        lambda: (adapted(TRAIN, axis=(1, 2, 3)), cifar_train()),
        "The layer holds 3,072 means",
    ),
    (nb07.q4, lambda: (_given_moments("std"), cifar_train()), "variances are the standard"),
    (nb07.q3, lambda: 12345, "Not 12345"),
]


def zoomed():
    import keras

    return keras.Sequential([*augmentation().layers, keras.layers.RandomZoom(0.1)])


def doubled_flip():
    import keras

    return keras.Sequential([keras.layers.RandomFlip("horizontal"), *augmentation().layers])


def grayscale_block():
    import keras

    return keras.Sequential([keras.Input((28, 28, 1)), *augmentation().layers])


def odd_flip(kind):
    """The block with a RandomFlip subclass that fails, or that flips even at inference."""
    import keras

    class OddFlip(keras.layers.RandomFlip):
        def call(self, inputs, training=True):
            if kind == "broken":
                raise RuntimeError("broken")
            return keras.ops.flip(inputs, axis=-2)

    return keras.Sequential([OddFlip("horizontal"), *augmentation(flip=None).layers])


DIAGNOSED = NB07_DIAGNOSED + NB08_DIAGNOSED


@pytest.mark.parametrize(
    ("exercise", "make_answer", "message"),
    DIAGNOSED,
    ids=[f"q{e.key}-{i}" for i, (e, _, _) in enumerate(DIAGNOSED)],
)
def test_uncatalogued_wrong_answer_gets_its_own_message(exercise, make_answer, message):
    feedback = exercise.check(make_answer())
    assert feedback.outcome is Outcome.INCORRECT
    assert message in feedback.message, feedback.message


@pytest.mark.parametrize(
    "answer",
    [
        lambda: (
            list(cifar_images().mean(axis=(0, 1, 2))),
            tuple(cifar_images().std(axis=(0, 1, 2))),
        ),
        lambda: [
            cifar_images().mean(axis=(0, 1, 2)).astype("float32"),
            cifar_images().std(axis=(0, 1, 2), ddof=1).astype("float32"),
        ],
        lambda: (
            cifar_images().reshape(-1, 3).mean(axis=0),
            cifar_images().reshape(-1, 3).std(axis=0),
        ),
    ],
    ids=["lists", "float32-ddof1", "reshaped"],
)
def test_channel_statistics_check_accepts(answer):
    feedback = nb07.q2.check(answer())
    assert feedback.correct, feedback.message


def test_channel_statistics_are_numpy():
    mean, std = nb07.q2.expected()
    pixels = cifar_images().reshape(-1, 3).astype("float64")
    np.testing.assert_allclose(mean, pixels.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, pixels.std(axis=0), rtol=1e-12)


@pytest.mark.parametrize(
    "answer",
    [
        lambda: (_given_moments(), cifar_train()),
        lambda: (adapted(TRAIN), cifar_train().astype("float32")),
        lambda: (adapted(5_000), cifar_images()),  # x_train may be the whole training set
    ],
    ids=["given-moments", "float32-images", "whole-set"],
)
def test_adapt_check_accepts(answer):
    feedback = nb07.q4.check(answer())
    assert feedback.correct, feedback.message


@pytest.mark.parametrize("exercise", [nb07.q2, nb07.q4], ids=["q7.2", "q7.4"])
def test_nb07_tuple_with_a_placeholder_is_not_attempted(exercise):
    assert exercise.check((..., cifar_train())).outcome is Outcome.NOT_ATTEMPTED
    assert exercise.check([adapted(TRAIN), ...]).outcome is Outcome.NOT_ATTEMPTED
