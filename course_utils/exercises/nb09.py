"""Exercises of notebook 09, training speed. No check depends on how fast this machine is:
9.1 reads the pipeline's batches, 9.2 and 9.3 read the model's layers and its predictions,
9.4 works on fixed epoch times.

Example:
>>> from course_utils.exercises import nb09 as ex
>>> ex.q4.check(16).outcome.value, ex.q4.check(15).rule
('correct', 'epochs_after_the_first')
"""

import re
from functools import cache, cached_property

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_utils.exercises import (
    Rule,
    SpecExercise,
    Unusable,
    ValueExercise,
    bind,
    mistakes,
    short,
    whole_number,
)
from course_utils.exercises import keras_checks as kc
from course_utils.models import speed_cnn

NUM_EXAMPLES, BATCH_SIZE = 1_000, 128  # 9.1: x_small's images, and the batch size asked for
IMAGE = (28, 28, 1)


# Exercise 9.1: a tf.data pipeline ---------------------------------------------------------


@cache
def _examples():
    """9.1's `x_small, y_small`: random pixels, so that every image differs from every other."""
    rng = np.random.default_rng(9)
    x = rng.random((NUM_EXAMPLES, *IMAGE), dtype=np.float32)
    return x, rng.integers(0, 10, NUM_EXAMPLES).astype(np.uint8)


@cache
def _index():
    """{the bytes of an example image: its position in `x_small`}."""
    return {image.tobytes(): i for i, image in enumerate(_examples()[0])}


def _pipeline(*steps, pairs=True):
    """`from_tensor_slices` on the examples, then ``steps``: functions dataset -> dataset."""
    x, y = _examples()
    dataset = tf.data.Dataset.from_tensor_slices((x, y) if pairs else x)
    for step in steps:
        dataset = step(dataset)
    return dataset


def _shuffle(size=NUM_EXAMPLES, **options):
    return lambda d: d.shuffle(size, seed=1, **options)


def _batch(size=BATCH_SIZE, **options):
    return lambda d: d.batch(size, **options)


def _prefetch(size=tf.data.AUTOTUNE):
    return lambda d: d.prefetch(size)


def _reference_pipeline():
    return _pipeline(_shuffle(), _batch(), _prefetch())


def _separately_shuffled():  # images and labels each shuffled on their own
    x, y = _examples()
    images = tf.data.Dataset.from_tensor_slices(x).shuffle(NUM_EXAMPLES, seed=1)
    labels = tf.data.Dataset.from_tensor_slices(y).shuffle(NUM_EXAMPLES, seed=2)
    return tf.data.Dataset.zip((images, labels)).batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE)


def _constant(node, nodes):
    """The value of a constant input of a graph node, or None."""
    source = nodes.get(node.split(":")[0].lstrip("^"))
    if source is None or source.op != "Const":
        return None
    try:
        return tf.make_ndarray(source.attr["value"].tensor)
    except Exception:  # a resource handle, say: not a number
        return None


def transformations(dataset):
    """The steps of a ``tf.data`` pipeline from its source to its end, e.g.
    ``[("TensorSlice", []), ("Shuffle", [1000, ...]), ...]`` with each step's constant
    arguments, read from the pipeline's graph; None when this TensorFlow cannot say.

    Example:
    >>> [op for op, _ in transformations(_reference_pipeline())]
    ['TensorSlice', 'Shuffle', 'Batch', 'Prefetch']
    """
    try:
        graph = tf.compat.v1.GraphDef()
        graph.ParseFromString(dataset._as_serialized_graph().numpy())
    except Exception:  # a private TensorFlow method: without it, the rules that need it hold
        return None
    nodes = {node.name: node for node in graph.node}
    ends = [node for node in graph.node if node.op == "_Retval"]
    steps, name = [], ends[0].input[0] if ends and ends[0].input else ""
    while name.split(":")[0] in nodes:
        node = nodes[name.split(":")[0]]
        if "Dataset" not in node.op:
            break
        op = re.sub(r"Dataset(V\d+)?$", "", node.op)
        steps.append((op, [_constant(i, nodes) for i in node.input[1:]]))
        name = node.input[0] if node.input else ""
    return steps[::-1]


