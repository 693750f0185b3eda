"""Exercises of notebook 07, CIFAR-10 and data augmentation: the truth comes from Keras and
from the CIFAR-10 images the course loaded (exact histograms of their uint8 pixels).

Example:
>>> from course_utils.exercises import nb07 as ex
>>> print(ex.q3.check(8 * 8 * 512))  # doctest: +ELLIPSIS
[incorrect] Exercise 7.3: 32,768 is the number of inputs...
"""

from functools import lru_cache
from types import SimpleNamespace

import keras
import numpy as np

from course_utils import exercises, models
from course_utils.config import is_quick
from course_utils.exercises import Rule, SpecExercise, Unusable, ValueExercise, bind, mistake, short
from course_utils.exercises.keras_checks import input_shape, is_model

IMAGE = (32, 32, 3)  # one CIFAR-10 image
ROTATION, SHIFT = 20 / 360, 0.2  # rotation_range=20 (degrees), width/height_shift_range=0.2
BOTH = "horizontal_and_vertical"  # RandomFlip's default
_RANDOM = ("RandomFlip", "RandomRotation", "RandomTranslation")
_HISTOGRAMS, _FLOAT32 = {}, {}  # exact pixel counts and float32 moments, by run


def _data(part=0, which="train"):
    """The reference images (part 0) or labels (part 1) of the training or test set."""
    return exercises.reference_data("cifar10")[which != "train"][part]


def _sizes():
    """The notebook's N_TRAIN, N_VAL and test images kept (its section 3), in this mode."""
    return (4_000, 1_000, 2_000) if is_quick() else (2_500, 5_000, None)


def _moments(*runs, scale=1):
    """Exact per-channel (mean, variance) of runs (which, start, stop) of images / ``scale``."""
    counts = 0
    for run in runs:
        if _HISTOGRAMS.get(run, (None,))[0] is not exercises.reference_data("cifar10"):
            images = _data(0, run[0])[run[1] : run[2]]  # uint8: exact counts, no float copy
            hist = [np.bincount(images[..., c].ravel(), minlength=256) for c in range(3)]
            _HISTOGRAMS[run] = (exercises.reference_data("cifar10"), np.array(hist, np.int64))
        counts = counts + _HISTOGRAMS[run][1]
    values, pixels = np.arange(256) / scale, counts.sum(axis=1)
    mean = counts @ values / pixels
    return mean, counts @ values**2 / pixels - mean**2


def _close(arrays, reference, rtol):
    """Whether each array is finite, has the shape of its reference and is within ``rtol``."""
    pairs = list(zip(arrays, reference[: len(arrays)], strict=True))
    same = all(np.shape(a) == np.shape(r) and np.all(np.isfinite(a)) for a, r in pairs)
    return same and all(np.allclose(a, r, rtol, 0) for a, r in pairs)


def _array(answer, what):
    """``answer`` if it is a NumPy array; otherwise ``Unusable``, with how to convert it."""
    if isinstance(answer, np.ndarray):
        return answer
    how = " (convert it with `np.asarray`)" if hasattr(answer, "numpy") else ""
    raise Unusable(f"Give {what} as a NumPy array{how}. Received: {short(answer)}.")


class FlattenLabels(SpecExercise):
    title = "Flatten the labels"
    hints = [
        "`keras.datasets` gives a column of labels, shape (N, 1); one label per image is (N,).",
        "In a shape, `-1` stands for 'as many as needed': reshape `y_train_keras` to one axis.",
    ]
    messages = {
        "not_flattened": "The shape is (N, 1), a column: flatten it to (N,) with `.reshape(-1)`.",
        "transposed": "Shape (1, N): `.T` makes a row, still 2-D. Flatten it: `.reshape(-1)`.",
        "one_hot": "Shape (N, 10) is one-hot: sparse cross-entropy wants class numbers, (N,).",
        "test_labels": "Those are the flattened TEST labels; flatten the training labels.",
        "shape": "The shape is {a.shape}; the flat labels are ({ex.n},), one per training image.",
        "whole_numbers": "The array holds {a.dtype} values; keep the labels whole numbers 0-9.",
        "argmax_of_column": "All 0s: argmax over one column is always 0. Use `.reshape(-1)`.",
        "same_labels": lambda a, ex: (
            f"{np.sum(a != _data(1)):,} of the {ex.n:,} labels differ: keep their values and order."
        ),
        "praise": "{ex.n:,} labels, one each: no (N, N) broadcast can spoil an accuracy now.",
    }
    rules = [
        Rule(
            "not_flattened", lambda a, ex: a.shape != (ex.n, 1), lambda ex: _data(1)[:, None], True
        ),
        Rule("transposed", lambda a, ex: a.shape != (1, ex.n), lambda ex: _data(1)[None], True),
        Rule("one_hot", lambda a, ex: a.shape != (ex.n, 10), lambda ex: np.eye(10)[_data(1)], True),
        mistake("test_labels", lambda ex: _data(1, "test")),
        Rule("shape", lambda a, ex: a.shape == (ex.n,), lambda ex: _data(1)[:9]),
        Rule("whole_numbers", lambda a, ex: a.dtype.kind in "iu", lambda ex: 1.0 * _data(1)),
        mistake("argmax_of_column", lambda ex: np.argmax(_data(1)[:, None], axis=1)),
        Rule("same_labels", lambda a, ex: np.array_equal(a, _data(1)), lambda ex: _data(1)[::-1]),
    ]
    n = property(lambda self: len(_data(1)))  # the number of training images

    def parse(self, answer):
        return _array(answer, "the labels")

    def reference(self):
        return _data(1).reshape(-1, 1).reshape(-1)


