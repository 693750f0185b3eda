"""Notebook 06's exercises: every catalogued mistake of the old checks is still named, the
near-misses the exercises' texts rule out are refused, and Keras is the oracle for the
Keras example, EarlyStopping and the legacy learning-rate decay."""

import keras
import numpy as np
import pytest
from keras import layers

from course_utils.exercises import Outcome
from course_utils.exercises import keras_checks as kc
from course_utils.exercises import nb06 as ex
from course_utils.models import keras_example_model

# --- answers built like a learner would ---------------------------------------------------


def functional(*args, **changes):
    """The Keras example built with the Functional API, or a variant of it (``kc.variant``)."""
    model = keras_example_model()
    return kc.variant(keras.Model(model.inputs, model.outputs), *args, **changes)


def extra_dense():
    """The Keras example with one more Dense layer, of 64 units, before its last."""
    view = kc.ModelView(functional())
    return kc.rebuild(view, [*view.layers[:-1], ("Dense", {"units": 64}), view.layers[-1]])


def chain(input_shape, *stack):
    """Layers called in turn on ``keras.Input(input_shape)``, made a Functional model."""
    inputs = x = keras.Input(input_shape)
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x)


def fake_data(count=256, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((count, 28, 28, 1), dtype="float32"), np.arange(count) % 2


X, Y = fake_data()  # exercise 6.2's answer, x_fake and y_fake


def callbacks(stopping=None, checkpoint=None):
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
                "filepath": ex.RUN_DIR / "exercise.keras",
                "monitor": "val_loss",
                "save_best_only": True,
                **(checkpoint or {}),
            }
        ),
    ]


def legacy_sgd(schedule="InverseTimeDecay", learning_rate=0.01, kind="SGD", **options):
    """An optimizer like the Keras 3 translation of SGD(lr=0.01, momentum=0.9, decay=1e-5)."""
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


# --- every catalogued mistake keeps its name ------------------------------------------------

MISTAKES = [
    (ex.q1, "tensor_not_model", lambda: functional().outputs[0]),
    (ex.q1, "layer_not_model", lambda: functional().layers[1]),
    (ex.q1, "sequential", keras_example_model),
    (
        ex.q1,
        "no_channel_axis",
        lambda: chain((28, 28), layers.Flatten(), layers.Dense(10, activation="softmax")),
    ),
    (ex.q1, "flat_input", lambda: chain((784,), layers.Dense(10, activation="softmax"))),
    (ex.q1, "flatten_missing", lambda: functional(drop="Flatten")),
    (ex.q1, "softmax_missing", lambda: functional(6, activation="linear")),
    (ex.q2, "lengths_disagree", lambda: (X, Y[:200])),
    (ex.q2, "wrong_count", lambda: fake_data(100)),
    (ex.q2, "no_channel_axis", lambda: (X[..., 0], Y)),
    (ex.q2, "integer_images", lambda: ((X * 255).astype("uint8"), Y)),
    (ex.q2, "not_scaled", lambda: (X * 255, Y)),
    (ex.q2, "one_hot_labels", lambda: (X, np.eye(2)[Y])),
    (ex.q2, "labels_mod_10", lambda: (X, np.arange(256) % 10)),
    (ex.q2, "constant_labels", lambda: (X, np.zeros(256, dtype=int))),
    (ex.q3, "not_a_list", lambda: callbacks()[0]),
    (ex.q3, "early_stopping_missing", lambda: callbacks()[1:]),
    (ex.q3, "checkpoint_missing", lambda: callbacks()[:1]),
    (ex.q3, "training_loss", lambda: callbacks(stopping={"monitor": "loss"})),
    (ex.q3, "no_restore", lambda: callbacks(stopping={"restore_best_weights": False})),
    (ex.q3, "wrong_patience", lambda: callbacks(stopping={"patience": 2})),
    (ex.q3, "h5_file", lambda: callbacks(checkpoint={"filepath": "runs/best.h5"})),
    (ex.q3, "not_best_only", lambda: callbacks(checkpoint={"save_best_only": False})),
    (ex.q4, "zero_based", lambda: (7, 5)),
    (ex.q4, "stopped_at_best", lambda: (6, 6)),
    (ex.q4, "patience_off_by_one", lambda: (9, 6)),
    (ex.q4, "swapped", lambda: (6, 8)),
    (ex.q4, "saw_the_future", lambda: (10, 10)),
    (ex.q5, "not_sgd", lambda: legacy_sgd(kind="Adam")),
    (ex.q5, "no_momentum", lambda: legacy_sgd(momentum=0.0)),
    (ex.q5, "weight_decay", lambda: legacy_sgd(schedule=None, weight_decay=1e-5)),
    (ex.q5, "ten_times_lr", lambda: legacy_sgd(schedule=None, learning_rate=0.1)),
    (ex.q5, "constant_learning_rate", lambda: legacy_sgd(schedule=None)),
    (ex.q5, "exponential_decay", lambda: legacy_sgd(schedule="ExponentialDecay")),
]


