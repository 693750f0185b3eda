"""course_utils.shapes against Keras, the oracle: hand cases and random layer stacks."""

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers

from course_utils import shapes
from course_utils.shapes import (
    conv2d_numpy,
    conv_output_shape,
    conv_output_size,
    pool_output_size,
    trace_shapes,
)


def keras_output_shape(input_shape, *stack):
    model = keras.Sequential([keras.Input(input_shape), *stack])
    return tuple(model.output_shape[1:])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((28, 3), 26),  # 28 -> Conv 3x3 valid -> 26
        ((26, 3), 24),
        ((28, 5, 1, "same"), 28),
        ((28, 3, 2, "same"), 14),  # strides 2 'same' halves, rounding up
        ((7, 3, 2, "same"), 4),
        ((28, 3, 2, "valid"), 13),
        ((28, 3, 1, "valid", 2), 24),  # dilated kernel spans 5
        ((5, 5), 1),
        ((32, 3, 1, "SAME"), 32),
    ],
)
def test_conv_output_size_hand_cases(args, expected):
    assert conv_output_size(*args) == expected
    input_size, kernel, *rest = args
    strides, padding, dilation = (rest + [1, "valid", 1][len(rest) :])[:3]
    layer = layers.Conv2D(
        1, kernel, strides=strides, padding=padding.lower(), dilation_rate=dilation
    )
    assert keras_output_shape((input_size, input_size, 1), layer)[0] == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [((26,), 13), ((13,), 6), ((6,), 3), ((7, 2, None, "same"), 4), ((28, 3), 9), ((10, 3, 1), 8)],
)
def test_pool_output_size_hand_cases(args, expected):
    assert pool_output_size(*args) == expected
    size, pool, strides, padding = (args + (2, None, "valid")[len(args) - 1 :])[:4]
    layer = layers.MaxPooling2D(pool, strides=strides, padding=padding)
    assert keras_output_shape((size, size, 1), layer)[0] == expected


def test_conv_output_size_impossible_config():
    with pytest.raises(
        ValueError, match=r"zero or negative.*Received: input_size=2, kernel_size=3"
    ):
        conv_output_size(2, 3)
    with pytest.raises(ValueError, match="dilated kernel of 7"):
        conv_output_size(6, 3, dilation_rate=3)
    with pytest.raises(ValueError, match="Received: input_size=1, pool_size=2") as raised:
        pool_output_size(1, 2)
    assert "a pool of 2" in str(raised.value) and "dilation" not in str(raised.value)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conv_output_size(28, 0), ValueError, "Received: kernel_size=0"),
        (lambda: conv_output_size(28.0, 3), TypeError, "Received: input_size=28.0"),
        (lambda: conv_output_size(28, 3, padding="full"), ValueError, "Received: padding='full'"),
        (lambda: conv_output_size(28, 3, strides=True), TypeError, "Received: strides=True"),
        (
            lambda: conv_output_shape((28, 28), 8, 3),
            ValueError,
            r"Received: input_shape=\(28, 28\)",
        ),
        (
            lambda: conv_output_shape((28, 28, 1), 8, (3, 3, 3)),
            ValueError,
            "kernel_size=\\(3, 3, 3\\)",
        ),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


SYLLABUS_TRACES = [
    # 28 -> Conv 3x3 valid -> 26 -> MaxPool 2 -> 13 -> Flatten 1352
    ([layers.Conv2D(8, 3), layers.MaxPooling2D(2), layers.Flatten()], (1352,)),
    # 28 -> 26 -> 24 -> 12 -> Flatten 9216
    (
        [layers.Conv2D(32, 3), layers.Conv2D(64, 3), layers.MaxPooling2D(), layers.Flatten()],
        (9216,),
    ),
    # 28 -> same 28 -> pool same 14 -> same 14 -> pool 7 -> Flatten 3136
    (
        [
            layers.Conv2D(32, 5, padding="same"),
            layers.MaxPooling2D(padding="same"),
            layers.Conv2D(64, 5, padding="same"),
            layers.MaxPooling2D(padding="same"),
            layers.Flatten(),
        ],
        (3136,),
    ),
    # 28 -> 26 -> 13 -> 6 -> Flatten 360
    (
        [layers.Conv2D(10, 3), layers.MaxPooling2D(), layers.MaxPooling2D(), layers.Flatten()],
        (360,),
    ),
    ([layers.Conv2D(8, 3, strides=2, padding="same")], (14, 14, 8)),
]


