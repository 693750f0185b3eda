"""Figures the notebooks share. Each function returns its figure, so it works in
JupyterLab, Colab, VS Code and headless CI alike."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from course_utils.shapes import check_positive_int


def _share(count, total):
    share = count / total
    return f"{share:.1%}" if share >= 0.001 or count == 0 else "<0.1%"


def plot_param_counts(table, ax=None, title="Where the parameters live"):
    """A horizontal bar per layer with its parameter count, largest share labelled.

    Args:
        table: a ``course_utils.params.ParamTable`` (from ``param_table(model)``).
        ax: an existing matplotlib axes, or None for a new figure.
        title: the axes title.

    Returns:
        The matplotlib figure.

    Example:
    >>> from course_utils.params import ParamTable
    >>> table = ParamTable([("conv", "Conv2D", "", 80, 0, 80), ("dense", "Dense", "", 13530, 0, 13530)])
    >>> fig = plot_param_counts(table)
    >>> [float(bar.get_width()) for bar in fig.axes[0].patches]
    [80.0, 13530.0]
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(table.rows) + 1.2))
    else:
        fig = ax.figure
    names = [row[0] for row in table.rows]
    counts = [row[3] + row[4] for row in table.rows]
    total = max(sum(counts), 1)
    bars = ax.barh(names, counts, color="tab:blue")
    labels = [f"{c:,} ({_share(c, total)})" if c else "0" for c in counts]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.invert_yaxis()  # first layer on top, as in model.summary()
    ax.set_xlabel("parameters")
    ax.set_title(f"{title} (total {total:,})")
    ax.set_xlim(0, max(counts + [1]) * 1.35)
    fig.tight_layout()
    return fig


def _grid(count, ncols, cell=1.6):
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(cell * ncols, cell * nrows + 0.4), squeeze=False
    )
    for ax in axes.flat[count:]:
        ax.axis("off")
    return fig, axes.flat[:count]


def _name(label, class_names):
    label = int(label)
    return class_names[label] if class_names is not None else str(label)


def _show(ax, image, cmap):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_images(images, labels=None, predictions=None, class_names=None, ncols=5, cmap="gray"):
    """A grid of images titled with their labels, and predictions (wrong ones in red).

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``.
        labels: the true labels (optional).
        predictions: predicted labels (optional); a wrong one gets a red title.
        class_names: names for the labels (default: the numbers).
        ncols: images per row.
        cmap: the colour map for one-channel images.

    Returns:
        The figure; ``fig.axes[i]`` shows ``images[i]``.

    Example:
    >>> fig = plot_images(np.zeros((3, 28, 28)), labels=[7, 2, 1], predictions=[7, 3, 1])
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['7', 'true 2, pred 3', '1']
    """
    images = np.asarray(images)
    fig, axes = _grid(len(images), ncols)
    for i, ax in enumerate(axes):
        _show(ax, images[i], cmap)
        if labels is None and predictions is None:
            continue
        if predictions is None:
            ax.set_title(_name(labels[i], class_names))
        elif labels is None:
            ax.set_title(f"pred {_name(predictions[i], class_names)}")
        elif int(labels[i]) == int(predictions[i]):
            ax.set_title(_name(labels[i], class_names))
        else:
            title = (
                f"true {_name(labels[i], class_names)}, pred {_name(predictions[i], class_names)}"
            )
            ax.set_title(title, color="red")
    fig.tight_layout()
    return fig


