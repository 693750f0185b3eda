"""Exercises of notebook 03, convolution and pooling shapes.

Every check builds the real Keras layer and reads its output shape, so the truth is
Keras' own answer; the catalogued mistakes are the usual slips with the formula.

Example:
>>> from course_utils.exercises import nb03 as ex
>>> ex.q1.check(25).message
'You forgot the +1: O = floor((I - K) / S) + 1, and (28 - 3) / 1 + 1 = 26.'
"""

from course_utils.exercises import (
    Exercise,
    Mistake,
    WholeNumberExercise,
    is_whole_number,
    progress_for,
)


def _keras_shape(input_shape, *stack):
    import keras

    model = keras.Sequential([keras.Input(input_shape), *stack])
    return tuple(int(n) for n in model.output_shape[1:])


class _SizeExercise(WholeNumberExercise):
    """An exercise whose answer is one output size."""

    notebook = "03"

    def praise(self, reference):
        return f"{reference}: the same as the Keras layer reports."


def _not_rounded(answer, ex):
    return isinstance(answer, float) and not answer.is_integer()


class ValidConv(_SizeExercise):
    key = "3.1"
    title = "Output of a valid 3x3 convolution"
    hints = [
        "With padding='valid' there is no padding: O = floor((I - K) / S) + 1.",
        "I = 28, K = 3, S = 1.",
    ]
    mistakes = [
        Mistake(
            "forgot_plus_one",
            "You forgot the +1: O = floor((I - K) / S) + 1, and (28 - 3) / 1 + 1 = 26.",
            answer=lambda ex: 28 - 3,
        ),
        Mistake(
            "same_formula",
            "28 is what padding='same' gives; with padding='valid' the kernel must fit inside "
            "the image, so the output is smaller.",
            answer=lambda ex: 28,
        ),
        Mistake(
            "subtracted_half",
            "You took off only one side's worth: a 3x3 kernel loses one pixel at EACH edge.",
            answer=lambda ex: 27,
        ),
    ]

    def expected(self):
        from keras import layers

        return _keras_shape((28, 28, 1), layers.Conv2D(1, 3))[0]


class SameStrided(_SizeExercise):
    key = "3.2"
    title = "Strides 2 with 'same' padding"
    hints = [
        "With padding='same' the kernel size does not matter: O = ceil(I / S).",
        "ceil(7 / 2).",
    ]
    mistakes = [
        Mistake(
            "rounded_down",
            "You rounded down. With padding='same', Keras pads so that every input position "
            "is covered and rounds UP: ceil(7 / 2) = 4.",
            answer=lambda ex: 7 // 2,
        ),
        Mistake(
            "valid_formula",
            "That is the 'valid' formula, floor((7 - 5) / 2) + 1; with 'same', use ceil(I / S).",
            answer=lambda ex: (7 - 5) // 2 + 1,
        ),
        Mistake(
            "not_rounded",
            "Output sizes are whole numbers: round 7 / 2 up, as padding='same' does.",
            test=_not_rounded,
        ),
        Mistake(
            "ignored_strides",
            "That ignores the strides: with strides=2 the kernel moves two pixels at a time.",
            answer=lambda ex: 7,
        ),
    ]

    def expected(self):
        from keras import layers

        return _keras_shape((7, 7, 1), layers.Conv2D(1, 5, strides=2, padding="same"))[0]


class PoolOdd(_SizeExercise):
    key = "3.3"
    title = "Pooling an odd size"
    hints = [
        "MaxPooling2D(2) uses strides=2 and padding='valid' by default.",
        "floor((13 - 2) / 2) + 1, which is floor(13 / 2).",
    ]
    mistakes = [
        Mistake(
            "rounded_up",
            "You rounded up. Pooling with the default padding='valid' rounds DOWN: the 13th "
            "row and column are dropped, so 13 -> 6 (7 is what padding='same' would give).",
            answer=lambda ex: 7,
        ),
        Mistake(
            "not_rounded",
            "Sizes are whole numbers: pooling with padding='valid' rounds 6.5 down.",
            test=_not_rounded,
        ),
        Mistake(
            "strides_one",
            "That assumes strides=1. MaxPooling2D's strides default to its pool_size, 2.",
            answer=lambda ex: 13 - 2 + 1,
        ),
    ]

    def expected(self):
        from keras import layers

        return _keras_shape((13, 13, 1), layers.MaxPooling2D(2))[0]