def _stats(change=lambda stats: stats, which="train", scale=1):
    """The per-channel means and standard deviations as an answer, changed by ``change``."""
    mean, variance = _moments((which, None, None), scale=scale)
    return tuple(change(np.stack([mean, np.sqrt(variance)])))


def _within(a, rtol=1e-6, means_only=False):
    """Whether the answer's statistics are within ``rtol`` of all the training images', raw."""
    return _close([a.mean] if means_only else [a.mean, a.std], _stats(), rtol)


class ChannelStats(SpecExercise):
    title = "Per-channel statistics"
    names = ("channel_mean", "channel_std")
    hints = [
        "Average over the images, rows and columns (axes 0, 1, 2), keeping the colour channel.",
        "`.mean` and `.std` take a tuple of axes, `axis=(0, 1, 2)`; call each on `x_train_all`.",
    ]
    messages = {
        "one_number": "One number for all channels: keep the channel axis, `axis=(0, 1, 2)`.",
        "per_pixel": "(32, 32, 3) is per pixel: average rows and columns too, `axis=(0, 1, 2)`.",
        "per_image": "One value per image: average over all images at once, `axis=(0, 1, 2)`.",
        "shape": "Shapes {a.shapes[0]} and {a.shapes[1]}: one per channel is (3,){a.keepdims}.",
        "scaled": "Those are for the images / 255; give raw 0..255 units, which the layer sees.",
        "test_set": "Those are the TEST images' statistics: use the training images only.",
        "variance": "The second item is the variance: the standard deviation is its square root.",
        "computed": "Close, not exact: compute both from all of `x_train_all`; don't type them.",
        "means": "The means {a.means} are not those of all the training images, raw.{a.float32}",
        "stds": "The means are right; the standard deviations {a.stds} are not.{a.float32}",
        "praise": "Means {a.means} and standard deviations {a.stds}, in pixel units.",
    }
    rules = [
        Rule("one_number", lambda a, ex: a.mean.size != 1, lambda ex: (1.0, 1.0), True),
        Rule("per_pixel", lambda a, ex: a.shapes[0] != IMAGE, lambda ex: (_data()[0],) * 2, True),
        Rule("per_image", lambda a, ex: len(a.mean) != ex.n, lambda ex: (_data(1),) * 2, True),
        Rule("shape", lambda a, ex: a.shapes == ((3,), (3,)), lambda ex: _stats(np.atleast_3d)),
        mistake("scaled", lambda ex: _stats(scale=255)),
        mistake("test_set", lambda ex: _stats(which="test")),
        mistake("variance", lambda ex: _stats(lambda s: s ** [[1], [2]])),
        Rule(
            "computed", lambda a, ex: _within(a) or not _within(a, 0.01), lambda ex: _stats(np.rint)
        ),
        Rule("means", lambda a, ex: _within(a, means_only=True), lambda ex: _stats(np.square)),
        Rule("stds", lambda a, ex: _within(a), lambda ex: _stats(lambda s: s * [[1], [2]])),
    ]
    n = property(lambda self: len(_data(1)))  # the number of training images

    def parse(self, answer):
        parts = [np.asarray(x) for x in answer] if isinstance(answer, (tuple, list)) else []
        if len(parts) != 2 or {x.dtype.kind for x in parts} - set("iuf"):
            raise Unusable(
                f"Give two arrays of numbers, `(channel_mean, channel_std)`: {short(answer)}."
            )
        mean, std = (x.astype(float) for x in parts)
        a = SimpleNamespace(mean=mean, std=std, shapes=(mean.shape, std.shape))
        a.means, a.stds = np.round(mean, 1), np.round(std, 1)
        a.keepdims = " (drop `keepdims=True`)" if mean.shape == (1, 1, 1, 3) else ""
        float32 = np.result_type(*parts) == np.float32
        a.float32 = " (Sums of many float32 numbers lose precision: use float64.)" * float32
        return a

    def same(self, a, value):
        return _close([a.mean, a.std], [value.mean, value.std], 1e-3)

    def reference(self):
        return _stats()


