"""Exercises of notebook 01, inspecting MNIST.

Example:
>>> from course_utils.exercises import nb01 as ex
>>> ex.q1.check((2051, 10000, 28, 28)).outcome.value
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


class PixelsPerImage(Exercise):
    key = "1.2"
    title = "Pixels in one image"
    notebook = "01"
    hints = [
        "`x_train.shape` is (number of images, height, width).",
        "Multiply the height by the width: `x_train.shape[1] * x_train.shape[2]`.",
    ]
    mistakes = [
        Mistake(
            "one_side_only",
            "That is the length of one side. An image is a square: multiply the height by "
            "the width.",
            answer=lambda ex: 28,
        ),
        Mistake(
            "added_sides",
            "You added the height and the width; the number of pixels is their product.",
            answer=lambda ex: 28 + 28,
        ),
        Mistake(
            "whole_array",
            "That is the number of pixels in all the training images together "
            "(`x_train.size`); the question is about one image.",
            test=lambda answer, ex: (
                is_whole_number(answer) and answer == reference_data("mnist")[0][0].size
            ),
        ),
        Mistake(
            "shape_not_count",
            "That is the shape of one image; the question asks for the number of pixels, "
            "one whole number.",
            test=lambda answer, ex: isinstance(answer, (tuple, list)),
        ),
    ]

    def expected(self):
        (x_train, _), _ = reference_data("mnist")
        return int(np.prod(x_train.shape[1:]))

    def praise(self, reference):
        return f"{reference} pixels: every one of them is an input to the model."


class DecodeHeader(Exercise):
    key = "1.1"
    title = "Decode an IDX header"
    notebook = "01"
    header = bytes.fromhex("00000803 00002710 0000001c 0000001c")
    hints = [
        "The header is four 32-bit numbers, each stored in 4 bytes, most significant first.",
        'NumPy reads them all at once: `np.frombuffer(header, dtype=">u4")`.',
        'Then make it a tuple of ints: `tuple(int(n) for n in np.frombuffer(header, ">u4"))`.',
    ]
    mistakes = [
        Mistake(
            "little_endian",
            "You read the bytes little-endian (least significant first): IDX numbers are "
            'big-endian, so use the dtype `">u4"`, not `"<u4"` or `"u4"`.',
            answer=lambda ex: tuple(int(n) for n in np.frombuffer(ex.header, "<u4")),
        ),
        Mistake(
            "one_byte_each",
            "You read one byte per number and got 16 numbers; each number is 4 bytes long, "
            'so read with the dtype `">u4"`.',
            test=lambda answer, ex: np.asarray(answer).size == 16,
        ),
        Mistake(
            "mnist_train_header",
            "Those are the numbers of the training images file; decode the bytes given in "
            "this exercise (`header`), which are a different file's.",
            answer=lambda ex: (2051, 60000, 28, 28),
        ),
    ]

    def same(self, answer, reference):
        if isinstance(answer, np.ndarray):
            answer = tuple(answer.tolist())
        return isinstance(answer, (tuple, list)) and tuple(answer) == reference

    def expected(self):
        return tuple(int(n) for n in np.frombuffer(self.header, ">u4"))

    def praise(self, reference):
        magic, count, rows, cols = reference
        return (
            f"Magic {magic} (images), {count:,} images of {rows}x{cols}: the header of the "
            "test images file, t10k-images-idx3-ubyte."
        )


class CountDigit(Exercise):
    key = "1.3"
    title = "How many 5s?"
    notebook = "01"
    digit = 5
    hints = [
        "`y_train == 5` is an array of True/False, one per image.",
        "True counts as 1: `np.sum(y_train == 5)`, or `np.bincount(y_train)[5]`.",
    ]
    mistakes = [
        Mistake(
            "test_set",
            "That is the number of 5s in the test labels `y_test`; count them in `y_train`.",
            test=lambda answer, ex: (
                is_whole_number(answer)
                and answer == int(np.sum(reference_data("mnist")[1][1] == ex.digit))
            ),
        ),
        Mistake(
            "all_counts",
            "That is the count of every digit; pick the one at index 5.",
            test=lambda answer, ex: np.asarray(answer).shape == (10,),
        ),
        Mistake(
            "pixel_value",
            "You counted pixels with the value 5 in the images; count labels equal to 5 in "
            "`y_train`.",
            test=lambda answer, ex: (
                is_whole_number(answer)
                and answer == int(np.sum(reference_data("mnist")[0][0] == ex.digit))
            ),
        ),
        Mistake(
            "fraction",
            "That is a fraction or a mean; the question asks for a count, a whole number.",
            test=lambda answer, ex: isinstance(answer, (float, np.floating)) and answer < 1,
        ),
    ]

    def expected(self):
        (_, y_train), _ = reference_data("mnist")
        return int(np.sum(y_train == self.digit))

    def praise(self, reference):
        return f"{reference:,} training images of the digit {self.digit}."


class BackgroundFraction(Exercise):
    key = "1.4"
    title = "Share of background pixels"
    notebook = "01"
    hints = [
        "Background pixels have the value 0.",
        "The mean of a True/False array is the fraction of True: `np.mean(x_train == 0)`.",
    ]
    mistakes = [
        Mistake(
            "percentage",
            "That is a percentage; the question asks for a fraction between 0 and 1 "
            "(divide by 100).",
            answer=lambda ex: ex.expected() * 100,
        ),
        Mistake(
            "count_not_fraction",
            "That is the number of background pixels; divide it by the number of pixels "
            "(`x_train.size`) to get the fraction.",
            test=lambda answer, ex: (
                is_whole_number(answer)
                and answer == int(np.sum(reference_data("mnist")[0][0] == 0))
            ),
        ),
        Mistake(
            "ink_fraction",
            "That is the share of pixels that are NOT background (value above 0); the "
            "question asks for the background.",
            answer=lambda ex: 1 - ex.expected(),
        ),
        Mistake(
            "test_set",
            "That is the fraction in the test images; use `x_train`.",
            answer=lambda ex: float(np.mean(reference_data("mnist")[1][0] == 0)),
        ),
    ]

    def same(self, answer, reference):
        return isinstance(answer, (float, np.floating)) and abs(answer - reference) < 1e-6

    def expected(self):
        (x_train, _), _ = reference_data("mnist")
        return float(np.mean(x_train == 0))

    def praise(self, reference):
        return f"{reference:.1%} of the training pixels are background."


q1 = DecodeHeader()
q2 = PixelsPerImage()
q3 = CountDigit()
q4 = BackgroundFraction()

show_progress = progress_for(__name__)