class _Pipeline:
    """A dataset as 9.1's rules read it. Two epochs are read when a rule first needs them;
    each is a list of batches of example positions (-1 for an image not in `x_small`) with
    their labels."""

    def __init__(self, dataset):
        self.dataset, self.spec = dataset, dataset.element_spec
        parts = self.spec if isinstance(self.spec, tuple) else ()
        self.pairs = len(parts) == 2 and all(isinstance(p, tf.TensorSpec) for p in parts)
        self.images, self.labels = parts if self.pairs else (None, None)
        shape = tuple(self.images.shape) if self.pairs and self.images.shape.rank else ()
        self.image_shape = shape
        self.endless = dataset.cardinality() == tf.data.INFINITE_CARDINALITY

    @cached_property
    def epochs(self):
        return [self._read_epoch(), self._read_epoch()]

    def _read_epoch(self):
        index, batches, seen = _index(), [], 0
        try:
            for images, labels in self.dataset:
                images, labels = np.asarray(images), np.asarray(labels)
                positions = [index.get(np.ascontiguousarray(i, np.float32).tobytes(), -1)
                             for i in images.reshape(len(images), *IMAGE)]  # fmt: skip
                batches.append((np.array(positions), labels.reshape(len(labels), -1)[:, 0]))
                seen += len(images)
                if seen > 3 * NUM_EXAMPLES:  # many more than there are: enough to say so
                    break
        except Exception as error:
            raise Unusable(
                f"Reading your pipeline failed ({type(error).__name__}: "
                f"{str(error).strip().splitlines()[0][:120] if str(error).strip() else ''})."
            ) from None
        return batches

    def order(self, epoch=0):
        batches = self.epochs[epoch]
        return np.concatenate([p for p, _ in batches]) if batches else np.array([], int)

    @property
    def sizes(self):
        return [len(p) for p, _ in self.epochs[0]]

    @cached_property
    def steps(self):
        return transformations(self.dataset)

    def step(self, op):
        """The arguments of the last step named ``op``, None if there is none (or the graph
        cannot be read)."""
        found = [args for name, args in (self.steps or []) if name == op]
        return found[-1] if found else None

    def last_step(self):
        names = [name for name, _ in self.steps or [] if name != "Options"]
        return names[-1] if names else None


def _every_image_once(a, ex):
    return all(np.array_equal(np.sort(a.order(e)), np.arange(NUM_EXAMPLES)) for e in (0, 1))


def _labels_aligned(a, ex):
    y = _examples()[1]
    for batches in a.epochs:
        for positions, labels in batches:
            if not np.array_equal(labels.astype(np.int64), y[positions].astype(np.int64)):
                return False
    return True


def _shuffles_images(a, ex):  # not whole batches: some batch holds images from far apart
    return any(np.ptp(positions) + 1 != len(positions) for positions, _ in a.epochs[0])


def _whole_buffer(a, ex):
    """A shuffle buffer of the whole data, as the graph says, or (where it cannot say) as the
    order shows: some image moves 3/4 of the way or more (a buffer of b images moves none
    further than b - 1 places ahead)."""
    buffer = _buffer_of(a, "Shuffle")
    if buffer is not None:
        return buffer >= NUM_EXAMPLES
    order = a.order()
    return np.max(order - np.arange(len(order))) >= 0.75 * NUM_EXAMPLES


def _cache_after_shuffle(a, ex):
    names = [name for name, _ in a.steps or []]
    shuffled_then_cached = "Shuffle" in names and "Cache" in names[names.index("Shuffle") :]
    return not (shuffled_then_cached and np.array_equal(a.order(0), a.order(1)))


def _buffer_of(a, op):
    args = a.step(op)
    return None if not args or args[0] is None else int(args[0])


