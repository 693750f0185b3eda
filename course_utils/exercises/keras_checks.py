"""What the exercise checks read off Keras objects, written once.

Models are read as a ``ModelView``: the input shape and, for each layer, its class name
and the config values the rule table compares (a trailing ``Softmax`` layer after a linear
``Dense`` counts as ``Dense(..., activation="softmax")``). ``model_rules`` turns a
reference model into rules, one per layer argument, each with a generated breaking
answer: the reference rebuilt with that one argument changed.

Example:
>>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3)])
>>> view = model_view(model)
>>> view.input_shape, view.kinds
((8, 8, 1), ['Conv2D'])
"""

import re
from functools import cache

import keras

from course_utils.exercises import Rule, Unusable, ValueExercise, mistakes, short

# The arguments compared by default, per layer class: what decides a layer's output and
# parameters. An exercise may compare fewer (its text does not fix them) or more.
DEFAULT_COMPARE = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "Dense": ("units", "activation"),
    "Dropout": ("rate",),
    "Activation": ("activation",),
}
_FLATTENING = {"Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Reshape"}


def is_model(answer):
    """Whether ``answer`` is a Keras model (Sequential, Functional or subclassed).

    Example:
    >>> is_model(keras.Sequential()), is_model(keras.layers.Dense(1))
    (True, False)
    """
    return isinstance(answer, keras.Model)


def is_layer(answer):
    """Whether ``answer`` is one Keras layer that is not a model."""
    return isinstance(answer, keras.layers.Layer) and not isinstance(answer, keras.Model)


def is_tensor(answer):
    """Whether ``answer`` is a symbolic Keras tensor (the output of a layer call)."""
    return isinstance(answer, keras.KerasTensor)


def activation(layer_or_config):
    """The name of an activation in a layer or its config, ``""`` if there is none.

    Example:
    >>> activation(keras.layers.Dense(1, activation="relu"))
    'relu'
    """
    config = layer_or_config
    if not isinstance(config, dict):
        config = layer_or_config.get_config()
    value = config.get("activation")
    if isinstance(value, dict):  # a serialized function
        value = value.get("config", value.get("class_name", ""))
    if isinstance(value, str) or value is None:
        return value or ""
    return getattr(value, "__name__", type(value).__name__)


def snake(name):
    """``CategoricalCrossentropy`` -> ``categorical_crossentropy``.

    Example:
    >>> snake("SparseCategoricalCrossentropy")
    'sparse_categorical_crossentropy'
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", str(name)).lower()


def _plain(value):
    """Config values as comparable Python values: lists as tuples, functions by name."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return value


class ModelView:
    """A model as the rules read it: ``model``, ``input_shape`` and ``layers``, a list of
    ``(class name, config)`` without the input layer, with a trailing softmax folded into
    the linear ``Dense`` before it. ``kinds`` lists the class names."""

    def __init__(self, model):
        self.model, self.input_shape, layers = model, input_shape(model), []
        for layer in model.layers:
            config = {key: _plain(value) for key, value in layer.get_config().items()}
            if "activation" in config:
                config["activation"] = activation(layer)
            layers.append((type(layer).__name__, config))
        layers = [(kind, config) for kind, config in layers if kind != "InputLayer"]
        last, before = (layers[-2:] if len(layers) > 1 else [("", {})] * 2)[::-1]
        softmax = last[0] == "Softmax" or (
            last[0] == "Activation" and last[1]["activation"] == "softmax"
        )
        if softmax and before[0] == "Dense" and before[1]["activation"] == "linear":
            layers = [*layers[:-2], ("Dense", {**before[1], "activation": "softmax"})]
        self.layers, self.kinds = layers, [kind for kind, _ in layers]