_tutorial_model = lru_cache(maxsize=1)(models.cifar_tutorial_model)  # built once: 43M parameters


class DenseParams(ValueExercise):
    title = "The parameters of the tutorial model's first Dense layer"
    hints = [
        'Follow the image size: "same" convolutions keep it, each 2x2 pooling halves it.',
        "Flatten gives height x width x channels inputs; Dense has (inputs + 1) x units of them.",
    ]
    messages = {
        "no_bias": "That counts the weights only: each of the 1,024 units has a bias too.",
        "one_pool": "That is the count for a 16x16x512 input: two 2x2 poolings make 32x32 8x8.",
        "no_pool": 'That is for 32x32x512: "same" convolutions keep the size, poolings halve it.',
        "three_pools": "That is for 4x4x512: there are two poolings, not three; 32x32 becomes 8x8.",
        "with_batchnorm": "That adds BatchNormalization's 4 x 1,024 numbers: count Dense alone.",
        "flatten_size": "{a:,} is the number of inputs: each feeds 1,024 units, plus biases.",
        "praise": "{a:,} parameters in one layer: {ex.share:.0%} of the whole model's.",
    }
    rules = [
        exercises.whole_number(1000, "number of parameters"),
        mistake("no_bias", lambda ex: 8 * 8 * 512 * 1024),
        mistake("one_pool", lambda ex: (16 * 16 * 512 + 1) * 1024),
        mistake("no_pool", lambda ex: (32 * 32 * 512 + 1) * 1024),
        mistake("three_pools", lambda ex: (4 * 4 * 512 + 1) * 1024),
        mistake("with_batchnorm", lambda ex: ex.expected() + 4 * 1024),
        mistake("flatten_size", lambda ex: 8 * 8 * 512),
    ]
    share = property(lambda self: self.expected() / _tutorial_model().count_params())

    def expected(self):
        return _tutorial_model().get_layer("dense_1024").count_params()


def _truth():
    """The per-channel (mean, variance) of ``x_train``, the first N_TRAIN training images."""
    return _moments(("train", 0, _sizes()[0]))


def _adapted(runs=None, scale=1, **options):
    """A Normalization layer, adapted on runs of images / ``scale`` (x_train if None)."""
    norm = keras.layers.Normalization(**options)
    if "mean" not in options:
        images = np.vstack([_data(0, w)[a:b] for w, a, b in runs or [("train", 0, _sizes()[0])]])
        norm.adapt(images / np.float32(scale) if scale != 1 else images)
    return norm, _data()[: _sizes()[0]]


def _gap(moments, reference):
    """How far ``moments`` are from ``reference``: the largest difference of a channel's
    mean, or of its standard deviation, in that channel's standard deviations (inf when
    the shapes differ or a value is not finite)."""
    spread, (mean, variance) = np.sqrt(reference[1]), moments
    shaped = all(np.shape(m) == np.shape(r) for m, r in zip(moments, reference, strict=True))
    if not shaped or not np.all(np.isfinite(moments)) or np.any(variance < 0):
        return np.inf
    return max(
        np.max(abs(mean - reference[0]) / spread), np.max(abs(np.sqrt(variance) / spread - 1))
    )


