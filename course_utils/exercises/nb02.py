"""Exercises of notebook 02, preparing tensors.

Example:
>>> from course_utils.exercises import nb02 as ex
>>> ex.q3.check("sparse_categorical_crossentropy").outcome.value
'correct'
"""

import numpy as np

from course_utils.exercises import (
    Exercise,
    Mistake,
    is_whole_number,
    progress_for,
    reference_data,
)


def _train_images():
    (x_train, _), _ = reference_data("mnist")
    return x_train


def _array_like(answer, reference_shape):
    return isinstance(answer, np.ndarray) and answer.shape == reference_shape


class ScaleToUnit(Exercise):
    key = "2.1"
    title = "Scale the pixels to [0, 1] in float32"
    notebook = "02"
    hints = [
        "Convert to float32 first, then divide by the largest pixel value.",
        '`x_train.astype("float32") / 255`',
    ]
    mistakes = [
        Mistake(
            "forgot_to_scale",
            "The values still go up to 255: divide by 255 to bring them into [0, 1].",
            test=lambda answer, ex: (
                _array_like(answer, _train_images().shape) and float(answer.max()) > 1.5
            ),
        ),
        Mistake(
            "integer_division",
            "Every value is 0 or 1: that is integer division (`//`, or dividing before "
            "converting to float). Use `/` on float32 values.",
            test=lambda answer, ex: (
                _array_like(answer, _train_images().shape)
                and set(np.unique(answer).tolist()) <= {0, 1}
            ),
        ),
        Mistake(
            "float64",
            "The values are right but the dtype is float64, which takes twice the memory: "
            'convert with `.astype("float32")` before dividing.',
            test=lambda answer, ex: (
                _array_like(answer, _train_images().shape)
                and answer.dtype == np.float64
                and np.allclose(answer, _train_images() / 255)
            ),
        ),
        Mistake(
            "centred",
            "That is the range [-0.5, 0.5] (`x / 255 - 0.5`); this exercise asks for [0, 1].",
            test=lambda answer, ex: (
                _array_like(answer, _train_images().shape)
                and np.allclose(answer, _train_images() / 255 - 0.5, atol=1e-6)
            ),
        ),
        Mistake(
            "divided_by_256",
            "You divided by 256; the largest pixel value is 255, so divide by 255 to reach 1.",
            test=lambda answer, ex: (
                _array_like(answer, _train_images().shape)
                and np.allclose(answer, _train_images() / 256, atol=1e-6)
            ),
        ),
        Mistake(
            "subset",
            "The shape differs from `x_train`'s: scale all the training images.",
            test=lambda answer, ex: (
                isinstance(answer, np.ndarray) and answer.shape != _train_images().shape
            ),
        ),
    ]

    def expected(self):
        return _train_images().astype("float32") / 255

    def praise(self, reference):
        return f"float32 values from 0 to 1, {reference.nbytes / 1e6:,.0f} MB."

    def same(self, answer, reference):
        return (
            isinstance(answer, np.ndarray)
            and answer.dtype == np.float32
            and answer.shape == reference.shape
            and np.allclose(answer, reference, atol=1e-6)
        )


class AddChannelAxis(Exercise):
    key = "2.2"
    title = "Add the channel axis (channels last)"
    notebook = "02"
    hints = [
        "Keras wants (images, height, width, channels); MNIST has one channel.",
        "`x_train[..., None]` or `np.expand_dims(x_train, axis=-1)`.",
    ]
    mistakes = [
        Mistake(
            "channels_first",
            "The channel axis is in second place, (N, 1, 28, 28): that is channels_first. "
            "Keras' default is channels_last: put it at the end.",
            test=lambda answer, ex: (
                isinstance(answer, np.ndarray)
                and answer.shape == (len(_train_images()), 1, *_train_images().shape[1:])
            ),
        ),
        Mistake(
            "no_channel_axis",
            "The array still has 3 axes: add a fourth, of length 1, at the end.",
            test=lambda answer, ex: (
                isinstance(answer, np.ndarray) and answer.shape == _train_images().shape
            ),
        ),
        Mistake(
            "flattened",
            "You flattened each image into one row; a convolution needs the 2-D grid with a "
            "channel axis, (N, 28, 28, 1).",
            test=lambda answer, ex: (
                isinstance(answer, np.ndarray)
                and answer.shape == (len(_train_images()), _train_images()[0].size)
            ),
        ),
        Mistake(
            "three_channels",
            "Three channels are for colour (RGB) images; MNIST is grayscale: one channel.",
            test=lambda answer, ex: (
                isinstance(answer, np.ndarray) and answer.shape == (*_train_images().shape, 3)
            ),
        ),
    ]

    def expected(self):
        return _train_images()[..., None]

    def same(self, answer, reference):
        return (
            isinstance(answer, np.ndarray)
            and answer.shape == reference.shape
            and np.array_equal(answer.astype(np.float64), reference.astype(np.float64))
        )

    def praise(self, reference):
        return f"Shape {reference.shape}: images, height, width, one channel."


