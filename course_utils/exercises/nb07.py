"""Exercises of notebook 07, CIFAR-10 and data augmentation.

The data checks compute the truth from the CIFAR-10 images the notebook loaded (per-image
channel sums, computed once in integers and cached, give the statistics of any run of
images); the augmentation check reads the layers' configuration and runs the block at
inference; the parameter count comes from the tutorial model's layers.

Example:
>>> from course_utils.exercises import nb07 as ex
>>> ex.q3.check((8 * 8 * 512 + 1) * 1024).outcome.value
'correct'
>>> print(ex.q3.check(8 * 8 * 512))  # doctest: +ELLIPSIS
[incorrect] Exercise 7.3: 32,768 is the number of inputs...
>>> ex.q2.check((..., None)).outcome.value
'not attempted'
"""

import numpy as np

from course_utils.exercises import (
    Exercise,
    Mistake,
    TupleExercise,
    WholeNumberExercise,
    _short,
    kind,
    progress_for,
    reference_data,
)
from course_utils.exercises import is_model as _is_model
from course_utils.params import batch_norm_params, conv2d_params, dense_params

NUM_CLASSES = 10


def _keras():
    import keras

    return keras


def _array_problem(answer, what):
    """A message when ``answer`` is not a NumPy array, else None."""
    if isinstance(answer, np.ndarray):
        return None
    convert = " (convert it with `np.asarray`)" if hasattr(answer, "numpy") else ""
    return f"Give {what} as a NumPy array{convert}. Received: {kind(answer)}."


def _numbers(array):
    return isinstance(array, np.ndarray) and array.dtype.kind in "iuf"


def _rounded(values):
    return "(" + ", ".join(f"{v:.1f}" for v in np.ravel(values)) + ")"


# --- statistics of runs of images, from per-image channel sums ------------------------

_SUMS = []  # [(images, sums, squares)], the most recent first; compared by identity
_CHUNK = 1_000  # images per step: no float copy of a whole data set is ever made


def _image_sums(images):
    """Per image and channel, the sum of the pixel values and of their squares, (N, 3).

    Exact (integers) for uint8 images; computed once per array, in chunks.
    """
    for cached, sums, squares in _SUMS:
        if cached is images:
            return sums, squares
    count, channels = len(images), images.shape[-1]
    flat = images.reshape(count, -1, channels)
    exact = images.dtype == np.uint8
    kind = np.int64 if exact else np.float64
    sums, squares = np.empty((count, channels), kind), np.empty((count, channels), kind)
    for start in range(0, count, _CHUNK):
        chunk = flat[start : start + _CHUNK].astype(np.uint32 if exact else np.float64)
        for c in range(channels):
            plane = np.ascontiguousarray(chunk[:, :, c])
            sums[start : start + _CHUNK, c] = plane.sum(axis=1)
            squares[start : start + _CHUNK, c] = (plane * plane).sum(axis=1)
    _SUMS.insert(0, (images, sums, squares))
    del _SUMS[2:]
    return sums, squares


def _moments(*runs):
    """Per-channel ``(mean, variance)``, float64, of the pixels of several runs of images.

    Each run is ``(images, start, stop)``: the images ``images[start:stop]``.
    """
    total = total_squares = 0
    pixels = 0
    for images, start, stop in runs:
        sums, squares = _image_sums(images)
        total = total + sums[start:stop].sum(axis=0)
        total_squares = total_squares + squares[start:stop].sum(axis=0)
        pixels += len(sums[start:stop]) * int(np.prod(images.shape[1:-1]))
    mean = np.asarray(total, np.float64) / pixels
    return mean, np.asarray(total_squares, np.float64) / pixels - mean**2


def _train_images():
    return reference_data("cifar10")[0][0]


def _test_images():
    return reference_data("cifar10")[1][0]


def _close(values, reference, rtol):
    return (
        isinstance(values, np.ndarray)
        and values.shape == reference.shape
        and bool(np.all(np.isfinite(values)))
        and bool(np.allclose(values, reference, rtol=rtol, atol=0))
    )


# --- 7.1: flatten the labels ----------------------------------------------------------


def _train_labels():
    return reference_data("cifar10")[0][1].reshape(-1)


def _shape_is(shape):
    return lambda answer, ex: isinstance(answer, np.ndarray) and answer.shape == shape(ex)


