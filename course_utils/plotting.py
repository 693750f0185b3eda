"""Figures the notebooks share. Each function returns its figure, so it works in
JupyterLab, Colab, VS Code and headless CI alike.

Each figure carries a one-sentence text description with the numbers it shows,
``fig.description``, printed once the first time the figure is drawn (``plt.show()``,
``savefig``), so the sentence appears next to the figure in a notebook and in a terminal.
"""

import os
import weakref
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, PowerNorm
from matplotlib.patches import ConnectionPatch, Rectangle
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from course_utils.shapes import (
    as_number_array,
    check_built_model,
    check_positive_int,
    conv2d_numpy,
    short_repr,
)

# Named colours, so a description can say which colour is which.
_RUN_COLOURS = "blue orange green red purple brown pink gray olive cyan".split()

_UNPRINTED = weakref.WeakKeyDictionary()  # figure -> its sentences not printed yet


def _describe(fig, sentence):
    """Add ``sentence`` to ``fig.description``; print it the next time ``fig`` is drawn."""
    earlier = getattr(fig, "description", None)
    fig.description = f"{earlier} {sentence}" if earlier else sentence
    if fig not in _UNPRINTED:
        _UNPRINTED[fig] = []
        fig.canvas.mpl_connect("draw_event", _print_description)
    _UNPRINTED[fig].append(sentence)
    return fig


def _print_description(event):
    sentences = _UNPRINTED.get(event.canvas.figure)
    if sentences:
        print(" ".join(sentences))
        sentences.clear()


def _check_axes(ax):
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None. Received: ax={short_repr(ax)}.")


def _check_cmap(cmap):
    if not isinstance(cmap, (str, Colormap)) or (
        isinstance(cmap, str) and cmap not in matplotlib.colormaps
    ):
        raise ValueError(
            f"cmap must be a matplotlib colour map, e.g. 'gray'. Received: cmap={short_repr(cmap)}."
        )


def _image_batch(function, images, batch=True):
    """``images`` as an array of N >= 1 images, (N, H, W) or (N, H, W, C) with C 1, 3 or 4;
    with ``batch=False``, one image, (H, W) or (H, W, C)."""
    try:
        array = np.asarray(images)
    except ValueError:  # ragged
        array = np.asarray(None)
    lead = int(batch)  # the batch axis, if any
    if (
        array.dtype.kind not in "biuf"
        or array.ndim not in (2 + lead, 3 + lead)
        or 0 in array.shape
        or (array.ndim == 3 + lead and array.shape[-1] not in (1, 3, 4))
    ):
        received = f"shape {array.shape}, dtype {array.dtype}" if array.ndim else short_repr(images)
        shapes, what = ("(N, H, W) or (N, H, W, C)", "at least one image") if batch else (
            "(H, W) or (H, W, C)", "one image, without the batch axis,")  # fmt: skip
        raise ValueError(
            f"{function} needs {what} as numbers {shapes} with C 1, 3 or 4. "
            f"Received: {'images' if batch else 'image'} of {received}."
        )
    return array


def _class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, np.ndarray):
        class_names = class_names.tolist()
    if not isinstance(class_names, (list, tuple)):
        raise TypeError(
            "class_names must be a list of names, one per class. "
            f"Received: class_names={short_repr(class_names)}."
        )
    if not class_names:
        raise ValueError("class_names must hold at least one name. Received: class_names=[].")
    return list(class_names)


