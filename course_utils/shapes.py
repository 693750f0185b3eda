"""Output sizes of convolution and pooling, a shape trace of a model, a NumPy convolution.

The formulas use Keras' argument names and semantics:

- ``padding="valid"`` (no padding): $O = \\lfloor (I - K_{eff}) / S \\rfloor + 1$ with
  the dilated kernel size $K_{eff} = D (K - 1) + 1$;
- ``padding="same"`` (pad so that every input position is covered):
  $O = \\lceil I / S \\rceil$;
- pooling is the same with ``pool_size`` as the kernel, and ``strides`` defaulting to
  ``pool_size``.
"""

import reprlib

import numpy as np

_PADDINGS = ("valid", "same")

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80


def short_repr(value):
    """``repr(value)``, cut short for long lists, arrays and strings (for messages)."""
    return _REPR.repr(value)


def as_number_array(name, value):
    """``value`` as a float64 array, or a ValueError that names the argument."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is None or (array.ndim == 0 and value is None):
        raise ValueError(
            f"{name} must be an array of numbers. Received: {name}={short_repr(value)}."
        )
    return array


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


def check_bool(name, value):
    """Return ``value`` as a bool, or a TypeError that names the argument (1 and 0 are not
    True and False here).

    Example:
    >>> check_bool("use_bias", 2)
    Traceback (most recent call last):
    ...
    TypeError: use_bias must be True or False. Received: use_bias=2.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}.")
    return bool(value)


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
        return -(-input_size // strides)  # ceil in whole numbers: no float overflow
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
    input_size = check_positive_int("input_size", input_size)
    pool_size = check_positive_int("pool_size", pool_size)
    strides = pool_size if strides is None else check_positive_int("strides", strides)
    padding = _padding(padding)
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
    height, width, _ = _image_size(input_shape)
    filters = check_positive_int("filters", filters)
    padding = _padding(padding)
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
    height, width, channels = _image_size(input_shape)
    p = check_int_pair("pool_size", pool_size)
    s = p if strides is None else check_int_pair("strides", strides)
    padding = _padding(padding)
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
    return tuple(
        check_positive_int(name, n)
        for name, n in zip(("height", "width", "channels"), input_shape, strict=True)
    )


_SAME_SHAPE = (
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
)
_MERGE = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")  # elementwise


def predict_output_shape(layer, input_shape):
    """The output shape of one Keras layer by formula (without the batch axis).

    Args:
        layer: a Keras layer (Conv2D, pooling, Flatten, Dense, Dropout, Add, Concatenate...).
        input_shape: its input shape without the batch axis (None for a size Keras leaves
            open); for a layer with several inputs (Add, Concatenate), a list of them.

    Returns:
        The output shape as a tuple.

    Raises:
        TypeError: ``layer`` is not a Keras layer, or ``input_shape`` is not a shape.
        ValueError: for a layer the formulas here do not cover, naming its class, or for
            inputs it cannot take.

    Example:
    >>> from keras import layers
    >>> predict_output_shape(layers.MaxPooling2D(2), (13, 13, 10))
    (6, 6, 10)
    >>> predict_output_shape(layers.Concatenate(), [(8, 8, 4), (8, 8, 2)])
    (8, 8, 6)
    """
    check_layer("predict_output_shape", layer)
    name = type(layer).__name__
    config = layer.get_config()
    if name in _MERGE or name == "Concatenate":
        shapes = _merge_shapes(layer, input_shape)
        if name == "Concatenate":
            return _concatenate(layer, shapes, config["axis"])
        if any(shape != shapes[0] for shape in shapes):
            raise ValueError(
                f"No shape formula for {name} of inputs of different shapes ({layer.name!r}). "
                f"Received: input_shape={input_shape!r}."
            )
        return shapes[0]
    input_shape = _check_shape("input_shape", input_shape)
    if name in ("Conv2D", "MaxPooling2D", "AveragePooling2D"):
        _channels_last(layer)
        height, width, channels = _spatial(layer, input_shape)
        padding = config["padding"]
        if name == "Conv2D":
            sizes = [
                None if n is None else conv_output_size(n, k, s, padding, d)
                for n, k, s, d in zip(
                    (height, width),
                    config["kernel_size"],
                    config["strides"],
                    config["dilation_rate"],
                    strict=True,
                )
            ]
            return (*sizes, config["filters"])
        sizes = [
            None if n is None else pool_output_size(n, p, s, padding)
            for n, p, s in zip((height, width), config["pool_size"], config["strides"], strict=True)
        ]
        return (*sizes, channels)
    if name == "Flatten":
        return (None if None in input_shape else int(np.prod(input_shape)),)
    if name == "Dense":
        if not input_shape:
            raise ValueError(f"Dense needs an input with at least one axis ({layer.name!r}).")
        return (*input_shape[:-1], config["units"])
    if name in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        _channels_last(layer)
        return (_spatial(layer, input_shape)[2],)
    if name in _SAME_SHAPE:
        return input_shape
    if name == "ZeroPadding2D":
        _channels_last(layer)
        height, width, channels = _spatial(layer, input_shape)
        (top, bottom), (left, right) = config["padding"]
        return tuple(
            None if n is None else n + a + b
            for n, a, b in ((height, top, bottom), (width, left, right), (channels, 0, 0))
        )
    if name == "Reshape":
        target = tuple(config["target_shape"])
        if -1 in target and None not in input_shape:  # -1: whatever is left over
            known = int(np.prod([n for n in target if n != -1]))
            return tuple(int(np.prod(input_shape)) // known if n == -1 else n for n in target)
        return tuple(None if n == -1 else n for n in target)
    raise ValueError(f"No shape formula for a {name} layer ({layer.name!r}).")


def check_layer(function, layer):
    import keras

    if not isinstance(layer, keras.layers.Layer):
        raise TypeError(
            f"{function} needs a Keras layer. Received: {short_repr(layer)} "
            f"({type(layer).__name__})."
        )


def _check_shape(name, shape):
    """A shape without the batch axis, as a tuple of positive ints or None."""
    if isinstance(shape, (tuple, list)) and all(
        n is None or (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0)
        for n in shape
    ):
        return tuple(None if n is None else int(n) for n in shape)
    raise TypeError(
        f"{name} must be a tuple of positive whole numbers (or None), without the batch axis. "
        f"Received: {name}={short_repr(shape)}."
    )


def _spatial(layer, input_shape):
    if len(input_shape) != 3:
        raise ValueError(
            f"{type(layer).__name__} takes (height, width, channels) ({layer.name!r}). "
            f"Received: input_shape={input_shape!r}."
        )
    return input_shape


def _merge_shapes(layer, input_shape):
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) < 2
        or not all(isinstance(shape, (tuple, list)) for shape in input_shape)
    ):
        raise ValueError(
            f"{type(layer).__name__} takes a list of two or more input shapes "
            f"({layer.name!r}). Received: input_shape={short_repr(input_shape)}."
        )
    return [_check_shape("input_shape", shape) for shape in input_shape]