class FlattenTheLabels(Exercise):
    key = "7.1"
    title = "Flatten the labels"
    notebook = "07"
    hints = [
        "`keras.datasets` gives the labels as a column, shape (N, 1); one label per image is "
        "shape (N,): a reshape that keeps the number of labels and drops the extra axis.",
        "`y_train_keras.reshape(-1)` (or `.ravel()`, or `y_train_keras[:, 0]`).",
    ]
    mistakes = [
        Mistake(
            "not_flattened",
            "The shape is still (N, 1), a column of labels. Flatten it to (N,): "
            "`.reshape(-1)`, `.ravel()` or `[:, 0]`.",
            test=_shape_is(lambda ex: (ex.count(), 1)),
        ),
        Mistake(
            "transposed",
            "The shape is (1, N): `.T` turns the column into a row, which is still 2-D. "
            "Flatten it instead: `.reshape(-1)`.",
            test=_shape_is(lambda ex: (1, ex.count())),
        ),
        Mistake(
            "one_hot",
            "The shape is (N, 10): that is one-hot encoding, one row of ten 0/1 values per "
            "image. Sparse categorical cross-entropy wants the class numbers themselves, "
            "shape (N,).",
            test=_shape_is(lambda ex: (ex.count(), NUM_CLASSES)),
        ),
        Mistake(
            "argmax_of_column",
            "All the labels are 0: `np.argmax(y, axis=1)` of a one-column array is always 0, "
            "the only column. Reshape instead: `.reshape(-1)`.",
            test=lambda answer, ex: (
                _numbers(answer) and answer.shape == (ex.count(),) and not np.any(answer)
            ),
        ),
        Mistake(
            "test_labels",
            "Those are the flattened TEST labels; the exercise flattens the training labels.",
            test=lambda answer, ex: (
                _numbers(answer)
                and answer.shape == (len(reference_data("cifar10")[1][1]),)
                and np.array_equal(answer, reference_data("cifar10")[1][1].reshape(-1))
            ),
        ),
    ]

    def count(self):
        return len(_train_labels())

    def validate(self, answer):
        return _array_problem(answer, "the labels")

    def expected(self):
        return _train_labels()

    def same(self, answer, reference):
        return (
            answer.shape == reference.shape
            and answer.dtype.kind in "iu"
            and np.array_equal(answer, reference)
        )

    def diagnose(self, answer, reference):
        if answer.shape != reference.shape:
            return (
                f"The shape is {answer.shape}; the flat labels are ({len(reference)},): one "
                "label per training image."
            )
        if not _numbers(answer):
            return f"The array holds {answer.dtype} values; the labels are whole numbers 0-9."
        if np.array_equal(answer, reference):
            return (
                f"The values are right but the dtype is {answer.dtype}; labels are whole "
                "numbers: keep the integer dtype (reshaping keeps it)."
            )
        wrong = int(np.sum(answer != reference))
        return (
            f"The shape is right, but {wrong:,} of the {len(reference):,} labels differ from "
            "the training labels: flatten them without changing their values or order."
        )

    def praise(self, reference):
        n = len(reference)
        return (
            f"{n:,} labels of shape ({n},), one per image. With (N, 1) labels, "
            "`(predictions == labels)` would broadcast to an (N, N) table "
            f"({n:,} x {n:,}) instead of {n:,} comparisons, and its mean would be a "
            "meaningless accuracy."
        )


# --- 7.2: per-channel statistics ------------------------------------------------------