def _class_labels(function, name, values, count, class_names):
    """``values`` as ints, one per image (``count``), each a class number; None stays None."""
    if values is None:
        return None
    try:
        labels = np.ravel(np.asarray(values))
    except ValueError:  # ragged
        labels = np.asarray([None])
    if labels.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold class labels 0, 1, 2, ... Received: {name}={short_repr(values)}."
        )
    if len(labels) != count:
        raise ValueError(
            f"{function} needs as many {name} as images: {count} images, received "
            f"{len(labels)} {name}: {name}={short_repr(values)}."
        )
    top = len(class_names) - 1 if class_names is not None else None
    bad = ~np.isfinite(labels) | (labels < 0) | (labels != np.floor(labels))
    if top is not None:
        bad |= labels > top
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        within = f"in 0..{top} (one per class name)" if top is not None else "0 or more"
        raise ValueError(
            f"{name} must hold whole numbers {within}. Received: {labels[i].item()!r} at index {i}."
        )
    return labels.astype(np.int64)


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
    >>> fig.description
    'Parameter count of each of 2 layers, 13,610 in total; dense holds the most, 13,530 (99.4%).'
    """
    from course_utils.params import ParamTable

    if not isinstance(table, ParamTable):
        raise TypeError(
            f"plot_param_counts needs a ParamTable (from param_table(model)). "
            f"Received: {short_repr(table)}."
        )
    _check_axes(ax)
    if not isinstance(title, str):
        raise TypeError(f"title must be a str. Received: title={short_repr(title)}.")
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
    sentence = f"Parameter count of each of {len(counts)} layers, {sum(counts):,} in total"
    if sum(counts):
        largest = int(np.argmax(counts))
        sentence += (
            f"; {names[largest]} holds the most, {counts[largest]:,} "
            f"({_share(counts[largest], total)})"
        )
    return _describe(fig, sentence + ".")


def _fit_title(ax, text, width, **kwargs):
    """Title ``ax``; a title wider than ``width`` inches breaks onto two lines at ", "."""
    title = ax.set_title(text, **kwargs)
    if ", " in text and title.get_window_extent().width > (width - 0.1) * ax.figure.dpi:
        title.set_text(text.replace(", ", "\n", 1))


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
    return class_names[label] if class_names is not None else str(label)


def _show(ax, image, cmap):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_images(
    images, labels=None, predictions=None, class_names=None, ncols=5, cmap="gray", names=None
):
    """A grid of images titled with their labels, and predictions (wrong ones in red).

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``.
        labels: the true labels (optional).
        predictions: predicted labels (optional); a wrong one gets a red title.
        class_names: names for the labels (default: the numbers).
        ncols: images per row.
        cmap: the colour map for one-channel images.
        names: a name per image, shown above its label (optional): say which is which
            when the panels show different things.

    Returns:
        The figure; ``fig.axes[i]`` shows ``images[i]``.

    Example:
    >>> fig = plot_images(np.zeros((3, 28, 28)), labels=[7, 2, 1], predictions=[7, 3, 1])
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['7', 'true 2, pred 3', '1']
    >>> fig.description
    '3 images of 28x28 with their labels and predictions: 2 of 3 right, the wrong one titled in red.'
    """
    images = _image_batch("plot_images", images)
    class_names = _class_names(class_names)
    labels = _class_labels("plot_images", "labels", labels, len(images), class_names)
    predictions = _class_labels("plot_images", "predictions", predictions, len(images), class_names)
    ncols = check_positive_int("ncols", ncols)
    _check_cmap(cmap)
    if names is not None and (not isinstance(names, (list, tuple)) or len(names) != len(images)):
        raise ValueError(
            f"plot_images needs one name per image: {len(images)} images, received "
            f"{len(names) if isinstance(names, (list, tuple)) else 'no list of'} names: "
            f"{short_repr(names)}."
        )
    fig, axes = _grid(len(images), ncols)
    for i, ax in enumerate(axes):
        _show(ax, images[i], cmap)
        name = f"{names[i]}\n" if names is not None else ""
        color = "black"
        if labels is None and predictions is None:
            title = ""
        elif predictions is None:
            title = _name(labels[i], class_names)
        elif labels is None:
            title = f"pred {_name(predictions[i], class_names)}"
        elif labels[i] == predictions[i]:
            title = _name(labels[i], class_names)
        else:
            title = (
                f"true {_name(labels[i], class_names)}, pred {_name(predictions[i], class_names)}"
            )
            color = "red"
        if name or title:
            _fit_title(ax, name + title, 1.6, fontsize=10, color=color)
    fig.tight_layout()
    sentence = _images_sentence(images, labels, predictions)
    if names is not None:
        sentence = sentence[:-1] + f"; panels: {', '.join(map(str, names))}."
    return _describe(fig, sentence)


def _images_sentence(images, labels, predictions):
    count = len(images)
    what = f"{count} {'image' if count == 1 else 'images'} of {images.shape[1]}x{images.shape[2]}"
    if labels is None and predictions is None:
        return f"{what}."
    if predictions is None:
        return f"{what}, titled with their labels."
    if labels is None:
        return f"{what}, titled with their predicted labels."
    right = int(np.sum(labels == predictions))
    wrong = "the wrong one" if count - right == 1 else "wrong ones"
    return f"{what} with their labels and predictions: {right} of {count} right" + (
        f", {wrong} titled in red." if right < count else "."
    )


def plot_history(*histories, names=None, metrics=("loss", "accuracy")):
    """Training curves, one panel per metric, training solid and validation dashed.

    One run: training blue, validation orange. Several runs: one colour per run. A dot
    marks every epoch (so one epoch shows as dots), the x axis counts whole epochs from 1,
    and one legend sits below the panels, off the data.

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
    >>> print(fig.description)  # doctest: +NORMALIZE_WHITESPACE
    Training curves of 1 run over 2 epochs: loss and accuracy, training (blue, solid) and
    validation (orange, dashed); final validation loss 0.400, validation accuracy 0.850.
    """
    if not histories:
        raise ValueError("plot_history needs at least one History (or history dict).")
    logs = [getattr(h, "history", h) for h in histories]
    for log in logs:
        if not isinstance(log, dict):
            raise TypeError(f"Expected a keras History or a dict. Received: {type(log).__name__}.")
        for key, values in log.items():
            try:
                ndim = np.asarray(values, dtype=np.float64).ndim
            except (TypeError, ValueError):
                ndim = None
            if ndim != 1:
                raise ValueError(
                    "Each metric of a history must be a list of numbers, one per epoch. "
                    f"Received: {key!r}: {short_repr(values)}."
                )
    metrics = (metrics,) if isinstance(metrics, str) else metrics
    if (
        not isinstance(metrics, (list, tuple))
        or not metrics
        or not all(isinstance(m, str) for m in metrics)
    ):
        raise ValueError(
            f'metrics must be metric names, e.g. ("loss", "accuracy"). '
            f"Received: metrics={short_repr(metrics)}."
        )
    if names is None or (isinstance(names, (list, tuple)) and not names):
        names = [f"run {i + 1}" for i in range(len(logs))]
    if not isinstance(names, (list, tuple)) or len(names) != len(logs):
        count = len(names) if isinstance(names, (list, tuple)) else "no list of"
        raise ValueError(
            f"{len(logs)} histories but {count} names. Received: names={short_repr(names)}."
        )
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4.2), squeeze=False)
    one_run = len(logs) == 1
    num_epochs = max([len(values) for log in logs for values in log.values()] + [1])
    marker_size = 6 if num_epochs <= 20 else 3  # a dot on every epoch, not a blob
    for ax, metric in zip(axes.flat, metrics, strict=True):
        for i, (log, name) in enumerate(zip(logs, names, strict=True)):
            colour = f"tab:{_RUN_COLOURS[i % len(_RUN_COLOURS)]}"
            for key, style, line_colour, label in (
                (metric, "-o", colour, "training" if one_run else name),
                (f"val_{metric}", "--s", "tab:orange" if one_run else colour,
                 "validation" if one_run else f"{name} (validation)"),
            ):  # fmt: skip
                if key in log:
                    epochs = range(1, len(log[key]) + 1)
                    line = ax.plot(epochs, log[key], style, color=line_colour, label=label)
                    line[0].set_markersize(marker_size)
        if not ax.lines:
            ax.text(0.5, 0.5, f"no {metric!r} in this history", ha="center", va="center",
                    transform=ax.transAxes, color="gray")  # fmt: skip
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, num_epochs) if num_epochs <= 12 * s)
        ax.set_xticks(sorted({1, *range(step, num_epochs + 1, step)}))
        ax.set_xlim(0.5, num_epochs + 0.5)
        ax.grid(alpha=0.3)
    # One legend for all panels, below them; it lives on the first axes (ax.get_legend()).
    entries = {}
    for ax in axes.flat:
        handles, labels = ax.get_legend_handles_labels()
        entries.update(zip(labels, handles, strict=True))
    if entries:
        for ncols in range(2 if one_run else min(len(logs), 3), 0, -1):  # fit the width
            legend = axes.flat[0].legend(
                list(entries.values()), list(entries), loc="lower center", ncols=ncols,
                bbox_to_anchor=(0.5, 0.01), bbox_transform=fig.transFigure, frameon=False,
            )  # fmt: skip
            if legend.get_window_extent().width < fig.bbox.width:
                break
        legend.set_in_layout(False)  # tight_layout leaves it room below instead
        bottom = (legend.get_window_extent().height + 4) / fig.bbox.height
        fig.tight_layout(rect=(0, bottom, 1, 1))
        legend.set_in_layout(True)  # so bbox_inches="tight" (Jupyter's inline) keeps it
    else:
        fig.tight_layout()
    return _describe(fig, _history_sentence(logs, names, metrics))


def _final(log, metric):
    """("validation", last value) when the log has one, else ("training", last value)."""
    for kind, key in (("validation", f"val_{metric}"), ("training", metric)):
        if len(log.get(key, [])):
            return kind, float(log[key][-1])
    return None


def _history_sentence(logs, names, metrics):
    lengths = sorted({max([len(v) for v in log.values()] + [0]) for log in logs})
    span = str(lengths[0]) if len(lengths) == 1 else f"{lengths[0]} to {lengths[-1]}"
    runs = "1 run" if len(logs) == 1 else f"{len(logs)} runs"
    unit = "epoch" if span == "1" else "epochs"
    drawn = [m for m in metrics if any(_final(log, m) for log in logs)]
    sentence = f"Training curves of {runs} over {span} {unit}: {' and '.join(drawn) or 'nothing'}"
    if len(logs) == 1:
        validation = any(f"val_{m}" in logs[0] for m in drawn)
        sentence += ", training (blue, solid)" + (
            " and validation (orange, dashed)" if validation else ""
        )
        finals = [(m, _final(logs[0], m)) for m in drawn]
        values = ", ".join(f"{kind} {m} {value:#.3g}" for m, (kind, value) in finals)
    else:
        colours = ", ".join(
            f"{name} {_RUN_COLOURS[i % len(_RUN_COLOURS)]}" for i, name in enumerate(names)
        )
        sentence += f", one colour per run ({colours}), training solid and validation dashed"
        metric = drawn[-1] if drawn else None
        finals = [(name, _final(log, metric)) for log, name in zip(logs, names, strict=True)]
        values = f"{metric}: " + ", ".join(
            f"{name} {final[1]:#.3g} ({final[0]})" for name, final in finals if final
        )
    return sentence + (f"; final {values}." if drawn else ".")


MAX_CLASSES = 1000


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts of (true, predicted) pairs: row = true class, column = predicted class.

    scikit-learn's ``confusion_matrix`` does the counting, with
    ``labels=range(num_classes)``, so a class that never occurs still gets its row and
    column. A label outside ``0..num_classes-1`` is refused rather than counted elsewhere,
    and so is more than ``MAX_CLASSES`` classes (a matrix too large to hold or read).

    Args:
        y_true: the true labels, whole numbers (any shape; flattened).
        y_pred: the predicted labels, as many as ``y_true``.
        num_classes: the number of classes (default: the largest label + 1).

    Returns:
        An int array of shape ``(num_classes, num_classes)``.

    Raises:
        TypeError: the labels are not numbers, or ``num_classes`` is not a whole number.
        ValueError: ``y_true`` and ``y_pred`` differ in length, ``num_classes`` is below 1
            or above ``MAX_CLASSES``, or a label is not a whole number in
            ``0..num_classes-1``.

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
        source = " (the largest label + 1)"
    else:
        num_classes, source = check_positive_int("num_classes", num_classes), ""
    if num_classes > MAX_CLASSES:
        raise ValueError(
            f"confusion_matrix counts up to {MAX_CLASSES:,} classes. "
            f"Received: num_classes={num_classes:,}{source}."
        )
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

    The colour follows the square root of the count, so that a handful of mistakes is
    visible next to a diagonal of hundreds.

    Returns:
        The figure; its first axes holds the heatmap.

    Example:
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1', '0', '1', '1']
    >>> print(fig.description)  # doctest: +NORMALIZE_WHITESPACE
    Confusion matrix of 3 predictions over 2 classes (rows true, columns predicted):
    2 right (66.7%); most often confused: true 1 predicted as 0 (1 time).
    """
    import seaborn as sns

    class_names = _class_names(class_names)
    _check_axes(ax)
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
        xticklabels=names, yticklabels=names, norm=PowerNorm(0.5, 0, max(matrix.max(), 1)),
    )  # fmt: skip
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix ({int(np.trace(matrix)):,} of {int(matrix.sum()):,} right)")
    fig.tight_layout()
    return _describe(fig, _confusion_sentence(matrix, names))