class ExplicitPadding(_SizeExercise):
    key = "3.4"
    title = "Explicit padding"
    hints = ["O = floor((I - K + 2P) / S) + 1.", "(28 - 5 + 2 * 2) / 1 + 1."]
    mistakes = [
        Mistake(
            "forgot_padding",
            "You left out the padding: P = 2 adds 2 pixels on EACH side, so add 2P to I.",
            answer=lambda ex: 28 - 5 + 1,
        ),
        Mistake(
            "padding_one_side",
            "You added the padding once; it goes on both sides: add 2P, not P.",
            answer=lambda ex: 28 - 5 + 2 + 1,
        ),
        Mistake(
            "forgot_plus_one",
            "You forgot the +1 at the end of the formula.",
            answer=lambda ex: 28 - 5 + 4,
        ),
    ]

    def expected(self):
        from keras import layers

        # ZeroPadding2D(2) then a valid 5x5 convolution is the explicit-padding case.
        return _keras_shape((28, 28, 1), layers.ZeroPadding2D(2), layers.Conv2D(1, 5))[0]


class FlattenSize(_SizeExercise):
    key = "3.5"
    title = "Flatten size"
    hints = [
        "Trace the height: 28 -> conv 3x3 -> ? -> pool -> ? -> pool -> ?",
        "Flatten multiplies height x width x channels; the channels are the 10 filters.",
    ]
    mistakes = [
        Mistake(
            "forgot_channels",
            "That is height x width only: each position holds 10 values, one per filter, so "
            "multiply by the 10 channels.",
            answer=lambda ex: 6 * 6,
        ),
        Mistake(
            "rounded_up",
            "That is 7 x 7 x 10: either 13 / 2 was rounded up (pooling with padding='valid' "
            "rounds down to 6) or the convolution's shrink from 28 to 26 was left out.",
            answer=lambda ex: 7 * 7 * 10,
        ),
        Mistake(
            "one_pool",
            "That is after one pooling layer; the model has two.",
            answer=lambda ex: 13 * 13 * 10,
        ),
    ]

    def expected(self):
        from keras import layers

        return _keras_shape(
            (28, 28, 1),
            layers.Conv2D(10, 3),
            layers.MaxPooling2D(2),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        )[0]


class KernelShape(Exercise):
    key = "3.6"
    title = "Kernel tensor shape"
    notebook = "03"
    hints = [
        "Keras stores a Conv2D kernel as (height, width, input channels, filters).",
        "The input has 1 channel; there are 32 filters of 5x5.",
    ]
    mistakes = [
        Mistake(
            "forgot_input_channels",
            "You left out the input channels: each filter spans all of them, so the kernel "
            "is (height, width, in, out) = 4 numbers.",
            answer=lambda ex: (5, 5, 32),
        ),
        Mistake(
            "channels_first_order",
            "That is PyTorch's order (out, in, height, width). Keras keeps the channels last: "
            "(height, width, in, out).",
            answer=lambda ex: (32, 1, 5, 5),
        ),
        Mistake(
            "in_out_swapped",
            "Input and output channels are swapped: Keras' kernel is (height, width, in, out).",
            answer=lambda ex: (5, 5, 32, 1),
        ),
    ]

    def same(self, answer, reference):
        if hasattr(answer, "as_list"):  # a TensorShape, e.g. `layer.kernel.shape`
            answer = tuple(answer.as_list())
        return (
            isinstance(answer, (tuple, list))
            and all(is_whole_number(n) for n in answer)
            and tuple(int(n) for n in answer) == reference
        )

    def expected(self):
        import keras
        from keras import layers

        layer = layers.Conv2D(32, 5)
        layer(keras.KerasTensor((None, 28, 28, 1)))
        return tuple(int(n) for n in layer.kernel.shape)


class Dilation(_SizeExercise):
    key = "3.7"
    title = "Dilation"
    hints = [
        "A dilated kernel spans K_eff = D (K - 1) + 1 pixels.",
        "K_eff = 2 * (3 - 1) + 1 = 5; then use the 'valid' formula.",
    ]
    mistakes = [
        Mistake(
            "ignored_dilation",
            "That ignores the dilation: with dilation_rate=2 the 3 taps spread over 5 pixels.",
            answer=lambda ex: 28 - 3 + 1,
        ),
        Mistake(
            "dilation_times_kernel",
            "The dilated kernel spans D (K - 1) + 1 = 5 pixels, not D x K = 6.",
            answer=lambda ex: 28 - 6 + 1,
        ),
    ]

    def expected(self):
        from keras import layers

        return _keras_shape((28, 28, 1), layers.Conv2D(1, 3, dilation_rate=2))[0]


q1 = ValidConv()
q2 = SameStrided()
q3 = PoolOdd()
q4 = ExplicitPadding()
q5 = FlattenSize()
q6 = KernelShape()
q7 = Dilation()

show_progress = progress_for(__name__)