def _vector(value):
    """``value`` as a float64 array, or None when it is not numbers."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    return array.astype(np.float64) if array.dtype.kind in "iuf" else None


def _mean_std(answer):
    return _vector(answer[0]), _vector(answer[1])


def _channel_stats(images):
    mean, variance = _moments((images, None, None))
    return mean, np.sqrt(variance)


def _stats_test(predicate):
    def test(answer, ex):
        mean, std = _mean_std(answer)
        return mean is not None and std is not None and bool(predicate(mean, std, ex))

    return test


class ChannelStatistics(TupleExercise):
    key = "7.2"
    title = "Per-channel statistics"
    notebook = "07"
    rtol = 1e-3
    hints = [
        "Average over the images, the rows and the columns (axes 0, 1 and 2) and keep the "
        "last axis, the colour channel: one number per channel. Use the raw pixels, 0..255.",
        "`channel_mean = x_train_all.mean(axis=(0, 1, 2))` and "
        "`channel_std = x_train_all.std(axis=(0, 1, 2))`.",
    ]
    mistakes = [
        Mistake(
            "one_number",
            "One number for all three channels: `x.mean()` averages the red, green and blue "
            "values together. Keep the channel axis: `x.mean(axis=(0, 1, 2))`, and the same "
            "for `.std`.",
            test=_stats_test(lambda mean, std, ex: mean.size == 1),
        ),
        Mistake(
            "per_pixel",
            "The shape is (32, 32, 3), a mean per pixel and channel: `axis=0` averages over the "
            "images only. Average over the images, rows and columns: `axis=(0, 1, 2)`.",
            test=_stats_test(lambda mean, std, ex: mean.shape == _train_images().shape[1:]),
        ),
        Mistake(
            "per_image",
            "One value per image: that averages within each image. The statistics are over all "
            "the training images at once, one number per channel: `axis=(0, 1, 2)`.",
            test=_stats_test(
                lambda mean, std, ex: (
                    mean.shape in ((len(_train_images()), 3), (len(_train_images()),))
                )
            ),
        ),
        Mistake(
            "scaled",
            "These are the statistics of the images divided by 255. The exercise asks for raw "
            "0..255 units: the Normalization layer will see raw pixels, so its mean and "
            "standard deviation must be in those units too.",
            test=_stats_test(
                lambda mean, std, ex: (
                    _close(mean, ex.expected()[0] / 255, ex.rtol)
                    and _close(std, ex.expected()[1] / 255, ex.rtol)
                )
            ),
        ),
        Mistake(
            "test_set",
            "Those are the statistics of the TEST images. Normalisation constants come from the "
            "training images only: the test set must not influence anything in training.",
            test=_stats_test(
                lambda mean, std, ex: (
                    _close(mean, _channel_stats(_test_images())[0], ex.rtol)
                    and _close(std, _channel_stats(_test_images())[1], ex.rtol)
                )
            ),
        ),
        Mistake(
            "variance",
            "The means are right, but the second item is the variance, the standard deviation "
            "squared: take its square root, or use `.std(axis=(0, 1, 2))`.",
            test=_stats_test(
                lambda mean, std, ex: (
                    _close(mean, ex.expected()[0], ex.rtol)
                    and _close(std, ex.expected()[1] ** 2, ex.rtol)
                )
            ),
        ),
    ]

    def validate(self, answer):
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return (
                "Give two values, the means and then the standard deviations: "
                f"`ex.q2.check((channel_mean, channel_std))`. Received: {_short(answer)}."
            )
        for name, part in zip(("channel_mean", "channel_std"), answer, strict=True):
            if _vector(part) is None:
                return (
                    f"`{name}` should be numbers, one per colour channel. Received: {kind(part)}."
                )
        return None

    def expected(self):
        return _channel_stats(_train_images())

    def same(self, answer, reference):
        mean, std = _mean_std(answer)
        return _close(mean, reference[0], self.rtol) and _close(std, reference[1], self.rtol)

    def diagnose(self, answer, reference):
        mean, std = _mean_std(answer)
        for name, values in (("channel_mean", mean), ("channel_std", std)):
            if values.shape != (3,):
                keepdims = " (drop `keepdims=True`)" if values.shape == (1, 1, 1, 3) else ""
                return (
                    f"`{name}` has shape {values.shape}; one value per colour channel is "
                    f"shape (3,){keepdims}."
                )
        if not _close(mean, reference[0], self.rtol):
            return (
                f"The means {_rounded(mean)} are not the per-channel means of all the "
                "training images, in raw 0..255 units."
            )
        return (
            f"The means are right; the standard deviations {_rounded(std)} are not those of "
            "the training images: `.std(axis=(0, 1, 2))` on the raw pixels."
        )

    def praise(self, reference):
        mean, std = reference
        return (
            f"Means {_rounded(mean)} and standard deviations {_rounded(std)} for red, green "
            "and blue, in pixel units: the numbers a Normalization layer learns with `adapt` "
            "on these images."
        )


# --- 7.5: the legacy generator in modern layers ---------------------------------------

ROTATION_DEGREES = 20
SHIFT = 0.2  # width_shift_range and height_shift_range: a fraction of the image size
ROTATION_TOLERANCE = 0.005  # of a turn, about 1.8 degrees
SHIFT_TOLERANCE = 1e-3


def _flat_layers(block):
    """The layers of a model or Pipeline, nested models unpacked, without InputLayer."""
    keras = _keras()
    found = []
    for layer in block.layers:
        if isinstance(layer, (keras.Model, keras.layers.Pipeline)):
            found.extend(_flat_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            found.append(layer)
    return found


def _ofkind(block, *names):
    keras = _keras()
    kinds = tuple(getattr(keras.layers, name) for name in names)
    return [layer for layer in _flat_layers(block) if isinstance(layer, kinds)]


def _extent(factor):
    """How far a symmetric factor goes either way: ``f``, ``-f`` and ``(-f, f)`` give ``f``;
    None for a one-sided range such as ``(0, f)``."""
    if isinstance(factor, (int, float, np.integer, np.floating)):
        return abs(float(factor))
    if isinstance(factor, (tuple, list)) and len(factor) == 2:
        low, high = (float(value) for value in factor)
        if abs(low + high) < 1e-9:
            return abs(high)
    return None


def _flip_modes(block):
    return [layer.get_config()["mode"] for layer in _ofkind(block, "RandomFlip")]


def _rotations(block):
    return [_extent(layer.get_config()["factor"]) for layer in _ofkind(block, "RandomRotation")]


def _rotated_by(turns):
    def test(answer, ex):
        return any(
            r is not None and abs(r - turns) < ROTATION_TOLERANCE for r in _rotations(answer)
        )

    return test


def _probe_images():
    """Two CIFAR-10 training images as a float32 batch, raw 0..255."""
    return _train_images()[:2].astype("float32")


def _inference_problem(block):
    """A message when the block does not pass images through unchanged at inference."""
    keras = _keras()
    images = _probe_images()
    try:
        output = keras.ops.convert_to_numpy(block(images, training=False))
    except Exception as error:
        return (
            f"Calling the block on two 32x32x3 images failed ({kind(error)}). Start it with "
            "`keras.Input((32, 32, 3))` or no Input at all."
        )
    if output.shape != images.shape or not np.allclose(output, images):
        return (
            "At inference (`training=False`) the block changes the images: random "
            "augmentation layers must pass them through unchanged when not training."
        )
    return None


_WANTED = ("RandomFlip", "RandomRotation", "RandomTranslation")
IMAGE_SHAPE = (32, 32, 3)


def _declared_input(block):
    """The input shape a model declares (no batch axis), or None if it declares none."""
    try:
        return tuple(block.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _augment_problem(block):
    """The first way the block differs from the legacy generator's random part, or None."""
    wanted = _ofkind(block, *_WANTED)
    for layer in _flat_layers(block):
        if not any(layer is w for w in wanted):
            return (
                f"The block has a {kind(layer)} layer, which the legacy generator has no "
                "equivalent of: keep RandomFlip, RandomRotation and RandomTranslation."
            )
    shape = _declared_input(block)
    if shape is not None and (
        len(shape) != len(IMAGE_SHAPE)
        or any(d is not None and d != want for d, want in zip(shape, IMAGE_SHAPE, strict=True))
    ):
        return (
            f"The block's input is declared as {shape}; CIFAR-10 images are {IMAGE_SHAPE}: "
            f"`keras.Input({IMAGE_SHAPE})`, or no Input at all."
        )
    for name in _WANTED:
        if len(_ofkind(block, name)) != 1:
            return f"The block has {len(_ofkind(block, name))} {name} layers; one is enough."
    (mode,) = _flip_modes(block)
    if mode != "horizontal":
        return (
            f'RandomFlip\'s mode is {mode!r}; horizontal_flip=True is `RandomFlip("horizontal")`.'
        )
    (rotation,) = _rotations(block)
    turns = ROTATION_DEGREES / 360
    if rotation is None:
        factor = _ofkind(block, "RandomRotation")[0].get_config()["factor"]
        return (
            f"RandomRotation's factor is the range {tuple(factor)}, which does not go as far "
            f"both ways; rotation_range={ROTATION_DEGREES} turns either way by up to "
            f"{ROTATION_DEGREES} degrees: give one number, `{ROTATION_DEGREES} / 360`."
        )
    if abs(rotation - turns) >= ROTATION_TOLERANCE:
        return (
            f"RandomRotation's factor {rotation:.4g} turns the images by up to "
            f"±{rotation * 360:.1f} degrees (Keras' factor is a fraction of a full turn); "
            f"rotation_range={ROTATION_DEGREES} means up to ±{ROTATION_DEGREES} degrees: "
            f"`RandomRotation({ROTATION_DEGREES} / 360)`, about {turns:.4f}."
        )
    config = _ofkind(block, "RandomTranslation")[0].get_config()
    height, width = _extent(config["height_factor"]), _extent(config["width_factor"])
    if height is None or width is None:
        return (
            f"RandomTranslation's factors are height {config['height_factor']} and width "
            f"{config['width_factor']}: a range like (0, {SHIFT}) shifts one way only. The "
            f"legacy shifts go both ways: a single number {SHIFT} means (-{SHIFT}, {SHIFT})."
        )
    if abs(height - SHIFT) > SHIFT_TOLERANCE or abs(width - SHIFT) > SHIFT_TOLERANCE:
        return (
            f"RandomTranslation shifts by up to {height:.0%} of the height and {width:.0%} of "
            f"the width; width_shift_range={SHIFT} and height_shift_range={SHIFT} shift by up "
            f"to {SHIFT:.0%} of each ({SHIFT} x 32 = {SHIFT * 32:g} pixels): "
            f"`RandomTranslation({SHIFT}, {SHIFT})`."
        )
    return None