def input_shape(model):
    """The shape of a model's one input without the batch axis, or None if it has none.

    Example:
    >>> input_shape(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()]))
    (28, 28, 1)
    """
    try:
        return tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def model_view(answer, what="model"):
    """Parse an answer into a ``ModelView``; raises ``Unusable`` when it is not a model.

    Example:
    >>> model_view(3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_utils.exercises.Unusable: Your answer is 3, not a Keras model: ...
    """
    if is_tensor(answer):
        raise Unusable(
            "That is a tensor, the output of the last layer call, not a model: wrap it, "
            "`keras.Model(inputs, outputs)`."
        )
    if is_layer(answer):
        raise Unusable(f"That is one {type(answer).__name__} layer, not a {what}.")
    if not is_model(answer):
        raise Unusable(
            f"Your answer is {short(answer)}, not a Keras model: build the {what} with "
            "`keras.Sequential([...])` or `keras.Model(inputs, outputs)`."
        )
    if input_shape(answer) is None:
        raise Unusable(
            f"The {what} has no input yet: start it with `keras.Input(shape)`, so that its "
            "layers and shapes are known."
        )
    return ModelView(answer)


def rebuild(view, layers, shape=None):
    """A new model like ``view``'s (Sequential or Functional chain), with the layers
    ``layers`` (``(class name, config)`` pairs) and, if given, another input shape."""
    made = [
        getattr(keras.layers, kind).from_config({k: v for k, v in config.items() if k != "name"})
        for kind, config in layers
    ]
    inputs = keras.Input(shape or view.input_shape)
    if isinstance(view.model, keras.Sequential):
        return keras.Sequential([inputs, *made])
    x = inputs
    for layer in made:
        x = layer(x)
    return keras.Model(inputs, x)


def variant(model, index=None, shape=None, drop=None, **changes):
    """A fresh copy of ``model`` (or of a ``ModelView``'s model) with ``changes`` to the config
    of layer ``index`` (counted from 0 as ``ModelView.layers`` counts), without the layers of
    kind ``drop``, or on inputs of ``shape``: a near miss made from a reference model.

    Example:
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3)])
    >>> variant(model, 0, filters=2).layers[0].filters, variant(model, shape=(9, 9, 1)).input_shape
    (2, (None, 9, 9, 1))
    """
    view = model if isinstance(model, ModelView) else ModelView(model)
    layers = [(kind, dict(config)) for kind, config in view.layers if kind != drop]
    if index is not None:
        layers[index][1].update(changes)
    return rebuild(view, layers, shape)


class StackValue(ValueExercise):
    """An exercise whose value Keras measures, ``measure(model)``, on the layers ``stack()``
    built on inputs of ``input_shape``. Each fixed wrong value in ``wrong`` (rule name: value)
    is a catalogued mistake, checked before the ``requirements``."""

    input_shape, wrong, requirements = (28, 28, 1), {}, []

    @property
    def rules(self):
        return mistakes(self.wrong) + self.requirements

    def expected(self):
        return self.measure(keras.Sequential([keras.Input(self.input_shape), *self.stack()]))


def _alternatives(key, value):
    if isinstance(value, bool):
        return [not value]
    if key == "padding":
        return ["same" if value == "valid" else "valid"]
    if key == "activation":
        return ["linear", "sigmoid"] if value not in ("linear", "") else ["relu"]
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return [tuple(v + 1 for v in value), tuple(v + 2 for v in value)]
    if isinstance(value, int):
        return [value * 2, value + 1]
    if isinstance(value, float):
        return [round(value / 2, 6), round(min(0.9, value + 0.25), 6)]
    return []


def model_rules(reference, compare=None, notes=None, what="the specification"):
    """Rules that a model matches ``reference()``: the input shape, the layer kinds in
    order, then every compared argument of every layer.

    Args:
        reference: a function returning the reference model (called when a rule needs it).
        compare: ``{class name: argument names}``, overriding ``DEFAULT_COMPARE``.
        notes: ``{(class name, argument): sentence}`` added to that rule's message.
        what: how messages name the reference, e.g. ``"the Keras example"``.

    Returns:
        A list of ``Rule`` whose ``holds`` read a ``ModelView`` (see ``model_view``).
    """
    compare, notes = {**DEFAULT_COMPARE, **(compare or {})}, notes or {}
    ref = cache(lambda: ModelView(reference()))
    dropout = [("Dropout", {"rate": 0.25})]
    rules = [
        Rule(
            "input_shape",
            lambda view, ex: view.input_shape == ref().input_shape,
            lambda ex: variant(ref(), shape=_larger(ref().input_shape)),
            message=lambda view, ex: (
                f"The input shape is {view.input_shape}; {what} takes {ref().input_shape}."
            ),
        ),
        Rule(
            "layers",
            lambda view, ex: view.kinds == ref().kinds,
            lambda ex: rebuild(ref(), ref().layers[:-1] + dropout + ref().layers[-1:]),
            message=lambda view, ex: f"The layers are {view.kinds}; {what} has {ref().kinds}.",
        ),
    ]
    for index, (kind, config) in enumerate(ModelView(reference()).layers):
        for key in (key for key in compare.get(kind, ()) if key in config):
            rules.append(_argument_rule(ref, index, kind, key, notes.get((kind, key), ""), what))
    return rules