def _concatenate(layer, shapes, axis):
    rank = len(shapes[0])
    if axis == 0 or not -rank <= (axis - 1 if axis > 0 else axis) < rank:
        raise ValueError(f"Concatenate's axis={axis} is not an axis of {shapes} ({layer.name!r}).")
    index = (axis - 1 if axis > 0 else axis) % rank  # axis counts the batch axis; shapes do not
    others = {shape[:index] + shape[index + 1 :] for shape in shapes}
    if any(len(shape) != rank for shape in shapes) or len(others) != 1:
        raise ValueError(
            f"Concatenate needs inputs that differ only along axis {axis} ({layer.name!r}). "
            f"Received: input_shape={shapes!r}."
        )
    sizes = [shape[index] for shape in shapes]
    total = None if None in sizes else sum(sizes)
    return shapes[0][:index] + (total,) + shapes[0][index + 1 :]


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
        width = max([len(str(name)) for name, *_ in self.rows] + [5])
        lines = [f"{'layer':<{width}}  {'type':<22}{'formula':<18}{'keras':<18}"]
        for name, kind, predicted, keras in self.rows:
            mark = "ok" if predicted == keras else "MISMATCH"
            lines.append(f"{name!s:<{width}}  {kind:<22}{predicted!s:<18}{keras!s:<18}{mark}")
        return "\n".join(lines)


def check_built_model(function, model):
    """Refuse what is not a Keras model, or a model without an input shape yet."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(
            f"{function} needs a Keras model. Received: {short_repr(model)} "
            f"({type(model).__name__})."
        )
    if not model.built:
        raise ValueError(
            f"{function} needs a built model, and model {model.name!r} has no input shape yet: "
            "start it with keras.Input(shape), or call model.build((None, *shape)) first."
        )


def _tensor_shape(layer, attribute):
    """``layer.input`` or ``layer.output`` as a shape without the batch axis (a list of
    them for several tensors)."""
    try:
        tensors = getattr(layer, attribute)
    except (AttributeError, ValueError):  # Keras: the layer was never called
        raise ValueError(
            f"Layer {layer.name!r} was never called on a tensor: trace a Sequential or "
            "Functional model that starts with keras.Input(shape)."
        ) from None
    if isinstance(tensors, (list, tuple)):
        return [tuple(t.shape[1:]) for t in tensors]
    return tuple(tensors.shape[1:])


def trace_shapes(model):
    """Trace a built Sequential or Functional model's shapes, layer by layer.

    Each layer's predicted output comes from the formula applied to the Keras shape of
    its input (a list of them for Add, Concatenate, ...), so one mistake shows in one row;
    a layer without a formula gets a row with "?" and the reason.

    Args:
        model: a built ``keras.Model`` (it starts with ``keras.Input``, or was built).

    Returns:
        A ``ShapeTrace``; ``trace.all_match`` is True when every row agrees.

    Raises:
        TypeError: ``model`` is not a Keras model.
        ValueError: the model is not built yet.

    Example:
    >>> import keras
    >>> from keras import layers
    >>> model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3),
    ...                           layers.MaxPooling2D(2), layers.Flatten()])
    >>> trace = trace_shapes(model)
    >>> [row[2] for row in trace.rows], trace.all_match
    ([(26, 26, 8), (13, 13, 8), (1352,)], True)
    """
    check_built_model("trace_shapes", model)
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        input_shape = _tensor_shape(layer, "input")
        keras_shape = _tensor_shape(layer, "output")
        try:
            predicted = predict_output_shape(layer, input_shape)
        except (ValueError, TypeError) as error:
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
    image, kernel = as_number_array("image", image), as_number_array("kernel", kernel)
    bias = as_number_array("bias", bias)
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
    if bias.shape not in ((), (kernel.shape[3],)):
        raise ValueError(
            f"bias must be a number or one per filter ({kernel.shape[3]}). "
            f"Received: bias of shape {bias.shape}."
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
    output = np.einsum("xycij,ijcf->xyf", windows, kernel) + bias
    return output[:, :, 0] if flat else output