def _missing(name):
    return lambda answer, ex: not _ofkind(answer, name)


class LegacyGeneratorInLayers(Exercise):
    key = "7.5"
    title = "The legacy generator in modern layers"
    notebook = "07"
    hints = [
        "One layer per random argument of the legacy generator: horizontal_flip, "
        "rotation_range, and the two shift ranges together. featurewise_center and "
        "featurewise_std_normalization are not random: they are the Normalization layer's "
        "job (exercise 7.4).",
        "Keras' rotation factor is a fraction of a full turn (20 degrees is 20 / 360); "
        "translation factors are fractions of the height and width: "
        '`keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(20 / 360), '
        "layers.RandomTranslation(0.2, 0.2)])`.",
    ]
    mistakes = [
        Mistake(
            "normalization_inside",
            "The block has a Normalization or Rescaling layer. featurewise_center and "
            "featurewise_std_normalization are the Normalization layer's job, adapted once on "
            "the training images and placed in the model, not in the random augmentation block.",
            test=lambda answer, ex: bool(_ofkind(answer, "Normalization", "Rescaling")),
        ),
        Mistake(
            "missing_flip",
            'There is no RandomFlip: horizontal_flip=True becomes `layers.RandomFlip("horizontal")`.',
            test=_missing("RandomFlip"),
        ),
        Mistake(
            "missing_rotation",
            "There is no RandomRotation: rotation_range=20 becomes "
            "`layers.RandomRotation(20 / 360)`.",
            test=_missing("RandomRotation"),
        ),
        Mistake(
            "missing_translation",
            "There is no RandomTranslation: width_shift_range=0.2 and height_shift_range=0.2 "
            "become `layers.RandomTranslation(0.2, 0.2)` (height first, then width).",
            test=_missing("RandomTranslation"),
        ),
        Mistake(
            "flip_both_ways",
            'RandomFlip flips both ways, "horizontal_and_vertical", its default: that makes '
            "upside-down ships and horses, which do not occur in the test set. "
            'horizontal_flip=True is `RandomFlip("horizontal")`.',
            test=lambda answer, ex: "horizontal_and_vertical" in _flip_modes(answer),
        ),
        Mistake(
            "flip_vertical",
            'RandomFlip("vertical") turns images upside down; horizontal_flip=True mirrors '
            'them left to right: `RandomFlip("horizontal")`.',
            test=lambda answer, ex: "vertical" in _flip_modes(answer),
        ),
        Mistake(
            "rotation_fraction_of_half_turn",
            "RandomRotation's factor is 20/180, which turns by up to ±40 degrees: Keras' "
            "factor is a fraction of a FULL turn, 360 degrees. 20 degrees is `20 / 360`.",
            test=_rotated_by(ROTATION_DEGREES / 180),
        ),
        Mistake(
            "rotation_in_radians",
            "RandomRotation's factor is 20 degrees in radians, 0.349, which Keras reads as "
            "0.349 of a full turn, ±126 degrees. The factor is a fraction of a turn: `20 / 360`.",
            test=_rotated_by(np.deg2rad(ROTATION_DEGREES)),
        ),
    ]

    def validate(self, answer):
        keras = _keras()
        if _is_model(answer) or isinstance(answer, keras.layers.Pipeline):
            return None
        if type(answer).__name__ == "ImageDataGenerator":
            return (
                "That is the legacy ImageDataGenerator itself: translate its random arguments "
                "into preprocessing layers, in `keras.Sequential([...])`."
            )
        if isinstance(answer, (list, tuple)) and any(
            isinstance(part, keras.layers.Layer) for part in answer
        ):
            return (
                "Wrap the layers in `keras.Sequential([...])`, which applies them one after "
                f"the other. Received: {kind(answer)}."
            )
        if isinstance(answer, keras.layers.Layer):
            return (
                f"That is one layer, a {kind(answer)}: put the random layers together in "
                "`keras.Sequential([...])`."
            )
        return (
            "Give a `keras.Sequential` of preprocessing layers, e.g. "
            f"`keras.Sequential([layers.RandomFlip(...), ...])`. Received: {kind(answer)}."
        )

    def expected(self):
        return {"flip": "horizontal", "rotation": ROTATION_DEGREES / 360, "shift": SHIFT}

    def same(self, answer, reference):
        return _augment_problem(answer) is None and _inference_problem(answer) is None

    def diagnose(self, answer, reference):
        return _augment_problem(answer) or _inference_problem(answer)

    def praise(self, reference):
        return (
            f"A left-right flip, a turn of up to ±{ROTATION_DEGREES} degrees "
            f"({reference['rotation']:.4f} of a turn) and shifts of up to {SHIFT:.0%} of the "
            "height and width: a new view of every image at each epoch, and the images "
            "untouched at inference."
        )


