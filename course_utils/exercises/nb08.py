"""Exercises of notebook 08, saving, loading and using a model.

The model checks take the learner's model together with the notebook's trained
``model``, as a tuple, and compare their predictions on a fixed probe batch of test
digits; the other checks compute the truth from the first test digit or a fixed row of
probabilities.

Example:
>>> from course_utils.exercises import nb08 as ex
>>> ex.q1.check("mnist.weights.h5").outcome.value
'correct'
>>> probs = ex.q5.example()
>>> ex.q5.check((int(np.argmax(probs)), float(np.max(probs)))).outcome.value
'correct'
>>> ex.q2.check((..., None)).outcome.value
'not attempted'
"""

import os
from pathlib import Path

import numpy as np

from course_utils.exercises import (
    Exercise,
    Mistake,
    TupleExercise,
    is_whole_number,
    kind,
    progress_for,
    reference_data,
)
from course_utils.exercises import is_model as _is_model

PROBE_SIZE = 32  # test digits the model checks predict on
TOLERANCE = 1e-5  # the largest difference between two probabilities that count as equal


def _predict(model, images):
    import keras

    return keras.ops.convert_to_numpy(model(images, training=False))


def _close(a, b):
    return a.shape == b.shape and float(np.max(np.abs(a - b))) < TOLERANCE


def _raw_probe():
    """The first test digits as the model sees them raw: float32, 0..255, (N, 28, 28, 1)."""
    images = reference_data("mnist")[1][0][:PROBE_SIZE]
    return images.astype("float32")[..., np.newaxis]


