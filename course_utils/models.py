"""The models the lessons, the exercise checks, the tests and the benchmarks share, each
defined once. A lesson that teaches one either shows its source from here
(``inspect.getsource``) or builds it in the lesson, and its check compares the learner's
model with the copy here.

Every function returns a new Keras model, its input declared and its weights fresh.

Example:
>>> first_cnn().count_params()
13610
"""

import keras
from keras import layers


def first_cnn(num_classes=10):
    """The 8-filter CNN of notebooks 02, 04 and 05: Conv 8 3x3 -> pool -> Dense 10.

    Example:
    >>> [layer.output.shape for layer in first_cnn().layers][-1]
    (None, 10)
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="first_cnn",
    )


def speed_cnn(input_dtype="float32"):
    """Notebook 05's 8-filter CNN (``first_cnn``), as notebook 09 measures its speed.

    Its softmax is a layer of its own, in float32, so that the model also runs under the
    ``mixed_float16`` policy with float32 probabilities out; under the default float32
    policy it computes what ``first_cnn`` computes. With ``input_dtype="uint8"`` it takes
    raw pixels, 0 to 255, and scales them itself with ``Rescaling(1 / 255)``.

    Args:
        input_dtype: ``"float32"`` (pixels scaled to [0, 1] beforehand) or ``"uint8"``.

    Raises:
        ValueError: for another ``input_dtype``.

    Example:
    >>> speed_cnn().count_params() == first_cnn().count_params()
    True
    >>> [type(layer).__name__ for layer in speed_cnn("uint8").layers][:2]
    ['Rescaling', 'Conv2D']
    """
    if input_dtype not in ("float32", "uint8"):
        raise ValueError(f'input_dtype must be "float32" or "uint8". Received: {input_dtype!r}.')
    scaling = [layers.Rescaling(1 / 255)] if input_dtype == "uint8" else []
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), dtype=input_dtype),
            *scaling,
            layers.Conv2D(8, 3),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
            layers.Activation("softmax", dtype="float32"),
        ],
        name=f"speed_cnn_{input_dtype}",
    )


def ten_filter_cnn():
    """A tutorial's CNN of notebook 04: Conv 10 3x3 relu -> pool -> pool -> Dense 100 ->
    Dense 10 (37,210 parameters).

    Example:
    >>> ten_filter_cnn().count_params()
    37210
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(10, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="ten_filter_cnn",
    )


def deeper_cnn(num_classes=10):
    """The deeper CNN of notebooks 04 and 06: Conv 32 -> Conv 64 -> pool -> Dropout ->
    Dense 128 -> Dropout -> Dense 10 (1,199,882 parameters).

    Example:
    >>> deeper_cnn().count_params()
    1199882
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="deeper_cnn",
    )


def classic_cnn(num_classes=10, demo_init=False):
    """The classic TensorFlow MNIST demo's model (notebooks 04 and 06): Conv 32 5x5 same ->
    pool -> Conv 64 5x5 same -> pool -> Dense 512 (L2 5e-4) -> Dropout 0.5 -> Dense 10 ->
    Softmax (1,663,370 parameters).

    Args:
        num_classes: outputs of the last Dense layer.
        demo_init: the demo's initializers, truncated normal (stddev 0.1) weights and
            biases of 0.1, instead of Keras' defaults.

    Example:
    >>> classic_cnn().count_params()
    1663370
    """

    def init():
        if not demo_init:
            return {}
        return {
            "kernel_initializer": keras.initializers.TruncatedNormal(stddev=0.1),
            "bias_initializer": keras.initializers.Constant(0.1),
        }

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 5, padding="same", activation="relu", **init()),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(64, 5, padding="same", activation="relu", **init()),
            layers.MaxPooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dense(
                512, activation="relu", kernel_regularizer=keras.regularizers.L2(5e-4), **init()
            ),
            layers.Dropout(0.5),
            layers.Dense(num_classes, **init()),
            layers.Softmax(),
        ],
        name="classic_cnn",
    )


def keras_example_model():
    """The official Keras MNIST example (notebooks 06 and 08): Conv 32 -> pool -> Conv 64
    -> pool -> Dropout 0.5 -> Dense 10 (34,826 parameters).

    Example:
    >>> keras_example_model().count_params()
    34826
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_example",
    )


COURSE_MNIST_PEAK_LEARNING_RATE = 2e-3  # for Adam with CosineTimeBudget, batch 128


def course_mnist_model():
    """The course's best MNIST model for a 2-core CPU (104,714 parameters).

    Random shifts of up to 10% of the image (about 3 pixels, training only), then
    Conv 32 5x5 -> pool -> Conv 64 3x3 -> pool -> Conv 128 3x3 -> Dropout 0.4 -> Dense 10.
    Train it with Adam and ``CosineTimeBudget(seconds, peak=COURSE_MNIST_PEAK_LEARNING_RATE)``,
    batch 128, on images scaled to [0, 1]; notebook 06, section 7 explains each choice.

    Example:
    >>> course_mnist_model().count_params()
    104714
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.RandomTranslation(0.1, 0.1, fill_mode="constant", interpolation="nearest"),
            layers.Conv2D(32, 5, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(128, 3, activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.4),
            layers.Dense(10, activation="softmax"),
        ],
        name="course_mnist",
    )


def cifar_tutorial_model(num_classes=10):
    """A popular tutorial's CIFAR-10 model (notebooks 04 and 07): six 'same' convolutions
    with BatchNormalization, two poolings, Dense 1024 -> 512 -> 128 -> 10
    (42,937,418 parameters, 6,080 of them not trained).

    Example:
    >>> cifar_tutorial_model().count_params()
    42937418
    """
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)  # 32x32 -> 16x16
    x = layers.Conv2D(128, 5, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(512, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(512, 5, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)  # 16x16 -> 8x8
    x = layers.Flatten()(x)
    x = layers.Dense(1024, activation="relu", name="dense_1024")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(512, activation="relu", name="dense_512")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(128, activation="relu", name="dense_128")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="tutorial_cifar10")