# --- 7.4: adapt Normalization on the right data ---------------------------------------

VALIDATION_SIZES = (5_000, 1_000)  # the notebook's validation set: full and quick mode
QUICK_TEST_SIZE = 2_000  # the test images quick mode keeps


def _layer_moments(norm):
    """The layer's ``(mean, variance)`` as flat float64 arrays, or None if not set yet."""
    keras = _keras()
    mean = getattr(norm, "mean", None)
    if mean is None:
        given = getattr(norm, "input_mean", None)
        if given is None:
            return None
        return (
            np.ravel(np.asarray(given, np.float64)),
            np.ravel(np.asarray(norm.input_variance, np.float64)),
        )
    return (
        np.ravel(keras.ops.convert_to_numpy(mean)).astype(np.float64),
        np.ravel(keras.ops.convert_to_numpy(norm.variance)).astype(np.float64),
    )


def _adapted_on(*runs, scale=1.0):
    """A mistake test: the layer holds the moments of these runs of images."""

    def test(answer, ex):
        moments = _layer_moments(answer[0])
        if moments is None:
            return False
        n = len(answer[1])
        for run in runs:
            parts = run(n)
            if parts is None:
                continue
            mean, variance = _moments(*parts)
            if _close(moments[0], mean / scale, ex.rtol) and _close(
                moments[1], variance / scale**2, ex.rtol
            ):
                return True
        return False

    return test


