"""Exercises of notebook 08, saving, loading and using a model.

Example:
>>> from course_utils.exercises import nb08 as ex
>>> ex.q1.check(RUN_DIR / "cnn.weights.h5").outcome.value, ex.q5.check((7, 0.5)).rule
('correct', 'probability_value')
"""

import os
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
from keras import layers

from course_utils import exercises
from course_utils.exercises import Rule, SpecExercise, Unusable, bind, mistake, short
from course_utils.exercises import keras_checks as kc
from course_utils.models import first_cnn
from course_utils.models import keras_example_model as _example

RUN_DIR = Path("runs") / "08_saving"  # the notebook's run_dir
BATCH = (1, 28, 28, 1)  # one MNIST image, as a batch
PROBE_SIZE = 32  # test digits on which 8.2 and 8.4 compare the learner's model with `model`
TRAINED = "the model was trained on `x / 255 - 0.5`, in [-0.5, 0.5]"
RESCALING = "`layers.Rescaling(1 / 255, offset=-0.5)`"


def _digit(scale=1 / 255, offset=-0.5, count=1):  # the first test digit(s), as `load_image` reads
    images = exercises.reference_data("mnist")[1][0][:count, ..., None].astype("float32")
    return images * scale + offset  # by default x / 255 - 0.5, as in training


def _same(a, scale=1 / 255, offset=-0.5, both=False):  # learner's model agrees with `model`?
    prepared = _digit(scale, offset, PROBE_SIZE)  # `model` sees the probe digits * scale + offset
    mine = a.mine(prepared if both else _digit(1, 0, PROBE_SIZE), training=False)
    mine, theirs = (keras.ops.convert_to_numpy(p) for p in (mine, a.trained(prepared)))
    return mine.shape == theirs.shape and np.max(np.abs(mine - theirs)) < 1e-5


@lru_cache(maxsize=1)
def _trained():  # what tests pass as the notebook's trained `model`: one step of fit
    model = _example()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.random.default_rng(8).random((8, 28, 28, 1)) - 0.5, np.arange(8), verbose=0)
    return model


def _restored(compile=False):  # 8.2's answer: a new model with the trained one's weights
    model = _example()
    model.set_weights(_trained().get_weights())
    if compile:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _fits(model, trained=False):  # example weights fit it (and, if ``trained``, it was fit)
    shapes = [[tuple(w.shape) for w in m.weights] for m in (model, _example())]
    steps = getattr(getattr(model, "optimizer", None), "iterations", None)
    return shapes[0] == shapes[1] and (not trained or steps is not None and steps.numpy() > 0)


def _pair(answer, yours):  # 8.2's and 8.4's answers: (learner's model, trained `model`)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not kc.is_model(answer[1]):
        raise Unusable(
            "Pass two models in a tuple, yours first and then the notebook's trained `model`: "
            f"`({yours}, model)`. Received: {short(answer)}."
        )
    mine, trained = answer
    view = kc.model_view(mine) if kc.is_model(mine) else None
    read = vars(view) if view else {}  # what the rules of kc.model_rules read
    return SimpleNamespace(mine=mine, trained=trained, view=view, kind=type(mine).__name__, **read)


def _pair_rules(*rules):  # 8.2's and 8.4's: (a model, `model`), then ``rules`` on the first
    for rule in rules:  # they break with the learner's model alone: pair it with `model`
        rule.breaks = lambda ex, breaks=rule.breaks: (breaks(ex), _trained())
    untrained = lambda ex: (ex.reference()[0], _example())  # noqa: E731
    return [
        Rule("not_a_model", lambda a, ex: a.view is not None, lambda ex: (None, _trained()), True),
        Rule("trained_model", lambda a, ex: _fits(a.trained, trained=True), untrained),
        *rules,
    ]


