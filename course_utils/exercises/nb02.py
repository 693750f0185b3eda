"""Exercises of notebook 02, preparing tensors, checked against the data the notebook loaded."""

import keras
import numpy as np

from course_utils import exercises
from course_utils.exercises import Rule, Unusable, ValueExercise, bind, is_whole_number, mistake


def _x(part=0):  # the images the notebook loaded: training (0) or test (1)
    return exercises.reference_data("mnist")[part][0]


def _scaled():  # the answer to 2.1
    return _x().astype("float32") / 255


def _x4():  # the training images with a channel axis, last
    return _x()[..., None]


def _loss(name):  # the name of the Keras loss function `name` stands for, "" if none
    try:
        return getattr(keras.losses.get(name), "fn", keras.losses.get(name)).__name__
    except (AttributeError, TypeError, ValueError):
        return ""


def _images_not(shape):  # the `holds` of a rule: the answer's images are not of `shape`
    return lambda a, ex: a.shape[1:] != shape


class _Array(ValueExercise):  # a NumPy array of numbers made from `x_train`
    def parse(self, answer):
        if not isinstance(answer, np.ndarray) or answer.dtype.kind not in "iuf":
            raise Unusable(f"Give a NumPy array of numbers. Received: {exercises.short(answer)}.")
        return answer

    def same(self, a, reference):
        return a.shape == reference.shape and np.allclose(a, reference, rtol=1e-6, atol=1e-6)


