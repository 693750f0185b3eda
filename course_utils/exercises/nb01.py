"""Exercises of notebook 01, inspecting MNIST.

Example:
>>> from course_utils.exercises import nb01 as ex
>>> ex.q1.check((2051, 10000, 28, 28)).outcome.value
'correct'
"""

import numpy as np

from course_utils.exercises import (
    Rule,
    Unusable,
    ValueExercise,
    bind,
    computed,
    is_whole_number,
    mistake,
    real_number,
    reference_data,
    whole_number,
)


def _x_train():
    return reference_data("mnist")[0][0]


def _labels(part=0):
    return reference_data("mnist")[part][1]


def _count(values, value):
    return int(np.sum(values == value))


class DecodeHeader(ValueExercise):
    title = "Decode an IDX header"
    header = bytes.fromhex("00000803 00002710 0000001c 0000001c")
    hints = [
        "The header is four 32-bit numbers, each stored in 4 bytes, most significant first.",
        'NumPy reads them all at once with the dtype `">u4"`: 4-byte unsigned, big-endian.',
        "`np.frombuffer` gives NumPy integers; turn each into a Python `int` inside a tuple.",
    ]
    messages = {
        "one_byte_each": "You read one byte per number and got 16 numbers; each number is 4 "
        'bytes long, so read with the dtype `">u4"`.',
        "four_numbers": "The header holds four numbers; your answer is {a!r}.",
        "python_ints": "Give Python ints (or NumPy integers), not floats or strings: "
        "`tuple(int(n) for n in ...)`.",
        "little_endian": "You read the bytes little-endian (least significant first): IDX "
        'numbers are big-endian, so use the dtype `">u4"`, not `"<u4"` or `"u4"`.',
        "mnist_train_header": "Those are the numbers of the training images file; decode the "
        "bytes given in this exercise (`header`), which are a different file's.",
        "praise": "Magic {a[0]} (images), {a[1]:,} images of {a[2]}x{a[3]}: the header of the "
        "test images file, t10k-images-idx3-ubyte.",
    }
    rules = [
        mistake("one_byte_each", lambda ex: tuple(ex.header)),
        Rule("four_numbers", lambda a, ex: len(a) == 4, lambda ex: ex.expected()[:3]),
        Rule(
            "python_ints",
            lambda a, ex: all(is_whole_number(n) for n in a),
            lambda ex: tuple(float(n) for n in ex.expected()),
        ),
        mistake("little_endian", lambda ex: tuple(np.frombuffer(ex.header, "<u4").tolist())),
        mistake("mnist_train_header", lambda ex: (2051, 60000, 28, 28)),
    ]

    def parse(self, answer):
        if isinstance(answer, np.ndarray) and answer.ndim == 1:
            return tuple(answer.tolist())
        if not isinstance(answer, (tuple, list)):
            raise Unusable("Give the four numbers as a tuple, `(magic, count, rows, columns)`.")
        return tuple(answer)

    def expected(self):
        return tuple(int(n) for n in np.frombuffer(self.header, ">u4"))


class PixelsPerImage(ValueExercise):
    title = "Pixels in one image"
    hints = [
        "`x_train.shape` is (number of images, height, width).",
        "An image has a height and a width: combine the two sizes from `x_train.shape`.",
    ]
    messages = {
        "shape_not_count": "That is the shape of one image; the question asks for the number "
        "of pixels, one whole number.",
        "one_side_only": "That is the length of one side. An image is a square: multiply the "
        "height by the width.",
        "added_sides": "You added the height and the width; the number of pixels is their product.",
        "whole_array": "That is the number of pixels in all the training images together "
        "(`x_train.size`); the question is about one image.",
        "praise": "{a} pixels: every one of them is an input to the model.",
    }
    rules = [
        mistake("shape_not_count", lambda ex: _x_train().shape[1:]),
        whole_number(784),
        mistake("one_side_only", lambda ex: _x_train().shape[1]),
        mistake("added_sides", lambda ex: _x_train().shape[1] + _x_train().shape[2]),
        mistake("whole_array", lambda ex: int(_x_train().size)),
    ]

    def expected(self):
        return int(np.prod(_x_train().shape[1:]))


class CountDigit(ValueExercise):
    title = "How many 5s?"
    digit = 5
    hints = [
        "`y_train == 5` is an array of True/False, one per image.",
        "True counts as 1, so summing that array counts the 5s.",
    ]
    messages = {
        "all_counts": "That is the count of every digit; pick the one at index 5.",
        "fraction": "That is a fraction or a mean; the question asks for a count, a whole number.",
        "test_set": "That is the number of 5s in the test labels `y_test`; count them in "
        "`y_train`.",
        "pixel_value": "You counted pixels with the value 5 in the images; count labels equal "
        "to 5 in `y_train`.",
        "praise": "{a:,} training images of the digit {ex.digit}.",
    }
    rules = [
        mistake("all_counts", lambda ex: np.bincount(_labels(), minlength=10)),
        mistake("fraction", lambda ex: float(np.mean(_labels() == ex.digit))),
        whole_number(5421),
        mistake("test_set", lambda ex: _count(_labels(1), ex.digit)),
        mistake("pixel_value", lambda ex: _count(_x_train(), ex.digit)),
    ]

    def expected(self):
        return _count(_labels(), self.digit)


class BackgroundFraction(ValueExercise):
    title = "Share of background pixels"
    hints = [
        "Background pixels have the value 0.",
        "The mean of a True/False array is the fraction of True values.",
    ]
    messages = {
        "count_not_fraction": "That is the number of background pixels; divide it by the "
        "number of pixels (`x_train.size`) to get the fraction.",
        "percentage": "That is a percentage; the question asks for a fraction between 0 and 1 "
        "(divide by 100).",
        "ink_fraction": "That is the share of pixels that are NOT background (value above 0); "
        "the question asks for the background.",
        "test_set": "That is the fraction in the test images; use `x_train`.",
        "praise": "{a:.1%} of the training pixels are background.",
    }
    rules = [
        mistake("count_not_fraction", lambda ex: _count(_x_train(), 0)),
        real_number(0.81, "fraction between 0 and 1"),
        mistake("percentage", lambda ex: ex.expected() * 100),
        mistake("ink_fraction", lambda ex: 1 - ex.expected()),
        mistake("test_set", lambda ex: float(np.mean(reference_data("mnist")[1][0] == 0))),
        computed("`x_train`"),
    ]

    def expected(self):
        return float(np.mean(_x_train() == 0))


bind(__name__, DecodeHeader(), PixelsPerImage(), CountDigit(), BackgroundFraction())