def test_catalogued_mistake_is_named(mistake):
    mistake()


def test_catalogued_mistakes_are_all_in_the_table():
    names = {(exercise.key, name) for exercise, name, _ in MISTAKES}
    listed = {(e.key, r.name) for e in (ex.q1, ex.q2, ex.q3, ex.q4, ex.q5) for r in e.rules}
    catalogued = {
        (e.key, r.name) for e in (ex.q1, ex.q2, ex.q3, ex.q4, ex.q5) for r in e.rules if r.mistake
    }
    assert names == catalogued and names <= listed


# --- 6.1: the Keras example with the Functional API ----------------------------------------


def test_keras_example_reference_count_is_keras():
    assert ex.q1.reference().count_params() == keras_example_model().count_params() == 34_826
    assert functional().count_params() == 34_826
    assert ex.q1.check(functional()).correct


@pytest.mark.parametrize(
    ("index", "changes", "rule", "message"),
    [
        pytest.param(0, {"filters": 16}, "filters", "16", id="filters"),
        pytest.param(2, {"kernel_size": 5}, "kernel_size", "(5, 5)", id="kernel"),
        pytest.param(0, {"use_bias": False}, "use_bias", "False", id="conv_bias"),
        pytest.param(0, {"strides": 2}, "strides", "", id="strides"),
        pytest.param(0, {"padding": "same"}, "padding", "", id="padding"),
        pytest.param(1, {"pool_size": 3, "strides": 3}, "pool_size", "2x2", id="pool"),
        pytest.param(6, {"units": 2}, "units", "2", id="units"),
        pytest.param(6, {"use_bias": False}, "use_bias", "", id="dense_bias"),
        pytest.param(2, {"activation": "linear"}, "activation", "relu", id="no_relu"),
        pytest.param(5, {"rate": 0.25}, "rate", "0.25", id="dropout"),
    ],
)
def test_functional_names_the_argument_that_differs(index, changes, rule, message):
    feedback = ex.q1.check(functional(index, **changes))
    assert feedback.rule.endswith(f": {rule}"), feedback
    assert message in feedback.message


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (lambda: functional(6, activation="sigmoid"), "softmax_missing"),
        (lambda: functional(shape=(28, 28, 3)), "input_shape"),
        (extra_dense, "layers"),
        (lambda: functional(2, groups=2), "parameters"),
    ],
    ids=["sigmoid", "rgb_input", "extra_dense", "groups"],
)
def test_functional_refuses_a_near_miss(answer, rule):
    assert ex.q1.check(answer()).rule == rule


def test_functional_accepts_a_softmax_layer():
    model = functional(6, activation="linear")
    assert ex.q1.check(keras.Model(model.inputs, layers.Softmax()(model.output))).correct


def test_functional_refuses_a_compiled_model():
    model = functional()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert ex.q1.check(model).rule == "not_compiled"


def test_functional_refuses_two_outputs():
    model = functional()
    assert ex.q1.check(keras.Model(model.inputs, [model.output, model.output])).rule == "single_io"


def test_functional_names_what_is_not_a_model():
    assert "not a Keras model" in ex.q1.check("model").message


# --- 6.2: fake data -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        pytest.param((X.astype("float64"), Y), "images", "float64", id="float64"),
        pytest.param((X.reshape(256, 784), Y), "images", "(256, 784)", id="flat"),
        pytest.param((np.zeros((256, 28, 28, 1), "float32"), Y), "random_pixels", "", id="zeros"),
        pytest.param((X / 2, Y), "random_pixels", "", id="half_range"),
        pytest.param((X, Y.astype("float32")), "labels_vector", "float32", id="float_labels"),
        pytest.param((X, Y[:, None]), "labels_vector", "(256, 1)", id="column"),
        pytest.param((X, Y == 1), "labels_vector", "bool", id="bool_labels"),
        pytest.param((X, (np.arange(256) + 1) % 2), "labels", "[1, 0, 1", id="shifted"),
        pytest.param(X, "parse", "two arrays", id="images_only"),
        pytest.param(("images", "labels"), "parse", "two arrays", id="strings"),
        pytest.param((X, list(Y)), "parse", "two arrays", id="label_list"),
        pytest.param((X, ...), "parts", "`y_fake` is still `...`", id="half_answered"),
    ],
)
def test_fake_data_refuses_a_near_miss(answer, rule, message):
    feedback = ex.q2.check(answer)
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.rule == rule, feedback
    assert message in feedback.message