def _confusion_sentence(matrix, names):
    right, total = int(np.trace(matrix)), int(matrix.sum())
    sentence = (
        f"Confusion matrix of {total:,} predictions over {len(matrix)} classes "
        f"(rows true, columns predicted): {right:,} right ({right / max(total, 1):.1%})"
    )
    errors = matrix - np.diag(np.diag(matrix))
    if not errors.any():
        return sentence + ", no mistakes."
    true, predicted = np.unravel_index(np.argmax(errors), errors.shape)
    times = int(errors[true, predicted])
    return sentence + (
        f"; most often confused: true {names[true]} predicted as {names[predicted]} "
        f"({times:,} {'time' if times == 1 else 'times'})."
    )


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
    >>> fig.description
    'Showing 1 of the 1 misclassified images (33.3% of 3 predictions), each titled with its true and predicted label.'
    >>> plot_misclassified(np.zeros((2, 8, 8)), [1, 2], [1, 2]) is None
    No misclassified images: all 2 predictions are right.
    True
    """
    images = _image_batch("plot_misclassified", images)
    class_names = _class_names(class_names)
    y_true = _class_labels("plot_misclassified", "y_true", y_true, len(images), class_names)
    y_pred = _class_labels("plot_misclassified", "y_pred", y_pred, len(images), class_names)
    if probs is not None:
        probs = as_number_array("probs", probs)
        if probs.ndim not in (1, 2) or len(probs) != len(images) or 0 in probs.shape:
            raise ValueError(
                f"probs must hold one probability (or one per class) per image: "
                f"{len(images)} images. Received: probs of shape {probs.shape}."
            )
    max_images = check_positive_int("max_images", max_images)
    ncols = check_positive_int("ncols", ncols)
    all_wrong = np.flatnonzero(y_true != y_pred)
    wrong = all_wrong[:max_images]
    if len(wrong) == 0:
        print(f"No misclassified images: all {len(y_true):,} predictions are right.")
        return None
    fig, axes = _grid(len(wrong), ncols)
    for ax, i in zip(axes, wrong, strict=True):
        _show(ax, images[i], "gray")
        title = f"true {_name(y_true[i], class_names)}, pred {_name(y_pred[i], class_names)}"
        if probs is not None:
            title += f" ({float(np.max(probs[i])):.2f})"
        _fit_title(ax, title, 1.6, fontsize=9, color="red")
    fig.tight_layout()
    confidence = " and the predicted probability" if probs is not None else ""
    return _describe(
        fig,
        f"Showing {len(wrong)} of the {len(all_wrong):,} misclassified images "
        f"({len(all_wrong) / len(y_true):.1%} of {len(y_true):,} predictions), each titled "
        f"with its true and predicted label{confidence}.",
    )


def _colours(values, signed=None):
    """imshow's colours: diverging and centred on 0 for signed data (``signed``, or any
    value below 0), otherwise one ramp from 0."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]  # NaN and inf do not set the scale
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if low < 0 if signed is None else signed:
        limit = max(-low, high) or 1.0
        return {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit}
    return {"cmap": "viridis", "vmin": 0.0, "vmax": high or 1.0}