def _larger(shape):
    """The same number of channels on a grid 4 larger on each side."""
    return tuple(side + 4 for side in shape[:-1]) + shape[-1:]


def _argument_rule(ref, index, kind, key, note, what):
    def holds(view, ex):
        return view.layers[index][1].get(key) == ref().layers[index][1][key]

    def message(view, ex):
        got, want = view.layers[index][1].get(key), ref().layers[index][1][key]
        name = f"layer {index + 1} ({kind})"
        return f"In {name}, `{key}` is {got!r}; {what} has {want!r}. {note}".strip()

    def breaks(ex):
        view = ref()
        for value in _alternatives(key, view.layers[index][1][key]):
            try:
                return variant(view, index, **{key: value})
            except ValueError:  # e.g. a kernel larger than its input: try the next value
                continue
        raise ValueError(f"no buildable alternative for {key} of layer {index + 1} ({kind})")

    return Rule(f"layer {index + 1} ({kind}): {key}", holds, breaks, message=message)


def flattens(view):
    """Whether a model turns its feature maps into a vector before its first Dense."""
    kinds = view.kinds
    first_dense = kinds.index("Dense") if "Dense" in kinds else len(kinds)
    return bool(_FLATTENING & set(kinds[:first_dense]))


def learning_rate_at(optimizer, step):
    """The learning rate a Keras optimizer uses at step ``step`` (schedule or constant).

    Example:
    >>> learning_rate_at(keras.optimizers.SGD(learning_rate=0.5), 100)
    0.5
    """
    value = optimizer.get_config()["learning_rate"]
    if isinstance(value, dict):
        schedule = keras.optimizers.schedules.deserialize(value)
        return float(schedule(step))
    return float(value)


def compile_settings(model):
    """What ``model.compile`` set, from ``get_compile_config()``; None if not compiled.

    Returns:
        ``{"optimizer": lower-case name, "loss": snake_case name, "from_logits": bool or None,
        "metrics": [names]}``; a loss Keras cannot serialize (a lambda) is ``"custom"``.

    Example:
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    >>> compile_settings(model)["loss"], compile_settings(model)["metrics"]
    ('mse', ['mae'])
    """
    if not getattr(model, "compiled", False):
        return None
    try:
        config = model.get_compile_config() or {}
    except Exception:  # a lambda as the loss or metric cannot be serialized
        return {"optimizer": "", "loss": "custom", "from_logits": None, "metrics": []}
    return {
        "optimizer": _name_of(config.get("optimizer"), by_class=True).replace("_", ""),
        "loss": _name_of(config.get("loss"), by_class=True) or None,
        "from_logits": _option(config.get("loss"), "from_logits"),
        "metrics": [_name_of(m) for m in _as_list(config.get("metrics"))],
    }


def _name_of(serialized, by_class=False):
    """The snake_case name in a serialized Keras object: a string, or a dict whose config
    holds a function's name or an object's ``name`` (its class name if ``by_class``)."""
    if isinstance(serialized, dict):
        inner = serialized.get("config")
        if isinstance(inner, str):  # a plain function, e.g. keras.losses.mse
            return inner
        inner = inner if isinstance(inner, dict) else {}
        name = serialized.get("class_name") if by_class else inner.get("name")
        return snake(name or serialized.get("class_name") or "")
    return serialized if isinstance(serialized, str) else ""


def _option(serialized, key):
    if isinstance(serialized, dict) and isinstance(serialized.get("config"), dict):
        return serialized["config"].get(key)
    return None


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
