"""Exercises of notebook 06, deeper CNNs, the Functional API and training controls.

The checks inspect real Keras objects: the learner's model (layers, shapes, parameter
count), callbacks (their ``monitor``, ``patience``, ``filepath`` ... attributes) and
optimizer (its learning rate at a few steps), and name the first thing that differs.

Example:
>>> from course_utils.exercises import nb06 as ex
>>> ex.q4.check((8, 6)).outcome.value
'correct'
>>> print(ex.q4.check((7, 5)))  # doctest: +ELLIPSIS
[incorrect] Exercise 6.4: Those are counted from 0...
"""

import numpy as np

from course_utils.exercises import (
    Exercise,
    Mistake,
    TupleExercise,
    _short,
    is_whole_number,
    progress_for,
)
from course_utils.exercises import is_model as _is_model
from course_utils.exercises import layer_activation as _activation

# --- helpers ---------------------------------------------------------------------------


def _keras():
    import keras

    return keras


def _is_sequential(answer):
    return isinstance(answer, _keras().Sequential)


def _is_tensor(answer):
    return isinstance(answer, _keras().KerasTensor)


def _is_layer_only(answer):
    keras = _keras()
    return isinstance(answer, keras.layers.Layer) and not isinstance(answer, keras.Model)


def _input_shape(model):
    """The shape of one input of a Functional model (no batch axis), or None."""
    if not _is_model(model) or _is_sequential(model):
        return None
    try:
        return tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _is_softmax_layer(layer):
    kind = type(layer).__name__
    return kind == "Softmax" or (kind == "Activation" and _activation(layer) == "softmax")


def _chain(model):
    """The model's layers (no InputLayer), with a trailing Softmax layer folded into the
    Dense before it, as ``(layers, final_activation)``."""
    chain = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    final = ""
    if chain and _is_softmax_layer(chain[-1]):
        chain, final = chain[:-1], "softmax"
        if chain and type(chain[-1]).__name__ == "Dense" and _activation(chain[-1]) != "linear":
            final = _activation(chain[-1])  # softmax after a non-linear Dense: not the same
    elif chain and type(chain[-1]).__name__ == "Dense":
        final = _activation(chain[-1])
    return chain, final


def _kinds(model):
    return [type(layer).__name__ for layer in _chain(model)[0]]


EXAMPLE_LAYERS = [
    "Conv2D",
    "MaxPooling2D",
    "Conv2D",
    "MaxPooling2D",
    "Flatten",
    "Dropout",
    "Dense",
]
EXAMPLE_PARAMS = 34_826  # checked against Keras in tests/test_exercise_checks.py


def _functional_problem(model):
    """The first way a Functional model differs from the Keras example model, or None."""
    input_shape = _input_shape(model)
    if input_shape is None:
        return (
            "The check could not find the model's input: start from "
            "`inputs = keras.Input((28, 28, 1))` and finish with `keras.Model(inputs, outputs)`."
        )
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return (
            f"The model has {len(model.inputs)} input(s) and {len(model.outputs)} output(s); "
            "this one has one of each."
        )
    if input_shape != (28, 28, 1):
        return (
            f"The input shape is {input_shape}; MNIST images with a channel axis are (28, 28, 1)."
        )
    kinds = _kinds(model)
    if kinds != EXAMPLE_LAYERS:
        return f"The layers are {kinds}; the Keras example's are {EXAMPLE_LAYERS}."
    chain, final = _chain(model)
    conv_1, pool_1, conv_2, pool_2, _, dropout, dense = chain
    count = model.count_params()
    if count != EXAMPLE_PARAMS:
        return (
            f"The model has {count:,} parameters; the Keras example has {EXAMPLE_PARAMS:,}. "
            f"The first difference: {_first_difference(conv_1, pool_1, conv_2, pool_2, dense)}."
        )
    if final != "softmax":
        return (
            f"The last layer's activation is {final!r}: the output needs a softmax, "
            '`layers.Dense(10, activation="softmax")`.'
        )
    for name, conv in (("first", conv_1), ("second", conv_2)):
        if _activation(conv) != "relu":
            return (
                f"The {name} convolution's activation is {_activation(conv)!r}: add "
                '`activation="relu"`, or the two convolutions collapse into one linear map.'
            )
    for pool in (pool_1, pool_2):
        if tuple(pool.get_config()["pool_size"]) != (2, 2):
            return "Both poolings are 2x2: `layers.MaxPooling2D(2)`."
    rate = dropout.get_config()["rate"]
    if rate != 0.5:
        return f"The dropout rate is {rate}; the Keras example drops half: `layers.Dropout(0.5)`."
    return None