def _moments32(runs):
    """(mean, variance) as `adapt` computes them from the images of ``runs`` given as one
    float32 NumPy array: with NumPy's float32 sums, which miss the exact moments of 4,000
    CIFAR images by up to 0.0025 standard deviations, and of all 50,000 by far (every mean
    about 84: the sums stall near 2**32). None above 15,000 images (a copy over 184 MB)."""
    key, data = tuple(runs), exercises.reference_data("cifar10")
    if _FLOAT32.get(key, (None,))[0] is not data:
        parts, moments = [_data(0, w)[a:b] for w, a, b in runs], None
        if sum(map(len, parts)) <= 15_000:
            x = np.concatenate(parts).astype(np.float32)
            moments = np.mean(x, axis=(0, 1, 2)), np.var(x, axis=(0, 1, 2))
        _FLOAT32[key] = (data, moments)
    return _FLOAT32[key][1]


# The sets of images 7.4 tells apart, as runs of (which, start, stop) from the notebook's
# (N_TRAIN, N_VAL, test images kept), each with the number its images were divided by:
# x_train (None), then each mistaken set, named by its rule.
_SETS = {
    None: (lambda n, v, t: [[("train", 0, n)]], 1),
    "scaled_data": (lambda n, v, t: [[("train", 0, n)]], 255),
    "whole_training_set": (lambda n, v, t: [[("train", None, None)]], 1),
    "validation_set": (lambda n, v, t: [[("train", -v, None)], [("train", n, None)]], 1),
    "test_set": (lambda n, v, t: [[("test", 0, t)]], 1),
    "train_and_test": (lambda n, v, t: [[("train", 0, n), ("test", 0, t)]], 1),
}


def _gaps(moments, float32=False):
    """Each set's gap from ``moments``: from its exact moments, or (``float32``) the nearer
    of those and the moments `adapt` gives for its images as float32."""
    gaps = {}
    for name, (runs, scale) in _SETS.items():
        gaps[name] = np.inf
        for run in runs(*_sizes()):
            gap = _gap(moments, _moments(*run, scale=scale))
            if float32 and scale == 1 and (moments32 := _moments32(run)) is not None:
                gap = min(gap, _gap(moments, moments32))
            gaps[name] = min(gaps[name], gap)
    return gaps


def _nearest(a):
    """The set (its name in ``_SETS``) whose images gave the layer's moments, or "none":
    the nearest within 0.006 standard deviations. The sets can be closer than float32
    sums miss by (on the stand-in in quick mode, x_train is 4,000 of its 5,000 images:
    0.006 apart); an answer no set matches exactly (1e-4) is also compared with the
    float32 moments of each set, which match an `adapt` on float32 images exactly."""
    if not hasattr(a, "nearest"):
        gaps = _gaps(a.moments)
        gaps = gaps if min(gaps.values()) < 1e-4 else _gaps(a.moments, float32=True)
        nearest = min(gaps, key=gaps.get)
        a.nearest = nearest if gaps[nearest] < 0.006 else "none"
    return a.nearest


def _on(name):
    """Mistake ``name``: the layer holds the moments of its set of images (``_SETS``)."""
    runs, scale = _SETS[name]
    holds = lambda a, ex: _nearest(a) != name  # noqa: E731
    return Rule(name, holds, lambda ex: _adapted(runs(*_sizes())[0], scale), True)