def _pair_problem(answer, call):
    """A message when ``answer`` is not ``(a model, the trained model)``, else None."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return (
            f"Pass two models in a tuple, yours first and then the trained one: `{call}`. "
            f"Received: {kind(answer)}."
        )
    if _is_model(answer[0]) and not _is_model(answer[1]):
        return (
            f"The second item should be the notebook's trained `model`; received a "
            f"{kind(answer[1])}. Check `{call}`."
        )
    return None


# --- 8.1 ----------------------------------------------------------------------------------


def _name(answer):
    return Path(answer).name if isinstance(answer, (str, os.PathLike)) else ""


class WeightsFileName(Exercise):
    key = "8.1"
    title = "A file name for the weights"
    notebook = "08"
    hints = [
        "Keras 3 decides what to write from the end of the file name, and `save_weights` "
        "accepts one ending only (section 4).",
        'Something like `run_dir / "mnist.weights.h5"`.',
    ]
    mistakes = [
        Mistake(
            "plain_h5",
            "Keras 3 refuses a plain `.h5` here: 'The filename must end in `.weights.h5`.' "
            "Write e.g. `mnist.weights.h5`.",
            test=lambda answer, ex: _name(answer).endswith(".h5"),
        ),
        Mistake(
            "keras_extension",
            "`.keras` is the extension for `model.save`, the whole model; `save_weights` wants "
            "a name ending in `.weights.h5`.",
            test=lambda answer, ex: _name(answer).endswith(".keras"),
        ),
        Mistake(
            "no_extension",
            "The name has no extension. In TensorFlow 2 that wrote a TensorFlow checkpoint; "
            "Keras 3 refuses it: end the name in `.weights.h5`.",
            test=lambda answer, ex: bool(_name(answer)) and "." not in _name(answer).lstrip("."),
        ),
    ]

    def validate(self, answer):
        if not isinstance(answer, (str, os.PathLike)):
            return (
                'Give a file name, a str or a Path, e.g. `run_dir / "name.weights.h5"`. '
                f"Received: {kind(answer)}."
            )
        if not _name(answer):
            return f"{str(answer)!r} names a folder, not a file."
        return None

    def expected(self):
        return ".weights.h5"

    def same(self, answer, reference):
        name = _name(answer)
        return name.endswith(reference) and len(name) > len(reference)

    def diagnose(self, answer, reference):
        return (
            f"Keras 3 refuses {_name(answer)!r}: `save_weights` wants a file name that ends in "
            "`.weights.h5`."
        )

    def praise(self, reference):
        return "Keras 3 accepts it: weights-only files end in `.weights.h5`."


# --- 8.2 ----------------------------------------------------------------------------------


def _weight_shapes(model):
    return [tuple(weight.shape) for weight in model.weights]


def _same_architecture(restored, model):
    return _weight_shapes(restored) == _weight_shapes(model)


class RestoreFromWeights(TupleExercise):
    key = "8.2"
    title = "Restore a model from its weights"
    notebook = "08"
    call = "ex.q2.check((restored, model))"
    hints = [
        "A weights file holds numbers only: first build the same architecture with "
        "`build_model()`, then load the weights into it.",
        "`restored = build_model()` and then `restored.load_weights(weights_file)`.",
    ]
    mistakes = [
        Mistake(
            "not_a_model",
            "`restored` is not a Keras model: build one with `build_model()`, then call its "
            "`load_weights` method (which returns nothing, so don't assign its result).",
            test=lambda answer, ex: not _is_model(answer[0]),
        ),
        Mistake(
            "same_object",
            "That is the trained `model` itself, not a restored copy: build a new model with "
            "`build_model()` and load the weights file into it.",
            test=lambda answer, ex: answer[0] is answer[1],
        ),
        Mistake(
            "different_architecture",
            "`restored` has a different architecture from `model` (its weights have other "
            "shapes): a weights file only fits the architecture it was saved from, so build "
            "it with `build_model()`.",
            test=lambda answer, ex: not _same_architecture(*answer),
        ),
        Mistake(
            "weights_not_loaded",
            "The architecture is right but the predictions differ from `model`'s: these are "
            "the new model's random starting weights. Call `restored.load_weights(...)` with "
            "the weights file.",
            test=lambda answer, ex: (
                not _close(_predict(answer[0], ex.example()), _predict(answer[1], ex.example()))
            ),
        ),
    ]

    def example(self):
        """The probe batch: the first test digits, prepared as in training ([-0.5, 0.5])."""
        return _raw_probe() / 255 - 0.5

    def validate(self, answer):
        return _pair_problem(answer, self.call)

    def expected(self):
        return None  # the truth is the trained model's own predictions

    def same(self, answer, reference):
        restored, model = answer
        return (
            _is_model(restored)
            and restored is not model
            and _same_architecture(restored, model)
            and _close(_predict(restored, self.example()), _predict(model, self.example()))
        )

    def praise(self, reference):
        return (
            f"A new model with the saved weights: the same predictions as `model` on "
            f"{PROBE_SIZE} test digits."
        )


# --- 8.3 ----------------------------------------------------------------------------------


def _array_like(answer, shape, values):
    return (
        isinstance(answer, np.ndarray)
        and answer.shape == shape
        and np.issubdtype(answer.dtype, np.number)
        and bool(np.allclose(answer.astype("float64"), values, atol=1e-4))
    )


class PrepareThePng(Exercise):
    key = "8.3"
    title = "Prepare the PNG for the model"
    notebook = "08"
    hints = [
        "`load_image` gives raw pixels, 0 to 255, in a (1, 28, 28, 1) batch. The model was "
        "trained on `x / 255 - 0.5`.",
        '`batch = load_image(run_dir / "digit.png") / 255 - 0.5`',
    ]
    mistakes = [
        Mistake(
            "no_batch_axis",
            "The shape is (28, 28, 1): one image, but `predict` wants a batch. Add the batch "
            "axis in front: (1, 28, 28, 1).",
            test=lambda answer, ex: isinstance(answer, np.ndarray) and answer.shape == (28, 28, 1),
        ),
        Mistake(
            "no_channel_axis",
            "The shape is (1, 28, 28): the channel axis is missing. Conv2D wants "
            "(1, 28, 28, 1); `load_image` gives it that way.",
            test=lambda answer, ex: isinstance(answer, np.ndarray) and answer.shape == (1, 28, 28),
        ),
        Mistake(
            "uint8",
            "The array is uint8: dividing needs float32 pixels (`load_image` gives float32).",
            test=lambda answer, ex: isinstance(answer, np.ndarray) and answer.dtype == np.uint8,
        ),
        Mistake(
            "raw_pixels",
            "These are the raw pixels, 0 to 255; the model was trained on `x / 255 - 0.5`, "
            "in [-0.5, 0.5]. Apply the same scaling as in training.",
            test=lambda answer, ex: _array_like(answer, (1, 28, 28, 1), ex.raw()),
        ),
        Mistake(
            "not_shifted",
            "Scaled to [0, 1], but not shifted: the model was trained on `x / 255 - 0.5`, in "
            "[-0.5, 0.5]. Subtract 0.5 too.",
            test=lambda answer, ex: _array_like(answer, (1, 28, 28, 1), ex.raw() / 255),
        ),
        Mistake(
            "minus_one_to_one",
            "Scaled to [-1, 1] (`x / 127.5 - 1`), a range other models use; this one was "
            "trained on `x / 255 - 0.5`, in [-0.5, 0.5].",
            test=lambda answer, ex: _array_like(answer, (1, 28, 28, 1), ex.raw() / 127.5 - 1),
        ),
    ]

    def example(self):
        """The digit the notebook saves as digit.png: the first test image, uint8 (28, 28)."""
        return reference_data("mnist")[1][0][0].copy()

    def raw(self):
        return self.example().astype("float64")[np.newaxis, ..., np.newaxis]

    def validate(self, answer):
        if not isinstance(answer, np.ndarray):
            hint = " (convert it with `np.asarray`)" if hasattr(answer, "numpy") else ""
            return f"Give a NumPy array{hint}. Received: {kind(answer)}."
        return None

    def expected(self):
        return (self.raw() / 255 - 0.5).astype("float32")

    def same(self, answer, reference):
        return answer.dtype == np.float32 and _array_like(answer, reference.shape, reference)

    def diagnose(self, answer, reference):
        if _array_like(answer, reference.shape, reference):
            return f"The values are right but the dtype is {answer.dtype}; make it float32."
        if answer.shape != reference.shape:
            return f"The shape is {answer.shape}; one grayscale image as a batch is (1, 28, 28, 1)."
        if not np.issubdtype(answer.dtype, np.number):
            return f"The array holds {answer.dtype} values, not numbers."
        low, high = float(np.nanmin(answer)), float(np.nanmax(answer))
        return (
            f"The values go from {low:g} to {high:g}, but they are not digit.png prepared "
            "as in training (`x / 255 - 0.5`). Did you load the right file?"
        )

    def praise(self, reference):
        return "One image, (1, 28, 28, 1), float32, in [-0.5, 0.5]: just like in training."


# --- 8.4 ----------------------------------------------------------------------------------


class PreprocessingInside(TupleExercise):
    key = "8.4"
    title = "Put the preprocessing inside (Functional API)"
    notebook = "08"
    call = "ex.q4.check((deployable_functional, model))"
    hints = [
        "Start from `inputs = keras.Input((28, 28, 1))`, apply a `Rescaling` layer, then "
        "call the trained `model` on the result as if it were a layer.",
        "`x = layers.Rescaling(1 / 255, offset=-0.5)(inputs)`, then "
        "`keras.Model(inputs, model(x))`.",
    ]
    mistakes = [
        Mistake(
            "not_a_model",
            "`deployable_functional` is not a Keras model: finish with "
            "`keras.Model(inputs, outputs)`.",
            test=lambda answer, ex: not _is_model(answer[0]),
        ),
        Mistake(
            "no_rescaling",
            "On raw 0..255 pixels it predicts exactly what `model` predicts on raw pixels: the "
            "preprocessing is missing. Put `layers.Rescaling(1 / 255, offset=-0.5)` first.",
            test=lambda answer, ex: _close(
                _predict(answer[0], _raw_probe()), _predict(answer[1], _raw_probe())
            ),
        ),
        Mistake(
            "scale_without_offset",
            "It divides by 255 but does not subtract 0.5: the model was trained on "
            "[-0.5, 0.5], not [0, 1]. Use `layers.Rescaling(1 / 255, offset=-0.5)`.",
            test=lambda answer, ex: _close(
                _predict(answer[0], _raw_probe()), _predict(answer[1], _raw_probe() / 255)
            ),
        ),
    ]

    def example(self):
        """The probe batch: the first test digits, raw (float32, 0..255)."""
        return _raw_probe()

    def validate(self, answer):
        return _pair_problem(answer, self.call)

    def expected(self):
        return None  # the truth is the trained model's predictions on prepared images

    def same(self, answer, reference):
        deployable, model = answer
        raw = self.example()
        return _is_model(deployable) and _close(
            _predict(deployable, raw), _predict(model, raw / 255 - 0.5)
        )

    def diagnose(self, answer, reference):
        return (
            "On raw pixels it does not predict what the trained `model` predicts on prepared "
            "ones. Reuse the trained model (call `model` on the rescaled input) rather than "
            "new, untrained layers, and check the Rescaling: `Rescaling(1 / 255, offset=-0.5)`."
        )

    def praise(self, reference):
        return f"Raw pixels in, the trained model's probabilities out, on {PROBE_SIZE} test digits."


# --- 8.5 ----------------------------------------------------------------------------------


def _first(answer):
    return answer[0] if isinstance(answer, (tuple, list)) and len(answer) == 2 else None


def _is_probability_of(value, row):
    return (
        isinstance(value, (float, np.floating))
        and bool(np.isfinite(value))
        and abs(float(value) - float(row.max())) < 1e-6
    )


class ClassAndProbability(TupleExercise):
    key = "8.5"
    title = "The predicted class and its probability"
    notebook = "08"
    hints = [
        "The predicted class is the position of the largest probability in the row; its "
        "probability is the value there.",
        "`int(np.argmax(probs[0]))`, and `float(probs[0, predicted_class])`.",
    ]
    mistakes = [
        Mistake(
            "swapped",
            "The two values are swapped: the class comes first, then its probability.",
            test=lambda answer, ex: (
                _is_probability_of(answer[0], ex.example())
                and is_whole_number(answer[1])
                and int(answer[1]) == ex.expected()[0]
            ),
        ),
        Mistake(
            "probability_as_class",
            "The class is the largest probability itself (`np.max`); the class is its "
            "position in the row, `np.argmax`.",
            test=lambda answer, ex: _is_probability_of(answer[0], ex.example()),
        ),
        Mistake(
            "wrong_axis",
            "The class is an array of 10 zeros: `np.argmax(probs, axis=0)` looks down the "
            "single row, not across the 10 classes. Use `axis=1` (or `probs[0]`).",
            test=lambda answer, ex: isinstance(answer[0], np.ndarray) and answer[0].shape == (10,),
        ),
        Mistake(
            "array_not_int",
            "The class is an array holding one number; take the number out with `int(...)` "
            "(or `np.argmax(probs[0])`).",
            test=lambda answer, ex: (
                isinstance(answer[0], np.ndarray)
                and answer[0].size == 1
                and int(answer[0].ravel()[0]) == ex.expected()[0]
            ),
        ),
        Mistake(
            "percentage",
            "The probability is a percentage; give it as a fraction between 0 and 1.",
            test=lambda answer, ex: (
                isinstance(answer[1], (int, float, np.number))
                and abs(float(answer[1]) - 100 * float(ex.example().max())) < 1e-4
            ),
        ),
    ]

    def example(self):
        """One row of 10 probabilities, shape (1, 10), as `model.predict` returns for a digit."""
        logits = np.array([0.3, -1.2, 1.9, 0.8, -0.4, 0.1, -2.0, 5.1, 0.6, 2.2])
        probs = np.exp(logits) / np.exp(logits).sum()
        return probs.astype("float32")[np.newaxis]

    def validate(self, answer):
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return (
                "Give two values: `ex.q5.check((predicted_class, probability))`. "
                f"Received: {kind(answer)}."
            )
        return None

    def expected(self):
        row = self.example()[0]
        return int(np.argmax(row)), float(row.max())

    def same(self, answer, reference):
        predicted_class, probability = answer
        return (
            is_whole_number(predicted_class)
            and int(predicted_class) == reference[0]
            and _is_probability_of(probability, self.example())
        )

    def diagnose(self, answer, reference):
        predicted_class, probability = answer
        if not is_whole_number(predicted_class):
            return f"The class should be a whole number 0-9. Received: {kind(predicted_class)}."
        if int(predicted_class) != reference[0]:
            return f"Class {int(predicted_class)} is not the one with the largest probability."
        if isinstance(probability, np.ndarray):
            return "The probability is an array; take the number out with `float(...)`."
        return (
            f"The class is right; the probability should be the value in its column, "
            f"{reference[1]:.4f}. Received: {probability!r}."
        )

    def praise(self, reference):
        return f"Class {reference[0]}, with probability {reference[1]:.4f}."


q1 = WeightsFileName()
q2 = RestoreFromWeights()
q3 = PrepareThePng()
q4 = PreprocessingInside()
q5 = ClassAndProbability()

show_progress = progress_for(__name__)
