"""Exercises of notebook 06, deeper CNNs and training controls, checked on Keras objects.

Example:
>>> from course_utils.exercises import nb06 as ex
>>> print(ex.q4.check((7, 5)))  # doctest: +ELLIPSIS
[incorrect] Exercise 6.4: Those are counted from 0...
"""

import operator
from functools import cache, cached_property
from pathlib import Path
from types import SimpleNamespace as Parsed

import keras
import numpy as np

from course_utils.exercises import Rule, SpecExercise, Unusable, bind, is_whole_number, short
from course_utils.exercises import keras_checks as kc
from course_utils.models import keras_example_model


def _settings_rules(kind, part, rebuild, changes, read=getattr):
    """One rule per argument in ``changes``: the ``kind`` object ``part(parsed answer)`` has
    the reference's value of it, as ``read(object, argument)`` reads it. The breaking answer
    is ``rebuild(**{argument: changes[argument]})``, the reference with that one changed."""

    def rule(name, value):
        def values(a, ex):  # the answer's, then the reference's
            return [read(part(parsed), name) for parsed in (a, ex.parse(ex.reference()))]

        def message(a, ex):
            got, want = map(short, values(a, ex))
            return f"The {kind} has `{name}={got}`; the exercise implies {want}: leave it out."

        holds = lambda a, ex: operator.eq(*values(a, ex))  # noqa: E731
        return Rule(f"{kind}: {name}", holds, lambda ex: rebuild(**{name: value}), message=message)

    return [rule(name, value) for name, value in changes.items()]


def _example(index=None, outputs=1, drop=None, compiled=False, **changes):
    """The Keras example, Functional; with layer ``index`` changed, ``outputs`` outputs, no
    layers of kind ``drop``, or compiled."""
    sequential = keras_example_model()
    out = sequential.outputs[0] if outputs == 1 else sequential.outputs * outputs
    model = keras.Model(sequential.inputs, out)
    if drop is not None or index is not None:
        model = kc.variant(model, index, drop=drop, **changes)
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _on(shape):
    """The Keras example's last layer alone on ``shape`` inputs (flattened first)."""
    view = kc.ModelView(_example())
    return kc.rebuild(view, [("Flatten", {})] * (len(shape) > 1) + view.layers[-1:], shape)


MODEL_RULES = [
    Rule("tensor_not_model", lambda a, ex: not kc.is_tensor(a), lambda ex: _example().output, True),
    Rule(
        "layer_not_model", lambda a, ex: not kc.is_layer(a), lambda ex: _example().layers[1], True
    ),
    Rule("sequential", lambda a, ex: not a.sequential, lambda ex: keras_example_model(), True),
    Rule("single_io", lambda a, ex: a.ios == 2, lambda ex: _example(outputs=2)),
    Rule(
        "no_channel_axis", lambda a, ex: a.input_shape != (28, 28), lambda ex: _on((28, 28)), True
    ),
    Rule("flat_input", lambda a, ex: a.input_shape != (784,), lambda ex: _on((784,)), True),
    Rule(
        "flatten_missing", lambda a, ex: kc.flattens(a), lambda ex: _example(drop="Flatten"), True
    ),
    Rule("softmax_missing", lambda a, ex: a.softmax, lambda ex: _example(6, activation=None), True),
]
TOTAL_RULES = [
    Rule("parameters", lambda a, ex: a.parameters == 34_826, lambda ex: _example(2, groups=2)),
    Rule("not_compiled", lambda a, ex: not a.model.compiled, lambda ex: _example(compiled=True)),
]


