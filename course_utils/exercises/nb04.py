"""Exercises of notebook 04, counting parameters.

Every check builds the real Keras layer or model and asks ``count_params()``; the
catalogued mistakes are the classic miscounts.

Example:
>>> from course_utils.exercises import nb04 as ex
>>> ex.q2.check(640).message
'You forgot the input channels: each of the 64 filters has a 3x3 kernel for EACH of the 32 input channels, (3 x 3 x 32 + 1) x 64.'
"""

from course_utils.exercises import Mistake, WholeNumberExercise, progress_for


def _count(input_shape, *stack, trainable_only=False):
    import keras

    model = keras.Sequential([keras.Input(input_shape), *stack])
    layer = model.layers[-1]
    if trainable_only:
        return sum(int(w.numpy().size) for w in layer.trainable_weights)
    return int(model.count_params()) if len(stack) > 1 else int(layer.count_params())


class _CountExercise(WholeNumberExercise):
    """An exercise whose answer is one whole number of parameters."""

    notebook = "04"
    unit = "whole number of parameters"
    example = 100

    def praise(self, reference):
        return f"{reference:,} parameters, as Keras' count_params() says."


class FirstConv(_CountExercise):
    key = "4.1"
    title = "A first convolution"
    hints = [
        "Each filter has a 3x3 kernel over the 1 input channel, plus one bias.",
        "(3 x 3 x 1 + 1) x 10.",
    ]
    mistakes = [
        Mistake(
            "forgot_bias",
            "You forgot the bias: each filter has one bias besides its 3x3 weights.",
            answer=lambda ex: 3 * 3 * 1 * 10,
        ),
        Mistake(
            "one_bias",
            "Each filter has its own bias: add 10 biases, not 1.",
            answer=lambda ex: 3 * 3 * 10 + 1,
        ),
        Mistake(
            "one_filter",
            "That is one filter's count; there are 10 filters.",
            answer=lambda ex: 3 * 3 + 1,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count((28, 28, 1), layers.Conv2D(10, 3))


class ChannelsCount(_CountExercise):
    key = "4.2"
    title = "Input channels count"
    hints = [
        "A filter's kernel covers every input channel: it is 3 x 3 x 32.",
        "(3 x 3 x 32 + 1) x 64.",
    ]
    mistakes = [
        Mistake(
            "forgot_input_channels",
            "You forgot the input channels: each of the 64 filters has a 3x3 kernel for EACH "
            "of the 32 input channels, (3 x 3 x 32 + 1) x 64.",
            answer=lambda ex: (3 * 3 + 1) * 64,
        ),
        Mistake(
            "forgot_bias",
            "You forgot the bias: one per filter, 64 in all.",
            answer=lambda ex: 3 * 3 * 32 * 64,
        ),
        Mistake(
            "bias_per_channel",
            "A filter has ONE bias, not one per input channel: (3 x 3 x 32 + 1) x 64.",
            answer=lambda ex: (3 * 3 + 1) * 32 * 64,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count((26, 26, 32), layers.Conv2D(64, 3))


class DenseCount(_CountExercise):
    key = "4.3"
    title = "A dense layer"
    hints = ["Every input connects to every unit, and each unit has a bias.", "(9216 + 1) x 128."]
    mistakes = [
        Mistake(
            "forgot_bias",
            "You forgot the bias: each of the 128 units has one.",
            answer=lambda ex: 9216 * 128,
        ),
        Mistake(
            "one_bias",
            "Each unit has its own bias: add 128, not 1.",
            answer=lambda ex: 9216 * 128 + 1,
        ),
        Mistake(
            "added",
            "You added the sizes; every input connects to every unit, so multiply.",
            answer=lambda ex: 9216 + 128,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count((9216,), layers.Dense(128))


class FlattenCount(_CountExercise):
    key = "4.4"
    title = "Flatten"
    hints = [
        "What does Flatten compute? Does it multiply by anything it learns?",
        "Flatten only reshapes.",
    ]
    mistakes = [
        Mistake(
            "multiplied_shape",
            "Flatten just reshapes 12 x 12 x 64 into 9,216 numbers: it multiplies nothing "
            "and learns nothing, so it has no parameters.",
            test=lambda answer, ex: answer in (12 * 12 * 64, 12 * 12 * 64 + 1, 12 * 12),
        ),
        Mistake(
            "dense_after",
            "That counts the Dense layer that usually follows; Flatten itself has none.",
            answer=lambda ex: (9216 + 1) * 128,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count((12, 12, 64), layers.Flatten())


class BatchNormTrainable(_CountExercise):
    key = "4.5"
    title = "BatchNormalization"
    hints = [
        "BatchNormalization keeps 4 numbers per channel; which of them does the optimizer change?",
        "gamma and beta are trained; the moving mean and moving variance are not.",
    ]
    mistakes = [
        Mistake(
            "moving_stats_trainable",
            "You counted the moving mean and moving variance as trainable. They are updated "
            "from batch statistics, not by the optimizer: only gamma and beta (2 per channel) "
            "are trainable.",
            answer=lambda ex: 4 * 64,
        ),
        Mistake(
            "only_gamma",
            "That is one number per channel; BatchNormalization learns two per channel, a "
            "scale (gamma) and a shift (beta).",
            answer=lambda ex: 64,
        ),
        Mistake(
            "non_trainable_too",
            "That adds the 2 non-trainable numbers per channel once more; count gamma and "
            "beta only.",
            answer=lambda ex: 3 * 64,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count((26, 26, 64), layers.BatchNormalization(), trainable_only=True)

    def praise(self, reference):
        return (
            f"{reference} trainable (gamma and beta); model.summary() lists {reference} more "
            "as non-trainable (the moving mean and variance)."
        )


class WholeModel(_CountExercise):
    key = "4.6"
    title = "A whole model"
    hints = [
        "Add the layers: Conv2D (3 x 3 x 1 + 1) x 8; pooling and Flatten add 0.",
        "Flatten gives 13 x 13 x 8 = 1,352 numbers; Dense(10) has (1352 + 1) x 10.",
    ]
    mistakes = [
        Mistake(
            "forgot_biases",
            "You left out the biases (8 in the convolution, 10 in the dense layer).",
            answer=lambda ex: 3 * 3 * 8 + 1352 * 10,
        ),
        Mistake(
            "forgot_conv_shrink",
            "The 3x3 'valid' convolution turns 28 into 26 before pooling, so Flatten gives "
            "13 x 13 x 8 = 1,352 numbers, not 14 x 14 x 8.",
            answer=lambda ex: 80 + (14 * 14 * 8 + 1) * 10,
        ),
        Mistake(
            "no_pooling",
            "You skipped the pooling layer: it halves 26 to 13 before Flatten.",
            answer=lambda ex: 80 + (26 * 26 * 8 + 1) * 10,
        ),
        Mistake(
            "conv_only",
            "That is the convolution alone; add the Dense layer's (1352 + 1) x 10.",
            answer=lambda ex: 80,
        ),
    ]

    def expected(self):
        from keras import layers

        return _count(
            (28, 28, 1),
            layers.Conv2D(8, 3),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
        )


q1 = FirstConv()
q2 = ChannelsCount()
q3 = DenseCount()
q4 = FlattenCount()
q5 = BatchNormTrainable()
q6 = WholeModel()

show_progress = progress_for(__name__)
