"""course_utils.params against Keras' count_params(): syllabus figures and random stacks."""

import keras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers

from course_utils.params import (
    ParamTable,
    batch_norm_params,
    conv2d_params,
    dense_params,
    formula,
    layer_params,
    param_table,
    share_of_largest,
)
from course_utils.plotting import plot_param_counts


def sequential(input_shape, *stack):
    return keras.Sequential([keras.Input(input_shape), *stack])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 1, 10), 100),
        ((3, 1, 32), 320),
        ((3, 32, 64), 18_496),
        ((5, 1, 32), 832),
        ((5, 32, 64), 51_264),
        (((3, 5), 3, 4), (3 * 5 * 3 + 1) * 4),
        ((3, 1, 10, False), 90),
    ],
)
def test_conv2d_params_hand_cases(args, expected):
    assert conv2d_params(*args) == expected
    kernel, channels, filters, *bias = args
    layer = layers.Conv2D(filters, kernel, use_bias=bias[0] if bias else True)
    layer.build((None, 28, 28, channels))
    assert layer.count_params() == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [((360, 100), 36_100), ((100, 10), 1_010), ((9216, 128), 1_179_776), ((128, 10), 1_290),
     ((1352, 10), 13_530), ((3136, 512), 1_606_144), ((32_768, 1024), 33_555_456),
     ((512, 1024), 525_312), ((10, 5, False), 50)],
)  # fmt: skip
def test_dense_params_hand_cases(args, expected):
    assert dense_params(*args) == expected
    layer = layers.Dense(args[1], use_bias=args[2] if len(args) > 2 else True)
    layer.build((None, args[0]))
    assert layer.count_params() == expected


def test_batch_norm_params_split():
    layer = layers.BatchNormalization()
    layer.build((None, 8, 8, 32))
    trainable = sum(w.numpy().size for w in layer.trainable_weights)
    frozen = sum(w.numpy().size for w in layer.non_trainable_weights)
    assert batch_norm_params(32) == (trainable, frozen) == (64, 64)
    assert batch_norm_params(32, center=False) == (32, 64)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conv2d_params(3, 0, 10), ValueError, "Received: input_channels=0"),
        (lambda: dense_params(9216.0, 128), TypeError, "Received: input_units=9216.0"),
        (lambda: batch_norm_params(-1), ValueError, "Received: channels=-1"),
        (lambda: layer_params(layers.Dense(4, name="head")), ValueError, "'head' is not built"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("axis", "input_shape", "means"),
    [(-1, (32, 32, 3), 3), (None, (32, 32, 3), 1), ((1, 2), (8, 4, 3), 32), (1, (28, 28, 1), 28)],
)
def test_normalization_counts_like_keras(axis, input_shape, means):
    norm = layers.Normalization(axis=axis)
    model = sequential(input_shape, norm)
    assert layer_params(norm) == (0, 2 * means + 1) and norm.count_params() == 2 * means + 1
    assert formula(norm).startswith(f"2 x {means} + 1")
    assert param_table(model).all_match


def test_layer_params_unsupported_layer():
    layer = layers.Conv1D(4, 3)
    layer.build((None, 10, 2))
    with pytest.raises(ValueError, match="No parameter formula for a Conv1D layer"):
        layer_params(layer)


SYLLABUS_MODELS = [
    (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(10, 3), layers.MaxPooling2D(), layers.MaxPooling2D(),
            layers.Flatten(), layers.Dense(100), layers.Dense(10),
        ),
        37_210,
    ),
    (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(32, 3), layers.Conv2D(64, 3), layers.MaxPooling2D(),
            layers.Dropout(0.25), layers.Flatten(), layers.Dense(128), layers.Dropout(0.5),
            layers.Dense(10),
        ),
        1_199_882,
    ),
    (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(8, 3), layers.MaxPooling2D(2), layers.Flatten(),
            layers.Dense(10),
        ),
        13_610,
    ),
    (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(32, 5, padding="same"), layers.MaxPooling2D(padding="same"),
            layers.Conv2D(64, 5, padding="same"), layers.MaxPooling2D(padding="same"),
            layers.Flatten(), layers.Dense(512), layers.Dropout(0.5), layers.Dense(10),
        ),
        1_663_370,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("build", "total"), SYLLABUS_MODELS)