@pytest.mark.parametrize(("stack", "expected"), SYLLABUS_TRACES)
def test_trace_shapes_syllabus_models(stack, expected):
    model = keras.Sequential([keras.Input((28, 28, 1)), *stack])
    trace = trace_shapes(model)
    assert trace.all_match, repr(trace)
    assert trace.rows[-1][2] == expected == tuple(model.output_shape[1:])
    assert "MISMATCH" not in repr(trace) and "✗" not in trace._repr_markdown_()


def test_trace_shapes_functional_model_with_other_layers():
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.ZeroPadding2D(((1, 2), (3, 0)))(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    trace = trace_shapes(keras.Model(inputs, outputs))
    assert trace.all_match, repr(trace)
    assert trace.rows[1][2] == (35, 35, 3)
    assert [row[2] for row in trace.rows][-2:] == [(16,), (10,)]


def test_trace_shapes_reports_a_wrong_prediction(monkeypatch):
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3)])
    monkeypatch.setattr(shapes, "conv_output_size", lambda i, k, s=1, p="valid", d=1: i - k)
    trace = trace_shapes(model)
    assert not trace.all_match
    assert "MISMATCH" in repr(trace)


@st.composite
def conv_layer(draw):
    dilation = draw(st.integers(1, 3))
    strides = 1 if dilation > 1 else draw(st.integers(1, 3))  # Keras allows one of the two
    return {
        "kind": "conv",
        "filters": draw(st.integers(1, 6)),
        "kernel_size": (draw(st.integers(1, 6)), draw(st.integers(1, 6))),
        "strides": (strides, strides if dilation > 1 else draw(st.integers(1, 3))),
        "padding": draw(st.sampled_from(["valid", "same"])),
        "dilation_rate": (dilation, dilation),
    }


@st.composite
def pool_layer(draw):
    return {
        "kind": draw(st.sampled_from(["max", "average"])),
        "pool_size": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "strides": draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3)))),
        "padding": draw(st.sampled_from(["valid", "same"])),
    }


def make_layer(spec):
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "conv":
        return layers.Conv2D(**spec)
    return (layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D)(**spec)


def formula_shape(input_shape, specs):
    shape = input_shape
    for spec in specs:
        spec = dict(spec)
        kind = spec.pop("kind")
        if kind == "conv":
            shape = conv_output_shape(shape, **spec)
        else:
            shape = shapes.pool_output_shape(shape, **spec)
    return shape


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    height=st.integers(1, 48),
    width=st.integers(1, 48),
    channels=st.integers(1, 4),
    specs=st.lists(st.one_of(conv_layer(), pool_layer()), min_size=1, max_size=4),
)
def test_random_stacks_agree_with_keras(height, width, channels, specs):
    input_shape = (height, width, channels)
    try:
        predicted = formula_shape(input_shape, specs)
    except ValueError:
        predicted = None
    try:
        keras_shape = keras_output_shape(input_shape, *[make_layer(s) for s in specs])
    except ValueError:
        keras_shape = None
    if keras_shape is not None and 0 in keras_shape:
        keras_shape = None  # Keras 3.6 reports an empty output as size 0; later ones refuse it
    assert predicted == keras_shape  # None on both sides: both refuse an empty output


