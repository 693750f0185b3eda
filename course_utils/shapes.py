"""Output sizes of convolution and pooling, a shape trace of a model, a NumPy convolution.

The formulas use Keras' argument names and semantics:

- ``padding="valid"`` (no padding): $O = \\lfloor (I - K_{eff}) / S \\rfloor + 1$ with
  the dilated kernel size $K_{eff} = D (K - 1) + 1$;
- ``padding="same"`` (pad so that every input position is covered):
  $O = \\lceil I / S \\rceil$;
- pooling is the same with ``pool_size`` as the kernel, and ``strides`` defaulting to
  ``pool_size``.
"""

import math

import numpy as np

_PADDINGS = ("valid", "same")


def check_positive_int(name, value):
    """Return ``value`` as an int, or raise an error that names the argument.

    The check behind every size, count and stride argument of ``course_utils``.

    Args:
        name: the argument's name, for the message.
        value: what was passed (a Python or NumPy integer; ``True`` is not a number here).

    Returns:
        ``value`` as a Python int.

    Raises:
        TypeError: ``value`` is not a whole number.
        ValueError: ``value`` is 0 or negative.

    Example:
    >>> check_positive_int("filters", np.int64(32))
    32
    >>> check_positive_int("filters", 2.5)
    Traceback (most recent call last):
    ...
    TypeError: filters must be a whole number. Received: filters=2.5.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number. Received: {name}={value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be 1 or more. Received: {name}={value!r}.")
    return int(value)


def _padding(padding):
    if not isinstance(padding, str) or padding.lower() not in _PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same'. Received: padding={padding!r}.")
    return padding.lower()


def check_int_pair(name, value):
    """An int or a pair of ints, as Keras accepts for ``kernel_size``, ``strides``, ...

    Args:
        name: the argument's name, for the message.
        value: one positive whole number (used for height and width) or two of them.

    Returns:
        ``(height, width)`` as Python ints.

    Raises:
        TypeError: a value is not a whole number.
        ValueError: a value is 0 or negative, or a sequence does not hold two values.

    Example:
    >>> check_int_pair("kernel_size", 3), check_int_pair("strides", [2, 1])
    ((3, 3), (2, 1))
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or a pair of ints. Received: {name}={value!r}."
            )
        return tuple(check_positive_int(name, v) for v in value)
    value = check_positive_int(name, value)
    return (value, value)