class Pipeline(SpecExercise):
    title = "A tf.data pipeline"
    hints = [
        "Four steps, in this order: make a dataset of (image, label) pairs, shuffle the "
        "pairs, cut them into batches, and let the next batch be prepared during training.",
        "`tf.data.Dataset.from_tensor_slices` takes the pair of arrays; `shuffle` wants a "
        "buffer as large as the data, `len(x_small)`; then `batch` and `prefetch`.",
    ]
    messages = {
        "pairs": "Each element should be a pair (images, labels); yours is {a.spec!r}. "
        "Give `from_tensor_slices` the tuple `(x_small, y_small)`.",
        "not_batched": "Each element is one image, {a.image_shape}: `fit` wants batches. Add "
        f"`.batch({BATCH_SIZE})` after the shuffle.",
        "element_spec": "The batches hold images of shape {a.images.shape} ({a.images.dtype.name}) "
        "and labels of shape {a.labels.shape}; x_small's images in batches are (None, 28, 28, 1) "
        "float32, with labels (None,). Pass the arrays on as they are.",
        "endless": "The pipeline never ends (`repeat()`): an epoch would have no end, and `fit` "
        "would need `steps_per_epoch`. Leave `repeat` out; Keras starts each epoch anew.",
        "batch_size": lambda a, ex: (
            f"The largest batch holds {max(a.sizes, default=0)} "
            f"images; the exercise asks for batches of {BATCH_SIZE}."
        ),
        "drop_remainder": f"Every epoch drops the last {NUM_EXAMPLES % BATCH_SIZE} images: "
        "`drop_remainder=True` throws away the smaller last batch. Leave it out, so every image "
        "is trained on.",
        "changed_images": "Some images are not x_small's: pass the images on unchanged (they are "
        "float32 in [0, 1] already).",
        "every_image": lambda a, ex: (
            f"An epoch should hold each of the {NUM_EXAMPLES:,} images "
            f"once; yours holds {a.order().size:,} images, {ex.distinct(a):,} different ones."
        ),
        "labels_misaligned": "Images and labels no longer match: they were shuffled "
        "separately. Shuffle the pairs: `from_tensor_slices((x_small, y_small))`, then "
        "`shuffle`.",
        "shuffle_buffer_1": "`shuffle(1)` shuffles nothing: a buffer of one image hands each "
        "image on as it comes. Give it a buffer of the whole data, `len(x_small)`.",
        "not_shuffled": "The images come in their original order, every epoch: add `shuffle`, "
        "before `batch`.",
        "batch_before_shuffle": "Whole batches are shuffled, not images: each batch holds the "
        f"same {BATCH_SIZE} neighbouring images every epoch. Shuffle first, then batch.",
        "small_buffer": lambda a, ex: (
            "The shuffle buffer is too small"
            + (f", {_buffer_of(a, 'Shuffle'):,} images" if _buffer_of(a, "Shuffle") else "")
            + ": a buffer of b images picks each next image among the next b, so no image moves far "
            "from its place. Use a buffer of the whole data, `len(x_small)`."
        ),
        "cache_after_shuffle": "Every epoch has the same order: `.cache()` after `.shuffle()` "
        "stores the first epoch's order and replays it. Cache before shuffling (or not at all).",
        "same_order_each_epoch": "Every epoch has the same order: let `shuffle` draw a new "
        "order each epoch (its default, `reshuffle_each_iteration=True`).",
        "prefetch": "The last step should be `.prefetch(tf.data.AUTOTUNE)`: it prepares the "
        "next batch while the model trains on this one.",
        "autotune": lambda a, ex: (
            f"The prefetch buffer is {_buffer_of(a, 'Prefetch')}; the "
            "exercise asks for `tf.data.AUTOTUNE`, which lets tf.data choose it while training runs."
        ),
        "praise": f"{BATCH_SIZE} images per batch, {NUM_EXAMPLES:,} per epoch, each once, with "
        "its label, in a new order every epoch, and the next batch prefetched.",
    }
    rules = [
        Rule("pairs", lambda a, ex: a.pairs, lambda ex: _pipeline(_batch(), pairs=False)),
        Rule(
            "not_batched",
            lambda a, ex: a.image_shape != IMAGE,
            lambda ex: _pipeline(_shuffle(), _prefetch()),
            True,
        ),
        Rule(
            "element_spec",
            lambda a, ex: (
                a.image_shape[1:] == IMAGE
                and a.images.dtype == tf.float32
                and a.labels.shape.rank == 1
            ),
            lambda ex: _pipeline(_batch(), lambda d: d.map(lambda x, y: (x[..., 0], y))),
        ),
        Rule(
            "endless",
            lambda a, ex: not a.endless,
            lambda ex: _pipeline(_shuffle(), _batch(), lambda d: d.repeat(), _prefetch()),
            True,
        ),
        Rule(
            "batch_size",
            lambda a, ex: bool(a.sizes) and max(a.sizes) == BATCH_SIZE,
            lambda ex: _pipeline(_shuffle(), _batch(32), _prefetch()),
        ),
        Rule(
            "drop_remainder",
            lambda a, ex: (
                sum(a.sizes) != NUM_EXAMPLES // BATCH_SIZE * BATCH_SIZE
                or NUM_EXAMPLES % BATCH_SIZE == 0
            ),
            lambda ex: _pipeline(_shuffle(), _batch(drop_remainder=True), _prefetch()),
            True,
        ),
        Rule(
            "changed_images",
            lambda a, ex: all(np.all(a.order(e) >= 0) for e in (0, 1)),
            lambda ex: _pipeline(_shuffle(), _batch(), lambda d: d.map(lambda x, y: (x / 255, y))),
        ),
        Rule(
            "every_image",
            _every_image_once,
            lambda ex: _pipeline(_shuffle(), _batch(), lambda d: d.take(4), _prefetch()),
        ),
        Rule("labels_misaligned", _labels_aligned, lambda ex: _separately_shuffled(), True),
        Rule(
            "shuffle_buffer_1",
            lambda a, ex: _buffer_of(a, "Shuffle") != 1,
            lambda ex: _pipeline(_shuffle(1), _batch(), _prefetch()),
            True,
        ),
        Rule(
            "not_shuffled",
            lambda a, ex: not np.array_equal(a.order(), np.arange(NUM_EXAMPLES)),
            lambda ex: _pipeline(_batch(), _prefetch()),
            True,
        ),
        Rule(
            "batch_before_shuffle",
            _shuffles_images,
            lambda ex: _pipeline(_batch(), _shuffle(8), _prefetch()),
            True,
        ),
        Rule(
            "small_buffer",
            _whole_buffer,
            lambda ex: _pipeline(_shuffle(100), _batch(), _prefetch()),
            True,
        ),
        Rule(
            "cache_after_shuffle",
            _cache_after_shuffle,
            lambda ex: _pipeline(_shuffle(), lambda d: d.cache(), _batch(), _prefetch()),
            True,
        ),
        Rule(
            "same_order_each_epoch",
            lambda a, ex: not np.array_equal(a.order(0), a.order(1)),
            lambda ex: _pipeline(_shuffle(reshuffle_each_iteration=False), _batch(), _prefetch()),
        ),
        Rule(
            "prefetch",
            lambda a, ex: a.steps is None or a.last_step() == "Prefetch",
            lambda ex: _pipeline(_shuffle(), _batch()),
        ),
        Rule(
            "autotune",
            lambda a, ex: _buffer_of(a, "Prefetch") in (None, tf.data.AUTOTUNE),
            lambda ex: _pipeline(_shuffle(), _batch(), _prefetch(1)),
        ),
    ]
    reference = staticmethod(_reference_pipeline)

    def example(self):
        """`x_small, y_small`: 1,000 images of random pixels, (1000, 28, 28, 1) float32, and
        their labels, (1000,) uint8."""
        x, y = _examples()
        return x.copy(), y.copy()

    def distinct(self, a):
        order = a.order()
        return len(set(order[order >= 0].tolist()))

    def parse(self, answer):
        if isinstance(answer, tf.data.Dataset):
            return _Pipeline(answer)
        if isinstance(answer, (np.ndarray, tuple, list)):
            raise Unusable(
                "That is arrays, not a pipeline: give the `tf.data.Dataset` that "
                f"`from_tensor_slices(...)` and its steps return. Received: {short(answer)}."
            )
        raise Unusable(f"Give a `tf.data.Dataset`. Received: {short(answer)}.")