def test_fake_data_accepts_another_seed_and_placeholder_is_not_attempted():
    assert ex.q2.check(fake_data(seed=1)).correct
    assert ex.q2.check((..., ...)).outcome is Outcome.NOT_ATTEMPTED


# --- 6.3: callbacks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda: tuple(callbacks()),
        lambda: callbacks(stopping={"mode": "min"}, checkpoint={"mode": "min"}),
        lambda: callbacks(checkpoint={"filepath": str(ex.RUN_DIR / "best.keras")}),
        lambda: callbacks()[::-1],
    ],
    ids=["tuple", "mode_min", "str_path", "reversed"],
)
def test_callbacks_accepts_an_equivalent_answer(answer):
    assert ex.q3.check(answer()).correct


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        (lambda: [*callbacks(), keras.callbacks.TerminateOnNaN()], "two_callbacks", "3 items"),
        (
            lambda: callbacks(stopping={"monitor": "val_accuracy"}),
            "val_loss",
            "('val_accuracy', 'val_loss')",
        ),
        (
            lambda: callbacks(checkpoint={"monitor": "val_accuracy"}),
            "val_loss",
            "('val_loss', 'val_accuracy')",
        ),
        (
            lambda: callbacks(
                checkpoint={"filepath": ex.RUN_DIR / "best.weights.h5", "save_weights_only": True}
            ),
            "whole_model",
            "best.weights.h5",
        ),
        (
            lambda: callbacks(checkpoint={"filepath": "exercise.keras"}),
            "in_run_dir",
            "'exercise.keras'",
        ),
        (lambda: None, "parse", "None"),
    ],
    ids=[
        "extra_callback",
        "stopping_monitor",
        "checkpoint_monitor",
        "weights_only",
        "outside_run_dir",
        "none",
    ],
)
def test_callbacks_refuses_a_near_miss(answer, rule, message):
    feedback = ex.q3.check(answer())
    assert feedback.rule == rule, feedback
    assert message in feedback.message


# The exercise names some arguments; every other one is implied at Keras' default.
CHANGED_SETTINGS = [
    ("EarlyStopping", "mode", "max", "'min'"),
    ("EarlyStopping", "min_delta", 0.01, "`min_delta=0.01`"),
    ("EarlyStopping", "baseline", 0.5, "`baseline=0.5`"),
    ("EarlyStopping", "start_from_epoch", 2, "`start_from_epoch=2`"),
    ("ModelCheckpoint", "mode", "max", "`mode='max'`"),
    ("ModelCheckpoint", "save_freq", 100, "'epoch'"),
    ("ModelCheckpoint", "initial_value_threshold", 0.5, "`initial_value_threshold=0.5`"),
]


@pytest.mark.parametrize(
    ("kind", "argument", "value", "message"),
    CHANGED_SETTINGS,
    ids=[f"{kind}.{argument}" for kind, argument, *_ in CHANGED_SETTINGS],
)
def test_callbacks_names_an_argument_off_its_default(kind, argument, value, message):
    changed = {"stopping" if kind == "EarlyStopping" else "checkpoint": {argument: value}}
    feedback = ex.q3.check(callbacks(**changed))
    assert feedback.rule == f"{kind}: {argument}", feedback
    assert message in feedback.message


def test_callbacks_accepts_the_defaults_written_out():
    stopping = {"mode": "auto", "min_delta": 0, "baseline": None, "start_from_epoch": 0}
    checkpoint = {"mode": "auto", "save_freq": "epoch", "initial_value_threshold": None}
    assert ex.q3.check(callbacks(stopping, checkpoint)).correct


# --- 6.4: when does EarlyStopping stop? -------------------------------------------------------


class _FakeValidation(keras.callbacks.Callback):
    """Replaces the validation loss of each epoch before the callbacks after it see it."""

    def __init__(self, val_loss):
        super().__init__()
        self.val_loss = val_loss

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.val_loss[epoch]