class LossForIntegerLabels(Exercise):
    key = "2.3"
    title = "The loss for integer labels"
    notebook = "02"
    hints = [
        "`y_train` holds integers 0-9, not one-hot vectors.",
        "The 'sparse' cross-entropy reads the class straight from an integer label.",
    ]
    mistakes = [
        Mistake(
            "one_hot_loss",
            "`categorical_crossentropy` wants one-hot labels; `y_train` holds integer labels, "
            "which need the sparse version.",
            answer=lambda ex: "categorical_crossentropy",
        ),
        Mistake(
            "binary",
            "`binary_crossentropy` is for two classes (or independent yes/no outputs); MNIST "
            "has 10 classes.",
            answer=lambda ex: "binary_crossentropy",
        ),
        Mistake(
            "regression_loss",
            "That is a regression loss; for classes use a cross-entropy.",
            test=lambda answer, ex: (
                isinstance(answer, str)
                and answer.lower() in {"mse", "mae", "mean_squared_error", "mean_absolute_error"}
            ),
        ),
        Mistake(
            "not_a_name",
            'Give the loss\'s name as a string, e.g. `loss = "some_loss_name"`.',
            test=lambda answer, ex: not isinstance(answer, str),
        ),
    ]

    def same(self, answer, reference):
        return isinstance(answer, str) and answer.strip().lower() == reference

    def expected(self):
        return "sparse_categorical_crossentropy"

    def praise(self, reference):
        return "Integer labels go with the sparse cross-entropy; one-hot labels would not."


class ValidationSplitSizes(Exercise):
    key = "2.4"
    title = "What validation_split=0.2 keeps"
    notebook = "02"
    hints = [
        "Keras trains on the first floor(N * (1 - 0.2)) images and validates on the rest.",
        "`num_train = math.floor(len(x_train) * 0.8)`; the rest are `len(x_train) - num_train`.",
    ]
    mistakes = [
        Mistake(
            "swapped",
            "The two numbers are swapped: the larger part (80%) is for training.",
            answer=lambda ex: ex.expected()[::-1],
        ),
        Mistake(
            "test_set",
            "You split the test set; validation_split takes its share from the training "
            "data you pass to `fit`.",
            test=lambda answer, ex: (
                _pair(answer) and sum(answer) == len(reference_data("mnist")[1][0])
            ),
        ),
        Mistake(
            "not_whole_numbers",
            "Image counts are whole numbers: round down (`math.floor` or `int`).",
            test=lambda answer, ex: (
                _pair(answer)
                and any(isinstance(n, float) and not float(n).is_integer() for n in answer)
            ),
        ),
    ]

    def same(self, answer, reference):
        return _pair(answer) and all(
            is_whole_number(a) and int(a) == r for a, r in zip(answer, reference, strict=True)
        )

    def expected(self):
        n = len(_train_images())
        num_train = int(np.floor(n * (1 - 0.2)))
        return (num_train, n - num_train)

    def praise(self, reference):
        return f"{reference[0]:,} images to train on, {reference[1]:,} to validate on."


def _pair(answer):
    return isinstance(answer, (tuple, list)) and len(answer) == 2


q1 = ScaleToUnit()
q2 = AddChannelAxis()
q3 = LossForIntegerLabels()
q4 = ValidationSplitSizes()

show_progress = progress_for(__name__)