def _colour_bar(fig, image, panels, label):
    """A colour bar for ``image``, right of ``panels`` (laid out already) and as tall.

    It is an inset of the first panel, so ``fig.axes`` keeps holding only the panels. It
    stays in the layout: Jupyter saves figures with ``bbox_inches="tight"``, which crops
    whatever is not.
    """
    for ax in panels:
        ax.apply_aspect()  # the box the image really fills
    boxes = [ax.get_position() for ax in panels]
    bottom, top = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
    gap = 0.12 / fig.get_figwidth()  # inches, as a share of the figure's width
    cax = panels[0].inset_axes(
        [max(b.x1 for b in boxes) + gap, bottom, gap, top - bottom], transform=fig.transFigure
    )
    return fig.colorbar(image, cax=cax, label=label)


_BAR_SPACE = 1.0  # inches right of the panels for a colour bar and its labels


def plot_filters(kernel, ncols=8, channel=0):
    """Each filter of a first conv layer as a small image, titled "filter i".

    Weights are signed, so the colours diverge from white at 0: red positive, blue
    negative, on one symmetric scale for all filters, shown by the colour bar.

    Args:
        kernel: the layer (``Conv2D``) or its kernel array ``(k_h, k_w, C_in, filters)``.
        ncols: filters per row.
        channel: which input channel to show for multi-channel kernels.

    Returns:
        The figure; ``fig.axes[i]`` shows filter ``i``, as in ``plot_feature_maps``.

    Example:
    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(3, 3, 1, 4)))
    >>> len(fig.axes), fig.axes[0].images[0].get_array().shape, fig.axes[3].get_title()
    (4, (3, 3), 'filter 3')
    >>> print(fig.description)  # doctest: +NORMALIZE_WHITESPACE
    4 filters, 3x3 weights of input channel 0 (of 1), on one colour scale from -2.3 (blue)
    through 0 (white) to 2.3 (red).
    """
    if hasattr(kernel, "get_weights"):
        if not kernel.get_weights():
            raise ValueError(
                f"Layer {getattr(kernel, 'name', kernel)!r} has no weights yet: build it or call "
                "it on an input first."
            )
        weights = np.asarray(kernel.get_weights()[0])
    else:
        weights = as_number_array("kernel", kernel)
    if weights.ndim != 4 or 0 in weights.shape:
        raise ValueError(
            f"Expected a Conv2D kernel (k_h, k_w, C_in, filters). Received shape {weights.shape}."
        )
    ncols = check_positive_int("ncols", ncols)
    k_h, k_w, channels, count = weights.shape
    if (
        isinstance(channel, bool)
        or not isinstance(channel, int)
        or not -channels <= channel < channels
    ):
        raise ValueError(
            f"channel must be a whole number in 0..{channels - 1} for a kernel with {channels} "
            f"input channel(s). Received: channel={channel!r}."
        )
    channel %= channels  # -1: the last channel, as in NumPy
    filters = weights[:, :, channel, :]
    fig, axes = _grid(count, ncols, cell=1.2)
    fig.set_size_inches(fig.get_figwidth() + _BAR_SPACE, fig.get_figheight() + 0.2)
    style = _colours(filters, signed=True)  # weights have a sign
    for i, ax in enumerate(axes):
        image = ax.imshow(filters[:, :, i], **style)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"filter {i}", fontsize=8)
    layer = f" of {kernel.name}" if hasattr(kernel, "name") else ""
    fig.suptitle(f"Filters{layer}, input channel {channel}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1 - _BAR_SPACE / fig.get_figwidth(), 1))
    _colour_bar(fig, image, list(axes), "weight")
    return _describe(
        fig,
        f"{count} filters{layer}, {k_h}x{k_w} weights of input channel {channel} "
        f"(of {channels}), on one colour scale from {style['vmin']:.2g} (blue) through 0 "
        f"(white) to {style['vmax']:.2g} (red).",
    )


def plot_feature_maps(model, image, max_maps=8):
    """The feature maps of one image after each Conv2D layer of a model, one row per layer.

    Map ``i`` is titled "filter i": the output of the filter ``plot_filters`` titles the
    same. Each row has one colour scale and its colour bar: a ramp from 0 for ReLU maps
    (never negative), colours diverging from white at 0 for maps with negative values.

    Args:
        model: a built Keras model.
        image: one input image, without the batch axis, prepared as the model expects.
        max_maps: feature maps shown per layer.

    Returns:
        The figure; row titles name the layers.

    Example:
    >>> import keras
    >>> from keras import layers
    >>> model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3, name="conv")])
    >>> fig = plot_feature_maps(model, np.ones((6, 6, 1)))
    >>> fig.axes[0].get_title(loc="left"), [ax.get_title() for ax in fig.axes]
    ('conv (4, 4)', ['filter 0', 'filter 1'])
    """
    import keras

    check_built_model("plot_feature_maps", model)
    if len(model.inputs) != 1:
        raise ValueError(
            f"plot_feature_maps needs a model with one input. Received: {model.name!r} with "
            f"{len(model.inputs)}."
        )
    image = as_number_array("image", image)
    expected = tuple(model.inputs[0].shape[1:])
    if (
        image.shape == ()
        or 0 in image.shape
        or len(image.shape) != len(expected)
        or any(e is not None and e != n for e, n in zip(expected, image.shape, strict=True))
    ):
        raise ValueError(
            f"image must be one input of shape {expected} for {model.name!r}, without the batch "
            f"axis. Received shape: {image.shape}."
        )
    max_maps = check_positive_int("max_maps", max_maps)
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise ValueError(f"Model {model.name!r} has no Conv2D layer to show.")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [layer.output for layer in convs])
    outputs = probe(image[None])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    ncols = min(max_maps, max(int(o.shape[-1]) for o in outputs))
    fig, axes = plt.subplots(
        len(convs), ncols, figsize=(1.5 * ncols + _BAR_SPACE, 2.0 * len(convs)), squeeze=False
    )
    rows, parts = [], []
    for row, (layer, output) in enumerate(zip(convs, outputs, strict=True)):
        maps = np.asarray(output)[0]
        shown = maps[:, :, :ncols]
        style = _colours(shown)  # ReLU maps are never negative: one ramp from 0
        for col in range(ncols):
            ax = axes[row, col]
            ax.axis("off")
            if col < maps.shape[-1]:
                picture = ax.imshow(maps[:, :, col], **style)
                ax.set_title(f"filter {col}", fontsize=8)
        header = axes[row, 0].set_title(
            f"{layer.name} {maps.shape[:2]}", loc="left", fontsize=9, fontweight="bold"
        )  # one line above the "filter i" titles
        header.set_transform(
            header.get_transform() + ScaledTranslation(0, 0.2, fig.dpi_scale_trans)
        )
        rows.append((picture, list(axes[row, : shown.shape[-1]])))
        parts.append(
            f"{layer.name} {maps.shape[0]}x{maps.shape[1]}, {shown.shape[-1]} of "
            f"{maps.shape[-1]} maps, values {shown.min():.2g} to {shown.max():.2g}"
        )
    fig.tight_layout(rect=(0, 0, 1 - _BAR_SPACE / fig.get_figwidth(), 1))
    for picture, panels in rows:
        _colour_bar(fig, picture, panels, "activation")
    size = "x".join(str(n) for n in np.shape(image)[:2])
    return _describe(
        fig,
        f"Feature maps of one {size} image after {len(convs)} Conv2D "
        f"{'layer' if len(convs) == 1 else 'layers'}, up to the "
        f"first {ncols} filters of each: {'; '.join(parts)}.",
    )