class FunctionalKerasExample(SpecExercise):
    title = "The Keras example with the Functional API"
    hints = [
        "Start from `keras.Input`, call each layer on the last output, finish with `keras.Model`.",
        "Conv 32 relu, pool, Conv 64 relu, pool, Flatten, Dropout 0.5, Dense 10 softmax, in turn.",
    ]
    messages = {
        "tensor_not_model": "That is a tensor, the last layer's output: wrap it in `keras.Model`.",
        "layer_not_model": "That is one layer, not a model: call the layers in turn on the input.",
        "sequential": "That model is `keras.Sequential`; the exercise asks for the Functional API.",
        "single_io": "The Keras example has one input and one output; this model has more.",
        "no_channel_axis": "The input shape is (28, 28): Conv2D needs a channel axis, (28, 28, 1).",
        "flat_input": "The input is flat, (784,): a CNN takes the image grid, (28, 28, 1).",
        "flatten_missing": "Flatten is missing: then Dense works at each position of the 5x5 grid.",
        "softmax_missing": "The last layer has no softmax: the 10 outputs must be probabilities.",
        "parameters": "The model has {a.parameters:,} parameters, not 34,826.",
        "not_compiled": "The exercise says not to compile this model: build it only.",
    }
    reference = staticmethod(_example)

    @cached_property
    def rules(self):
        notes = {
            ("Conv2D", "activation"): 'Add `activation="relu"`, or the convolutions are linear.',
            ("MaxPooling2D", "pool_size"): "Both poolings are 2x2: `layers.MaxPooling2D(2)`.",
            ("Dropout", "rate"): "The Keras example drops half: `layers.Dropout(0.5)`.",
        }
        conv = (*kc.DEFAULT_COMPARE["Conv2D"], "use_bias")
        compare = {"Conv2D": conv, "Dense": ("units", "use_bias")}  # activation: softmax_missing
        layers = kc.model_rules(_example, compare, notes, what="the Keras example")
        return [*MODEL_RULES, *layers, *TOTAL_RULES]

    def parse(self, answer):
        if kc.is_tensor(answer) or kc.is_layer(answer):
            return answer  # named by the first two rules
        a = kc.model_view(answer)
        a.sequential, a.parameters = isinstance(answer, keras.Sequential), answer.count_params()
        a.ios = len(answer.inputs + answer.outputs)
        a.softmax = a.kinds[-1:] != ["Dense"] or a.layers[-1][1]["activation"] == "softmax"
        return a


SHAPE = (256, 28, 28, 1)
_X = np.random.default_rng(0).random(SHAPE, dtype="float32")  # the reference's images,
_Y = np.arange(256) % 2  # and their labels
FAKE_RULES = [
    Rule("lengths_disagree", lambda a, ex: len(a.x) == len(a.y), lambda ex: (_X, _Y[:9]), True),
    Rule("wrong_count", lambda a, ex: len(a.x) == 256, lambda ex: (_X[:9], _Y[:9]), True),
    Rule(
        "no_channel_axis", lambda a, ex: a.x.shape != SHAPE[:3], lambda ex: (_X[..., 0], _Y), True
    ),
    Rule(
        "integer_images", lambda a, ex: a.x.dtype.kind in "bf", lambda ex: (np.uint8(_X), _Y), True
    ),
    Rule("images", lambda a, ex: a.x.shape == SHAPE and a.float32, lambda ex: (_X[:, 0], _Y)),
    Rule(
        "not_scaled", lambda a, ex: 0 <= a.x.min() <= a.x.max() < 1, lambda ex: (_X * 255, _Y), True
    ),
    Rule("random_pixels", lambda a, ex: a.x.std() > 0.25, lambda ex: (_X / 2, _Y)),  # U[0, 1): 0.29
    Rule(
        "one_hot_labels", lambda a, ex: a.y.size == len(a.y), lambda ex: (_X, np.eye(2)[_Y]), True
    ),
    Rule(
        "labels_vector", lambda a, ex: a.y.shape == (256,) and a.integers, lambda ex: (_X, 1.0 * _Y)
    ),
    Rule("labels_mod_10", lambda a, ex: not a.mod_10, lambda ex: (_X, np.arange(256) % 10), True),
    Rule("constant_labels", lambda a, ex: np.any(a.y != a.y[0]), lambda ex: (_X, 0 * _Y), True),
    Rule("labels", lambda a, ex: np.array_equal(a.y, _Y), lambda ex: (_X, 1 - _Y)),
]


