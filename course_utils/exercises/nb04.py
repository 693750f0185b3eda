"""Exercises of notebook 04, counting parameters, with Keras' own counts as the truth:
>>> q2.check(640).rule, q2.check(18496.0).rule, q2.check(18496).outcome.value
('forgot_input_channels', 'whole_number', 'correct')
"""

from keras import layers

from course_utils import models
from course_utils.exercises import Rule, bind, mistake, whole_number
from course_utils.exercises import keras_checks as kc

COUNT = whole_number(1000, "number of parameters")


class _Count(kc.StackValue):  # the trainable parameters; each classic miscount is a mistake
    requirements = [COUNT]

    @staticmethod
    def measure(model):  # BatchNormalization's moving statistics are the only untrained weights
        return sum(weight.numpy().size for weight in model.trainable_weights)

    def praise(self, parsed):
        return f"{parsed:,} parameters, as Keras' count_params() says."


class FirstConv(_Count):
    title = "A first convolution"
    hints = [
        "Each filter has a 3x3 kernel over the 1 input channel, plus one bias.",
        "Count the numbers in one filter (its weights and its bias), then take all 10 filters.",
    ]
    wrong = {"forgot_bias": 3 * 3 * 10, "one_bias": 3 * 3 * 10 + 1, "one_filter": 3 * 3 + 1}
    messages = {
        "forgot_bias": "You forgot the bias: each filter has one bias besides its 3x3 weights.",
        "one_bias": "Each filter has its own bias: add 10 biases, not 1.",
        "one_filter": "That is one filter's count; there are 10 filters.",
    }
    stack = staticmethod(lambda: [layers.Conv2D(10, 3)])


class InChannels(_Count):
    title = "Input channels count"
    input_shape = (26, 26, 32)
    hints = [
        "A filter's kernel covers every input channel: it is 3 x 3 x 32.",
        "One filter holds its 3 x 3 x 32 weights and a bias; the layer has 64 such filters.",
    ]
    wrong = {"forgot_input_channels": 640, "forgot_bias": 18432, "bias_per_channel": 20480}
    messages = {
        "forgot_input_channels": "You forgot the input channels: each of the 64 filters has a "
        "3x3 kernel for EACH of the 32 input channels, (3 x 3 x 32 + 1) x 64.",
        "forgot_bias": "You forgot the bias: one per filter, 64 in all.",
        "bias_per_channel": "Each filter has ONE bias, not one per channel: (3 x 3 x 32 + 1) x 64.",
    }
    stack = staticmethod(lambda: [layers.Conv2D(64, 3)])


class DenseCount(_Count):
    title = "A dense layer"
    input_shape = (9216,)
    hints = [
        "Every input connects to every unit, and each unit has a bias.",
        "One unit holds a weight for each of the 9,216 inputs and a bias; there are 128 units.",
    ]
    wrong = {"forgot_bias": 9216 * 128, "one_bias": 9216 * 128 + 1, "added": 9216 + 128}
    messages = {
        "forgot_bias": "You forgot the bias: each of the 128 units has one.",
        "one_bias": "Each unit has its own bias: add 128, not 1.",
        "added": "You added the sizes; every input connects to every unit, so multiply.",
    }
    stack = staticmethod(lambda: [layers.Dense(128)])


class FlattenCount(_Count):
    title = "Flatten"
    input_shape = (12, 12, 64)
    hints = [
        "What does Flatten compute? Does it multiply by anything it learns?",
        "Flatten only reshapes.",
    ]
    rules = [
        COUNT,
        Rule("multiplied_shape", lambda n, ex: n not in (9216, 9217, 144), lambda ex: 9216, True),
        mistake("dense_after", lambda ex: (9216 + 1) * 128),
    ]
    messages = {
        "multiplied_shape": "Flatten only reshapes (12 x 12 x 64 to 9,216): it has no parameters.",
        "dense_after": "That counts the Dense layer that usually follows; Flatten itself has none.",
    }
    stack = staticmethod(lambda: [layers.Flatten()])


class BatchNorm(_Count):
    title = "BatchNormalization"
    input_shape = (26, 26, 64)
    hints = [
        "BatchNormalization keeps 4 numbers per channel; which of them does the optimizer change?",
        "gamma and beta are trained; the moving mean and moving variance are not.",
    ]
    wrong = {"moving_stats_trainable": 4 * 64, "only_gamma": 64, "non_trainable_too": 3 * 64}
    messages = {
        "moving_stats_trainable": "You counted the moving mean and variance as trainable; "
        "they follow batch statistics, not the optimizer: only gamma and beta (2 per channel) are.",
        "only_gamma": "That is one per channel; it learns two: a scale (gamma) and a shift (beta).",
        "non_trainable_too": "That adds the 2 non-trainable numbers per channel once more; "
        "count gamma and beta only.",
    }
    stack = staticmethod(lambda: [layers.BatchNormalization()])

    def praise(self, parsed):
        return f"{parsed} trainable (gamma, beta); {parsed} more are not (moving mean, variance)."


class WholeModel(_Count):
    title = "A whole model"
    hints = [
        "Add the layers: Conv2D (3 x 3 x 1 + 1) x 8; pooling and Flatten add 0.",
        "Flatten gives 13 x 13 x 8 = 1,352 numbers, each connected to all 10 dense units.",
    ]
    wrong = {
        "forgot_biases": 3 * 3 * 8 + 1352 * 10,
        "forgot_conv_shrink": 80 + (14 * 14 * 8 + 1) * 10,
        "no_pooling": 80 + (26 * 26 * 8 + 1) * 10,
        "conv_only": 80,
    }
    messages = {
        "forgot_biases": "You left out the biases (8 in the convolution, 10 in the dense layer).",
        "forgot_conv_shrink": "The 3x3 'valid' convolution turns 28 into 26 before pooling, so "
        "Flatten gives 13 x 13 x 8 = 1,352 numbers, not 14 x 14 x 8.",
        "no_pooling": "You skipped the pooling layer: it halves 26 to 13 before Flatten.",
        "conv_only": "That is the convolution alone; add the Dense layer's (1352 + 1) x 10.",
    }
    stack = staticmethod(lambda: models.first_cnn().layers)


bind(__name__, FirstConv(), InChannels(), DenseCount(), FlattenCount(), BatchNorm(), WholeModel())