MAX_VERSIONS = 100


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
    >>> fig.description.startswith("One 4x4 image and 3 random versions of it from random_flip")
    True
    """
    if not callable(augmentation):
        raise TypeError(
            "augmentation must be a Keras layer or model, e.g. layers.RandomFlip(). "
            f"Received: {type(augmentation).__name__}."
        )
    if (
        isinstance(num_versions, bool)
        or not isinstance(num_versions, int)
        or not 1 <= num_versions <= MAX_VERSIONS
    ):
        raise ValueError(
            f"num_versions must be a whole number from 1 to {MAX_VERSIONS}. "
            f"Received: {num_versions!r}."
        )
    image = _image_batch("plot_augmentations", image, batch=False)
    ncols = check_positive_int("ncols", ncols)
    _check_cmap(cmap)
    batch = np.repeat(image[None].astype("float32"), num_versions, axis=0)
    versions = np.asarray(augmentation(batch, training=True))
    if np.issubdtype(image.dtype, np.integer):
        versions = np.clip(np.round(versions), 0, 255).astype("uint8")
    else:
        versions = np.clip(versions, np.nanmin(image), np.nanmax(image))
    fig, axes = _grid(num_versions + 1, ncols)
    for i, ax in enumerate(axes):
        _show(ax, image if i == 0 else versions[i - 1], cmap)
        ax.set_title("original" if i == 0 else f"augmented {i}", fontsize=9)
    fig.tight_layout()
    name = getattr(augmentation, "name", type(augmentation).__name__)
    steps = ", ".join(type(layer).__name__ for layer in getattr(augmentation, "layers", []))
    changed = sum(not np.array_equal(version, image) for version in versions)
    return _describe(
        fig,
        f"One {image.shape[0]}x{image.shape[1]} image and {num_versions} random versions of it "
        f"from {name}{f' ({steps})' if steps else ''}; {changed} of {num_versions} differ "
        "from the original.",
    )


_STOP_COLOURS = ("tab:red", "tab:orange", "tab:green", "tab:purple", "tab:cyan")


def plot_kernel_sliding(image, kernel, stops=((4, 4), (6, 14), (16, 12))):
    """A kernel at a few stops on an image, and the feature-map value each stop gives.

    Left, the image with the kernel's window drawn at each stop; right, the feature map
    of the whole slide (valid padding, stride 1), with each stop's output pixel boxed in
    the same colour, an arrow from window to pixel, and its value written next to it.

    Args:
        image: ``(height, width)``, one channel.
        kernel: ``(k, k)``, smaller than the image.
        stops: up to 5 ``(row, column)`` positions of the window's top-left corner.

    Returns:
        The figure; ``fig.axes[:2]`` are the image and the feature map.

    Raises:
        ValueError: an image or kernel of the wrong shape, or a stop where the window
            would not fit, naming the value.

    Example:
    >>> fig = plot_kernel_sliding(np.eye(8), np.eye(3), stops=[(0, 0), (2, 4)])
    >>> fig.description
    'A 3x3 kernel at 2 stops on an 8x8 image, and the 6x6 feature map: stop (0, 0) gives 3.00, stop (2, 4) gives 0.00.'
    """
    image, kernel = as_number_array("image", image), as_number_array("kernel", kernel)
    if image.ndim != 2 or 0 in image.shape:
        raise ValueError(
            f"plot_kernel_sliding needs a (height, width) image. Received {image.shape}."
        )
    k = kernel.shape[0] if kernel.ndim else 0
    if kernel.ndim != 2 or kernel.shape[1] != k or not 1 <= k <= min(image.shape):
        raise ValueError(
            f"plot_kernel_sliding needs a square kernel no larger than the image {image.shape}. "
            f"Received {kernel.shape}."
        )
    feature_map = conv2d_numpy(image, kernel)
    stops = [_stop(stop) for stop in (stops if isinstance(stops, (list, tuple)) else [stops])]
    for row, column in stops:
        if not (0 <= row < feature_map.shape[0] and 0 <= column < feature_map.shape[1]):
            raise ValueError(
                f"a stop is a window's top-left corner, from (0, 0) to "
                f"{tuple(n - 1 for n in feature_map.shape)}. Received ({row}, {column})."
            )
    if not 1 <= len(stops) <= len(_STOP_COLOURS):
        raise ValueError(f"plot_kernel_sliding draws 1 to 5 stops. Received {len(stops)}.")
    fig, (ax_image, ax_map) = plt.subplots(1, 2, figsize=(10, 4.6))
    ax_image.imshow(image, cmap="gray")
    picture = ax_map.imshow(feature_map, **_colours(feature_map, signed=True))
    fig.colorbar(picture, ax=ax_map, fraction=0.046, pad=0.04, label="sum of products")
    for (row, column), colour in zip(stops, _STOP_COLOURS[: len(stops)], strict=True):
        ax_image.add_patch(
            Rectangle((column - 0.5, row - 0.5), k, k, fill=False, edgecolor=colour, lw=2.5)
        )
        ax_map.add_patch(
            Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=colour, lw=2.5)
        )
        ax_map.annotate(
            f"{feature_map[row, column]:.2f}",
            (column, row),
            xytext=(6, -6),
            textcoords="offset points",
            color=colour,
            fontsize=10,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
        fig.add_artist(
            ConnectionPatch(
                xyA=(column + k - 0.5, row + k / 2 - 0.5),
                coordsA=ax_image.transData,
                xyB=(column - 0.5, row),
                coordsB=ax_map.transData,
                color=colour,
                arrowstyle="->",
                alpha=0.6,
            )
        )
    height, width = image.shape
    ax_image.set_title(f"Input {height}x{width}: the {k}x{k} window at {len(stops)} stops")
    ax_map.set_title(f"Feature map {feature_map.shape[0]}x{feature_map.shape[1]}: one sum per stop")
    for ax in (ax_image, ax_map):
        ax.set_xticks([])
        ax.set_yticks([])
    values = ", ".join(f"stop {stop} gives {feature_map[stop]:.2f}" for stop in stops)
    return _describe(
        fig,
        f"A {k}x{k} kernel at {len(stops)} stops on an {height}x{width} image, and the "
        f"{feature_map.shape[0]}x{feature_map.shape[1]} feature map: {values}.",
    )


def _stop(stop):
    stop = tuple(stop) if isinstance(stop, (list, tuple, np.ndarray)) else (stop,)
    if len(stop) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in stop
    ):
        raise ValueError(
            f"a stop is a (row, column) pair of whole numbers. Received: {short_repr(stop)}."
        )
    return int(stop[0]), int(stop[1])


GRAPHVIZ_HELP = (
    "The diagram needs pydot (`pip install pydot`) and the Graphviz program `dot` "
    "(`conda install graphviz`, `sudo apt-get install graphviz`, `brew install graphviz`, "
    "or graphviz.org/download; Colab has both)."
)


def graphviz_missing():
    """Why keras.utils.plot_model cannot draw here, or None when it can."""
    try:
        import pydot
    except ImportError:
        return "pydot is not installed"
    try:
        pydot.Dot.create(pydot.Dot())  # runs `dot` on an empty graph
    except (OSError, pydot.PydotException) as error:  # pydot raises these when `dot` is missing
        return f"Graphviz's `dot` program was not found ({type(error).__name__})"
    return None


def _layer_chain(model):
    steps = [f"Input {tuple(model.inputs[0].shape[1:])}"]
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        steps.append(f"{layer.name} ({type(layer).__name__}) {shape}")
    return " -> ".join(steps)


def plot_architecture(model, to_file="runs/model.png"):
    """A diagram of a model's layers with their output shapes, as older tutorials show.

    It calls ``keras.utils.plot_model(model, show_shapes=True)``, which needs pydot and
    Graphviz. Where either is missing it says so, how to install it, and prints the
    same chain of layers as text instead. Either way the text is the description.

    Args:
        model: a built Keras model with one input.
        to_file: where the PNG goes (default ``runs/model.png``; its folder is made).

    Returns:
        What ``plot_model`` returns (an image that Jupyter shows), or None without
        Graphviz.
    """
    import keras

    if not isinstance(model, keras.Model) or not model.built:
        raise TypeError(f"plot_architecture needs a built Keras model. Received {model!r}.")
    if not isinstance(to_file, (str, os.PathLike)):
        raise TypeError(
            f"to_file must be a str or a pathlib.Path. Received: to_file={short_repr(to_file)}."
        )
    chain = _layer_chain(model)
    missing = graphviz_missing()
    if missing is not None:
        print(f"No diagram: {missing}. {GRAPHVIZ_HELP}\nThe layers of {model.name}: {chain}")
        return None
    Path(to_file).parent.mkdir(parents=True, exist_ok=True)
    image = keras.utils.plot_model(
        model, to_file=str(to_file), show_shapes=True, show_layer_names=True, dpi=72
    )
    print(f"Diagram of {model.name}, saved to {to_file}: {chain}")
    return image