class FakeData(SpecExercise):
    title = "Fake data for a smoke test"
    names = ("x_fake", "y_fake")
    hints = [
        "`rng.random(shape, dtype=...)` draws floats in [0, 1); what shape do the images have?",
        "`np.arange(256)` numbers the images; the remainder of a division by 2 alternates 0, 1.",
    ]
    messages = {
        "lengths_disagree": "x_fake and y_fake differ in length: every image needs one label.",
        "wrong_count": "The smoke test has 256 images and labels, as the tutorial's `--self_test`.",
        "no_channel_axis": "The images are (256, 28, 28): add the channel axis, (256, 28, 28, 1).",
        "integer_images": "The images have an integer dtype; the model trains on float32 pixels.",
        "images": "The images are {a.x.shape}, {a.x.dtype}, not (256, 28, 28, 1), float32.",
        "not_scaled": "Some pixels lie outside [0, 1): scale the fake images like the real ones.",
        "random_pixels": "The pixels should be random, spread evenly over [0, 1) by `rng.random`.",
        "one_hot_labels": "The labels are one-hot; this notebook's sparse loss wants integers.",
        "labels_vector": "The labels are {a.y.shape}, {a.y.dtype}; the exercise asks (256,) ints.",
        "labels_mod_10": "Those labels are i % 10; the smoke test's are i % 2, 0 and 1 in turn.",
        "constant_labels": "All the labels are the same; the smoke test's alternate 0, 1, 0, ...",
        "labels": "The labels start {a.start}; image i has label i % 2: [0, 1, 0, 1, 0, 1, ...].",
    }
    rules = FAKE_RULES
    reference = staticmethod(lambda: (_X, _Y))

    def parse(self, answer):
        x, y = answer if isinstance(answer, (tuple, list)) and len(answer) == 2 else (0, 0)
        if not all(isinstance(a, np.ndarray) and a.ndim and a.dtype.kind in "biuf" for a in (x, y)):
            raise Unusable(f"Give `(x_fake, y_fake)`, two arrays of numbers. Got {short(answer)}.")
        a = Parsed(x=x, y=y, float32=x.dtype == "float32", integers=y.dtype.kind in "iu")
        a.start, a.mod_10 = y[:6].tolist(), np.array_equal(y, np.arange(256) % 10)
        return a


def _callbacks(
    monitor="val_loss", file="best.keras", patience=3, restore=True, best_only=True, es=None, **mc
):
    """The reference callbacks, with arguments changed (``es``, ``mc``: more for each one)."""
    es = {"patience": patience, "restore_best_weights": restore, **(es or {})}
    mc = {"filepath": RUN_DIR / file, "save_best_only": best_only, **mc}
    early_stopping, checkpoint = _KINDS
    return [early_stopping(monitor, **es), checkpoint(monitor=monitor, **mc)]


def _setting(callback, name):
    """A callback's argument as every Keras 3 keeps it: ``mode`` as "min" or "max" ("auto" on
    a loss is "min"; Keras 3.6's ModelCheckpoint keeps only its comparison)."""
    if name == "mode":
        mode = getattr(callback, "mode", "max" if callback.monitor_op is np.greater else "min")
        return "min" if mode == "auto" else mode
    return getattr(callback, "best" if name == "initial_value_threshold" else name)