def test_conv2d_numpy_agrees_with_keras_on_a_real_digit():
    from course_utils.data import load_mnist

    (x_train, _), _ = load_mnist("standin", verbose=False)
    digit = x_train[0].astype("float32") / 255
    layer = layers.Conv2D(4, 3)
    keras_out = np.asarray(layer(digit[None, :, :, None]))[0]
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    ours = conv2d_numpy(digit, kernel, bias)
    assert ours.shape == keras_out.shape == (26, 26, 4)
    np.testing.assert_allclose(ours, keras_out, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(3, 12),
    channels=st.integers(1, 3),
    filters=st.integers(1, 3),
    kernel=st.integers(1, 3),
    strides=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    seed=st.integers(0, 1000),
)
def test_conv2d_numpy_matches_keras_everywhere(
    size, channels, filters, kernel, strides, padding, seed
):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(size, size, channels)).astype("float32")
    layer = layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, bias_initializer="random_normal"
    )
    keras_out = np.asarray(layer(image[None]))[0]
    kernel_weights, bias = (np.asarray(w) for w in layer.get_weights())
    np.testing.assert_allclose(
        conv2d_numpy(image, kernel_weights, bias, strides, padding), keras_out, atol=1e-4
    )


def test_conv2d_numpy_is_cross_correlation():
    image = np.zeros((3, 3))
    image[0, 0] = 1
    kernel = np.arange(9.0).reshape(3, 3)
    # A true convolution would flip the kernel; Keras (and this) does not.
    assert conv2d_numpy(image, kernel)[0, 0] == kernel[0, 0]


def test_conv2d_numpy_channel_mismatch():
    with pytest.raises(ValueError, match=r"Received: image \(5, 5, 3\), kernel \(3, 3, 1, 2\)"):
        conv2d_numpy(np.zeros((5, 5, 3)), np.zeros((3, 3, 1, 2)))


# Impossible input is refused with a sentence that names the argument (issue 14).


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conv_output_size(28, 3, strides=0), ValueError, "Received: strides=0"),
        (lambda: conv_output_size(28, 3, dilation_rate=-1), ValueError,
         "Received: dilation_rate=-1"),
        (lambda: conv_output_size(28, 3, padding=None), ValueError, "Received: padding=None"),
        # The strides, not "a pool of 2 does not fit", as before:
        (lambda: pool_output_size(28, 2, strides=0), ValueError,
         r"strides must be 1 or more\. Received: strides=0\."),
        (lambda: pool_output_size(28, padding="full"), ValueError, "Received: padding='full'"),
        (lambda: pool_output_size(28.5), TypeError, "Received: input_size=28.5"),
        (lambda: conv_output_shape((28, 28, 0), 8, 3), ValueError, "Received: channels=0"),
        (lambda: conv_output_shape((28, 28, "1"), 8, 3), TypeError, "Received: channels='1'"),
        (lambda: conv_output_shape((28, 28, 1), 8, 3, padding="full"), ValueError,
         "Received: padding='full'"),
        (lambda: shapes.pool_output_shape((28, 28, 1), strides=(2, 0)), ValueError,
         "Received: strides=0"),
        (lambda: shapes.check_bool("use_bias", 1), TypeError,
         r"use_bias must be True or False\. Received: use_bias=1\."),
        (lambda: shapes.predict_output_shape("conv", (28, 28, 1)), TypeError,
         r"predict_output_shape needs a Keras layer\. Received: 'conv' \(str\)\."),
        (lambda: shapes.predict_output_shape(layers.Flatten(), (28, -1)), TypeError,
         r"input_shape must be a tuple of positive whole numbers .* Received: "
         r"input_shape=\(28, -1\)\."),
        (lambda: shapes.predict_output_shape(layers.Add(), (8, 8, 4)), ValueError,
         r"Add takes a list of two or more input shapes .* Received: input_shape=\(8, 8, 4\)\."),
        (lambda: shapes.predict_output_shape(layers.Conv2D(2, 3), (28, 28)), ValueError,
         r"Conv2D takes \(height, width, channels\) .* Received: input_shape=\(28, 28\)\."),
        (lambda: trace_shapes(None), TypeError,
         r"trace_shapes needs a Keras model\. Received: None \(NoneType\)\."),
        (lambda: trace_shapes(keras.Sequential([layers.Dense(3)], name="draft")), ValueError,
         "trace_shapes needs a built model, and model 'draft' has no input shape yet"),
        (lambda: conv2d_numpy(np.zeros((5, 5)), np.ones((3, 3, 1, 2)), bias=[1, 2, 3]),
         ValueError, r"bias must be a number or one per filter \(2\)\. Received: bias of shape "
         r"\(3,\)\."),
        (lambda: conv2d_numpy("image", np.ones((3, 3))), ValueError,
         r"image must be an array of numbers\. Received: image='image'\."),
        (lambda: conv2d_numpy(np.zeros((5, 5)), None), ValueError,
         r"kernel must be an array of numbers\. Received: kernel=None\."),
        (lambda: conv2d_numpy(np.zeros((5, 5)), np.ones((0, 0))), ValueError,
         "Received: kernel_size=0"),
    ],
)  # fmt: skip
def test_impossible_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_same_padding_of_a_huge_size_is_exact():
    assert conv_output_size(10**30 + 1, 3, strides=2, padding="same") == 5 * 10**29 + 1


