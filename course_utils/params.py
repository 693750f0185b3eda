"""Parameter counts by formula, checked against what Keras counts.

- ``Conv2D``: $(k_h k_w C_{in} + 1) \\cdot filters$ (no $+1$ without bias);
- ``Dense``: $(inputs + 1) \\cdot units$;
- ``BatchNormalization``: 4 per channel: gamma and beta are trained, the moving mean
  and moving variance are not;
- ``Normalization``: a mean and a variance per position along its axes (per channel by
  default), plus a count; none are trained;
- pooling, ``Flatten``, ``Dropout``, ``GlobalAveragePooling2D``, ``Rescaling``: 0.
"""

import math

from course_utils.shapes import (
    check_bool,
    check_built_model,
    check_int_pair,
    check_layer,
    check_positive_int,
    short_repr,
)

_NO_PARAMETERS = (
    "InputLayer",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "Dropout",
    "SpatialDropout2D",
    "Activation",
    "ReLU",
    "Softmax",
    "Rescaling",
    "Reshape",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "ZeroPadding2D",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
)
_FORMULAS = ("Conv2D", "Dense", "BatchNormalization", "Normalization")


def conv2d_params(kernel_size, input_channels, filters, use_bias=True):
    """Weights of a ``Conv2D`` layer: one kernel per filter spans all input channels.

    Args:
        kernel_size: an int or a (height, width) pair.
        input_channels: the channels of the layer's input (Keras infers them).
        filters: the number of filters.
        use_bias: one bias per filter when True.

    Example:
    >>> conv2d_params(3, input_channels=1, filters=10)
    100
    >>> conv2d_params(3, input_channels=32, filters=64)
    18496
    """
    k_h, k_w = check_int_pair("kernel_size", kernel_size)
    input_channels = check_positive_int("input_channels", input_channels)
    filters = check_positive_int("filters", filters)
    use_bias = check_bool("use_bias", use_bias)
    return (k_h * k_w * input_channels + (1 if use_bias else 0)) * filters


def dense_params(input_units, units, use_bias=True):
    """Weights of a ``Dense`` layer: one weight per input per unit, plus a bias each.

    Example:
    >>> dense_params(9216, 128)
    1179776
    """
    input_units = check_positive_int("input_units", input_units)
    units = check_positive_int("units", units)
    use_bias = check_bool("use_bias", use_bias)
    return (input_units + (1 if use_bias else 0)) * units


def batch_norm_params(channels, center=True, scale=True):
    """``(trainable, non_trainable)`` weights of ``BatchNormalization`` over ``channels``.

    gamma (``scale``) and beta (``center``) are learned; the moving mean and moving
    variance are updated during training but not by the optimizer.

    Example:
    >>> batch_norm_params(32)
    (64, 64)
    """
    channels = check_positive_int("channels", channels)
    center, scale = check_bool("center", center), check_bool("scale", scale)
    return (channels * (int(center) + int(scale)), 2 * channels)


def layer_params(layer):
    """``(trainable, non_trainable)`` weights of a built Keras layer, by formula.

    Raises:
        ValueError: for a layer the formulas here do not cover, naming its class.

    Example:
    >>> import keras
    >>> from keras import layers
    >>> conv = layers.Conv2D(32, 5)
    >>> conv.build((None, 28, 28, 1))
    >>> layer_params(conv), conv.count_params()
    ((832, 0), 832)
    """
    check_layer("layer_params", layer)
    kind = type(layer).__name__
    config = layer.get_config()
    if kind in _NO_PARAMETERS:
        return (0, 0)
    if kind not in _FORMULAS:
        raise ValueError(f"No parameter formula for a {kind} layer ({layer.name!r}).")
    input_shape = _input_shape(layer)
    if kind == "Conv2D":
        if config.get("groups", 1) != 1:
            raise ValueError(f"No formula for grouped convolutions ({layer.name!r}).")
        count = conv2d_params(
            tuple(config["kernel_size"]), input_shape[-1], config["filters"], config["use_bias"]
        )
        return (count, 0) if layer.trainable else (0, count)
    if kind == "Dense":
        count = dense_params(input_shape[-1], config["units"], config["use_bias"])
        return (count, 0) if layer.trainable else (0, count)
    if kind == "BatchNormalization":
        trainable, moving = batch_norm_params(input_shape[-1], config["center"], config["scale"])
        return (trainable, moving) if layer.trainable else (0, trainable + moving)
    return (0, 2 * _normalized_size(config, input_shape) + 1)  # Normalization


def _normalized_size(config, input_shape):
    """How many means a Normalization layer keeps: one per position along its axes."""
    axes = config["axis"]
    axes = () if axes is None else (axes,) if isinstance(axes, int) else tuple(axes)
    return math.prod(input_shape[axis] for axis in axes)


def _input_shape(layer):
    """The shape of the layer's one input, from its call or from ``layer.build(shape)``."""
    try:
        tensor = layer.input
    except (AttributeError, ValueError):  # never called
        return _built_input(layer)
    if isinstance(tensor, (list, tuple)):
        raise ValueError(f"No parameter formula for a layer with several inputs ({layer.name!r}).")
    return tuple(tensor.shape)


def _built_input(layer):
    """The input shape a layer was built with (``layer.build(shape)``), from Keras' config."""
    config = layer.get_build_config() or {}
    shape = config.get("input_shape") or next(iter(config.get("shapes_dict", {}).values()), None)
    if shape is None:
        raise ValueError(f"Layer {layer.name!r} is not built: build it or call it on an input.")
    return tuple(shape)