@pytest.mark.parametrize(
    ("val_loss", "patience"),
    [
        (ex.VAL_LOSS, 2),
        ((0.5, 0.4, 0.45, 0.46, 0.3), 2),
        ((0.3, 0.3, 0.3, 0.3), 1),
        ((0.4, 0.3, 0.2, 0.1), 2),
        ((0.2, 0.3, 0.1, 0.4, 0.5, 0.6), 3),
    ],
)
def test_keras_early_stopping_matches_fit(val_loss, patience):
    """``fit`` with Keras' EarlyStopping stops after the epoch the helper names and restores
    the weights of the epoch it names (the restored model's weights equal those saved then)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    weights = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: weights.append(model.get_weights())
    )
    stopping = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    history = model.fit(
        np.ones((4, 1)),
        np.zeros((4, 1)),
        epochs=len(val_loss),
        verbose=0,
        callbacks=[record, _FakeValidation(val_loss), stopping],
    )
    last, restored = ex.keras_early_stopping(tuple(val_loss), patience)
    assert len(history.epoch) == last
    for got, saved in zip(model.get_weights(), weights[restored - 1], strict=True):
        np.testing.assert_array_equal(got, saved)


def test_when_does_it_stop_expected_answer_is_keras():
    assert ex.q4.reference() == ex.keras_early_stopping(ex.VAL_LOSS, 2) == (8, 6)
    assert ex.q4.check([8, 6]).correct


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        ((8.0, 6.0), "whole_numbers", "(8.0, 6.0)"),
        ((8.5, 6), "whole_numbers", "ints"),
        ((8, 5), "restored_epoch", "Epoch 5"),
        ((3, 2), "restored_epoch", "Epoch 2"),
        ((5, 6), "last_epoch", "Epoch 6 is the one restored"),
        (8, "parse", "(last_epoch, restored_epoch)"),
        ((8, ...), "parts", "`restored_epoch` is still `...`"),
    ],
    ids=["floats", "half", "restored", "both", "last", "one_number", "half_answered"],
)
def test_when_does_it_stop_refuses_a_near_miss(answer, rule, message):
    feedback = ex.q4.check(answer)
    assert feedback.rule == rule, feedback
    assert message in feedback.message


# --- 6.5: the legacy optimizer -----------------------------------------------------------------


def test_legacy_decay_is_keras_inverse_time_decay():
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-5)
    expected = [float(schedule(step)) for step in ex.STEPS]
    np.testing.assert_allclose(ex.LEGACY, expected, rtol=1e-6)


def test_legacy_optimizer_accepts_the_staircase_schedule():
    schedule = keras.optimizers.schedules.InverseTimeDecay(
        0.01, decay_steps=1, decay_rate=1e-5, staircase=True
    )
    assert ex.q5.check(keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)).correct


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        (lambda: legacy_sgd(momentum=0.5), "momentum", "The momentum is 0.5"),
        (lambda: legacy_sgd(nesterov=True), "nesterov", "nesterov"),
        (
            lambda: keras.optimizers.SGD(
                learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.01, 1000, 1e-5),
                momentum=0.9,
            ),
            "decay",
            "0.00909",
        ),
        (lambda: legacy_sgd(learning_rate=0.02), "decay", "0.0181818"),
        (lambda: keras.optimizers.SGD, "parse", "That is the class SGD"),
        (lambda: "sgd", "parse", "not a Keras optimizer"),
    ],
    ids=["momentum", "nesterov", "decay_steps", "start", "class", "string"],
)
def test_legacy_optimizer_refuses_a_near_miss(answer, rule, message):
    feedback = ex.q5.check(answer())
    assert feedback.rule == rule, feedback
    assert message in feedback.message


@pytest.mark.parametrize(
    ("option", "value"),
    [("clipnorm", 1.0), ("global_clipnorm", 1.0), ("clipvalue", 0.5), ("use_ema", True)],
)
def test_legacy_optimizer_names_an_option_the_legacy_call_did_not_use(option, value):
    feedback = ex.q5.check(legacy_sgd(**{option: value}))
    assert feedback.rule == f"SGD: {option}", feedback
    assert f"`{option}={value!r}`" in feedback.message


def test_legacy_optimizer_accepts_the_defaults_written_out():
    options = {"clipnorm": None, "clipvalue": None, "use_ema": False, "nesterov": False}
    assert ex.q5.check(legacy_sgd(**options)).correct