def test_trace_shapes_multi_input_layers_agree_with_keras():
    image, extra = keras.Input((8, 8, 3)), keras.Input((5,))
    a = layers.Conv2D(4, 3, padding="same")(image)
    b = layers.Conv2D(4, 1)(image)
    x = layers.Add()([a, b])
    x = layers.Concatenate()([x, a])  # channels: 4 + 4
    x = layers.Concatenate(axis=1)([x, layers.ZeroPadding2D(((0, 0), (0, 0)))(x)])  # rows
    x = layers.Multiply()([x, x])
    x = layers.Flatten()(x)
    outputs = layers.Dense(2)(layers.Concatenate()([x, extra]))
    model = keras.Model([image, extra], outputs)
    trace = trace_shapes(model)
    assert trace.all_match, repr(trace)
    by_name = {row[0]: row for row in trace.rows}
    for layer in model.layers:  # Keras is the oracle
        if type(layer).__name__ == "InputLayer":
            continue
        assert by_name[layer.name][2] == tuple(layer.output.shape[1:]), layer.name
    kinds = [row[1] for row in trace.rows]
    assert kinds.count("Concatenate") == 3 and "Add" in kinds and "Multiply" in kinds
    assert trace.rows[-1][2] == (2,) and trace.rows[-2][2] == (16 * 8 * 8 + 5,)


def test_trace_shapes_keeps_sizes_keras_leaves_open():
    model = keras.Sequential(
        [keras.Input((None, None, 1)), layers.Conv2D(4, 3), layers.MaxPooling2D(),
         layers.GlobalAveragePooling2D(), layers.Dense(3)]
    )  # fmt: skip
    trace = trace_shapes(model)
    assert trace.all_match, repr(trace)
    assert [row[2] for row in trace.rows] == [(None, None, 4), (None, None, 4), (4,), (3,)]


def test_trace_shapes_of_different_add_shapes_says_why():
    first, second = keras.Input((4, 1)), keras.Input((1, 3))
    model = keras.Model([first, second], layers.Add(name="broadcast")([first, second]))
    (row,) = trace_shapes(model).rows
    assert row[3] == tuple(model.layers[-1].output.shape[1:]) == (4, 3)
    assert row[2].startswith("? (No shape formula for Add of inputs of different shapes")


def test_an_empty_trace_prints():
    assert repr(shapes.ShapeTrace([])).startswith("layer") and shapes.ShapeTrace([]).all_match
