"""Exercises of notebook 00, the tour.

Example:
>>> from course_utils.exercises import nb00 as ex
>>> ex.q1.check(...).outcome.value
'not attempted'
"""

from course_utils.exercises import (
    Exercise,
    Mistake,
    is_whole_number,
    progress_for,
    reference_data,
)


class TrainingImages(Exercise):
    key = "0.1"
    title = "How many training images?"
    notebook = "00"
    hints = [
        "`x_train` holds one image per entry along its first axis.",
        "`len(x_train)`, or `x_train.shape[0]`.",
    ]
    mistakes = [
        Mistake(
            "test_set",
            "That is the number of test images (`x_test`); the question asks about the "
            "training images.",
            test=lambda answer, ex: (
                is_whole_number(answer) and answer == len(reference_data("mnist")[1][0])
            ),
        ),
        Mistake(
            "train_plus_test",
            "That counts the training and the test images together; count `x_train` only.",
            test=lambda answer, ex: (
                is_whole_number(answer)
                and answer
                == len(reference_data("mnist")[0][0]) + len(reference_data("mnist")[1][0])
            ),
        ),
        Mistake(
            "pixels_not_images",
            "That is the number of pixels (`x_train.size`), not of images: use `len(x_train)`.",
            test=lambda answer, ex: (
                is_whole_number(answer) and answer == reference_data("mnist")[0][0].size
            ),
        ),
        Mistake(
            "shape_not_count",
            "That is the shape of the array; the number of images is its first entry.",
            test=lambda answer, ex: isinstance(answer, (tuple, list)),
        ),
    ]

    def expected(self):
        (x_train, _), _ = reference_data("mnist")
        return len(x_train)

    def praise(self, reference):
        return f"{reference:,} training images."


q1 = TrainingImages()

show_progress = progress_for(__name__)
