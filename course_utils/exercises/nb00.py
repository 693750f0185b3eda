"""Exercises of notebook 00, the tour: ``ex.q1.check(num_train_images)``."""

from course_utils.exercises import Rule, ValueExercise, bind, mistake, reference_data, whole_number


def _images(part=0):  # the images the notebook loaded: training (0) or test (1)
    return reference_data("mnist")[part][0]


class TrainingImages(ValueExercise):
    title = "How many training images?"
    hints = [
        "`x_train` holds one image per entry along its first axis.",
        "Python's built-in `len` counts the entries along an array's first axis.",
    ]
    messages = {
        "shape_not_count": "That is the shape of the array; the number of images is its first "
        "entry.",
        "test_set": "That is the number of test images (`x_test`); count the training images.",
        "train_plus_test": "That counts the training and the test images together; count "
        "`x_train` only.",
        "pixels_not_images": "That is the number of pixels (`x_train.size`), not of images: use "
        "`len(x_train)`.",
        "typed_in": "60,000 is the size of the full MNIST training set, but the `x_train` you "
        "loaded holds another number of images: compute it from `x_train`, not by typing it in.",
        "praise": "{a:,} training images.",
    }
    rules = [
        mistake("shape_not_count", lambda ex: _images().shape),
        whole_number(1000, "number of images"),
        mistake("test_set", lambda ex: len(_images(1))),
        mistake("train_plus_test", lambda ex: len(_images()) + len(_images(1))),
        mistake("pixels_not_images", lambda ex: int(_images().size)),
        # computed, not typed in: 60,000 is right only when the full set was loaded
        Rule("typed_in", lambda a, ex: a != 60_000 or ex.expected() == a, lambda ex: 60_000),
    ]

    def expected(self):
        return len(_images())


bind(__name__, TrainingImages())
