"""Exercises of notebook 03, convolution and pooling shapes, with Keras' answers as the truth:
>>> q1.check(25).rule, q1.check(26.0).rule, q1.check(26).outcome.value
('forgot_plus_one', 'whole_number', 'correct')
"""

from keras import layers, models

from course_utils.exercises import Rule, bind, is_whole_number, whole_number
from course_utils.exercises import keras_checks as kc


class _Size(kc.StackValue):  # an output size; each slip (rule name: wrong answer) is a mistake
    requirements = [whole_number(10, "output size")]
    measure = staticmethod(lambda model: int(model.output_shape[1]))

    def praise(self, parsed):
        return f"{parsed}: the same as the Keras layer reports."


class ValidConv(_Size):
    title = "Output of a valid 3x3 convolution"
    hints = ["No padding with 'valid': O = floor((I - K) / S) + 1.", "I = 28, K = 3, S = 1."]
    wrong = {"forgot_plus_one": 28 - 3, "same_formula": 28, "subtracted_half": 28 - 1}
    messages = {
        "forgot_plus_one": "You forgot the +1: O = floor((I - K) / S) + 1.",
        "same_formula": "28 is what 'same' padding gives; with 'valid' the kernel must fit inside.",
        "subtracted_half": "You took off one side only: a 3x3 kernel loses a pixel at EACH edge.",
    }
    stack = staticmethod(lambda: [layers.Conv2D(1, 3)])


class SameConv(_Size):
    title = "Strides 2 with 'same' padding"
    input_shape = (7, 7, 1)
    hints = [
        "With padding='same' the kernel size does not matter: O = ceil(I / S).",
        "Divide I = 7 by S = 2, then round the quotient up.",
    ]
    wrong = {"not_rounded": 7 / 2, "rounded_down": 7 // 2, "valid_formula": 2, "ignored_strides": 7}
    messages = {
        "not_rounded": "Output sizes are whole numbers: round 7 / 2 up, as padding='same' does.",
        "rounded_down": "You rounded down. With padding='same', Keras pads so that every input "
        "position is covered and rounds UP: ceil(7 / 2).",
        "valid_formula": "That is 'valid': floor((7 - 5) / 2) + 1. With 'same' it is ceil(I / S).",
        "ignored_strides": "That ignores strides=2: the kernel moves 2 pixels at each step.",
    }
    stack = staticmethod(lambda: [layers.Conv2D(1, 5, strides=2, padding="same")])


class OddPool(_Size):
    title = "Pooling an odd size"
    input_shape = (13, 13, 1)
    hints = [
        "MaxPooling2D(2) uses strides=2 and padding='valid' by default.",
        "Use the 'valid' formula with I = 13, K = 2, S = 2; it rounds down.",
    ]
    wrong = {"not_rounded": 13 / 2, "rounded_up": 13 // 2 + 1, "strides_one": 13 - 2 + 1}
    messages = {
        "not_rounded": "Sizes are whole numbers: pooling with padding='valid' rounds 6.5 down.",
        "rounded_up": "You rounded up; the default 'valid' padding drops the 13th row and column.",
        "strides_one": "That assumes strides=1: MaxPooling2D's strides default to pool_size, 2.",
    }
    stack = staticmethod(lambda: [layers.MaxPooling2D(2)])


class Padding(_Size):
    title = "Explicit padding"
    hints = [
        "O = floor((I - K + 2P) / S) + 1.",
        "Padding adds P zeros on each side, so the padded input is I + 2P long.",
    ]
    wrong = {"forgot_padding": 24, "padding_one_side": 26, "forgot_plus_one": 27}
    messages = {
        "forgot_padding": "You left out the padding: P = 2 on EACH side, so add 2P to I.",
        "padding_one_side": "You added the padding once; it goes on both sides: add 2P, not P.",
        "forgot_plus_one": "You forgot the +1 at the end of the formula.",
    }
    stack = staticmethod(lambda: [layers.ZeroPadding2D(2), layers.Conv2D(1, 5)])


class FlattenSize(_Size):
    title = "Flatten size"
    hints = [
        "Trace the height: 28 -> conv 3x3 -> ? -> pool -> ? -> pool -> ?",
        "Flatten multiplies height x width x channels; the channels are the 10 filters.",
    ]
    wrong = {"forgot_channels": 6 * 6, "rounded_up": 7 * 7 * 10, "one_pool": 13 * 13 * 10}
    messages = {
        "forgot_channels": "That is height x width: multiply by the 10 channels, one per filter.",
        "rounded_up": "That is 7 x 7 x 10: either 13 / 2 was rounded up (pooling with 'valid' "
        "rounds down, to 6) or the convolution's shrink from 28 to 26 was left out.",
        "one_pool": "That is after one pooling layer; the model has two.",
    }

    @staticmethod
    def stack():
        return [layers.Conv2D(10, 3), layers.MaxPool2D(2), layers.MaxPool2D(2), layers.Flatten()]


class Kernel(_Size):
    title = "Kernel tensor shape"
    hints = [
        "Keras stores a Conv2D kernel as (height, width, input channels, filters).",
        "The input has 1 channel; there are 32 filters of 5x5.",
    ]
    wrong = {
        "forgot_input_channels": (5, 5, 32),
        "channels_first_order": (32, 1, 5, 5),
        "in_out_swapped": (5, 5, 32, 1),
    }
    messages = {
        "forgot_input_channels": "You left out the input channels: each filter spans all of "
        "them, so the kernel is (height, width, in, out).",
        "channels_first_order": "That is PyTorch's order; Keras' is (height, width, in, out).",
        "in_out_swapped": "In and out are swapped: Keras' kernel is (height, width, in, out).",
        "four_ints": "Give a tuple of four ints that you work out without building the layer "
        "(not a TensorShape read off a built one). Received: {a!r}.",
    }
    requirements = [Rule("four_ints", lambda a, ex: ex.four_ints(a), lambda ex: ex.expected()[:3])]

    def four_ints(self, a):
        return isinstance(a, (tuple, list)) and len(a) == 4 and all(map(is_whole_number, a))

    def expected(self):
        kernel = models.Sequential([layers.Input((28, 28, 1)), layers.Conv2D(32, 5)]).weights[0]
        return tuple(int(n) for n in kernel.shape)


class Dilation(_Size):
    title = "Dilation"
    hints = [
        "A dilated kernel spans K_eff = D (K - 1) + 1 pixels.",
        "With D = 2 and K = 3, K_eff is 5; then use the 'valid' formula with it.",
    ]
    wrong = {"ignored_dilation": 28 - 3 + 1, "dilation_times_kernel": 28 - 6 + 1}
    messages = {
        "ignored_dilation": "That ignores dilation_rate=2: the 3 taps span 5 pixels, not 3.",
        "dilation_times_kernel": "A dilated kernel spans D (K - 1) + 1 = 5 pixels, not D x K = 6.",
    }
    stack = staticmethod(lambda: [layers.Conv2D(1, 3, dilation_rate=2)])


bind(__name__, ValidConv(), SameConv(), OddPool(), Padding(), FlattenSize(), Kernel(), Dilation())