def formula(layer):
    """The formula behind ``layer_params`` for one layer, as text.

    Example:
    >>> import keras
    >>> from keras import layers
    >>> dense = layers.Dense(10)
    >>> dense.build((None, 1352))
    >>> formula(dense)
    '(1352 + 1) x 10'
    """
    check_layer("formula", layer)
    kind = type(layer).__name__
    config = layer.get_config()
    if kind in _NO_PARAMETERS:
        return "0"
    if kind not in _FORMULAS:
        return "?"
    input_shape = _input_shape(layer)
    bias = " + 1" if config.get("use_bias", True) else ""
    if kind == "Conv2D":
        k_h, k_w = config["kernel_size"]
        return f"({k_h} x {k_w} x {input_shape[-1]}{bias}) x {config['filters']}"
    if kind == "Dense":
        return f"({input_shape[-1]}{bias}) x {config['units']}"
    if kind == "BatchNormalization":
        return f"4 x {input_shape[-1]} (2 trained, 2 moving)"
    return f"2 x {_normalized_size(config, input_shape)} + 1 (means, variances, a count)"


class ParamTable:
    """Per layer: the formula, its count, and Keras' ``count_params()``."""

    def __init__(self, rows):
        if not isinstance(rows, (list, tuple)) or not all(
            isinstance(row, (list, tuple)) and len(row) == 6 for row in rows
        ):
            raise TypeError(
                "rows must be a list of (name, type, formula, trainable, non_trainable, keras). "
                f"Received: rows={short_repr(rows)}."
            )
        for row in rows:
            for what, count in zip(("trainable", "non_trainable", "keras"), row[3:], strict=True):
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(
                        f"Each row's counts must be whole numbers, 0 or more. Received: "
                        f"{what}={count!r} in the row of {row[0]!r}."
                    )
        self.rows = [tuple(row) for row in rows]  # (name, type, formula, trainable, frozen, keras)

    @property
    def total(self):
        return sum(row[3] + row[4] for row in self.rows)

    @property
    def trainable(self):
        return sum(row[3] for row in self.rows)

    @property
    def non_trainable(self):
        return sum(row[4] for row in self.rows)

    @property
    def all_match(self):
        return all(row[3] + row[4] == row[5] for row in self.rows)

    def counts(self):
        """``{layer name: parameter count}``, in order."""
        return {row[0]: row[3] + row[4] for row in self.rows}

    def _repr_markdown_(self):
        lines = ["| Layer | Type | Formula | Count | Keras | |", "|---|---|---|--:|--:|---|"]
        for name, kind, text, trainable, frozen, keras in self.rows:
            mark = "✓" if trainable + frozen == keras else "✗"
            lines.append(
                f"| {name} | {kind} | {text} | {trainable + frozen:,} | {keras:,} | {mark} |"
            )
        lines.append(
            f"| **Total** | | | **{self.total:,}** | | trainable {self.trainable:,}, "
            f"non-trainable {self.non_trainable:,} |"
        )
        return "\n".join(lines)

    def __repr__(self):
        width = max([len(row[0]) for row in self.rows] + [5])
        lines = [f"{'layer':<{width}}  {'formula':<30}{'count':>12}{'keras':>12}"]
        for name, _, text, trainable, frozen, keras in self.rows:
            mark = "" if trainable + frozen == keras else "  MISMATCH"
            lines.append(f"{name:<{width}}  {text:<30}{trainable + frozen:>12,}{keras:>12,}{mark}")
        lines.append(
            f"{'total':<{width}}  {'':<30}{self.total:>12,}   (trainable {self.trainable:,}, "
            f"non-trainable {self.non_trainable:,})"
        )
        return "\n".join(lines)


def param_table(model):
    """Count every layer's parameters by formula, next to Keras' own count.

    Layers that combine several inputs (``Add``, ``Concatenate``, ...) hold none; a layer
    without a formula gets a row with "?" and the reason.

    Raises:
        TypeError: ``model`` is not a Keras model.
        ValueError: the model is not built yet (no ``keras.Input``, never built).

    Example:
    >>> import keras
    >>> from keras import layers
    >>> model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3),
    ...     layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10)])
    >>> table = param_table(model)
    >>> list(table.counts().values()), table.total, table.all_match
    ([80, 0, 0, 13530], 13610, True)
    """
    check_built_model("param_table", model)
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            trainable, frozen = layer_params(layer)
            text = formula(layer)
        except (ValueError, TypeError) as error:
            trainable, frozen, text = 0, 0, f"? ({error})"
        rows.append(
            (layer.name, type(layer).__name__, text, trainable, frozen, int(layer.count_params()))
        )
    return ParamTable(rows)


def share_of_largest(table):
    """The name of the layer holding most parameters, and its share of the total.

    Example:
    >>> share_of_largest(ParamTable([("a", "Dense", "", 98, 0, 98), ("b", "Dense", "", 2, 0, 2)]))
    ('a', 0.98)
    """
    if not isinstance(table, ParamTable):
        raise TypeError(
            "share_of_largest needs a ParamTable (from param_table(model)). "
            f"Received: {short_repr(table)}."
        )
    if not table.rows:
        raise ValueError(
            "share_of_largest needs a ParamTable with at least one layer. "
            "Received: a table with no rows."
        )
    counts = table.counts()
    name = max(counts, key=counts.get)
    return name, counts[name] / max(table.total, 1)