class FileName(SpecExercise):
    title = "A file name for the weights"
    hints = [
        "Keras 3 decides what to write from the end of the file name (section 4).",
        "Section 3 wrote `mnist.weights.h5`: use that ending, in `run_dir`.",
    ]
    messages = {
        "plain_h5": "Keras 3 refuses a plain `.h5` here: 'The filename must end in `.weights.h5`.'",
        "keras_extension": "`.keras` is the extension for `model.save`, the whole model; "
        "`save_weights` wants a name ending in `.weights.h5`.",
        "no_extension": "The name has no extension: in TensorFlow 2 that wrote a checkpoint; "
        "Keras 3 refuses it. End the name in `.weights.h5`.",
        "weights_h5": "Keras 3 refuses {a.name!r}: `save_weights` wants a `.weights.h5` ending.",
        "in_run_dir": "Keras 3 accepts {a.name!r}, but {a.text!r} is not in `run_dir` "
        f"({RUN_DIR}), where this notebook keeps its files.",
        "praise": "Keras 3 accepts it, in `run_dir`: weights-only files end in `.weights.h5`.",
    }
    rules = [
        Rule("plain_h5", lambda a, ex: a.ok or a.ending != ".h5", lambda ex: "cnn.h5", True),
        Rule("keras_extension", lambda a, ex: a.ending != ".keras", lambda ex: "mnist.keras", True),
        Rule("no_extension", lambda a, ex: a.ending != "", lambda ex: "mnist-model", True),
        Rule("weights_h5", lambda a, ex: a.ok, lambda ex: RUN_DIR / "model.hdf5"),
        Rule("in_run_dir", lambda a, ex: a.in_run_dir, lambda ex: "w.weights.h5"),
    ]
    reference = staticmethod(lambda: RUN_DIR / "cnn.weights.h5")

    def parse(self, answer):
        text = os.fspath(answer) if isinstance(answer, (str, os.PathLike)) else None
        if not isinstance(text, str) or not Path(text).name:
            raise Unusable(
                'Give a file name, a str or a Path, e.g. `run_dir / "name.weights.h5"`, not a '
                f"folder. Received: {short(answer)}."
            )
        path = Path(os.path.normpath(text))
        ending = next((e for e in (".h5", ".keras") if path.name.endswith(e)), None)
        a = SimpleNamespace(text=text, name=path.name, ok=text.endswith(".weights.h5"))
        a.ending = ending or ("other" if "." in path.name.lstrip(".") else "")  # "": no extension
        a.in_run_dir = path.parent in (RUN_DIR, RUN_DIR.resolve())
        return a


class Restore(SpecExercise):
    title = "Restore a model from its weights"
    hints = [
        "A weights file holds numbers only: build the architecture, then load them into it.",
        "`build_model` builds the architecture; a model's `load_weights` reads the file.",
    ]
    messages = {
        "not_a_model": "`restored` is not a Keras model: build it with `build_model()`, then "
        "call its `load_weights` (which returns None).",
        "trained_model": "The second item should be the notebook's trained `model`, the Keras "
        "example CNN after `fit`. Received: {a.trained!r}.",
        "same_object": "That is the trained `model` itself, not a restored copy: build a new "
        "model with `build_model()` and load the weights file into it.",
        "different_architecture": "Its weights have other shapes than `model`'s: a weights "
        "file fits only the architecture it came from, so build it with `build_model()`.",
        "weights_only": "`restored` is compiled, like a model `load_model` reads from a "
        "`.keras` file: build it with `build_model()` and load the weights file into it instead.",
        "weights_not_loaded": "The architecture is right but the predictions differ from "
        "`model`'s: these are random starting weights. Load the weights file into `restored`.",
        "praise": "A new model with the saved weights: `model`'s predictions on "
        f"{PROBE_SIZE} digits.",
    }
    rules = _pair_rules(
        Rule("same_object", lambda a, ex: a.mine is not a.trained, lambda ex: _trained(), True),
        Rule("different_architecture", lambda a, ex: _fits(a.mine), lambda ex: first_cnn(), True),
        *kc.model_rules(_example, what="`build_model()`"),
        Rule("weights_only", lambda a, ex: not a.mine.compiled, lambda ex: _restored(True)),
        Rule("weights_not_loaded", lambda a, ex: _same(a, both=True), lambda ex: _example(), True),
    )
    reference = staticmethod(lambda: (_restored(), _trained()))
    parse = staticmethod(lambda answer: _pair(answer, "restored"))