# Exercise 9.2: uint8 pixels in, Rescaling first --------------------------------------------


@cache
def _float_model():
    """speed_cnn() with fixed weights (the same on every run), float32 pixels in."""
    model = speed_cnn()
    rng = np.random.default_rng(92)
    model.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in model.weights])
    return model


@cache
def _probe_pixels():
    return np.random.default_rng(29).integers(0, 256, (16, *IMAGE), dtype=np.uint8)


def _uint8_model(front=None, dtype="uint8", conv=None, middle=()):
    """9.2's model: an input of ``dtype``, the ``front`` layers (by default Rescaling(1 / 255)),
    the convolution (``conv``), the ``middle`` layers, then the rest of notebook 05's CNN."""
    return keras.Sequential(
        [
            keras.Input(IMAGE, dtype=dtype),
            *([layers.Rescaling(1 / 255)] if front is None else front),
            conv or layers.Conv2D(8, 3),
            *middle,
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _rescalings(a):
    return [(i, config) for i, (kind, config) in enumerate(a.layers) if kind == "Rescaling"]


def _first_scale(a):
    found = _rescalings(a)
    return float(np.mean(found[0][1]["scale"])) if found else None


def _agrees_with_float_model(a, ex):
    """With the float model's weights, the answer on uint8 pixels predicts what the float
    model predicts on the pixels / 255."""
    try:
        copy = keras.models.clone_model(a.model)
        copy.set_weights(_float_model().get_weights())
        mine = keras.ops.convert_to_numpy(copy(_probe_pixels(), training=False))
    except (ValueError, TypeError):  # other weights: not the same architecture
        return False
    scaled = _probe_pixels().astype("float32") / 255
    theirs = keras.ops.convert_to_numpy(_float_model()(scaled, training=False))
    return mine.shape == theirs.shape and float(np.max(np.abs(mine - theirs))) < 1e-5


def _model_answer(answer):
    view = kc.model_view(answer)
    view.dtype = keras.backend.standardize_dtype(answer.inputs[0].dtype)
    return view


_MODEL_RULES = kc.model_rules(lambda: speed_cnn("uint8"), what="the model asked for")


class Uint8Model(SpecExercise):
    title = "A model that takes uint8 pixels"
    hints = [
        "Declare the input's type in `keras.Input`, then let a layer turn 0..255 into 0..1 "
        "before the convolution.",
        '`keras.Input((28, 28, 1), dtype="uint8")`, then `layers.Rescaling(...)` with the '
        "factor that maps 255 to 1, then notebook 05's four layers.",
    ]
    messages = {
        "no_rescaling": "There is no Rescaling layer: pixels 0 to 255 would reach the "
        "convolution as they are, 255 times larger than the [0, 1] pixels of the float model. "
        "Put `layers.Rescaling(1 / 255)` first.",
        "rescaling_255": "`Rescaling(255)` multiplies by 255: the pixels go up to 65,025. "
        "The scale is the factor that maps 255 to 1, `1 / 255`.",
        "rescaling_twice": lambda a, ex: (
            f"The pixels are scaled {len(_rescalings(a))} times, "
            "by as many Rescaling layers: divided by 255 twice, they end up in [0, 0.004]. Keep one "
            "`Rescaling(1 / 255)`."
        ),
        "rescaling_after_conv": lambda a, ex: (
            "The Rescaling layer comes after "
            f"{' and '.join(a.kinds[: _rescalings(a)[0][0]])}, which then sees raw pixels, 0 to "
            "255. Scale first, so that every layer sees what it sees in the float model."
        ),
        "rescaling_scale": lambda a, ex: (
            "The Rescaling layer computes "
            f"`x * {ex.scale(a):.6g} + {ex.offset(a):.6g}`; the float model's pixels are `x / 255`, "
            "in [0, 1]: `layers.Rescaling(1 / 255)`."
        ),
        "uint8_input": "The input is declared {a.dtype}: declare the pixels' type, "
        '`keras.Input((28, 28, 1), dtype="uint8")`, so that the model says what it takes '
        "(and a model exported for serving takes uint8).",
        "same_probabilities": "With the float model's weights copied in, your model does not "
        "predict what the float model predicts on `x / 255`: compare your layers, and their "
        "arguments, with notebook 05's model.",
        "praise": "uint8 pixels in, scaled inside: with the same weights it predicts what the "
        f"float model predicts on x / 255 ({len(_probe_pixels())} images compared).",
    }
    rules = [
        _MODEL_RULES[0],  # the input shape
        Rule(
            "no_rescaling",
            lambda a, ex: bool(_rescalings(a)),
            lambda ex: _uint8_model([], dtype="float32"),
            True,
        ),
        Rule(
            "rescaling_255",
            lambda a, ex: not np.isclose(_first_scale(a), 255),
            lambda ex: _uint8_model([layers.Rescaling(255)]),
            True,
        ),
        Rule(
            "rescaling_twice",
            lambda a, ex: len(_rescalings(a)) == 1,
            lambda ex: _uint8_model([layers.Rescaling(1 / 255), layers.Rescaling(1 / 255)]),
            True,
        ),
        Rule(
            "rescaling_after_conv",
            lambda a, ex: _rescalings(a)[0][0] == 0,
            lambda ex: _uint8_model([], dtype="float32", middle=[layers.Rescaling(1 / 255)]),
            True,
        ),
        *_MODEL_RULES[1:],  # the layers and their arguments
        Rule(
            "rescaling_scale",
            lambda a, ex: np.isclose(ex.scale(a), 1 / 255) and np.isclose(ex.offset(a), 0),
            lambda ex: _uint8_model([layers.Rescaling(1 / 127.5, offset=-1)]),
        ),
        Rule(
            "uint8_input",
            lambda a, ex: a.dtype == "uint8",
            lambda ex: _uint8_model(dtype="float32"),
        ),
        Rule(
            "same_probabilities",
            _agrees_with_float_model,
            lambda ex: _uint8_model(conv=layers.Conv2D(8, 3, use_bias=False)),
        ),
    ]
    reference = staticmethod(lambda: _uint8_model())

    def scale(self, a):
        return _first_scale(a)

    def offset(self, a):
        return float(np.mean(_rescalings(a)[0][1]["offset"]))

    def parse(self, answer):
        view = _model_answer(answer)
        view.model = answer
        return view


# Exercise 9.3: mixed precision ------------------------------------------------------------


def under_policy(policy, make):
    """``make()`` with Keras' global dtype policy set to ``policy``, and the policy set back
    afterwards, even when ``make`` fails.

    Example:
    >>> under_policy("mixed_float16", lambda: keras.layers.Dense(1).compute_dtype)
    'float16'
    >>> keras.mixed_precision.global_policy().name
    'float32'
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        return make()
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _mixed_model(policy="mixed_float16", softmax="float32", layer_dtype=None, conv_dtype=None,
                 filters=8, linear_after=False):  # fmt: skip
    """9.3's model under ``policy``; ``softmax=None`` puts the softmax inside the Dense layer."""

    def make():
        dense = [layers.Dense(10, dtype=layer_dtype)]
        if softmax:
            dense.append(layers.Activation("softmax", dtype=softmax))
        else:
            dense = [layers.Dense(10, activation="softmax", dtype=layer_dtype)]
        return keras.Sequential(
            [
                keras.Input(IMAGE),
                layers.Conv2D(filters, 3, dtype=conv_dtype or layer_dtype),
                layers.MaxPooling2D(2, dtype=layer_dtype),
                layers.Flatten(dtype=layer_dtype),
                *dense,
                *([layers.Activation("linear")] if linear_after else []),
            ]
        )

    return under_policy(policy, make)


_WEIGHTED = ("Conv2D", "Dense")


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _weighted(a):
    return [layer for layer in _layers(a.model) if type(layer).__name__ in _WEIGHTED]


def _softmax_layer(a):
    """The layer that computes the softmax (the last one), or None."""
    found = [
        layer
        for layer in _layers(a.model)
        if type(layer).__name__ == "Softmax" or kc.activation(layer) == "softmax"
    ]
    return found[-1] if found else None


def _architecture(model):
    """Notebook 05's model as (kind, the arguments that decide it) per layer."""
    return [
        (kind, tuple(config.get(key) for key in kc.DEFAULT_COMPARE.get(kind, ())))
        for kind, config in kc.ModelView(model).layers
    ]


class MixedModel(SpecExercise):
    title = "A mixed-precision model"
    hints = [
        "Set Keras' global policy before you create the layers: each layer takes the policy "
        "that is set when it is made. The softmax needs a policy of its own.",
        '`keras.mixed_precision.set_global_policy("mixed_float16")`; end the model with '
        '`Dense(10)` and a separate `Activation("softmax", ...)` whose `dtype` is float32.',
    ]
    messages = {
        "bfloat16": "The layers compute in bfloat16: that is `mixed_bfloat16`, for TPUs and "
        'recent CPUs. The exercise asks for `"mixed_float16"`, the policy for GPUs.',
        "policy_not_set": "Every layer computes in float32: set the policy with "
        '`keras.mixed_precision.set_global_policy("mixed_float16")` before you create the '
        "layers (a layer takes the policy that is set when it is made).",
        "float16_variables": "The weights are float16 too: that is the policy `float16`, what "
        "the old `--use_fp16` switch did. `mixed_float16` keeps the weights in float32, where "
        "small updates are not lost.",
        "softmax_float16": lambda a, ex: (
            f"The softmax computes in {ex.softmax_dtype(a)}: give "
            'it a layer of its own in float32, `layers.Activation("softmax", dtype="float32")`, '
            "after `Dense(10)`."
        ),
        "output_float32": lambda a, ex: (
            f"The model's output is {ex.output_dtype(a)}: the "
            "probabilities should come out in float32. End the model with the float32 softmax."
        ),
        "compute_float16": lambda a, ex: (
            f"{ex.float32_layers(a)} computes in float32: under "
            "mixed_float16 the convolution and the dense layer compute in float16; only the "
            "softmax is float32, in a layer of its own."
        ),
        "architecture": lambda a, ex: (
            f"{ex.differences(a)}; notebook 05's model is Conv2D(8, 3), "
            "MaxPooling2D(2), Flatten and Dense(10), then the softmax."
        ),
        "model_policy": "Each layer is mixed, but the model itself was made under the float32 "
        "policy, so `compile` would not add loss scaling. Set the global policy before you "
        "build the model and its layers.",
        "praise": "Float16 computation, float32 weights and float32 probabilities out; "
        "`compile` will add loss scaling (a LossScaleOptimizer).",
    }
    rules = [
        Rule(
            "bfloat16",
            lambda a, ex: all(layer.compute_dtype != "bfloat16" for layer in _weighted(a)),
            lambda ex: _mixed_model("mixed_bfloat16"),
            True,
        ),
        Rule(
            "policy_not_set",
            lambda a, ex: any(layer.compute_dtype != "float32" for layer in _weighted(a)),
            lambda ex: speed_cnn(),
            True,
        ),
        Rule(
            "float16_variables",
            lambda a, ex: all(w.dtype != "float16" for w in a.model.weights),
            lambda ex: _mixed_model("float16"),
            True,
        ),
        Rule(
            "softmax_float16",
            lambda a, ex: _softmax_layer(a) is None or ex.softmax_dtype(a) == "float32",
            lambda ex: _mixed_model(softmax=None),
            True,
        ),
        Rule(
            "output_float32",
            lambda a, ex: ex.output_dtype(a) == "float32",
            lambda ex: _mixed_model(linear_after=True),
        ),
        Rule(
            "compute_float16",
            lambda a, ex: not ex.float32_layers(a),
            lambda ex: _mixed_model(conv_dtype="float32"),
        ),
        Rule(
            "architecture",
            lambda a, ex: _architecture(a.model) == _architecture(speed_cnn()),
            lambda ex: _mixed_model(filters=16),
        ),
        Rule(
            "model_policy",
            lambda a, ex: a.model.dtype_policy.name == "mixed_float16",
            lambda ex: _mixed_model("float32", layer_dtype="mixed_float16"),
        ),
    ]
    reference = staticmethod(lambda: under_policy("mixed_float16", speed_cnn))

    def softmax_dtype(self, a):
        return _softmax_layer(a).compute_dtype

    def output_dtype(self, a):
        return keras.backend.standardize_dtype(a.model.outputs[0].dtype)

    def float32_layers(self, a):
        kinds = [type(layer).__name__ for layer in _weighted(a) if layer.compute_dtype != "float16"]
        return ", ".join(kinds)

    def differences(self, a):
        """What differs from the reference: the layers, or the first argument that differs."""
        mine, reference = kc.ModelView(a.model).layers, kc.ModelView(speed_cnn()).layers
        if [kind for kind, _ in mine] != [kind for kind, _ in reference]:
            return f"The layers are {[kind for kind, _ in mine]}"
        for (kind, config), (_, wanted) in zip(mine, reference, strict=True):
            for key in kc.DEFAULT_COMPARE.get(kind, ()):
                if config.get(key) != wanted.get(key):
                    return f"In {kind}, `{key}` is {config.get(key)!r}, not {wanted.get(key)!r}"
        return "The layers differ"

    def parse(self, answer):
        view = kc.model_view(answer)
        view.model = answer
        return view


# Exercise 9.4: when XLA pays off -----------------------------------------------------------

EPOCH_SECONDS = {"without XLA": (9.0, 6.0), "with XLA": (31.0, 4.5)}  # (first, each later)


def _total(run, epochs):
    first, later = EPOCH_SECONDS[run]
    return first + (epochs - 1) * later


class BreakEven(ValueExercise):
    title = "When XLA pays off"
    hints = [
        "Write the time of n epochs for each run: the first epoch, plus n - 1 later ones.",
        "Find the smallest whole n for which the run with XLA takes less time in all; try "
        "the n around where the two totals cross.",
    ]
    messages = {
        "steady_epochs_only": "From the second epoch on, each epoch with XLA is shorter, but "
        "the first one costs {ex.compile_cost} s more: that has to be won back first.",
        "epochs_after_the_first": lambda a, ex: (
            f"After {a} epochs the run with XLA still "
            f"takes longer ({ex.totals(a)}): count the first epoch too, and look for the first n "
            "where XLA is done sooner."
        ),
        "float32_first_epoch_ignored": "The run without XLA also has a longer first epoch "
        "(9.0 s, not 6.0 s): after {a} epochs XLA has been ahead for a while.",
        "praise": lambda a, ex: (
            f"After {a} epochs the run with XLA is done sooner ({ex.totals(a)})."
        ),
    }
    rules = [
        whole_number(10, "number of epochs"),
        *mistakes({"steady_epochs_only": 1, "epochs_after_the_first": 15}),
        *mistakes({"float32_first_epoch_ignored": 18}),
    ]
    compile_cost = EPOCH_SECONDS["with XLA"][0] - EPOCH_SECONDS["without XLA"][0]

    def example(self):
        """The epoch times, in seconds: {run: (first epoch, each later epoch)}."""
        return dict(EPOCH_SECONDS)

    def totals(self, epochs):
        without, with_xla = (_total(run, int(epochs)) for run in EPOCH_SECONDS)
        return f"{with_xla:g} s with XLA, {without:g} s without"

    def expected(self):
        return next(n for n in range(1, 1_000) if _total("with XLA", n) < _total("without XLA", n))


bind(__name__, Pipeline(), Uint8Model(), MixedModel(), BreakEven())