RUN_DIR = Path("runs") / "06_deeper_cnns"  # the notebook's run_dir, from its folder
_KINDS = keras.callbacks.EarlyStopping, keras.callbacks.ModelCheckpoint
STOPPING = {"mode": "max", "min_delta": 0.01, "baseline": 0.5, "start_from_epoch": 2}
CHECKPOINT = {"mode": "max", "save_freq": 100, "initial_value_threshold": 0.5}
CALLBACK_RULES = [
    Rule("not_a_list", lambda a, ex: a.items is not None, lambda ex: _callbacks()[0], True),
    Rule("early_stopping_missing", lambda a, ex: a.es, lambda ex: _callbacks()[1:], True),
    Rule("checkpoint_missing", lambda a, ex: a.mc, lambda ex: _callbacks()[:1], True),
    Rule("two_callbacks", lambda a, ex: a.count == 2, lambda ex: _callbacks() * 2),
    Rule(
        "training_loss", lambda a, ex: "loss" not in a.monitors, lambda ex: _callbacks("loss"), True
    ),
    Rule(
        "val_loss", lambda a, ex: a.monitors == ("val_loss",) * 2, lambda ex: _callbacks("val_acc")
    ),
    Rule("wrong_patience", lambda a, ex: a.patience == 3, lambda ex: _callbacks(patience=2), True),
    Rule("no_restore", lambda a, ex: a.restore, lambda ex: _callbacks(restore=False), True),
    Rule("h5_file", lambda a, ex: not a.h5, lambda ex: _callbacks(file="best.h5"), True),
    Rule("whole_model", lambda a, ex: a.whole_model, lambda ex: _callbacks(file="a.weights.h5")),
    Rule("in_run_dir", lambda a, ex: a.in_run_dir, lambda ex: _callbacks(file="../a.keras")),
    Rule("not_best_only", lambda a, ex: a.best_only, lambda ex: _callbacks(best_only=False), True),
    *_settings_rules(
        "EarlyStopping", lambda a: a.es, lambda **es: _callbacks(es=es), STOPPING, _setting
    ),
    *_settings_rules("ModelCheckpoint", lambda a: a.mc, _callbacks, CHECKPOINT, _setting),
]


class Callbacks(SpecExercise):
    title = "Stop early, keep the best"
    hints = [
        "Two objects in one list: `keras.callbacks.EarlyStopping` and `ModelCheckpoint`.",
        "Which arguments say: watch `val_loss`, wait 3 epochs, restore, keep only the best?",
    ]
    messages = {
        "not_a_list": "`fit(callbacks=...)` takes a list: `[early_stopping, checkpoint]`.",
        "early_stopping_missing": "There is no `keras.callbacks.EarlyStopping` in the list.",
        "checkpoint_missing": "No ModelCheckpoint: EarlyStopping alone keeps the best model in "
        "memory.",
        "two_callbacks": "The list holds {a.count} items; the exercise asks for two.",
        "training_loss": '"loss" is the TRAINING loss, which misses overfitting: watch "val_loss".',
        "val_loss": "The callbacks monitor {a.monitors}; the exercise asks for `val_loss` in both.",
        "wrong_patience": "The patience is {a.patience!r}; the exercise asks for 3 epochs.",
        "no_restore": "Without `restore_best_weights=True` the LAST epoch's weights stay.",
        "h5_file": "`.h5` is the legacy HDF5 format; Keras 3 saves a whole model as `.keras`.",
        "whole_model": "The checkpoint writes {a.path!r}, not a whole model to a `.keras` file.",
        "in_run_dir": "The checkpoint writes {a.path!r}, which is not in `run_dir`.",
        "not_best_only": "Without `save_best_only=True` the file has the last model, not the best.",
    }
    rules = CALLBACK_RULES
    reference = staticmethod(_callbacks)

    def parse(self, answer):
        items = list(answer) if isinstance(answer, (list, tuple)) else None
        es, mc = (next((c for c in items or () if isinstance(c, k)), None) for k in _KINDS)
        a = Parsed(items=items, count=len(items or ()), es=es, mc=mc)
        if es and mc:
            a.path, a.monitors = mc.filepath, (es.monitor, mc.monitor)
            a.patience, a.restore = es.patience, es.restore_best_weights
            a.best_only, a.whole_model = mc.save_best_only, mc.filepath.endswith(".keras")
            a.h5 = mc.filepath.endswith(".h5") and not mc.save_weights_only
            a.in_run_dir = Path(mc.filepath).resolve().parent == RUN_DIR.resolve()
        return a