class AdaptNorm(SpecExercise):
    title = "Adapt Normalization on the right data"
    hints = [
        "Call a `layers.Normalization()`'s `adapt` on the images the model trains on, raw.",
        "`adapt` takes the images: pass it `x_train` (not `x_train_all`, not divided by 255).",
    ]
    messages = {
        "x_train": "`x_train` is the first {ex.n:,} training images, raw; you gave {a.shown}.",
        "not_adapted": "The layer has mean 0 and variance 1: call `norm.adapt(x_train)` first.",
        "one_mean": "One mean for all three channels (`axis=None`): keep the default `axis=-1`.",
        "per_channel": "{a.means.size:,} means: the default `axis=-1` keeps 3, one per channel.",
        "not_inverted": "`invert=True` undoes a normalisation; leave it at its default, False.",
        "scaled_data": "Adapted on `x_train / 255`; the model sees raw pixels: adapt on `x_train`.",
        "whole_training_set": "Adapted on all training images, validation too: adapt on `x_train`.",
        "validation_set": "Adapted on the validation images: adapt it on `x_train` instead.",
        "test_set": "Adapted on the test images, which must not influence training: use `x_train`.",
        "train_and_test": "Adapted on training and test images together: use `x_train` alone.",
        "std_as_variance": "Its variances are standard deviations: Normalization wants squares.",
        "moments": "Its means are {a.means}, those of `x_train` {ex.truth}: adapt it on `x_train`.",
        "praise": "Adapted on the training images only, raw, as the model will see them.",
    }
    rules = [
        Rule("x_train", lambda a, ex: a.raw, lambda ex: (_adapted()[0], _data()[: ex.n] / 255)),
        Rule("not_adapted", lambda a, ex: a.learned, lambda ex: _adapted(mean=0, variance=1), True),
        Rule("one_mean", lambda a, ex: a.means.size > 1, lambda ex: _adapted(axis=None), True),
        Rule("per_channel", lambda a, ex: a.means.size == 3, lambda ex: _adapted(axis=(1, 2, 3))),
        Rule("not_inverted", lambda a, ex: not a.layer.invert, lambda ex: _adapted(invert=True)),
        *map(_on, list(_SETS)[1:]),
        mistake(
            "std_as_variance", lambda ex: _adapted(mean=_truth()[0], variance=_truth()[1] ** 0.5)
        ),
        Rule("moments", lambda a, ex: _nearest(a) is None, lambda ex: _adapted(scale=2)),
    ]
    n = property(lambda self: _sizes()[0])  # the number of images in x_train
    truth = property(lambda self: np.round(_truth()[0], 1))  # x_train's means, rounded

    def parse(self, answer):
        pair = isinstance(answer, (tuple, list)) and len(answer) == 2
        if not pair or not isinstance(answer[0], keras.layers.Normalization):
            raise Unusable(
                f"Pass `(norm, x_train)`, the adapted layer and the images. Got {short(answer)}."
            )
        norm, x = answer[0], _array(answer[1], "`x_train`")
        built = norm.mean is not None  # adapted or used; else given as arguments, or neither
        moments = (norm.mean, norm.variance) if built else (norm.input_mean, norm.input_variance)
        moments = (0, 1) if moments[0] is None else moments  # it would normalise with 0 and 1
        moments = [np.ravel(keras.ops.convert_to_numpy(v)).astype(float) for v in moments]
        x_train = _data()[: self.n]
        same = x.shape == x_train.shape and x.dtype.kind in "iuf"
        raw, scaled = (same and np.allclose(x * k, x_train, atol=1e-3) for k in (1, 255))
        a = SimpleNamespace(layer=norm, moments=moments, means=np.round(moments[0], 1), raw=raw)
        a.learned = np.any(moments[0]) or np.any(moments[1] != 1)
        a.shown = short(x) + (", divided by 255" if scaled else "")
        return a

    def same(self, a, value):
        return _gap(a.moments, value.moments) < 0.006

    def reference(self):
        return _adapted()


def _parts(block):
    """(name, config) of each layer, nested ones unpacked; "custom ..." unless Keras' own."""
    for layer in block.layers:
        if is_model(layer) or isinstance(layer, keras.layers.Pipeline):
            yield from _parts(layer)
        elif (name := type(layer).__name__) != "InputLayer":
            own = getattr(keras.layers, name, None) is type(layer)
            yield (name if own else f"custom {name}"), layer.get_config()


def _near(values, target, tolerance=1e-3):
    return all(v is not None and abs(v - target) < tolerance for v in values)


def _block(*extra, first=(), flip="horizontal", rotation=ROTATION, shift=SHIFT):
    """A breaker: the reference block, changed (None drops a layer) or with layers added."""
    specs = [first, ("RandomFlip", flip), ("RandomRotation", rotation)]
    specs += [("RandomTranslation", shift, shift), *extra]
    specs = [spec for spec in specs if spec and spec[-1] is not None]
    return lambda ex: keras.Sequential([getattr(keras.layers, s[0])(*s[1:]) for s in specs])


def _turned(name, factor):
    """The classic mistake ``name``: a rotation factor ``factor``, not 20 degrees."""
    return Rule(name, lambda a, ex: not _near(a.turns, factor), _block(rotation=factor), True)


