"""Exercises of notebook 09: every catalogued mistake is named, written the way a learner
writes it; the answers the texts allow are accepted and the near misses they rule out are
refused; no check leaves Keras' global dtype policy changed."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from course_utils.exercises import Outcome, nb09
from course_utils.models import first_cnn, speed_cnn

X_SMALL, Y_SMALL = nb09.q1.example()
NUM_EXAMPLES = len(X_SMALL)
AUTOTUNE = tf.data.AUTOTUNE


def pairs(x=X_SMALL, y=Y_SMALL):
    return tf.data.Dataset.from_tensor_slices((x, y))


def pipeline(*steps, source=None):
    """The pairs of `x_small, y_small`, then each step (dataset -> dataset)."""
    dataset = pairs() if source is None else source
    for step in steps:
        dataset = step(dataset)
    return dataset


def shuffle(size=NUM_EXAMPLES, **options):
    return lambda d: d.shuffle(size, **options)


def batch(size=128, **options):
    return lambda d: d.batch(size, **options)


def prefetch(size=AUTOTUNE):
    return lambda d: d.prefetch(size)


def reference_pipeline():
    return pipeline(shuffle(), batch(), prefetch())


def separately_shuffled():
    images = tf.data.Dataset.from_tensor_slices(X_SMALL).shuffle(len(X_SMALL))
    labels = tf.data.Dataset.from_tensor_slices(Y_SMALL).shuffle(len(Y_SMALL))
    return tf.data.Dataset.zip((images, labels)).batch(128).prefetch(AUTOTUNE)


def mixed(make):
    """`make()` under the mixed_float16 policy, set back to float32 after."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        return make()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def cnn(*tail, front=(), dtype="float32", conv=None):
    """Notebook 05's CNN on inputs of ``dtype``, after the ``front`` layers, ending with
    ``tail`` (by default its Dense softmax layer)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), dtype=dtype),
            *front,
            conv or layers.Conv2D(8, 3),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            *(tail or [layers.Dense(10, activation="softmax")]),
        ]
    )


def uint8_input():
    return keras.Input((28, 28, 1), dtype="uint8")


def uint8_model(*scaling, **options):
    return cnn(front=scaling or [layers.Rescaling(1 / 255)], dtype="uint8", **options)


def mixed_model(softmax_dtype="float32"):
    return cnn(layers.Dense(10), layers.Activation("softmax", dtype=softmax_dtype))


MISTAKES = [
    (nb09.q1, "not_batched", lambda: pipeline(shuffle(), prefetch())),
    (nb09.q1, "endless", lambda: pipeline(shuffle(), batch(), lambda d: d.repeat(), prefetch())),
    (nb09.q1, "drop_remainder", lambda: pipeline(shuffle(), batch(drop_remainder=True))),
    (nb09.q1, "labels_misaligned", separately_shuffled),
    (nb09.q1, "shuffle_buffer_1", lambda: pipeline(shuffle(1), batch(), prefetch())),
    (nb09.q1, "not_shuffled", lambda: pipeline(batch(), prefetch())),
    (nb09.q1, "batch_before_shuffle", lambda: pipeline(batch(), shuffle(8), prefetch())),
    (nb09.q1, "small_buffer", lambda: pipeline(shuffle(100), batch(), prefetch())),
    (
        nb09.q1,
        "cache_after_shuffle",
        lambda: pipeline(shuffle(), lambda d: d.cache(), batch(), prefetch()),
    ),
    (nb09.q2, "no_rescaling", lambda: first_cnn()),
    (nb09.q2, "rescaling_255", lambda: uint8_model(layers.Rescaling(255))),
    (
        nb09.q2,
        "rescaling_twice",
        lambda: uint8_model(layers.Rescaling(1 / 255), layers.Rescaling(1 / 255)),
    ),
    (
        nb09.q2,
        "rescaling_after_conv",
        lambda: keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(8, 3),
                layers.Rescaling(1 / 255),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ]
        ),  # fmt: skip
    ),
    (nb09.q3, "policy_not_set", lambda: mixed_model()),  # built before the policy is set
    (nb09.q3, "softmax_float16", lambda: mixed(first_cnn)),
    (nb09.q3, "softmax_float16", lambda: mixed(lambda: mixed_model(softmax_dtype=None))),
    (nb09.q3, "float16_variables", lambda: float16_model()),
    (nb09.q3, "bfloat16", lambda: bfloat16_model()),
    (nb09.q4, "steady_epochs_only", 1),
    (nb09.q4, "epochs_after_the_first", 15),
    (nb09.q4, "float32_first_epoch_ignored", 18),
]


def float16_model():
    """What `--use_fp16` did: everything in float16, the weights too."""
    keras.mixed_precision.set_global_policy("float16")
    try:
        return mixed_model()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def bfloat16_model():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        return mixed_model()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_catalogued_mistake_is_named(mistake):
    mistake()


@pytest.fixture(autouse=True)
def _policy_stays_float32():
    yield
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (reference_pipeline, None),
        (lambda: pipeline(lambda d: d.cache(), shuffle(), batch(), prefetch()), None),
        (lambda: pipeline(shuffle(seed=0), batch(), prefetch()), None),
        (lambda: pipeline(shuffle(5_000), batch(), prefetch()), None),
        (lambda: pipeline(shuffle(), batch(), prefetch(), lambda d: d.with_options(tf.data.Options())), None),  # fmt: skip
        (lambda: pipeline(shuffle(), batch(), lambda d: d.map(lambda x, y: (x, y)), prefetch()), None),  # fmt: skip
        (lambda: pipeline(shuffle(500), batch(), prefetch()), "small_buffer"),
        (lambda: pipeline(shuffle(), batch(32), prefetch()), "batch_size"),
        (lambda: pipeline(shuffle(), batch(), lambda d: d.take(4), prefetch()), "every_image"),
        (lambda: pipeline(shuffle(), batch(), lambda d: d.repeat(2), prefetch()), "every_image"),
        (lambda: pipeline(shuffle(), batch(), prefetch(1)), "autotune"),
        (lambda: pipeline(shuffle(), batch()), "prefetch"),
        (lambda: pipeline(shuffle(), prefetch(), batch()), "prefetch"),
        (lambda: pipeline(shuffle(reshuffle_each_iteration=False), batch(), prefetch()), "same_order_each_epoch"),  # fmt: skip
        (lambda: pipeline(shuffle(), batch(), source=tf.data.Dataset.from_tensor_slices(X_SMALL)), "pairs"),  # fmt: skip
        (lambda: pipeline(shuffle(), batch(), source=pairs(X_SMALL * 255)), "changed_images"),
        (lambda: pipeline(shuffle(), batch(), source=pairs(X_SMALL.astype("float16"))), "element_spec"),  # fmt: skip
        (lambda: pipeline(shuffle(), batch(), source=pairs(y=np.roll(Y_SMALL, 1))), "labels_misaligned"),  # fmt: skip
        (lambda: (X_SMALL, Y_SMALL), "parse"),
        (lambda: X_SMALL, "parse"),
    ],
    ids=[
        "reference", "cache first", "seeded", "larger buffer", "options", "map", "buffer 500",
        "batch 32", "take", "repeat 2", "prefetch 1", "no prefetch", "prefetch before batch",
        "no reshuffle", "images only", "changed pixels", "float16", "labels rolled", "arrays",
        "one array",
    ],
)  # fmt: skip
def test_pipeline_near_misses(make, rule):
    feedback = nb09.q1.check(make())
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


def test_pipeline_messages_say_what_was_found():
    assert (
        "holds 512 images, 512 different"
        in nb09.q1.check(pipeline(shuffle(), batch(), lambda d: d.take(4))).message
    )
    assert "largest batch holds 32" in nb09.q1.check(pipeline(shuffle(), batch(32))).message
    assert (
        "drops the last 104 images"
        in nb09.q1.check(pipeline(shuffle(), batch(drop_remainder=True))).message
    )
    assert ", 500 images:" in nb09.q1.check(pipeline(shuffle(500), batch())).message


def test_pipeline_example_is_a_copy():
    x, y = nb09.q1.example()
    x[:] = 0
    y[:] = 0
    assert nb09.q1.check(reference_pipeline()).correct


def test_pipeline_steps_are_read_from_the_graph():
    steps = nb09.transformations(pipeline(lambda d: d.cache(), shuffle(), batch(), prefetch()))
    assert [op for op, _ in steps] == ["TensorSlice", "Cache", "Shuffle", "Batch", "Prefetch"]
    assert steps[2][1][0] == len(X_SMALL) and steps[4][1][0] == AUTOTUNE


def functional_uint8():
    inputs = uint8_input()
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.Conv2D(8, 3)(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (uint8_model, None),
        (functional_uint8, None),
        (lambda: speed_cnn("uint8"), None),
        (lambda: uint8_model(layers.Rescaling(scale=1.0 / 255.0, offset=0.0)), None),
        (lambda: cnn(layers.Dense(10), layers.Softmax(), front=[layers.Rescaling(1 / 255)], dtype="uint8"), None),  # fmt: skip
        (lambda: cnn(front=[layers.Rescaling(1 / 255)]), "uint8_input"),
        (lambda: uint8_model(layers.Rescaling(1 / 255, offset=-0.5)), "rescaling_scale"),
        (lambda: uint8_model(layers.Rescaling(1 / 127.5, offset=-1)), "rescaling_scale"),
        (lambda: uint8_model(layers.Lambda(lambda x: keras.ops.cast(x, "float32") / 255)), "no_rescaling"),  # fmt: skip
        (lambda: uint8_model(conv=layers.Conv2D(8, 3, activation="relu")), "layer 2 (Conv2D): activation"),  # fmt: skip
        (lambda: cnn(layers.Dropout(0.5), layers.Dense(10, activation="softmax"), front=[layers.Rescaling(1 / 255)], dtype="uint8"), "layers"),  # fmt: skip
        (lambda: uint8_model(layers.Rescaling(1 / 255)).layers[0], "parse"),
    ],
    ids=[
        "reference", "functional", "speed_cnn", "keywords", "softmax layer", "float input",
        "08's offset", "[-1, 1]", "lambda", "relu", "dropout", "a layer",
    ],
)  # fmt: skip
def test_uint8_model_near_misses(make, rule):
    feedback = nb09.q2.check(make())
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


def test_uint8_model_compares_predictions_with_the_float_model():
    no_bias = uint8_model(conv=layers.Conv2D(8, 3, use_bias=False))
    assert nb09.q2.check(no_bias).rule == "same_probabilities"
    model = uint8_model()
    weights = [w.copy() for w in model.get_weights()]
    assert nb09.q2.check(model).correct
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # the check changed nothing in it


def test_uint8_model_message_names_what_comes_before_rescaling():
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(8, 3), layers.Rescaling(1 / 255),
         layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax")]
    )  # fmt: skip
    assert "comes after Conv2D," in nb09.q2.check(model).message


def per_layer_mixed():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, dtype="mixed_float16"),
            layers.MaxPooling2D(2, dtype="mixed_float16"),
            layers.Flatten(dtype="mixed_float16"),
            layers.Dense(10, dtype="mixed_float16"),
            layers.Activation("softmax", dtype="float32"),
        ]
    )


def functional_mixed():
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(8, 3)(inputs)
    x = layers.Flatten()(layers.MaxPooling2D(2)(x))
    x = layers.Dense(10)(x)
    return keras.Model(inputs, layers.Softmax(dtype="float32")(x))


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: mixed(mixed_model), None),
        (lambda: mixed(speed_cnn), None),
        (lambda: mixed(functional_mixed), None),
        (lambda: mixed(lambda: cnn(layers.Dense(10, activation="softmax", dtype="float32"))), "compute_float16"),  # fmt: skip
        (lambda: mixed(lambda: cnn(layers.Dense(10), layers.Activation("softmax", dtype="float32"), layers.Activation("linear"))), "output_float32"),  # fmt: skip
        (lambda: mixed(lambda: cnn(layers.Dense(20), layers.Activation("softmax", dtype="float32"))), "architecture"),  # fmt: skip
        (lambda: mixed(lambda: cnn(layers.Dense(10))), "output_float32"),
        (per_layer_mixed, "model_policy"),
        (lambda: "mixed_float16", "parse"),
    ],
    ids=[
        "reference", "speed_cnn", "functional", "dense float32", "linear after", "dense 20",
        "no softmax", "per layer", "a string",
    ],
)  # fmt: skip
def test_mixed_model_near_misses(make, rule):
    feedback = nb09.q3.check(make())
    assert feedback.correct if rule is None else feedback.rule == rule, feedback


def test_mixed_model_the_reference_gets_loss_scaling_and_per_layer_does_not():
    """What the `model_policy` rule stands for: only a model made under the mixed policy
    gets a LossScaleOptimizer from `compile`."""
    for make, scaled in [(lambda: mixed(mixed_model), True), (per_layer_mixed, False)]:
        model = make()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        assert (type(model.optimizer).__name__ == "LossScaleOptimizer") is scaled


@pytest.mark.parametrize(
    ("answer", "rule", "message"),
    [
        (16, None, "98.5 s with XLA, 99 s without"),
        (np.int64(16), None, ""),
        (16.0, "whole_number", "a float"),
        ("16", "whole_number", "Received: '16'"),
        (15, "epochs_after_the_first", "94 s with XLA, 93 s without"),
        (17, None, "Try `ex.q4.hint()`"),
    ],
)
def test_break_even_near_misses(answer, rule, message):
    feedback = nb09.q4.check(answer)
    if rule is None and answer != 16:
        assert feedback.outcome is Outcome.INCORRECT and feedback.rule is None, feedback
    else:
        assert feedback.correct if rule is None else feedback.rule == rule, feedback
    assert message in feedback.message


def test_break_even_is_the_first_epoch_count_where_xla_is_done_sooner():
    times = nb09.q4.example()
    (first, later), (xla_first, xla_later) = times["without XLA"], times["with XLA"]
    totals = [(first + (n - 1) * later, xla_first + (n - 1) * xla_later) for n in (15, 16)]
    assert totals[0][1] > totals[0][0] and totals[1][1] < totals[1][0]
    assert nb09.q4.expected() == 16