class PreparePng(SpecExercise):
    title = "Prepare the PNG for the model"
    hints = [
        "`load_image` gives raw pixels, 0 to 255, in a (1, 28, 28, 1) float32 batch.",
        "Apply to that batch the arithmetic `prepare` applied to the training images.",
    ]
    messages = {
        "no_batch_axis": "One image, (28, 28, 1): `predict` wants a batch of them, (1, 28, 28, 1).",
        "no_channel_axis": "The shape is (1, 28, 28): the channel axis Conv2D wants is missing.",
        "shape": "The shape is {a.shape}; one grayscale image as a batch is (1, 28, 28, 1).",
        "uint8": "The array is uint8: dividing needs float32 pixels (`load_image` gives float32).",
        "numbers": "The array holds {a.dtype} values, not numbers.",
        "raw_pixels": f"These are the raw pixels, 0 to 255, but {TRAINED}: scale them the same.",
        "not_shifted": f"Scaled to [0, 1] but not shifted: {TRAINED}. Subtract 0.5 too.",
        "minus_one_to_one": f"Scaled to [-1, 1], a range other models use; {TRAINED}.",
        "digit_png": "These are not the pixels of digit.png scaled as in training: read "
        "`digit.png` with `load_image`.",
        "float32": "The values are right but the dtype is {a.dtype}; make it float32.",
        "praise": "One image, (1, 28, 28, 1), float32, in [-0.5, 0.5]: just like in training.",
    }
    rules = [
        Rule("no_batch_axis", lambda a, ex: a.shape != BATCH[1:], lambda ex: _digit()[0], True),
        Rule(
            "no_channel_axis", lambda a, ex: a.shape != BATCH[:3], lambda ex: _digit()[..., 0], True
        ),
        Rule("shape", lambda a, ex: a.shape == BATCH, lambda ex: _digit().repeat(3, -1)),
        Rule("uint8", lambda a, ex: a.dtype != "uint8", lambda ex: _digit().astype("uint8"), True),
        Rule("numbers", lambda a, ex: a.dtype.kind in "iuf", lambda ex: _digit() > 0),
        mistake("raw_pixels", lambda ex: _digit(1, 0)),
        mistake("not_shifted", lambda ex: _digit(1 / 255, 0)),
        mistake("minus_one_to_one", lambda ex: _digit(2 / 255, -1)),
        Rule("digit_png", lambda a, ex: ex.same(a, _digit(), 1e-6), lambda ex: -_digit()),
        Rule("float32", lambda a, ex: a.dtype == "float32", lambda ex: _digit().astype(float)),
    ]
    reference = staticmethod(_digit)

    def parse(self, answer):
        if not isinstance(answer, np.ndarray):
            hint = " (convert it with `np.asarray`)" if hasattr(type(answer), "numpy") else ""
            raise Unusable(f"Give a NumPy array{hint}. Received: {short(answer)}.")
        return answer

    def same(self, parsed, value, atol=1e-4):  # to 1e-4, as pixel arithmetic may round
        return np.allclose(parsed.astype(float), value, rtol=0, atol=atol)


def _deployable(change=None):  # 8.4's model, or one that breaks the rule named ``change``
    scaling = {
        "input_shape": [layers.CenterCrop(28, 28), layers.Rescaling(1 / 255, -0.5)],
        "no_rescaling": [],
        "scale_without_offset": [layers.Rescaling(1 / 255)],
        "rescaling": [layers.Normalization(mean=127.5, variance=255**2)],
    }.get(change, [layers.Rescaling(1 / 255, offset=-0.5)])
    model = _restored() if change == "calls_model" else _trained()
    shape = (32, 32, 1) if change == "input_shape" else BATCH[1:]
    inputs = x = keras.Input(shape, dtype="int8" if change == "predictions" else "float32")
    if change == "functional":
        return keras.Sequential([inputs, *scaling, model])
    for layer in [*scaling, model]:
        x = layer(x)
    return keras.Model(inputs, x)


def _deployable_rule(name, holds, mistake=False):  # a rule of 8.4, broken by _deployable(name)
    return Rule(name, holds, lambda ex: _deployable(name), mistake)


def _rescales(a, ex):
    kind, config = a.view.layers[0] if a.view.layers else ("", {})
    return kind == "Rescaling" and np.allclose([config["scale"], config["offset"]], [1 / 255, -0.5])


def _calls_model(a, ex):
    inner = [layer for layer in a.mine.layers if type(layer).__name__ != "InputLayer"]
    return len(inner) == 2 and inner[1] is a.trained


class RescalingInside(SpecExercise):
    title = "Put the preprocessing inside (Functional API)"
    hints = [
        "Apply a `Rescaling` layer to a `keras.Input`, then call `model` on it like a layer.",
        "`Rescaling(1 / 255, offset=-0.5)` computes `x / 255 - 0.5`; `keras.Model` joins the ends.",
    ]
    messages = {
        "not_a_model": "Not a Keras model: finish with `keras.Model(inputs, outputs)`.",
        "trained_model": Restore.messages["trained_model"],
        "input_shape": "The input shape is {a.input_shape}; one image is (28, 28, 1).",
        "no_rescaling": "On raw pixels it predicts what `model` predicts on raw pixels: the "
        f"preprocessing is missing. Put {RESCALING} first.",
        "scale_without_offset": f"It divides by 255 but does not subtract 0.5: {TRAINED}. "
        f"Use {RESCALING}.",
        "functional": "That is a {a.kind} model; the exercise asks for the Functional API, "
        "`keras.Model(inputs, outputs)`.",
        "rescaling": "The layers after the input are {a.kinds}; the first should compute "
        f"`x / 255 - 0.5`, as in training: {RESCALING}.",
        "calls_model": "The layers after the input are {a.kinds}: after Rescaling, reuse the "
        "trained `model` itself (not a copy, nor its layers one by one), and nothing else.",
        "predictions": "On raw pixels it does not predict what `model` predicts on prepared "
        "ones: check the input's dtype (`load_image` gives float32).",
        "praise": f"Raw pixels in, the trained model's probabilities out, on {PROBE_SIZE} digits.",
    }
    rules = _pair_rules(
        _deployable_rule("input_shape", lambda a, ex: a.input_shape == BATCH[1:]),
        _deployable_rule("no_rescaling", lambda a, ex: not _same(a, 1, 0), True),
        _deployable_rule("scale_without_offset", lambda a, ex: not _same(a, 1 / 255, 0), True),
        _deployable_rule("functional", lambda a, ex: a.kind == "Functional"),
        _deployable_rule("rescaling", _rescales),
        _deployable_rule("calls_model", _calls_model),
        _deployable_rule("predictions", lambda a, ex: _same(a)),
    )
    reference = staticmethod(lambda: (_deployable(), _trained()))
    parse = staticmethod(lambda answer: _pair(answer, "deployable_functional"))