def _first(n):
    return (_train_images(), 0, n)


def _validation_runs():
    def after(n):
        return [(_train_images(), n, None)] if n < len(_train_images()) else None

    def last(size):
        return lambda n: [(_train_images(), max(0, len(_train_images()) - size), None)]

    return [*(last(size) for size in VALIDATION_SIZES), after]


def _not_adapted(answer, ex):
    moments = _layer_moments(answer[0])
    return moments is None or (not np.any(moments[0]) and np.all(moments[1] == 1))


def _same_pixels(x, reference, scale=1.0):
    """Whether ``x`` holds the values of ``reference`` (divided by ``scale``), chunk by chunk."""
    if x.shape != reference.shape or not _numbers(x):
        return False
    for start in range(0, len(x), _CHUNK):
        part, want = x[start : start + _CHUNK], reference[start : start + _CHUNK]
        if scale == 1.0:
            if not np.array_equal(part, want):  # uint8 values are exact in any float
                return False
        elif not np.allclose(part, want.astype(np.float32) / scale, rtol=1e-5, atol=1e-6):
            return False
    return True


class AdaptNormalization(TupleExercise):
    key = "7.4"
    title = "Adapt Normalization on the right data"
    notebook = "07"
    rtol = 1e-4
    hints = [
        "Make a `layers.Normalization()` and call its `adapt` method on the images the model "
        "trains on, raw, exactly as the model will receive them: no validation or test "
        "images.",
        "`norm = layers.Normalization()`, then `norm.adapt(x_train)`.",
    ]
    mistakes = [
        Mistake(
            "not_adapted",
            "The layer has not learned anything yet (its mean is 0 and its variance 1): call "
            "`norm.adapt(x_train)` first.",
            test=_not_adapted,
        ),
        Mistake(
            "one_mean",
            "The layer holds a single mean for all three channels (`axis=None`). Keep one per "
            "colour channel with `axis=-1`, the default: `layers.Normalization()`.",
            test=lambda answer, ex: (
                _layer_moments(answer[0]) is not None and _layer_moments(answer[0])[0].size == 1
            ),
        ),
        Mistake(
            "scaled_data",
            "The layer was adapted on `x_train / 255`, but the model's input is raw pixels, "
            "0..255: the layer must see the same numbers as the model's input. Adapt it on "
            "`x_train` itself.",
            test=_adapted_on(lambda n: [_first(n)], scale=255.0),
        ),
        Mistake(
            "whole_training_set",
            "The layer was adapted on all the training images, but `x_train` is only the first "
            "part: the validation images leaked into the statistics. Adapt it on `x_train`.",
            test=_adapted_on(lambda n: [_first(None)] if n < len(_train_images()) else None),
        ),
        Mistake(
            "validation_set",
            "The layer was adapted on the validation images, the last ones of the training "
            "set. Adapt it on `x_train`, the images the model trains on.",
            test=_adapted_on(*_validation_runs()),
        ),
        Mistake(
            "test_set",
            "The layer was adapted on the test images: the test images must not influence "
            "anything in training. Adapt it on `x_train`.",
            test=_adapted_on(
                lambda n: [(_test_images(), 0, None)],
                lambda n: [(_test_images(), 0, QUICK_TEST_SIZE)],
            ),
        ),
        Mistake(
            "train_and_test",
            "The layer was adapted on the training and the test images together: the test "
            "images must not influence anything in training. Adapt it on `x_train` alone.",
            test=_adapted_on(
                lambda n: [_first(n), (_test_images(), 0, None)],
                lambda n: [_first(n), (_test_images(), 0, QUICK_TEST_SIZE)],
            ),
        ),
    ]

    def validate(self, answer):
        keras = _keras()
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return (
                "Pass the layer and the training images together: "
                f"`ex.q4.check((norm, x_train))`. Received: {_short(answer)}."
            )
        norm, x = answer
        if not isinstance(norm, keras.layers.Normalization):
            return (
                "The first item should be the `keras.layers.Normalization` layer you adapted; "
                f"received a {kind(norm)}."
            )
        problem = _array_problem(x, "`x_train`")
        if problem:
            return problem
        everything = _train_images()
        n = len(x) if x.ndim else 0
        if 0 < n <= len(everything) and _same_pixels(x, everything[:n]):
            return None
        if 0 < n <= len(everything) and _same_pixels(x, everything[:n], scale=255.0):
            return (
                "The second item holds the training images divided by 255; pass `x_train` as "
                "loaded (raw 0..255), the model's input."
            )
        return (
            "The second item should be `x_train`, the training images, as loaded (raw 0..255). "
            f"Received: {_short(x)}."
        )

    def expected(self):
        return None  # the truth depends on the answer's x_train: see same()

    def _truth(self, x):
        return _moments(_first(len(x)))

    def same(self, answer, reference):
        moments = _layer_moments(answer[0])
        if moments is None:
            return False
        mean, variance = self._truth(answer[1])
        return _close(moments[0], mean, self.rtol) and _close(moments[1], variance, self.rtol)

    def diagnose(self, answer, reference):
        layer_mean, layer_variance = _layer_moments(answer[0])
        mean, variance = self._truth(answer[1])
        if layer_mean.shape != mean.shape:
            return (
                f"The layer holds {layer_mean.size:,} means; adapted on images with the "
                "default `axis=-1` it holds 3, one per colour channel."
            )
        if _close(layer_mean, mean, self.rtol):
            if _close(layer_variance, np.sqrt(variance), self.rtol):
                return (
                    "The means are right, but the layer's variances are the standard "
                    "deviations: Normalization wants the variance, their square."
                )
            return "The means are right, but the variances are not those of `x_train`."
        return (
            f"The layer's means are {_rounded(layer_mean)}; the per-channel means of `x_train` "
            f"are {_rounded(mean)}. Adapt it on `x_train` itself, raw."
        )

    def praise(self, reference):
        return (
            "Adapted on the training images only: the model's first layer now subtracts their "
            "per-channel mean and divides by their standard deviation, which is what "
            "featurewise_center and featurewise_std_normalization did."
        )