def _first_difference(conv_1, pool_1, conv_2, pool_2, dense):
    for name, conv, filters in (("first", conv_1, 32), ("second", conv_2, 64)):
        config = conv.get_config()
        kernel = tuple(config["kernel_size"])
        if config["filters"] != filters or kernel != (3, 3) or not config["use_bias"]:
            biases = "" if config["use_bias"] else " without biases"
            return (
                f"the {name} convolution has {config['filters']} filters of {kernel}{biases}; "
                f"the example's has {filters} filters of 3x3, with biases"
            )
    for name, pool in (("first", pool_1), ("second", pool_2)):
        config = pool.get_config()
        if tuple(config["pool_size"]) != (2, 2) or tuple(config["strides"]) != (2, 2):
            return f"the {name} pooling is not 2x2: `layers.MaxPooling2D(2)`"
    units = dense.get_config()["units"]
    if units != 10:
        return f"the last layer has {units} units; MNIST has 10 classes"
    return "compare each layer with the specification (padding, strides, biases)"


def _functional_input_is(shape):
    return lambda answer, ex: _input_shape(answer) == shape


def _flatten_missing(answer, ex):
    if _input_shape(answer) is None:
        return False
    kinds = _kinds(answer)
    flat = {"Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Reshape"}
    return "Dense" in kinds and not flat & set(kinds)


def _softmax_missing(answer, ex):
    if _input_shape(answer) is None:
        return False
    chain, final = _chain(answer)
    return bool(chain) and type(chain[-1]).__name__ == "Dense" and final != "softmax"


class FunctionalKerasExample(Exercise):
    key = "6.1"
    title = "The Keras example with the Functional API"
    notebook = "06"
    hints = [
        "Start with `inputs = keras.Input((28, 28, 1))`, call each layer on the previous "
        'result (`x = layers.Conv2D(32, 3, activation="relu")(inputs)`), and finish with '
        "`keras.Model(inputs, outputs)`.",
        "Conv2D(32, 3, relu), MaxPooling2D(2), Conv2D(64, 3, relu), MaxPooling2D(2), "
        "Flatten(), Dropout(0.5), Dense(10, activation='softmax'), each called on the one "
        "before.",
    ]
    mistakes = [
        Mistake(
            "tensor_not_model",
            "That is a tensor, the output of the last layer call, not a model: wrap it, "
            "`functional_model = keras.Model(inputs, outputs)`.",
            test=lambda answer, ex: _is_tensor(answer),
        ),
        Mistake(
            "layer_not_model",
            "That is one layer, not a model: call the layers one after the other on "
            "`inputs = keras.Input((28, 28, 1))`, then `keras.Model(inputs, outputs)`.",
            test=lambda answer, ex: _is_layer_only(answer),
        ),
        Mistake(
            "sequential",
            "That model is built with `keras.Sequential`; this exercise asks for the Functional "
            "API: `inputs = keras.Input((28, 28, 1))`, call each layer on the previous output, "
            "then `keras.Model(inputs, outputs)`.",
            test=lambda answer, ex: _is_sequential(answer),
        ),
        Mistake(
            "no_channel_axis",
            "The input shape is (28, 28): Conv2D needs a channel axis, so use "
            "`keras.Input((28, 28, 1))`.",
            test=_functional_input_is((28, 28)),
        ),
        Mistake(
            "flat_input",
            "The input is flat, (784,): a CNN takes the image grid, `keras.Input((28, 28, 1))`.",
            test=_functional_input_is((784,)),
        ),
        Mistake(
            "flatten_missing",
            "Flatten is missing: without it the Dense layer is applied at every position of the "
            "5x5 grid; add `x = layers.Flatten()(x)` after the second pooling.",
            test=_flatten_missing,
        ),
        Mistake(
            "softmax_missing",
            'The last layer has no softmax: add `activation="softmax"` to `Dense(10)` so the '
            "10 outputs are probabilities that sum to 1.",
            test=_softmax_missing,
        ),
    ]

    def validate(self, answer):
        if _is_model(answer) or _is_tensor(answer) or _is_layer_only(answer):
            return None
        return (
            f"Your answer is a {type(answer).__name__}, not a Keras model: finish with "
            "`functional_model = keras.Model(inputs, outputs)`."
        )

    def expected(self):
        return EXAMPLE_PARAMS

    def same(self, answer, reference):
        return (
            _is_model(answer)
            and not _is_sequential(answer)
            and _functional_problem(answer) is None
            and answer.count_params() == reference
        )

    def diagnose(self, answer, reference):
        return _functional_problem(answer) or "The model differs from the Keras example."

    def praise(self, reference):
        return (
            f"The Keras example, {reference:,} parameters, built from `keras.Input` to "
            "`keras.Model(inputs, outputs)`."
        )