class Augmentation(SpecExercise):
    title = "The legacy generator in modern layers"
    hints = [
        "One random layer per legacy argument; the two shift ranges make one layer together.",
        "Keras' rotation factor is a fraction of a full turn; shifts, fractions of the size.",
    ]
    messages = {
        "normalization_inside": "Keep Normalization and Rescaling out: they belong in the model.",
        "only_random": "A {a.others[0]} has no legacy equivalent: keep the three random layers.",
        "input_shape": "The input is {a.input}; use `keras.Input((32, 32, 3))` or none at all.",
        "missing_flip": 'No RandomFlip: horizontal_flip=True is `RandomFlip("horizontal")`.',
        "missing_rotation": "No RandomRotation: rotation_range=20 is `RandomRotation(20 / 360)`.",
        "missing_translation": "No RandomTranslation: shifts are `RandomTranslation(0.2, 0.2)`.",
        "one_each": "The block has {a.count} random layers; one of each kind is enough.",
        "flip_both_ways": 'RandomFlip() also flips upside down: use `RandomFlip("horizontal")`.',
        "flip_vertical": '"vertical" turns images upside down; horizontal_flip is "horizontal".',
        "rotation_fraction_of_half_turn": "20/180 is ±40 degrees; a turn is 1: use `20 / 360`.",
        "rotation_in_radians": "0.349 (20 degrees in radians) is ±126 degrees: use `20 / 360`.",
        "rotation_both_ways": "The range {a.rotation} turns further one way: give one number.",
        "rotation": "The factor {a.turns[0]:.4g} is ±{a.degrees[0]:.1f} degrees; 20 is 20/360.",
        "shift_both_ways": "The factors {a.shift} shift one way only; 0.2 means (-0.2, 0.2).",
        "shift": "Shifts reach {a.shifts[0]:.0%} and {a.shifts[1]:.0%}; the legacy 0.2 is 20%.",
        "praise": "Flips, turns of up to ±20 degrees and shifts of up to 20%, as the legacy did.",
    }
    rules = [
        Rule("normalization_inside", lambda a, ex: not a.norms, _block(("Rescaling", 1)), True),
        Rule("only_random", lambda a, ex: not a.others, _block(("RandomZoom", 0.1))),
        Rule("input_shape", lambda a, ex: a.input == IMAGE, _block(first=("Input", (8, 8, 3)))),
        Rule("missing_flip", lambda a, ex: a.flip is not None, _block(flip=None), True),
        Rule("missing_rotation", lambda a, ex: a.rotation is not None, _block(rotation=None), True),
        Rule("missing_translation", lambda a, ex: a.shift is not None, _block(shift=None), True),
        Rule("one_each", lambda a, ex: a.count == 3, _block(first=("RandomFlip", "vertical"))),
        Rule("flip_both_ways", lambda a, ex: a.flip != BOTH, _block(flip=BOTH), True),
        Rule("flip_vertical", lambda a, ex: a.flip == "horizontal", _block(flip="vertical"), True),
        _turned("rotation_fraction_of_half_turn", 20 / 180),
        _turned("rotation_in_radians", np.deg2rad(20)),
        Rule("rotation_both_ways", lambda a, ex: None not in a.turns, _block(rotation=(0, 0.1))),
        Rule("rotation", lambda a, ex: _near(a.turns, ROTATION, 0.5 / 360), _block(rotation=0.1)),
        Rule("shift_both_ways", lambda a, ex: None not in a.shifts, _block(shift=(0, SHIFT))),
        Rule("shift", lambda a, ex: _near(a.shifts, SHIFT), _block(shift=0.1)),
    ]

    def parse(self, answer):
        if not (is_model(answer) or isinstance(answer, keras.layers.Pipeline)):
            raise Unusable(
                f"Wrap layers in `keras.Sequential`, not loose ones or generators: {short(answer)}."
            )

        def extent(factor):  # how far f, -f or (-f, f) goes either way; None if one-sided
            low, high = (-factor, factor) if np.ndim(factor) == 0 else factor
            return abs(float(high)) if abs(float(low) + float(high)) < 1e-9 else None

        found = list(_parts(answer))
        kinds, configs = [kind for kind, _ in found], dict(found)
        flip, turn, shift = (configs.get(kind, {}) for kind in _RANDOM)
        a = SimpleNamespace(count=len(kinds), others=sorted(set(kinds) - set(_RANDOM)))
        a.norms = {"Normalization", "Rescaling"} & set(kinds)  # they belong to the model
        a.input = input_shape(answer) or IMAGE  # as declared; none declared is fine
        a.flip, a.rotation = flip.get("mode"), turn.get("factor")
        a.shift = (shift["height_factor"], shift["width_factor"]) if shift else None
        a.turns = [extent(turn["factor"])] if turn else []
        a.degrees = [turns * 360 for turns in a.turns if turns is not None]
        a.shifts = [extent(factor) for factor in a.shift or ()]
        return a

    def reference(self):
        return _block()(None)


bind(__name__, FlattenLabels(), ChannelStats(), DenseParams(), AdaptNorm(), Augmentation())