def plot_history(*histories, names=None, metrics=("loss", "accuracy")):
    """Training curves, one panel per metric, training solid and validation dashed.

    Args:
        *histories: ``History`` objects from ``model.fit`` or their ``.history`` dicts.
        names: a legend name per history (default "run 1", "run 2", ...).
        metrics: the metrics to draw, one panel each, side by side.

    Returns:
        The figure.

    Example:
    >>> fig = plot_history({"loss": [0.5, 0.3], "val_loss": [0.6, 0.4],
    ...                     "accuracy": [0.8, 0.9], "val_accuracy": [0.7, 0.85]})
    >>> [ax.get_title() for ax in fig.axes], len(fig.axes[0].lines)
    (['loss', 'accuracy'], 2)
    """
    if not histories:
        raise ValueError("plot_history needs at least one History (or history dict).")
    logs = [getattr(h, "history", h) for h in histories]
    for log in logs:
        if not isinstance(log, dict):
            raise TypeError(f"Expected a keras History or a dict. Received: {type(log).__name__}.")
    names = names or [f"run {i + 1}" for i in range(len(logs))]
    if len(names) != len(logs):
        raise ValueError(
            f"{len(logs)} histories but {len(names)} names. Received: names={names!r}."
        )
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes.flat, metrics, strict=True):
        for i, (log, name) in enumerate(zip(logs, names, strict=True)):
            colour = colours[i % len(colours)]
            label = name if len(logs) > 1 else "training"
            if metric in log:
                epochs = range(1, len(log[metric]) + 1)
                ax.plot(epochs, log[metric], "-o", color=colour, label=f"{label}")
            if f"val_{metric}" in log:
                epochs = range(1, len(log[f"val_{metric}"]) + 1)
                val_label = f"{name} (validation)" if len(logs) > 1 else "validation"
                ax.plot(epochs, log[f"val_{metric}"], "--s", color=colour, label=val_label)
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts of (true, predicted) pairs: row = true class, column = predicted class.

    scikit-learn's ``confusion_matrix`` does the counting, with
    ``labels=range(num_classes)``, so a class that never occurs still gets its row and
    column. A label outside ``0..num_classes-1`` is refused rather than counted elsewhere.

    Args:
        y_true: the true labels, whole numbers (any shape; flattened).
        y_pred: the predicted labels, as many as ``y_true``.
        num_classes: the number of classes (default: the largest label + 1).

    Returns:
        An int array of shape ``(num_classes, num_classes)``.

    Raises:
        TypeError: the labels are not numbers, or ``num_classes`` is not a whole number.
        ValueError: ``y_true`` and ``y_pred`` differ in length, ``num_classes`` is below 1,
            or a label is not a whole number in ``0..num_classes-1``.

    Example:
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    >>> confusion_matrix([0, 1], [4, 1], num_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: y_pred must hold whole numbers in 0..2 (num_classes=3). Received: 4.
    """
    from sklearn import metrics

    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred need the same length. Received: {len(y_true)} and {len(y_pred)}."
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.dtype != bool and not np.issubdtype(labels.dtype, np.number):
            raise TypeError(
                f"{name} must hold class labels 0, 1, 2, ... Received dtype: {labels.dtype}."
            )
    if num_classes is None:
        largest = max(y_true.max(initial=0), y_pred.max(initial=0))
        num_classes = int(largest) + 1 if np.isfinite(largest) else 1  # NaN is refused below
    else:
        num_classes = check_positive_int("num_classes", num_classes)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        outside = labels[(labels < 0) | (labels >= num_classes) | (labels != np.floor(labels))]
        if outside.size:
            raise ValueError(
                f"{name} must hold whole numbers in 0..{num_classes - 1} "
                f"(num_classes={num_classes}). Received: {outside[0].item()!r}."
            )
    return metrics.confusion_matrix(
        y_true.astype(np.int64), y_pred.astype(np.int64), labels=range(num_classes)
    )


def plot_confusion_matrix(y_true, y_pred, class_names=None, ax=None):
    """A seaborn heatmap of the confusion matrix, with the counts written in.

    Returns:
        The figure; its first axes holds the heatmap.

    Example:
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1', '0', '1', '1']
    """
    import seaborn as sns

    num_classes = len(class_names) if class_names is not None else None
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    names = class_names if class_names is not None else [str(i) for i in range(len(matrix))]
    if ax is None:
        size = max(4.5, 0.6 * len(matrix) + 1.5)
        fig, ax = plt.subplots(figsize=(size + 1, size))
    else:
        fig = ax.figure
    sns.heatmap(
        matrix, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax,
        xticklabels=names, yticklabels=names,
    )  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix ({int(np.trace(matrix)):,} of {int(matrix.sum()):,} right)")
    fig.tight_layout()
    return fig


def plot_misclassified(
    images, y_true, y_pred, probs=None, class_names=None, max_images=15, ncols=5
):
    """The images a model got wrong, titled true/predicted (and its confidence).

    Returns:
        The figure, or None when every prediction is right.

    Example:
    >>> fig = plot_misclassified(np.zeros((3, 8, 8)), [1, 2, 3], [1, 5, 3])
    >>> [ax.get_title() for ax in fig.axes]
    ['true 2, pred 5']
    """
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    wrong = np.flatnonzero(y_true != y_pred)[:max_images]
    if len(wrong) == 0:
        return None
    fig, axes = _grid(len(wrong), ncols)
    for ax, i in zip(axes, wrong, strict=True):
        _show(ax, images[i], "gray")
        title = f"true {_name(y_true[i], class_names)}, pred {_name(y_pred[i], class_names)}"
        if probs is not None:
            title += f" ({float(np.max(probs[i])):.2f})"
        ax.set_title(title, fontsize=9, color="red")
    fig.tight_layout()
    return fig


def plot_filters(kernel, ncols=8, channel=0):
    """Each filter of a first conv layer as a small image.

    Args:
        kernel: the layer (``Conv2D``) or its kernel array ``(k_h, k_w, C_in, filters)``.
        ncols: filters per row.
        channel: which input channel to show for multi-channel kernels.

    Example:
    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(3, 3, 1, 4)))
    >>> len(fig.axes), fig.axes[0].images[0].get_array().shape
    (4, (3, 3))
    """
    weights = np.asarray(kernel.get_weights()[0] if hasattr(kernel, "get_weights") else kernel)
    if weights.ndim != 4:
        raise ValueError(
            f"Expected a Conv2D kernel (k_h, k_w, C_in, filters). Received shape {weights.shape}."
        )
    filters = weights[:, :, channel, :]
    fig, axes = _grid(filters.shape[-1], ncols, cell=1.2)
    limit = float(np.abs(filters).max()) or 1.0
    for i, ax in enumerate(axes):
        ax.imshow(filters[:, :, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(i), fontsize=8)
    fig.suptitle("Filters (red positive, blue negative)")
    fig.tight_layout()
    return fig


def plot_feature_maps(model, image, max_maps=8):
    """The feature maps of one image after each Conv2D layer of a model, one row per layer.

    Args:
        model: a built Keras model.
        image: one input image, without the batch axis, prepared as the model expects.
        max_maps: feature maps shown per layer.

    Returns:
        The figure; row titles name the layers.
    """
    import keras

    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise ValueError(f"Model {model.name!r} has no Conv2D layer to show.")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [layer.output for layer in convs])
    outputs = probe(np.asarray(image)[None])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    ncols = min(max_maps, max(int(o.shape[-1]) for o in outputs))
    fig, axes = plt.subplots(
        len(convs), ncols, figsize=(1.5 * ncols, 1.7 * len(convs)), squeeze=False
    )
    for row, (layer, output) in enumerate(zip(convs, outputs, strict=True)):
        maps = np.asarray(output)[0]
        for col in range(ncols):
            ax = axes[row, col]
            ax.axis("off")
            if col < maps.shape[-1]:
                ax.imshow(maps[:, :, col], cmap="viridis")
        axes[row, 0].set_title(f"{layer.name} {maps.shape[:2]}", loc="left", fontsize=9)
    fig.tight_layout()
    return fig


def plot_augmentations(augmentation, image, num_versions=7, ncols=8, cmap="gray"):
    """One image, then ``num_versions`` random versions of it from an augmentation.

    Args:
        augmentation: a Keras layer or model (e.g. ``RandomFlip``, ``RandomTranslation``,
            or a ``keras.Sequential`` of them), called with ``training=True`` as ``fit``
            would call it.
        image: one image without the batch axis, ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``,
            with the channel axis the augmentation expects.
        num_versions: how many augmented versions to draw.
        ncols: images per row.
        cmap: the colour map for one-channel images.

    Returns:
        The figure: ``fig.axes[0]`` shows the image as given, the next axes the versions.

    Example:
    >>> from keras import layers
    >>> fig = plot_augmentations(layers.RandomFlip("horizontal"), np.eye(4)[..., None], 3)
    >>> [ax.get_title() for ax in fig.axes[:4]]
    ['original', 'augmented 1', 'augmented 2', 'augmented 3']
    """
    if not callable(augmentation):
        raise TypeError(
            "augmentation must be a Keras layer or model, e.g. layers.RandomFlip(). "
            f"Received: {type(augmentation).__name__}."
        )
    if isinstance(num_versions, bool) or not isinstance(num_versions, int) or num_versions < 1:
        raise ValueError(f"num_versions must be a whole number >= 1. Received: {num_versions!r}.")
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            f"image must be one image, (H, W) or (H, W, C), without the batch axis. "
            f"Received shape: {image.shape}."
        )
    batch = np.repeat(image[None].astype("float32"), num_versions, axis=0)
    versions = np.asarray(augmentation(batch, training=True))
    if np.issubdtype(image.dtype, np.integer):
        versions = np.clip(np.round(versions), 0, 255).astype("uint8")
    else:
        versions = np.clip(versions, image.min(), image.max())
    fig, axes = _grid(num_versions + 1, ncols)
    for i, ax in enumerate(axes):
        _show(ax, image if i == 0 else versions[i - 1], cmap)
        ax.set_title("original" if i == 0 else f"augmented {i}", fontsize=9)
    fig.tight_layout()
    return fig