@cache
def keras_early_stopping(val_loss, patience=2):
    """When Keras' ``EarlyStopping(patience, restore_best_weights=True)``, fed the tuple
    ``val_loss``, stops and which epoch it restores (from 1; read off a one-weight model).

    Example:
    >>> keras_early_stopping((0.5, 0.4, 0.45, 0.46, 0.3), patience=2)
    (4, 2)
    """
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    callback = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    callback.set_model(model)
    model.stop_training = False  # as fit sets it
    callback.on_train_begin()
    for epoch, value in enumerate(val_loss, start=1):
        model.set_weights([np.full((1, 1), epoch, dtype="float32")])
        callback.on_epoch_end(epoch - 1, {"val_loss": value})
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch, int(model.get_weights()[0][0, 0])


def _stop():
    return keras_early_stopping(VAL_LOSS)


def _off_by_one():
    return [(_stop()[0] + d, _stop()[1]) for d in (-1, 1)]


VAL_LOSS = (0.30, 0.20, 0.15, 0.13, 0.14, 0.12, 0.125, 0.13, 0.11, 0.10)
STOP_RULES = [
    Rule("whole_numbers", lambda a, ex: all(map(is_whole_number, a)), lambda ex: (8.0, 6.0)),
    Rule("zero_based", lambda a, ex: a != tuple(n - 1 for n in _stop()), lambda ex: (7, 5), True),
    Rule("stopped_at_best", lambda a, ex: a != (_stop()[1],) * 2, lambda ex: (6, 6), True),
    Rule("patience_off_by_one", lambda a, ex: a not in _off_by_one(), lambda ex: (9, 6), True),
    Rule("swapped", lambda a, ex: a != _stop()[::-1], lambda ex: (6, 8), True),
    Rule("saw_the_future", lambda a, ex: len(VAL_LOSS) not in a, lambda ex: (10, 10), True),
    Rule("restored_epoch", lambda a, ex: a[1] == _stop()[1], lambda ex: (8, 5)),
    Rule("last_epoch", lambda a, ex: a[0] == _stop()[0], lambda ex: (5, 6)),
]


class WhenDoesItStop(SpecExercise):
    title = "When does EarlyStopping stop?"
    names = ("last_epoch", "restored_epoch")
    hints = [
        "Go through the epochs in order: the lowest loss so far, and epochs since it was set.",
        "A lower value resets the count; at 2 (the patience) training stops. Count from 1.",
    ]
    messages = {
        "whole_numbers": "Give two whole numbers (ints). Received: {a!r}.",
        "zero_based": "Those are counted from 0; Keras numbers epochs from 1, so add 1 to both.",
        "stopped_at_best": "EarlyStopping knows the best epoch only after `patience` more epochs.",
        "patience_off_by_one": "The restored epoch is right; the stop is an epoch off: patience 2.",
        "swapped": "The two are swapped: first the epoch training stops after, then the restored.",
        "saw_the_future": "EarlyStopping decides epoch by epoch: it cannot see the later losses.",
        "restored_epoch": "Epoch {a[1]} is not restored: the one with the lowest val_loss yet is.",
        "last_epoch": "Epoch {a[1]} is the one restored; count again when training stops.",
    }
    rules = STOP_RULES
    reference = staticmethod(_stop)

    def parse(self, answer):
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Unusable(f"Give `(last_epoch, restored_epoch)`. Received: {short(answer)}.")
        return tuple(answer)

    def example(self):
        """The validation loss after each of 10 epochs."""
        return list(VAL_LOSS)


def _sgd(schedule="InverseTimeDecay", rate=0.01, steps=1, decay=1e-5, **options):
    schedule = schedule and getattr(keras.optimizers.schedules, schedule)(rate, steps, decay)
    return keras.optimizers.SGD(learning_rate=schedule or rate, **{"momentum": 0.9, **options})