def test_param_table_syllabus_models(build, total):
    model = build()
    table = param_table(model)
    assert table.all_match, repr(table)
    assert table.total == total == model.count_params()
    assert "MISMATCH" not in repr(table)


def cifar_tutorial_model(global_pooling=False):
    """The syllabus' CIFAR-10 model, with BatchNormalization after every conv layer and the
    first two dense layers (its published 6,080 non-trainable weights are 2 x (32 + 64 +
    128 + 256 + 512 + 512 + 1024 + 512): no BatchNormalization after Dense 128)."""
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for block in [(32, 3), (64, 3), "pool", (128, 5), (256, 5), (512, 3), (512, 5), "pool"]:
        if block == "pool":
            x = layers.MaxPooling2D()(x)
            continue
        x = layers.Conv2D(*block, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x) if global_pooling else layers.Flatten()(x)
    for units in (1024, 512):
        x = layers.Dense(units, activation="relu")(x)
        x = layers.BatchNormalization()(x)
    x = layers.Dense(128, activation="relu")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def test_param_table_cifar_tutorial_model():
    model = cifar_tutorial_model()
    table = param_table(model)
    assert table.all_match, repr(table)
    assert (table.total, table.trainable, table.non_trainable) == (42_937_418, 42_931_338, 6_080)
    dense = next(row for row in table.rows if row[1] == "Dense")
    assert dense[3] == 33_555_456
    assert "trainable 42,931,338" in table._repr_markdown_()


def test_global_average_pooling_shrinks_the_first_dense_layer():
    table = param_table(cifar_tutorial_model(global_pooling=True))
    assert table.all_match
    assert next(row for row in table.rows if row[1] == "Dense")[3] == 525_312


def test_share_of_largest_dense_layer():
    table = param_table(SYLLABUS_MODELS[1][0]())
    name, share = share_of_largest(table)
    assert name.startswith("dense") and round(share, 2) == 0.98


def test_formula_text():
    model = SYLLABUS_MODELS[2][0]()
    assert [formula(layer) for layer in model.layers] == [
        "(3 x 3 x 1 + 1) x 8", "0", "0", "(1352 + 1) x 10",
    ]  # fmt: skip


def test_plot_param_counts_draws_one_bar_per_layer():
    table = param_table(SYLLABUS_MODELS[1][0]())
    fig = plot_param_counts(table)
    ax = fig.axes[0]
    assert [float(bar.get_width()) for bar in ax.patches] == list(table.counts().values())
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table.counts())
    assert "1,199,882" in ax.get_title()
    labels = [t.get_text() for t in ax.texts]
    assert "1,179,776 (98.3%)" in labels and "0" in labels
    assert "320 (<0.1%)" in labels  # 0.03%: not shown as 0.0%


@st.composite
def layer_stack(draw):
    """Specs of a random chain of Conv2D / BatchNormalization / pooling, Flatten, Dense."""
    stack = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "conv", "bn", "pool"]))
        if kind == "conv":
            kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
            stack.append(("Conv2D", draw(st.integers(1, 16)), kernel, draw(st.booleans())))
        elif kind == "bn":
            stack.append(("BatchNormalization", draw(st.booleans()), draw(st.booleans())))
        else:
            stack.append(("MaxPooling2D", draw(st.integers(1, 2))))
    stack.append(("Flatten",))
    for _ in range(draw(st.integers(0, 2))):
        stack.append(("Dense", draw(st.integers(1, 32)), draw(st.booleans())))
    return stack