# --- 6.2: fake data --------------------------------------------------------------------

NUM_FAKE = 256


def _arrays(answer):
    """``(x, y)`` as NumPy arrays, or None when the answer is not a pair of arrays."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return None
    x, y = (np.asarray(part) for part in answer)
    if x.ndim == 0 or y.ndim == 0 or x.dtype.kind not in "iuf" or y.dtype.kind not in "biuf":
        return None
    return x, y


def _fake_test(predicate):
    def test(answer, ex):
        pair = _arrays(answer)
        return pair is not None and bool(predicate(*pair))

    return test


def _integer_valued(y):
    return y.ndim == 1 and bool(np.all(np.mod(y, 1) == 0))


class FakeData(TupleExercise):
    key = "6.2"
    title = "Fake data for a smoke test"
    notebook = "06"
    names = ("x_fake", "y_fake")
    hints = [
        '`rng = np.random.default_rng(0)`; `rng.random(shape, dtype="float32")` draws floats '
        "in [0, 1). The labels are the image numbers modulo 2.",
        'x_fake = rng.random((256, 28, 28, 1), dtype="float32"); y_fake = np.arange(256) % 2',
    ]
    mistakes = [
        Mistake(
            "lengths_disagree",
            "x_fake and y_fake have different lengths: every image needs one label.",
            test=_fake_test(lambda x, y: len(x) != len(y)),
        ),
        Mistake(
            "wrong_count",
            "The smoke test uses 256 images (and 256 labels), as the tutorial's `--self_test` did.",
            test=_fake_test(lambda x, y: len(x) != NUM_FAKE),
        ),
        Mistake(
            "no_channel_axis",
            "The images are (256, 28, 28): Conv2D needs the channel axis, (256, 28, 28, 1).",
            test=_fake_test(lambda x, y: x.shape == (NUM_FAKE, 28, 28)),
        ),
        Mistake(
            "integer_images",
            "The images have an integer dtype (uint8, say); the model trains on floats, so make "
            'float32 pixels in [0, 1), e.g. `rng.random((256, 28, 28, 1), dtype="float32")`.',
            test=_fake_test(lambda x, y: x.dtype.kind in "iu"),
        ),
        Mistake(
            "not_scaled",
            "Some pixel values lie outside [0, 1): the real images are scaled to [0, 1], so the "
            "fake ones should be too (`rng.random` draws from [0, 1)).",
            test=_fake_test(lambda x, y: x.size and (x.min() < 0 or x.max() >= 1)),
        ),
        Mistake(
            "one_hot_labels",
            "The labels are one-hot vectors; this notebook trains with integer labels and "
            "sparse_categorical_crossentropy, so give `np.arange(256) % 2`.",
            test=_fake_test(lambda x, y: y.ndim == 2 and y.shape[1] > 1),
        ),
        Mistake(
            "labels_mod_10",
            "Those labels are i % 10; the smoke test's labels are i % 2, alternating 0 and 1.",
            test=_fake_test(
                lambda x, y: y.shape == (NUM_FAKE,) and np.array_equal(y, np.arange(NUM_FAKE) % 10)
            ),
        ),
        Mistake(
            "constant_labels",
            "All the labels are the same; the smoke test's labels alternate, `np.arange(256) % 2`.",
            test=_fake_test(lambda x, y: y.size > 0 and np.all(y == y.flat[0])),
        ),
    ]

    def validate(self, answer):
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return (
                "Pass the images and the labels together, as one tuple: "
                f"`ex.q2.check((x_fake, y_fake))`. Received: {_short(answer)}."
            )
        if _arrays(answer) is None:
            return (
                "x_fake and y_fake should be NumPy arrays of numbers. Received: "
                f"{_short(answer[0])} and {_short(answer[1])}."
            )
        return None

    def expected(self):
        return np.arange(NUM_FAKE) % 2

    def same(self, answer, reference):
        pair = _arrays(answer)
        if pair is None:
            return False
        x, y = pair
        return (
            x.shape == (NUM_FAKE, 28, 28, 1)
            and x.dtype.kind == "f"
            and bool(np.all((x >= 0) & (x < 1)))
            and y.shape == reference.shape
            and _integer_valued(y)
            and np.array_equal(y, reference)
        )

    def diagnose(self, answer, reference):
        x, y = _arrays(answer)
        if x.shape != (NUM_FAKE, 28, 28, 1):
            return f"The images have shape {x.shape}; the model takes (256, 28, 28, 1)."
        if y.shape != reference.shape:
            return f"The labels have shape {y.shape}; give one integer per image, shape (256,)."
        return (
            f"The labels start {y[:6].tolist()}; the smoke test's are i % 2: "
            f"{reference[:6].tolist()} ..."
        )

    def praise(self, reference):
        return (
            "256 random images with labels 0, 1, 0, 1, ...: the labels have nothing to do "
            "with the pixels, so only the pipeline is being tested, not the model."
        )


# --- 6.3: callbacks --------------------------------------------------------------------


def _callbacks_of(answer, kind):
    if not isinstance(answer, (list, tuple)):
        return []
    cls = getattr(_keras().callbacks, kind)
    return [callback for callback in answer if isinstance(callback, cls)]


def _early_stopping(answer):
    found = _callbacks_of(answer, "EarlyStopping")
    return found[0] if found else None


def _checkpoint(answer):
    found = _callbacks_of(answer, "ModelCheckpoint")
    return found[0] if found else None


def _with_both(predicate):
    def test(answer, ex):
        stopping, checkpoint = _early_stopping(answer), _checkpoint(answer)
        return (
            stopping is not None
            and checkpoint is not None
            and bool(predicate(stopping, checkpoint))
        )

    return test


class Callbacks(Exercise):
    key = "6.3"
    title = "Stop early, keep the best"
    notebook = "06"
    hints = [
        "Two objects in one list: `keras.callbacks.EarlyStopping(...)` and "
        "`keras.callbacks.ModelCheckpoint(...)`, both watching the validation loss.",
        'EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True) and '
        'ModelCheckpoint(run_dir / "exercise.keras", monitor="val_loss", save_best_only=True).',
    ]
    mistakes = [
        Mistake(
            "not_a_list",
            "`fit(callbacks=...)` takes a list: put both callbacks in one, "
            "`callbacks = [early_stopping, checkpoint]`.",
            test=lambda answer, ex: not isinstance(answer, (list, tuple)),
        ),
        Mistake(
            "early_stopping_missing",
            "There is no `keras.callbacks.EarlyStopping` in the list.",
            test=lambda answer, ex: _early_stopping(answer) is None,
        ),
        Mistake(
            "checkpoint_missing",
            "There is no `keras.callbacks.ModelCheckpoint` in the list: EarlyStopping keeps the "
            "best weights in memory only; the checkpoint writes them to a file.",
            test=lambda answer, ex: _checkpoint(answer) is None,
        ),
        Mistake(
            "training_loss",
            'A callback monitors "loss", the TRAINING loss, which keeps falling while the model '
            'overfits; watch the validation loss, `monitor="val_loss"`.',
            test=_with_both(lambda s, c: "loss" in (s.monitor, c.monitor)),
        ),
        Mistake(
            "no_restore",
            "EarlyStopping without `restore_best_weights=True` leaves the model with the weights "
            "of the LAST epoch, which is `patience` epochs past the best one and worse.",
            test=_with_both(lambda s, c: not s.restore_best_weights),
        ),
        Mistake(
            "wrong_patience",
            "The exercise asks for patience=3: stop after 3 epochs in a row without a better "
            "validation loss.",
            test=_with_both(lambda s, c: s.patience != 3),
        ),
        Mistake(
            "h5_file",
            "The checkpoint's file ends in `.h5`, the legacy HDF5 format (this Keras still "
            "writes it, with a warning that it is legacy). Keras 3 saves a whole model as "
            "`.keras`; `.weights.h5` is for `save_weights_only=True`.",
            test=_with_both(
                lambda s, c: str(c.filepath).endswith(".h5") and not c.save_weights_only
            ),
        ),
        Mistake(
            "not_best_only",
            "Without `save_best_only=True` the checkpoint is overwritten after every epoch, so "
            "the file ends up holding the last model, not the best one.",
            test=_with_both(lambda s, c: not c.save_best_only),
        ),
    ]

    def expected(self):
        return {"monitor": "val_loss", "patience": 3, "suffix": ".keras"}

    def same(self, answer, reference):
        stopping, checkpoint = _early_stopping(answer), _checkpoint(answer)
        return (
            stopping is not None
            and checkpoint is not None
            and stopping.monitor == checkpoint.monitor == reference["monitor"]
            and stopping.patience == reference["patience"]
            and bool(stopping.restore_best_weights)
            and str(checkpoint.filepath).endswith(reference["suffix"])
            and bool(checkpoint.save_best_only)
            and not checkpoint.save_weights_only
        )

    def diagnose(self, answer, reference):
        stopping, checkpoint = _early_stopping(answer), _checkpoint(answer)
        for name, callback in (("EarlyStopping", stopping), ("ModelCheckpoint", checkpoint)):
            if callback.monitor != "val_loss":
                return (
                    f"{name} monitors {callback.monitor!r}; the exercise asks for the "
                    'validation loss, `monitor="val_loss"`.'
                )
        if checkpoint.save_weights_only:
            return (
                "The checkpoint saves the weights only (`save_weights_only=True`); the exercise "
                "asks for the whole model, which `keras.models.load_model` can load: a file "
                "ending in `.keras`."
            )
        if not str(checkpoint.filepath).endswith(".keras"):
            return (
                f"The checkpoint writes {str(checkpoint.filepath)!r}: save the whole model to a "
                "file ending in `.keras`."
            )
        return "The callbacks differ from the exercise's."

    def praise(self, reference):
        return (
            "EarlyStopping stops 3 epochs after the best validation loss and puts the best "
            "weights back; ModelCheckpoint keeps the best model on disk."
        )


# --- 6.4: when does EarlyStopping stop? ------------------------------------------------

PATIENCE = 2


def early_stopping_epochs(val_loss, patience):
    """When ``EarlyStopping(patience=...)`` stops and which epoch it restores, from 1.

    Args:
        val_loss: the validation loss after each epoch, in order.
        patience: epochs in a row without a lower validation loss before it stops.

    Returns:
        ``(last_epoch, restored_epoch)``: the epoch after which training stops (the last
        one if it never stops) and the epoch with the lowest validation loss so far.

    Example:
    >>> early_stopping_epochs([0.5, 0.4, 0.45, 0.46, 0.3], patience=2)
    (4, 2)
    """
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(val_loss, start=1):
        if best is None or value < best:
            best, best_epoch, wait = value, epoch, 0
            continue
        wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return len(val_loss), best_epoch


class WhenDoesItStop(TupleExercise):
    key = "6.4"
    title = "When does EarlyStopping stop?"
    notebook = "06"
    names = ("last_epoch", "restored_epoch")
    hints = [
        "Go through the epochs in order, as Keras does: keep the lowest validation loss so "
        "far, and count the epochs since it was set. Training stops when the count reaches "
        "the patience, 2.",
        "A lower value resets the count. Epochs count from 1, as Keras prints them.",
    ]
    mistakes = [
        Mistake(
            "zero_based",
            "Those are counted from 0; Keras numbers epochs from 1, so add 1 to both.",
            answer=lambda ex: tuple(n - 1 for n in ex.expected()),
        ),
        Mistake(
            "stopped_at_best",
            "Training does not stop at the best epoch: EarlyStopping only knows it was the best "
            "after `patience` more epochs fail to beat it.",
            answer=lambda ex: (ex.expected()[1], ex.expected()[1]),
        ),
        Mistake(
            "patience_off_by_one",
            "The restored epoch is right, but the stop is one epoch off: with patience 2, "
            "training stops after the 2nd epoch in a row without a lower validation loss.",
            test=lambda answer, ex: (
                _whole_pair(answer)
                and int(answer[1]) == ex.expected()[1]
                and abs(int(answer[0]) - ex.expected()[0]) == 1
            ),
        ),
        Mistake(
            "swapped",
            "The two numbers are swapped: first the epoch after which training stops, then the "
            "epoch whose weights are restored (it comes earlier).",
            answer=lambda ex: tuple(reversed(ex.expected())),
        ),
        Mistake(
            "saw_the_future",
            "Training stops before the last epochs of the list, so the model never reaches "
            "them: EarlyStopping decides epoch by epoch, without knowing what comes later.",
            test=lambda answer, ex: (
                _whole_pair(answer) and len(ex.example()) in (int(answer[0]), int(answer[1]))
            ),
        ),
    ]

    def example(self):
        """The validation loss after each of 10 epochs."""
        return [0.30, 0.20, 0.15, 0.13, 0.14, 0.12, 0.125, 0.13, 0.11, 0.10]

    def expected(self):
        return early_stopping_epochs(self.example(), PATIENCE)

    def validate(self, answer):
        if not _whole_pair(answer):
            return (
                "Give two whole numbers, `(last_epoch, restored_epoch)`, e.g. `(5, 3)`. "
                f"Received: {_short(answer)}."
            )
        return None

    def same(self, answer, reference):
        return _whole_pair(answer) and (int(answer[0]), int(answer[1])) == reference

    def diagnose(self, answer, reference):
        last, restored = int(answer[0]), int(answer[1])
        if last == reference[0]:
            return (
                f"Training does stop after epoch {last}; the restored weights are those of the "
                "epoch with the lowest validation loss up to then."
            )
        if restored == reference[1]:
            return (
                f"Epoch {restored} is the one restored; count again when training stops: "
                "2 epochs in a row without a lower validation loss."
            )
        return f"Not ({last}, {restored}). Try `ex.q4.hint()`."

    def praise(self, reference):
        last, restored = reference
        return (
            f"Training stops after epoch {last} and the weights of epoch {restored} come back. "
            "Epochs 9 and 10 would have been better still: patience is a trade-off."
        )


def _whole_pair(answer):
    """Whether ``answer`` is two whole numbers (``8.0`` counts as ``8``)."""
    return (
        isinstance(answer, (tuple, list))
        and len(answer) == 2
        and all(is_whole_number(n) or (isinstance(n, float) and n.is_integer()) for n in answer)
    )


# --- 6.5: the legacy optimizer ----------------------------------------------------------

STEPS = (0, 1_000, 10_000)


def legacy_learning_rate(step, learning_rate=0.01, decay=1e-5):
    """The learning rate of legacy Keras' ``decay`` argument at optimizer step ``step``.

    Example:
    >>> round(legacy_learning_rate(10_000), 6)
    0.009091
    """
    return learning_rate / (1 + decay * step)


def learning_rate_at(optimizer, step):
    """The learning rate a Keras optimizer uses at step ``step`` (schedule or constant).

    Example:
    >>> import keras
    >>> learning_rate_at(keras.optimizers.SGD(learning_rate=0.5), 100)
    0.5
    """
    keras = _keras()
    value = optimizer.get_config()["learning_rate"]
    if isinstance(value, dict):
        schedule = keras.optimizers.schedules.deserialize(value)
        return float(schedule(step))
    return float(value)


def _rates(optimizer):
    return [learning_rate_at(optimizer, step) for step in STEPS]


def _is_optimizer(answer):
    return isinstance(answer, _keras().optimizers.Optimizer)


def _is_sgd(answer):
    return isinstance(answer, _keras().optimizers.SGD)


def _close(a, b):
    return bool(np.isclose(a, b, rtol=1e-5, atol=0))


def _schedule_class(optimizer):
    value = optimizer.get_config()["learning_rate"]
    return value.get("class_name") if isinstance(value, dict) else None


def _sgd_test(predicate):
    def test(answer, ex):
        return _is_sgd(answer) and bool(predicate(answer))

    return test


def _constant(optimizer):
    first, *_, last = _rates(optimizer)
    return first == last


class TranslateLegacyOptimizer(Exercise):
    key = "6.5"
    title = "Translate the legacy optimizer"
    notebook = "06"
    hints = [
        "Keras 3 names the argument `learning_rate`, and a decaying rate is a schedule from "
        "`keras.optimizers.schedules` passed as the learning rate.",
        "The old decay was lr / (1 + decay * step): `InverseTimeDecay(0.01, decay_steps=1, "
        "decay_rate=1e-5)`, with `momentum=0.9` on the SGD.",
    ]
    mistakes = [
        Mistake(
            "not_sgd",
            "That is not SGD: the legacy call was `SGD(...)`, and translating it keeps the "
            "optimizer, `keras.optimizers.SGD(...)`.",
            test=lambda answer, ex: _is_optimizer(answer) and not _is_sgd(answer),
        ),
        Mistake(
            "no_momentum",
            "The momentum is 0, SGD's default: the legacy call had `momentum=0.9`.",
            test=_sgd_test(lambda sgd: sgd.momentum == 0),
        ),
        Mistake(
            "weight_decay",
            "`weight_decay` shrinks the WEIGHTS at every step; the legacy `decay` shrank the "
            "LEARNING RATE, lr / (1 + decay * step). Pass a schedule as `learning_rate` instead.",
            test=_sgd_test(lambda sgd: sgd.get_config().get("weight_decay")),
        ),
        Mistake(
            "ten_times_lr",
            "The learning rate starts at 0.1; the legacy call started at 0.01.",
            test=_sgd_test(lambda sgd: _close(learning_rate_at(sgd, 0), 0.1)),
        ),
        Mistake(
            "constant_learning_rate",
            "The learning rate is constant, so the decay has been dropped: the old code "
            "lowered it at every step, to 0.01 / (1 + 1e-5 * step). Pass a schedule as the "
            "learning rate.",
            test=_sgd_test(lambda sgd: _constant(sgd) and _close(learning_rate_at(sgd, 0), 0.01)),
        ),
        Mistake(
            "exponential_decay",
            "ExponentialDecay multiplies the rate by the same factor every `decay_steps`, which "
            "gives a different learning rate at step 10,000 than the old code's "
            "0.01 / (1 + 1e-5 * 10,000) = 0.00909. The old `decay` is InverseTimeDecay with "
            "decay_steps=1.",
            test=_sgd_test(lambda sgd: _schedule_class(sgd) == "ExponentialDecay"),
        ),
    ]

    def validate(self, answer):
        keras = _keras()
        if isinstance(answer, type) and issubclass(answer, keras.optimizers.Optimizer):
            return (
                f"That is the class {answer.__name__}; call it to make an optimizer: "
                "`keras.optimizers.SGD(learning_rate=..., momentum=0.9)`."
            )
        if not _is_optimizer(answer):
            return (
                f"Your answer is a {type(answer).__name__}, not a Keras optimizer: "
                "`optimizer = keras.optimizers.SGD(...)`."
            )
        return None

    def expected(self):
        return [legacy_learning_rate(step) for step in STEPS]

    def same(self, answer, reference):
        if not _is_sgd(answer):
            return False
        config = answer.get_config()
        return (
            _close(config["momentum"], 0.9)
            and not config.get("nesterov")
            and not config.get("weight_decay")
            and all(_close(a, r) for a, r in zip(_rates(answer), reference, strict=True))
        )

    def diagnose(self, answer, reference):
        config = answer.get_config()
        if not _close(config["momentum"], 0.9):
            return f"The momentum is {config['momentum']}; the legacy call had momentum=0.9."
        if config.get("nesterov"):
            return "The legacy call used plain momentum: leave `nesterov` at False."
        rates = _rates(answer)
        return (
            f"Your learning rate is {rates[0]:.6g} at step 0 and {rates[-1]:.6g} at step "
            f"10,000; the legacy decay gives {reference[0]:.6g} and {reference[-1]:.6g}, "
            "lr / (1 + decay * step)."
        )

    def praise(self, reference):
        return (
            f"SGD with momentum 0.9, and a learning rate of {reference[0]:g} at step 0, "
            f"{reference[1]:.6f} at step 1,000 and {reference[2]:.6f} at step 10,000, "
            "as the legacy decay had it."
        )


q1 = FunctionalKerasExample()
q2 = FakeData()
q3 = Callbacks()
q4 = WhenDoesItStop()
q5 = TranslateLegacyOptimizer()

show_progress = progress_for(__name__)