STEPS = (0, 1, 1_000, 10_000, 100_000, 1_000_000)
LEGACY = [0.01 / (1 + 1e-5 * step) for step in STEPS]  # lr / (1 + decay * step), Keras 2
SGD_OPTIONS = {"clipnorm": 1.0, "global_clipnorm": 1.0, "clipvalue": 0.5, "use_ema": True}
SGD_RULES = [
    Rule("not_sgd", lambda a, ex: a.sgd, lambda ex: keras.optimizers.Adam(), True),
    Rule("no_momentum", lambda a, ex: a.momentum != 0, lambda ex: _sgd(momentum=0.0), True),
    Rule("momentum", lambda a, ex: np.isclose(a.momentum, 0.9), lambda ex: _sgd(momentum=0.5)),
    Rule("nesterov", lambda a, ex: not a.nesterov, lambda ex: _sgd(nesterov=True)),
    Rule(
        "weight_decay", lambda a, ex: not a.weight_decay, lambda ex: _sgd(weight_decay=1e-5), True
    ),
    Rule(
        "ten_times_lr", lambda a, ex: not np.isclose(a.start, 0.1), lambda ex: _sgd(None, 0.1), True
    ),
    Rule(
        "constant_learning_rate", lambda a, ex: len(set(a.rates)) > 1, lambda ex: _sgd(None), True
    ),
    Rule(
        "exponential_decay",
        lambda a, ex: not a.exponential,
        lambda ex: _sgd("ExponentialDecay"),
        True,
    ),
    Rule("decay", lambda a, ex: a.legacy, lambda ex: _sgd(steps=9)),
    *_settings_rules("SGD", lambda a: a, _sgd, SGD_OPTIONS),
]


class TranslateLegacyOptimizer(SpecExercise):
    title = "Translate the legacy optimizer"
    hints = [
        "Keras 3 names it `learning_rate`; a decaying rate is a schedule passed as that rate.",
        "Which schedule in `keras.optimizers.schedules` computes lr / (1 + decay * step)?",
    ]
    messages = {
        "not_sgd": "That is not SGD: translating the legacy `SGD(...)` keeps the optimizer.",
        "no_momentum": "The momentum is 0, SGD's default: the legacy call had `momentum=0.9`.",
        "momentum": "The momentum is {a.momentum}; the legacy call had momentum=0.9.",
        "nesterov": "The legacy call used plain momentum: leave `nesterov` at False.",
        "weight_decay": "`weight_decay` shrinks the WEIGHTS; the legacy `decay` shrank the RATE.",
        "ten_times_lr": "The learning rate starts at 0.1; the legacy call started at 0.01.",
        "constant_learning_rate": "The rate is constant: the decay 0.01 / (1 + 1e-5 step) is lost.",
        "exponential_decay": "ExponentialDecay is not the old 0.01 / (1 + 1e-5 * step) decay.",
        "decay": "At step 10,000 the rate is {a.rates[3]:.6g}; the legacy one 0.00909.",
    }
    rules = SGD_RULES
    reference = staticmethod(_sgd)

    def parse(self, answer):
        if isinstance(answer, type) and issubclass(answer, keras.optimizers.Optimizer):
            raise Unusable(f"That is the class {answer.__name__}; call it to make an optimizer.")
        if not isinstance(answer, keras.optimizers.Optimizer):
            raise Unusable(f"Your answer is {short(answer)}, not a Keras optimizer.")
        a = Parsed(**answer.get_config(), sgd=isinstance(answer, keras.optimizers.SGD))
        a.rates = [kc.learning_rate_at(answer, step) for step in STEPS]
        a.legacy, a.start = np.allclose(a.rates, LEGACY, rtol=1e-5, atol=0), a.rates[0]
        a.exponential = "ExponentialDecay" in str(a.learning_rate)  # a schedule's config
        return a


_EXERCISES = FunctionalKerasExample, FakeData, Callbacks, WhenDoesItStop, TranslateLegacyOptimizer
bind(__name__, *(exercise() for exercise in _EXERCISES))