def build_layer(spec):
    kind, *args = spec
    if kind == "Conv2D":
        return layers.Conv2D(args[0], args[1], padding="same", use_bias=args[2])
    if kind == "BatchNormalization":
        return layers.BatchNormalization(center=args[0], scale=args[1])
    if kind == "MaxPooling2D":
        return layers.MaxPooling2D(args[0], padding="same")
    if kind == "Dense":
        return layers.Dense(args[0], use_bias=args[1])
    return layers.Flatten()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    input_shape=st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 4)),
    stack=layer_stack(),
)
def test_random_stacks_count_like_keras(input_shape, stack):
    model = sequential(input_shape, *[build_layer(spec) for spec in stack])
    table = param_table(model)
    assert table.all_match, repr(table)
    assert table.total == model.count_params()
    trainable = sum(w.numpy().size for w in model.trainable_weights)
    assert table.trainable == trainable


# Impossible input is refused with a sentence that names the argument (issue 14).


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conv2d_params(3, 1, 10, use_bias=2), TypeError, r"use_bias must be True or "
         r"False\. Received: use_bias=2\."),
        (lambda: conv2d_params(0, 1, 10), ValueError, "Received: kernel_size=0"),
        (lambda: conv2d_params(3, True, 10), TypeError, "Received: input_channels=True"),
        (lambda: conv2d_params(3, 1, "10"), TypeError, "Received: filters='10'"),
        (lambda: dense_params(10, 5, use_bias="yes"), TypeError, "Received: use_bias='yes'"),
        (lambda: dense_params(10, -5), ValueError, "Received: units=-5"),
        (lambda: batch_norm_params(32, center=2), TypeError, "Received: center=2"),
        (lambda: batch_norm_params(32, scale=None), TypeError, "Received: scale=None"),
        (lambda: batch_norm_params(True), TypeError, "Received: channels=True"),
        (lambda: layer_params("dense"), TypeError, r"layer_params needs a Keras layer\. "
         r"Received: 'dense' \(str\)\."),
        (lambda: formula(None), TypeError, r"formula needs a Keras layer\. Received: None"),
        (lambda: param_table(layers.Dense(3)), TypeError, r"param_table needs a Keras model\. "
         r"Received: <Dense name=.*> \(Dense\)\."),
        (lambda: param_table(keras.Sequential([layers.Dense(3)], name="draft")), ValueError,
         r"param_table needs a built model, and model 'draft' has no input shape yet: start it "
         r"with keras.Input\(shape\), or call model.build\(\(None, \*shape\)\) first\."),
        (lambda: share_of_largest(ParamTable([])), ValueError,
         "share_of_largest needs a ParamTable with at least one layer"),
        (lambda: share_of_largest({"a": 1}), TypeError, r"Received: \{'a': 1\}\."),
        (lambda: ParamTable([("a", "Dense", "", -1, 0, 0)]), ValueError,
         r"Received: trainable=-1 in the row of 'a'\."),
        (lambda: ParamTable("rows"), TypeError, "Received: rows='rows'"),
    ],
)  # fmt: skip
def test_impossible_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def multi_input_model():
    """Two inputs, a residual Add and a Concatenate: layers with several inputs."""
    image, extra = keras.Input((8, 8, 3)), keras.Input((5,))
    a = layers.Conv2D(4, 3, padding="same")(image)
    b = layers.Conv2D(4, 1, name="shortcut")(image)
    x = layers.Add(name="add")([a, b])
    x = layers.Concatenate(name="concatenate")([x, a])
    x = layers.Flatten()(x)
    x = layers.Concatenate(name="with_extra")([x, extra])
    return keras.Model([image, extra], layers.Dense(2)(x))


def test_param_table_multi_input_layers_count_like_keras():
    model = multi_input_model()
    table = param_table(model)
    assert table.all_match, repr(table)
    assert table.total == model.count_params() == 112 + 16 + (512 + 5 + 1) * 2
    counts = table.counts()
    assert counts["add"] == counts["concatenate"] == counts["with_extra"] == 0
    assert [row[2] for row in table.rows if row[1] in ("Add", "Concatenate")] == ["0"] * 3


def test_param_table_of_a_model_built_with_build():
    model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    model.build((None, 8, 8, 1))
    table = param_table(model)
    assert table.all_match and table.total == model.count_params() == 40 + 145 * 2