# --- 7.3: the parameters of the tutorial model's first Dense layer --------------------

IMAGE_SIZE = 32
INPUT_CHANNELS = 3
# The tutorial model of notebook 07. Its feature extractor: (filters, kernel size) of each
# "same" convolution, each followed by BatchNormalization, and "pool" for a 2x2 pooling.
TUTORIAL_STACK = ((32, 3), (64, 3), "pool", (128, 5), (256, 5), (512, 3), (512, 5), "pool")
# Its head after Flatten: (units, followed by BatchNormalization), then the 10 outputs.
TUTORIAL_HEAD = ((1024, True), (512, True), (128, False))
DENSE_UNITS = TUTORIAL_HEAD[0][0]  # the layer exercise 7.3 asks about


def flatten_side(pools=None):
    """The height (and width) of the image that reaches Flatten, after ``pools`` poolings."""
    pools = sum(part == "pool" for part in TUTORIAL_STACK) if pools is None else pools
    return IMAGE_SIZE // 2**pools


def flatten_size(pools=None):
    """The number of values Flatten gives in the tutorial model (with ``pools`` poolings).

    Example:
    >>> flatten_side(), flatten_size()
    (8, 32768)
    """
    channels = [part[0] for part in TUTORIAL_STACK if part != "pool"][-1]
    return flatten_side(pools) ** 2 * channels