LOGITS = np.array([0.3, -1.2, 1.9, 0.8, -0.4, 0.1, -2.0, 5.1, 0.6, 2.2])
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum()).astype("float32")[None]  # 8.5's (1, 10) `probs`
CLASS, TOP = int(np.argmax(PROBS)), float(np.max(PROBS))  # the answer to 8.5


def _top(value, scale=1):  # the largest probability (times ``scale``), as a float
    return isinstance(value, (float, np.floating)) and abs(value - scale * TOP) < 1e-4 * scale


def _array(value, size, equal=None):  # a NumPy array of ``size`` values (one of them ``equal``)
    return isinstance(value, np.ndarray) and value.size == size and equal in (None, *value.flat)


def _with(predicted_class=CLASS, probability=TOP):  # a breaking answer: 8.5's, a part replaced
    return lambda ex: (predicted_class, probability)


class ClassAndProbability(SpecExercise):
    title = "The predicted class and its probability"
    names = ("predicted_class", "probability")
    hints = [
        "The class is where the row's largest probability is; its probability, the value there.",
        "`np.argmax` gives the position; convert the two with `int` and `float`.",
    ]
    messages = {
        "swapped": "The two values are swapped: the class comes first, then its probability.",
        "probability_as_class": "The class is the largest probability itself (`np.max`); the "
        "class is its position in the row, `np.argmax`.",
        "wrong_axis": "The class is an array of 10 zeros: `np.argmax(probs, axis=0)` looks "
        "down the single row, not across the 10 classes. Use `axis=1` (or `probs[0]`).",
        "array_not_int": "The class is an array holding one number; take it out with `int(...)`.",
        "class_int": "The class should be a whole number 0-9, an `int`. Received: {a[0]!r}.",
        "class_value": "Class {a[0]} is not the one with the largest probability.",
        "percentage": "The probability is a percentage; give it as a fraction between 0 and 1.",
        "probability_float": "The probability should be a `float`. Received: {a[1]!r}.",
        "computed": "Close, but not exact: take the probability from `probs`; don't type it in.",
        "probability_value": "The class is right; the probability should be the value in its "
        "column of `probs`. Received: {a[1]!r}.",
        "praise": "Class {a[0]}, with probability {a[1]:.4f}.",
    }
    rules = [
        Rule(
            "swapped",
            lambda a, ex: not (_top(a[0]) and ex.same(a[1], CLASS)),
            _with(TOP, CLASS),
            True,
        ),
        Rule("probability_as_class", lambda a, ex: not _top(a[0]), _with(TOP, 0.5), True),
        Rule("wrong_axis", lambda a, ex: not _array(a[0], 10), _with(PROBS.argmax(0)), True),
        Rule(
            "array_not_int", lambda a, ex: not _array(a[0], 1, CLASS), _with(PROBS.argmax(1)), True
        ),
        Rule("class_int", lambda a, ex: type(a[0]) is int, _with(np.int64(CLASS))),
        Rule("class_value", lambda a, ex: a[0] == CLASS, _with((CLASS + 1) % 10)),
        Rule("percentage", lambda a, ex: not _top(a[1], 100), _with(CLASS, 100 * TOP), True),
        Rule("probability_float", lambda a, ex: isinstance(a[1], float), _with(CLASS, PROBS.max())),
        Rule(
            "computed", lambda a, ex: not 1e-7 <= abs(a[1] - TOP) <= 5e-3, _with(CLASS, TOP + 1e-3)
        ),
        Rule("probability_value", lambda a, ex: abs(a[1] - TOP) < 1e-7, _with(CLASS, 0.5)),
    ]
    example = staticmethod(lambda: PROBS.copy())  # `model.predict`'s output for one digit
    reference = staticmethod(lambda: (CLASS, TOP))

    def parse(self, answer):
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Unusable(
                "Give two values: `ex.q5.check((predicted_class, probability))`. "
                f"Received: {short(answer)}."
            )
        return tuple(answer)


bind(__name__, FileName(), Restore(), PreparePng(), RescalingInside(), ClassAndProbability())