def conv_output_size(input_size, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """The output length of a convolution along one axis, as Keras computes it.

    Args:
        input_size: the input length $I$ (height or width).
        kernel_size: the kernel length $K$.
        strides: the step $S$ between two kernel positions.
        padding: ``"valid"`` (no padding) or ``"same"``.
        dilation_rate: the spacing $D$ between kernel taps.

    Returns:
        The output length $O$.

    Raises:
        ValueError: when the output would be empty (for example a kernel larger than
            the input with ``"valid"``), quoting the values received.

    Example:
    >>> conv_output_size(28, 3)
    26
    >>> conv_output_size(28, 3, strides=2, padding="same")
    14
    >>> conv_output_size(28, 3, dilation_rate=2)
    24
    """
    input_size = check_positive_int("input_size", input_size)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    strides = check_positive_int("strides", strides)
    dilation_rate = check_positive_int("dilation_rate", dilation_rate)
    padding = _padding(padding)
    if padding == "same":
        return math.ceil(input_size / strides)
    effective = dilation_rate * (kernel_size - 1) + 1
    output = (input_size - effective) // strides + 1
    if output < 1:
        raise ValueError(
            "Computed output size would be zero or negative: a "
            f"{'dilated ' if dilation_rate > 1 else ''}kernel of {effective} does not fit "
            f"in an input of {input_size} with padding='valid'. Received: "
            f"input_size={input_size}, kernel_size={kernel_size}, strides={strides}, "
            f"padding={padding!r}, dilation_rate={dilation_rate}."
        )
    return output


def pool_output_size(input_size, pool_size=2, strides=None, padding="valid"):
    """The output length of max or average pooling along one axis.

    ``strides`` defaults to ``pool_size``, as in Keras, so a 2x2 pool halves each side,
    rounding down with ``"valid"`` (13 -> 6) and up with ``"same"`` (7 -> 4).

    Example:
    >>> pool_output_size(26), pool_output_size(13), pool_output_size(7, padding="same")
    (13, 6, 4)
    """
    pool_size = check_positive_int("pool_size", pool_size)
    strides = pool_size if strides is None else strides
    try:
        return conv_output_size(input_size, pool_size, strides, padding)
    except ValueError:
        raise ValueError(
            f"Computed output size would be zero or negative: a pool of {pool_size} does not "
            f"fit in an input of {input_size} with padding='valid'. Received: "
            f"input_size={input_size}, pool_size={pool_size}, strides={strides}, "
            f"padding={padding!r}."
        ) from None


def conv_output_shape(
    input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1
):
    """The (height, width, channels) a ``Conv2D`` layer gives for one input image.

    Args:
        input_shape: ``(height, width, channels)`` of one image (channels last).
        filters: the number of filters, which becomes the number of output channels.
        kernel_size, strides, dilation_rate: an int or a (height, width) pair.
        padding: ``"valid"`` or ``"same"``.

    Example:
    >>> conv_output_shape((28, 28, 1), filters=32, kernel_size=5, padding="same")
    (28, 28, 32)
    >>> conv_output_shape((28, 28, 1), filters=10, kernel_size=3)
    (26, 26, 10)
    """
    height, width = _image_size(input_shape)
    filters = check_positive_int("filters", filters)
    k, s, d = (
        check_int_pair("kernel_size", kernel_size),
        check_int_pair("strides", strides),
        check_int_pair("dilation_rate", dilation_rate),
    )
    return (
        conv_output_size(height, k[0], s[0], padding, d[0]),
        conv_output_size(width, k[1], s[1], padding, d[1]),
        filters,
    )


def pool_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    """The (height, width, channels) a 2-D pooling layer gives for one input image.

    Example:
    >>> pool_output_shape((26, 26, 8))
    (13, 13, 8)
    """
    height, width = _image_size(input_shape)
    channels = check_positive_int("channels", input_shape[2])
    p = check_int_pair("pool_size", pool_size)
    s = p if strides is None else check_int_pair("strides", strides)
    return (
        pool_output_size(height, p[0], s[0], padding),
        pool_output_size(width, p[1], s[1], padding),
        channels,
    )


def _image_size(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(
            "input_shape must be (height, width, channels) of one image, channels last. "
            f"Received: input_shape={input_shape!r}."
        )
    return check_positive_int("height", input_shape[0]), check_positive_int("width", input_shape[1])


def predict_output_shape(layer, input_shape):
    """The output shape of one Keras layer by formula (without the batch axis).

    Args:
        layer: a Keras layer (Conv2D, pooling, Flatten, Dense, Dropout, ...).
        input_shape: its input shape without the batch axis.

    Returns:
        The output shape as a tuple.

    Raises:
        ValueError: for a layer the formulas here do not cover, naming its class.

    Example:
    >>> from keras import layers
    >>> predict_output_shape(layers.MaxPooling2D(2), (13, 13, 10))
    (6, 6, 10)
    """
    name = type(layer).__name__
    config = layer.get_config()
    if name in ("Conv2D",):
        _channels_last(layer)
        return conv_output_shape(
            input_shape,
            config["filters"],
            tuple(config["kernel_size"]),
            tuple(config["strides"]),
            config["padding"],
            tuple(config["dilation_rate"]),
        )
    if name in ("MaxPooling2D", "AveragePooling2D"):
        _channels_last(layer)
        return pool_output_shape(
            input_shape, tuple(config["pool_size"]), tuple(config["strides"]), config["padding"]
        )
    if name == "Flatten":
        return (int(np.prod(input_shape)),)
    if name == "Dense":
        return (*input_shape[:-1], config["units"])
    if name in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return (input_shape[-1],)
    if name in (
        "Dropout",
        "BatchNormalization",
        "Activation",
        "ReLU",
        "Softmax",
        "Rescaling",
        "Normalization",
        "RandomFlip",
        "RandomRotation",
        "RandomTranslation",
        "RandomZoom",
        "SpatialDropout2D",
    ):
        return tuple(input_shape)
    if name == "ZeroPadding2D":
        (top, bottom), (left, right) = config["padding"]
        return (input_shape[0] + top + bottom, input_shape[1] + left + right, input_shape[2])
    if name == "Reshape":
        return tuple(config["target_shape"])
    raise ValueError(f"No shape formula for a {name} layer ({layer.name!r}).")


def _channels_last(layer):
    if layer.get_config().get("data_format", "channels_last") != "channels_last":
        raise ValueError(
            f"The formulas here are for channels_last; layer {layer.name!r} has "
            f"data_format={layer.get_config()['data_format']!r}."
        )


class ShapeTrace:
    """Per layer: the output shape the formula predicts next to the one Keras reports."""

    def __init__(self, rows):
        self.rows = rows  # (layer name, class, predicted, keras)

    @property
    def all_match(self):
        return all(predicted == keras for _, _, predicted, keras in self.rows)

    def _repr_markdown_(self):
        lines = ["| Layer | Type | Formula | Keras | |", "|---|---|---|---|---|"]
        for name, kind, predicted, keras in self.rows:
            mark = "✓" if predicted == keras else "✗"
            lines.append(f"| {name} | {kind} | {predicted} | {keras} | {mark} |")
        return "\n".join(lines)

    def __repr__(self):
        width = max(len(name) for name, *_ in self.rows)
        lines = [f"{'layer':<{width}}  {'type':<22}{'formula':<18}{'keras':<18}"]
        for name, kind, predicted, keras in self.rows:
            mark = "ok" if predicted == keras else "MISMATCH"
            lines.append(f"{name:<{width}}  {kind:<22}{predicted!s:<18}{keras!s:<18}{mark}")
        return "\n".join(lines)


def trace_shapes(model):
    """Trace a built Sequential or linear Functional model's shapes, layer by layer.

    Each layer's predicted output comes from the formula applied to the previous
    layer's Keras shape, so one mistake shows in one row.

    Args:
        model: a built ``keras.Model`` whose layers form a chain.

    Returns:
        A ``ShapeTrace``; ``trace.all_match`` is True when every row agrees.

    Example:
    >>> import keras
    >>> from keras import layers
    >>> model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3),
    ...                           layers.MaxPooling2D(2), layers.Flatten()])
    >>> trace = trace_shapes(model)
    >>> [row[2] for row in trace.rows], trace.all_match
    ([(26, 26, 8), (13, 13, 8), (1352,)], True)
    """
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        input_shape = tuple(layer.input.shape[1:])
        keras_shape = tuple(layer.output.shape[1:])
        try:
            predicted = predict_output_shape(layer, input_shape)
        except ValueError as error:
            predicted = f"? ({error})"
        rows.append((layer.name, type(layer).__name__, predicted, keras_shape))
    return ShapeTrace(rows)


def conv2d_numpy(image, kernel, bias=0.0, strides=1, padding="valid"):
    """A 2-D convolution in plain NumPy, computed as Keras does (cross-correlation).

    The kernel is not flipped: each output value is the sum of the kernel times the
    patch under it, plus the bias. With ``"same"``, zeros are added as TensorFlow adds
    them (the extra row or column, if any, at the bottom or right).

    Args:
        image: ``(height, width)`` or ``(height, width, channels_in)``.
        kernel: ``(k_h, k_w)`` or ``(k_h, k_w, channels_in, filters)``, Keras' layout.
        bias: a number, or one per filter.
        strides: an int or a pair.
        padding: ``"valid"`` or ``"same"``.

    Returns:
        ``(out_h, out_w)`` for a 2-D kernel, else ``(out_h, out_w, filters)``.

    Example:
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> conv2d_numpy(image, np.ones((3, 3)))  # each output sums a 3x3 patch
    array([[45., 54.],
           [81., 90.]])
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    flat = kernel.ndim == 2
    if flat:
        kernel = kernel[:, :, None, None]
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or kernel.ndim != 4 or kernel.shape[2] != image.shape[2]:
        raise ValueError(
            "conv2d_numpy wants an image (H, W[, C]) and a kernel (kH, kW[, C, filters]) "
            f"with matching C. Received: image {image.shape}, kernel {kernel.shape}."
        )
    k_h, k_w = kernel.shape[:2]
    s_h, s_w = check_int_pair("strides", strides)
    padding = _padding(padding)
    out_h = conv_output_size(image.shape[0], k_h, s_h, padding)
    out_w = conv_output_size(image.shape[1], k_w, s_w, padding)
    if padding == "same":
        pad_h = max((out_h - 1) * s_h + k_h - image.shape[0], 0)
        pad_w = max((out_w - 1) * s_w + k_w - image.shape[1], 0)
        image = np.pad(
            image, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
        )
    windows = np.lib.stride_tricks.sliding_window_view(image, (k_h, k_w), axis=(0, 1))
    windows = windows[: (out_h - 1) * s_h + 1 : s_h, : (out_w - 1) * s_w + 1 : s_w]
    # windows: (out_h, out_w, C, k_h, k_w); kernel: (k_h, k_w, C, filters)
    output = np.einsum("xycij,ijcf->xyf", windows, kernel) + np.asarray(bias, dtype=np.float64)
    return output[:, :, 0] if flat else output