class ScaleToUnit(_Array):
    title = "Scale the pixels to [0, 1] in float32"
    hints = [
        "Convert to float32 first, then divide by the largest pixel value.",
        "`.astype` converts the dtype; the largest pixel value is 255; `/` does not round.",
    ]
    messages = {
        "subset": "The shape differs from `x_train`'s: scale all the training images.",
        "forgot_to_scale": "The values still go up to 255: divide by 255 to bring them to [0, 1].",
        "integer_division": "Every value is 0 or 1: that is integer division (`//`, or dividing "
        "before converting to float). Use `/` on float32 values.",
        "centred": "That is [-0.5, 0.5] (`x / 255 - 0.5`); this exercise asks for [0, 1].",
        "divided_by_256": "You divided by 256; the largest pixel value is 255, so divide by 255.",
        "float64": "The values are right but the dtype is float64, which takes twice the "
        'memory: convert with `.astype("float32")` before dividing.',
        "float32": "The dtype is {a.dtype}; the exercise asks for float32.",
        "praise": lambda a, ex: f"float32 values from 0 to 1, {a.nbytes / 1e6:,.0f} MB.",
    }
    rules = [
        Rule("subset", lambda a, ex: a.shape == _x().shape, lambda ex: _scaled()[:100], True),
        Rule("forgot_to_scale", lambda a, ex: a.max() <= 1.5, lambda ex: _x(), True),
        Rule("integer_division", lambda a, ex: not ex.is_binary(a), lambda ex: _x() // 255, True),
        mistake("centred", lambda ex: _scaled() - 0.5),
        mistake("divided_by_256", lambda ex: _x() / np.float32(256)),
        Rule("float64", lambda a, ex: not ex.is_float64_copy(a), lambda ex: _x() / 255, True),
        Rule("float32", lambda a, ex: a.dtype == "float32", lambda ex: _scaled().astype("float16")),
    ]
    expected = staticmethod(_scaled)

    def is_binary(self, a):  # every value is 0 or 1, as integer division leaves them
        return ((a == 0) | (a == 1)).all()

    def is_float64_copy(self, a):  # the right values in float64: divided before converting
        return a.dtype == float and self.same(a, _scaled())


class AddChannelAxis(_Array):
    title = "Add the channel axis (channels last)"
    hints = [
        "Keras wants (images, height, width, channels); MNIST has one channel.",
        "`np.expand_dims` adds an axis of length 1; put it where Keras' default keeps channels.",
    ]
    messages = {
        "channels_first": "That is channels_first (N, 1, 28, 28); Keras' default is channels last.",
        "no_channel_axis": "The array still has 3 axes: add a fourth, of length 1, at the end.",
        "flattened": "You flattened each image into a row; a convolution needs (N, 28, 28, 1).",
        "three_channels": "Three channels are for colour (RGB); MNIST is grayscale: one channel.",
        "shape": "The shape is {a.shape}; the training images, channel last, are (N, 28, 28, 1).",
        "unchanged": "The values differ from `x_train`'s: add the axis to the images as they are.",
        "praise": "Shape {a.shape}: images, height, width, one channel.",
    }
    rules = [
        Rule("channels_first", _images_not((1, 28, 28)), lambda ex: _x()[:, None], True),
        Rule("no_channel_axis", _images_not((28, 28)), lambda ex: _x(), True),
        Rule("flattened", _images_not((784,)), lambda ex: _x().reshape(-1, 784), True),
        Rule("three_channels", lambda a, ex: a.shape[3:] != (3,), lambda ex: _x4() + [0] * 3, True),
        Rule("shape", lambda a, ex: a.shape == _x4().shape, lambda ex: _x4()[:9]),
        Rule("unchanged", lambda a, ex: (a == _x4()).all(), lambda ex: _x4() / 5),
    ]
    expected = staticmethod(_x4)


class LossForIntegerLabels(ValueExercise):
    title = "The loss for integer labels"
    hints = [
        "`y_train` holds integers 0-9, not one-hot vectors.",
        "The 'sparse' cross-entropy reads the class straight from an integer label.",
    ]
    messages = {
        "not_a_name": 'Give the loss\'s name as a string, e.g. `loss = "some_loss_name"`.',
        "keras_name": "Keras knows no loss called {a!r}: spell it as `compile(loss=...)` does.",
        "one_hot_loss": "`categorical_crossentropy` wants one-hot labels; integers need the "
        "sparse version.",
        "binary": "`binary_crossentropy` is for two classes (or yes/no); MNIST has 10 classes.",
        "regression_loss": "That is a regression loss; for classes use a cross-entropy.",
        "praise": "Integer labels go with the sparse cross-entropy; one-hot labels would not.",
    }
    rules = [
        Rule(
            "not_a_name", lambda a, ex: isinstance(a, str), lambda ex: ["sparse_crossentropy"], True
        ),
        Rule("keras_name", lambda a, ex: _loss(a), lambda ex: "Sparse categorical crossentropy"),
        mistake("one_hot_loss", lambda ex: "categorical_crossentropy"),
        mistake("binary", lambda ex: "binary_crossentropy"),
        Rule("regression_loss", lambda a, ex: "mean_" not in _loss(a), lambda ex: "mse", True),
    ]
    expected = staticmethod(lambda: "sparse_categorical_crossentropy")
    same = staticmethod(lambda name, reference: _loss(name) == _loss(reference))


class ValidationSplitSizes(ValueExercise):
    title = "What validation_split=0.2 keeps"
    names = ("num_train", "num_validation")
    hints = [
        "Keras trains on the first floor(N * (1 - 0.2)) images and validates on the rest.",
        "`math.floor` rounds down; N is the number of training images you pass to `fit`.",
    ]
    messages = {
        "not_whole_numbers": "Image counts are whole numbers: round down (`math.floor` or `int`).",
        "whole_numbers": "Give two ints, the two image counts. Received: {a}.",
        "swapped": "The two numbers are swapped: the larger part (80%) is for training.",
        "test_set": "You split the test set; validation_split splits the data `fit` gets.",
        "keras_split": "Keras trains on floor(N * 0.8) of the N = `len(x_train)` images; the "
        "rest validate.",
        "praise": "{a[0]:,} images to train on, {a[1]:,} to validate on.",
    }
    rules = [
        Rule(
            "not_whole_numbers", lambda a, ex: not any(n % 1 for n in a), lambda ex: (0.5, 1), True
        ),
        Rule("whole_numbers", lambda a, ex: all(map(is_whole_number, a)), lambda ex: (1.0, 2)),
        mistake("swapped", lambda ex: ex.expected()[::-1]),
        Rule("test_set", lambda a, ex: sum(a) != len(_x(1)), lambda ex: ex.expected(1), True),
        Rule("keras_split", lambda a, ex: a == ex.expected(), lambda ex: (len(_x()) - 1, 1)),
    ]

    def expected(self, part=0):  # the (training, validation) counts of validation_split=0.2
        n = len(_x(part))  # on the training images, or (part=1) on the test images: a slip
        return int(n * (1 - 0.2)), n - int(n * (1 - 0.2))  # int rounds down: n is positive

    def parse(self, answer):
        pair = tuple(answer) if isinstance(answer, (tuple, list)) else ()
        if len(pair) != 2 or not all(map(exercises.is_real_number, pair)):
            raise Unusable(f"Give a tuple of two counts. Received: {exercises.short(answer)}.")
        return pair


bind(__name__, ScaleToUnit(), AddChannelAxis(), LossForIntegerLabels(), ValidationSplitSizes())