def tutorial_params():
    """All the parameters of the tutorial model, by formula (checked against Keras in
    tests/test_exercise_checks.py).

    Example:
    >>> tutorial_params()
    42937418
    """
    total, channels = 0, INPUT_CHANNELS
    for part in TUTORIAL_STACK:
        if part != "pool":
            filters, kernel = part
            total += conv2d_params(kernel, input_channels=channels, filters=filters)
            total += sum(batch_norm_params(filters))
            channels = filters
    inputs = flatten_size()
    for units, batch_norm in TUTORIAL_HEAD:
        total += dense_params(inputs, units)
        total += sum(batch_norm_params(units)) if batch_norm else 0
        inputs = units
    return total + dense_params(inputs, NUM_CLASSES)


class FirstDenseParams(WholeNumberExercise):
    key = "7.3"
    title = "The parameters of the tutorial model's first Dense layer"
    notebook = "07"
    unit = "number of parameters"
    example = 1_000
    hints = [
        'Follow the image size through the model: the "same" convolutions keep it, each 2x2 '
        "pooling halves it. Flatten gives height x width x channels inputs to the Dense layer.",
        "Two poolings take 32x32 to 8x8, with 512 channels: 8 x 8 x 512 = 32,768 inputs. A "
        "Dense layer has (inputs + 1) x units parameters.",
    ]
    mistakes = [
        Mistake(
            "no_bias",
            "That counts the weights only: each of the 1,024 units has a bias too, "
            "(inputs + 1) x units.",
            answer=lambda ex: dense_params(flatten_size(), DENSE_UNITS, use_bias=False),
        ),
        Mistake(
            "one_pool",
            "That is the count for a 16x16x512 input: there are two 2x2 poolings before "
            "Flatten, so 32x32 becomes 8x8.",
            answer=lambda ex: dense_params(flatten_size(pools=1), DENSE_UNITS),
        ),
        Mistake(
            "no_pool",
            'That is the count for a 32x32x512 input: the "same" convolutions keep the size, '
            "but the two 2x2 poolings halve it twice, to 8x8.",
            answer=lambda ex: dense_params(flatten_size(pools=0), DENSE_UNITS),
        ),
        Mistake(
            "three_pools",
            "That is the count for a 4x4x512 input: there are two poolings, not three; "
            '"same" convolutions do not shrink the image. 32x32 becomes 8x8.',
            answer=lambda ex: dense_params(flatten_size(pools=3), DENSE_UNITS),
        ),
        Mistake(
            "with_batchnorm",
            "That adds the 4 x 1,024 = 4,096 numbers of the BatchNormalization after the "
            "Dense layer: they belong to the BatchNormalization layer. Count the Dense layer "
            "alone.",
            answer=lambda ex: (
                dense_params(flatten_size(), DENSE_UNITS) + sum(batch_norm_params(DENSE_UNITS))
            ),
        ),
        Mistake(
            "flatten_size",
            f"{flatten_size():,} is the number of inputs, the size of Flatten's output, not "
            "of parameters: each input connects to each of the 1,024 units, and each unit "
            "has a bias.",
            answer=lambda ex: flatten_size(),
        ),
    ]

    def expected(self):
        return dense_params(flatten_size(), DENSE_UNITS)

    def diagnose(self, answer, reference):
        return (
            f"Not {answer!r}. Find the shape Flatten receives (follow the size through the "
            "poolings), then (inputs + 1) x units."
        )

    def praise(self, reference):
        side = flatten_side()
        total = tutorial_params()
        return (
            f"Flatten turns the {side}x{side}x512 output into {flatten_size():,} inputs, each "
            f"wired to each of the {DENSE_UNITS:,} units, plus {DENSE_UNITS:,} biases: "
            f"{reference:,} parameters, {reference / total:.0%} of the whole model's "
            f"{total:,}, in one layer."
        )


q1 = FlattenTheLabels()
q2 = ChannelStatistics()
q3 = FirstDenseParams()
q4 = AdaptNormalization()
q5 = LegacyGeneratorInLayers()

show_progress = progress_for(__name__)
