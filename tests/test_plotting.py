"""course_utils.plotting: what each figure draws (Agg backend, set in conftest.py)."""

import os
import sys

import keras
import numpy as np
import pytest
from keras import layers
from matplotlib.colors import to_rgba
from matplotlib.text import Text

from course_utils import plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_plot_images_shows_the_pixels_and_labels():
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1), dtype=np.uint8)
    fig = plotting.plot_images(images, labels=[3, 1, 4, 1], ncols=2)
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), images[2, :, :, 0])
    assert [ax.get_title() for ax in fig.axes] == ["3", "1", "4", "1"]


def test_plot_images_marks_wrong_predictions_in_red():
    fig = plotting.plot_images(
        np.zeros((2, 32, 32, 3)),
        labels=[0, 1],
        predictions=[0, 2],
        class_names=["cat", "dog", "frog"],
    )
    right, wrong = fig.axes[:2]
    assert right.get_title() == "cat"
    assert wrong.get_title() == "true dog, pred frog"
    assert wrong.title.get_color() == "red"
    assert fig.axes[0].images[0].get_array().shape == (32, 32, 3)  # colour kept


def test_plot_images_hides_spare_axes():
    fig = plotting.plot_images(np.zeros((7, 8, 8)), ncols=4)
    assert len(fig.axes) == 8
    assert not fig.axes[7].axison


def test_plot_history_draws_training_and_validation():
    log = {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5], "accuracy": [0.6, 0.8, 0.9]}
    fig = plotting.plot_history(log)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss"
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), log["loss"])
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), log["val_loss"])
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training", "validation"]
    assert len(acc_ax.lines) == 1


def test_plot_history_side_by_side_runs():
    class FakeHistory:
        history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}

    fig = plotting.plot_history(
        FakeHistory(), {"loss": [2.0, 1.0]}, names=["a", "b"], metrics=("loss",)
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "a (validation)", "b"]
    assert to_rgba(ax.lines[0].get_color()) == to_rgba(ax.lines[1].get_color())
    assert to_rgba(ax.lines[0].get_color()) != to_rgba(ax.lines[2].get_color())


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((), {}, ValueError, "at least one History"),
        (([1, 2],), {}, TypeError, "Received: list"),
        (({"loss": [1]},), {"names": ["a", "b"]}, ValueError, r"1 histories but 2 names"),
    ],
)
def test_plot_history_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plotting.plot_history(*args, **kwargs)


def test_confusion_matrix_counts():
    matrix = plotting.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], num_classes=4)
    assert matrix.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    assert isinstance(matrix, np.ndarray) and np.issubdtype(matrix.dtype, np.integer)


def test_confusion_matrix_takes_keras_style_labels():
    y_true = np.array([[3], [1], [3]], np.uint8)  # CIFAR-10's (N, 1) labels
    probabilities = np.eye(5)[[3, 1, 2]]
    matrix = plotting.confusion_matrix(y_true, probabilities.argmax(axis=1), num_classes=5)
    assert matrix.shape == (5, 5) and matrix[3, 3] == 1 and matrix[3, 2] == 1
    assert plotting.confusion_matrix([1.0, 0.0], [1, 1]).tolist() == [[0, 1], [0, 1]]


@pytest.mark.parametrize(
    ("y_true", "y_pred", "num_classes", "error", "message"),
    [
        ([0, 1], [0, 1, 1], None, ValueError, "Received: 2 and 3"),
        # A label past num_classes is refused, not counted in another cell.
        ([0, 1], [4, 1], 3, ValueError, r"y_pred must hold whole numbers in 0\.\.2 .* 4\."),
        ([0, 3], [0, 1], 3, ValueError, r"y_true must .* Received: 3\."),
        ([0, -1], [0, 1], None, ValueError, r"y_true must .* Received: -1\."),
        ([0, 1.5], [0, 1], None, ValueError, r"Received: 1\.5\."),
        ([0, np.nan], [0, 1], None, ValueError, r"Received: nan\."),
        ([0, 1], [0, 1], 0, ValueError, r"num_classes must be 1 or more. Received: num_classes=0"),
        ([0, 1], [0, 1], 2.0, TypeError, r"Received: num_classes=2\.0"),
        (["cat"], ["dog"], None, TypeError, "Received dtype: <U3"),
    ],
)
def test_confusion_matrix_bad_input(y_true, y_pred, num_classes, error, message):
    with pytest.raises(error, match=message):
        plotting.confusion_matrix(y_true, y_pred, num_classes)


def test_plot_confusion_matrix_writes_the_counts():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 2, 0]
    fig = plotting.plot_confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert [int(t.get_text()) for t in ax.texts] == [1, 1, 0, 0, 1, 0, 1, 0, 2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert "4 of 6 right" in ax.get_title()


def test_plot_confusion_matrix_refuses_a_label_without_a_name():
    with pytest.raises(ValueError, match=r"0\.\.1 \(num_classes=2\). Received: 2\."):
        plotting.plot_confusion_matrix([0, 1], [0, 2], class_names=["cat", "dog"])


def test_plot_misclassified_shows_only_the_wrong_ones():
    images = np.arange(4 * 5 * 5).reshape(4, 5, 5)
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    fig = plotting.plot_misclassified(images, [0, 0, 1, 1], [0, 1, 1, 0], probs=probs)
    assert [ax.get_title() for ax in fig.axes[:2]] == [
        "true 0, pred 1 (0.70)",
        "true 1, pred 0 (0.60)",
    ]
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[3])
    assert plotting.plot_misclassified(images[:2], [0, 1], [0, 1]) is None


def test_plot_filters_from_a_layer():
    layer = layers.Conv2D(6, 5)
    layer.build((None, 28, 28, 1))
    fig = plotting.plot_filters(layer, ncols=3)
    kernel = layer.get_weights()[0]
    assert len(fig.axes) == 6
    np.testing.assert_allclose(fig.axes[4].images[0].get_array(), kernel[:, :, 0, 4])
    with pytest.raises(ValueError, match=r"Received shape \(3, 3\)"):
        plotting.plot_filters(np.zeros((3, 3)))


def test_plot_feature_maps_one_row_per_conv_layer():
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(3, 3, name="first"),
            layers.MaxPooling2D(),
            layers.Conv2D(5, 3, name="second"),
        ]
    )
    image = np.random.default_rng(1).random((12, 12, 1)).astype("float32")
    fig = plotting.plot_feature_maps(model, image, max_maps=4)
    assert len(fig.axes) == 2 * 4
    assert fig.axes[0].get_title(loc="left") == "first (10, 10)"
    assert fig.axes[4].get_title(loc="left") == "second (3, 3)"
    expected = np.asarray(model.layers[0](image[None]))[0, :, :, 1]
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), expected, atol=1e-6)
    assert not fig.axes[3].images  # the first layer has only 3 maps


def test_plot_feature_maps_needs_a_conv_layer():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        plotting.plot_feature_maps(model, np.zeros(4))


def test_plot_augmentations_shows_the_original_then_the_versions():
    image = np.zeros((8, 8, 1), "float32")
    image[2:4, 1:3] = 1.0
    flip = layers.RandomFlip("horizontal", seed=1)
    fig = plotting.plot_augmentations(flip, image, num_versions=5, ncols=3)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes] == ["original"] + [
        f"augmented {i}" for i in range(1, 6)
    ]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), image[..., 0])
    shown = [np.asarray(ax.images[0].get_array()) for ax in fig.axes[1:]]
    mirrored = image[:, ::-1, 0]
    assert all(np.array_equal(s, image[..., 0]) or np.array_equal(s, mirrored) for s in shown)
    assert any(np.array_equal(s, mirrored) for s in shown)  # 5 coin flips, seeded


def test_plot_augmentations_keeps_uint8_colour_images_displayable():
    image = np.random.default_rng(0).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    shift = layers.RandomTranslation(0.3, 0.3, fill_mode="constant", interpolation="nearest")
    fig = plotting.plot_augmentations(shift, image, num_versions=3)
    for ax in fig.axes[1:4]:
        shown = np.asarray(ax.images[0].get_array())
        assert shown.dtype == np.uint8 and shown.shape == (6, 6, 3)


@pytest.mark.parametrize(
    ("augmentation", "image", "versions", "error", "message"),
    [
        ("flip", np.zeros((4, 4)), 3, TypeError, "Received: str"),
        (
            None,
            np.zeros((1, 4, 4, 1)),
            3,
            ValueError,
            r"without the batch axis.*Received: image of shape \(1, 4, 4, 1\)",
        ),
        (None, np.zeros((4, 4)), 0, ValueError, "num_versions must be a whole number"),
    ],
)
def test_plot_augmentations_bad_input(augmentation, image, versions, error, message):
    augmentation = layers.RandomFlip() if augmentation is None else augmentation
    with pytest.raises(error, match=message):
        plotting.plot_augmentations(augmentation, image, num_versions=versions)


# Readable figures (issue 13, part 4): colour bars, filter indices, colour maps that fit the
# sign of the data, one-epoch histories, legends off the data, and a text description.


def _title_boxes(fig):
    """The drawn extent of every non-empty axes title (left and centre) of the figure."""
    fig.canvas.draw()
    titles = [t for ax in fig.axes for t in ax.get_children() if isinstance(t, Text)]
    return [t.get_window_extent() for t in titles if t.get_text()]


def _overlapping(boxes):
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]


def _two_conv_model():
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu", name="relu_conv"),
            layers.Conv2D(3, 3, name="linear_conv"),  # no activation: signed maps
        ]
    )


def test_plot_filters_colour_bar_titles_and_symmetric_diverging_map():
    layer = layers.Conv2D(6, 5)
    layer.build((None, 28, 28, 1))
    limit = float(np.abs(layer.get_weights()[0]).max())
    fig = plotting.plot_filters(layer, ncols=3)
    assert [ax.get_title() for ax in fig.axes] == [f"filter {i}" for i in range(6)]
    images = [ax.images[0] for ax in fig.axes]
    assert {image.get_cmap().name for image in images} == {"RdBu_r"}
    for image in images:
        np.testing.assert_allclose(image.get_clim(), (-limit, limit))
    colour_bars = [image.colorbar for image in images if image.colorbar is not None]
    assert len(colour_bars) == 1 and colour_bars[0].ax.get_ylabel() == "weight"
    bar_box = colour_bars[0].ax.get_window_extent()
    assert not any(bar_box.overlaps(ax.get_window_extent()) for ax in fig.axes)


@pytest.mark.parametrize("num_filters", [8, 32])
def test_plot_filters_titles_do_not_crowd(num_filters):
    layer = layers.Conv2D(num_filters, 3)
    layer.build((None, 28, 28, 1))
    assert not _overlapping(_title_boxes(plotting.plot_filters(layer)))


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (1, r"0\.\.0 for a kernel with 1 input channel\(s\). Received: channel=1\."),
        (-2, "=-2"),
        (1.0, "=1.0"),
    ],
)
def test_plot_filters_bad_channel(channel, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_filters(np.zeros((3, 3, 1, 4)), channel=channel)


def test_plot_feature_maps_sequential_map_for_relu_and_diverging_for_signed():
    model = _two_conv_model()
    image = np.random.default_rng(1).normal(size=(12, 12, 1)).astype("float32")
    fig = plotting.plot_feature_maps(model, image, max_maps=4)
    relu_row, signed_row = fig.axes[:4], fig.axes[4:7]
    relu_maps = np.asarray(model.layers[0](image[None]))[0]
    assert {ax.images[0].get_cmap().name for ax in relu_row} == {"viridis"}
    for ax in relu_row:
        np.testing.assert_allclose(ax.images[0].get_clim(), (0, relu_maps.max()), rtol=1e-6)
    signed = np.asarray(model(image[None]))[0]
    assert signed.min() < 0
    limit = np.abs(signed).max()
    assert {ax.images[0].get_cmap().name for ax in signed_row} == {"RdBu_r"}
    for ax in signed_row:
        np.testing.assert_allclose(ax.images[0].get_clim(), (-limit, limit), rtol=1e-6)
    for row in (relu_row, signed_row):  # one colour bar per layer
        assert sum(ax.images[0].colorbar is not None for ax in row) == 1


def test_plot_feature_maps_and_plot_filters_share_filter_indices():
    model = _two_conv_model()
    image = np.random.default_rng(2).random((12, 12, 1)).astype("float32")
    maps_fig = plotting.plot_feature_maps(model, image, max_maps=4)
    filters_fig = plotting.plot_filters(model.get_layer("relu_conv"))
    kernel = model.get_layer("relu_conv").get_weights()[0]
    maps = np.asarray(model.layers[0](image[None]))[0]
    for k in range(4):
        maps_ax = next(ax for ax in maps_fig.axes[:4] if ax.get_title() == f"filter {k}")
        filter_ax = next(ax for ax in filters_fig.axes if ax.get_title() == f"filter {k}")
        np.testing.assert_allclose(maps_ax.images[0].get_array(), maps[:, :, k], atol=1e-6)
        np.testing.assert_allclose(filter_ax.images[0].get_array(), kernel[:, :, 0, k])
    assert [ax.get_title() for ax in maps_fig.axes[4:7]] == ["filter 0", "filter 1", "filter 2"]
    assert not _overlapping(_title_boxes(maps_fig))  # layer names clear of "filter 0"


ONE_EPOCH = {"loss": [0.52], "val_loss": [0.61], "accuracy": [0.83], "val_accuracy": [0.79]}


def test_plot_history_one_epoch_draws_visible_markers():
    fig = plotting.plot_history(ONE_EPOCH)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    for ax in fig.axes:
        assert list(ax.get_xticks()) == [1]
        for line in ax.lines:
            assert line.get_marker() not in (None, "", " ", "None") and line.get_markersize() >= 4
            x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
            row, col = int(round(pixels.shape[0] - y)), int(round(x))
            patch = pixels[row - 2 : row + 3, col - 2 : col + 3].reshape(-1, 3)
            colour = np.array(to_rgba(line.get_color())[:3])
            assert np.abs(patch - colour).sum(axis=1).min() < 0.1  # the dot is on the canvas


def test_plot_history_training_and_validation_differ_in_colour_and_style():
    fig = plotting.plot_history({**ONE_EPOCH, "loss": [0.9, 0.52], "val_loss": [1.0, 0.61]})
    training, validation = fig.axes[0].lines
    assert to_rgba(training.get_color()) != to_rgba(validation.get_color())
    assert (training.get_linestyle(), validation.get_linestyle()) == ("-", "--")


@pytest.mark.parametrize(
    ("histories", "names", "metrics"),
    [
        ([ONE_EPOCH], None, ("loss", "accuracy")),
        ([{"loss": list(np.linspace(2, 0.1, 12)), "val_loss": [0.5] * 12}], None, ("loss",)),
        ([ONE_EPOCH, ONE_EPOCH], ["without augmentation", "with augmentation"], ("loss",)),
        (
            [ONE_EPOCH, ONE_EPOCH],
            ["without augmentation", "with augmentation"],
            ("loss", "accuracy"),
        ),
    ],
)
def test_plot_history_legend_stays_off_the_data(histories, names, metrics):
    fig = plotting.plot_history(*histories, names=names, metrics=metrics)
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    assert fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y1)
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent())
        assert not legend.overlaps(ax.xaxis.label.get_window_extent())


@pytest.mark.parametrize("num_epochs", [1, 3, 12, 40])
def test_plot_history_counts_whole_epochs_from_1(num_epochs):
    fig = plotting.plot_history({"loss": list(np.linspace(1, 0.1, num_epochs))})
    ax = fig.axes[0]
    ticks = ax.get_xticks()
    assert np.array_equal(ticks, np.round(ticks)) and (ticks[0], ticks[-1]) == (1, num_epochs)
    assert ax.get_xlim() == (0.5, num_epochs + 0.5)  # no epoch 0, no half epochs at the ends


def test_plot_history_description_has_the_real_numbers():
    fig = plotting.plot_history({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.45],
                                 "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.5, 0.7, 0.981]})  # fmt: skip
    assert fig.description == (
        "Training curves of 1 run over 3 epochs: loss and accuracy, training (blue, solid) and "
        "validation (orange, dashed); final validation loss 0.450, validation accuracy 0.981."
    )
    assert "over 1 epoch:" in plotting.plot_history(ONE_EPOCH).description
    runs = plotting.plot_history(
        ONE_EPOCH, {"loss": [0.4, 0.2]}, names=["a", "b"], metrics=("loss",)
    ).description
    assert "2 runs over 1 to 2 epochs" in runs and "(a blue, b orange)" in runs
    assert "final loss: a 0.610 (validation), b 0.200 (training)" in runs


def _figures_with_descriptions():
    """Each helper on a small input, and what its description must say."""
    from course_utils.params import ParamTable

    kernel = np.linspace(-0.25, 0.5, 3 * 3 * 1 * 6).reshape(3, 3, 1, 6)
    return [
        (lambda: plotting.plot_images(np.zeros((4, 8, 8)), [1, 2, 3, 4], [1, 2, 0, 4]),
         ["4 images of 8x8", "3 of 4 right"]),
        (lambda: plotting.plot_history(ONE_EPOCH), ["1 run over 1 epoch", "0.79"]),
        (lambda: plotting.plot_confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0],
                                                class_names=["a", "b", "c"]),
         ["6 predictions over 3 classes", "4 right (66.7%)", "true a predicted as b (1 time)"]),
        (lambda: plotting.plot_misclassified(np.zeros((4, 5, 5)), [0, 0, 1, 1], [0, 1, 1, 0]),
         ["2 of the 2 misclassified images", "50.0% of 4 predictions"]),
        (lambda: plotting.plot_param_counts(ParamTable([("conv", "Conv2D", "", 80, 0, 80),
                                                        ("dense", "Dense", "", 13530, 0, 13530)])),
         ["2 layers", "13,610 in total", "dense holds the most, 13,530 (99.4%)"]),
        (lambda: plotting.plot_filters(kernel), ["6 filters", "3x3", "-0.5 (blue)", "0.5 (red)"]),
        (lambda: plotting.plot_feature_maps(_two_conv_model(), np.ones((12, 12, 1)), max_maps=2),
         ["12x12 image after 2 Conv2D layers", "relu_conv 10x10, 2 of 4 maps",
          "linear_conv 8x8, 2 of 3 maps"]),
        (lambda: plotting.plot_augmentations(layers.RandomFlip("horizontal", seed=1),
                                             np.eye(6)[..., None], num_versions=4),
         ["One 6x6 image and 4 random versions", "of 4 differ"]),
    ]  # fmt: skip


@pytest.mark.parametrize(("make", "phrases"), _figures_with_descriptions())
def test_every_figure_describes_itself_and_prints_it_once_when_drawn(make, phrases, capsys):
    fig = make()
    for phrase in phrases:
        assert phrase in fig.description
    assert fig.description.endswith(".") and "\n" not in fig.description
    assert capsys.readouterr().out == ""  # printed when drawn, not before
    fig.canvas.draw()
    fig.canvas.draw()
    assert capsys.readouterr().out == fig.description + "\n"


def test_two_helpers_in_one_figure_print_each_sentence_once(capsys):
    import matplotlib.pyplot as plt

    from course_utils.params import ParamTable

    fig, (left, right) = plt.subplots(1, 2)
    plotting.plot_param_counts(ParamTable([("dense", "Dense", "", 20, 0, 20)]), ax=left)
    plotting.plot_confusion_matrix([0, 1], [0, 1], ax=right)  # seaborn draws the figure
    fig.canvas.draw()
    printed = capsys.readouterr().out
    assert "Parameter count" in fig.description and "Confusion matrix" in fig.description
    assert printed.count("Parameter count") == 1 and printed.count("Confusion matrix") == 1


def test_plot_misclassified_says_when_nothing_is_wrong(capsys):
    assert plotting.plot_misclassified(np.zeros((3, 4, 4)), [0, 1, 2], [0, 1, 2]) is None
    assert capsys.readouterr().out == "No misclassified images: all 3 predictions are right.\n"


def test_plot_images_breaks_a_long_title_instead_of_overlapping():
    names = ["automobile", "airplane", "dog"]
    fig = plotting.plot_images(np.zeros((4, 32, 32, 3)), [0, 2, 0, 2], [1, 1, 0, 0], names, ncols=4)
    assert fig.axes[0].get_title() == "true automobile\npred airplane"
    assert fig.axes[2].get_title() == "automobile"
    assert not _overlapping(_title_boxes(fig))


def test_plot_confusion_matrix_shows_a_single_mistake_next_to_a_large_diagonal():
    y_true = [0] * 101 + [1] * 5 + [2] * 5
    y_pred = [0] * 100 + [1] + [1] * 5 + [2] * 5
    fig = plotting.plot_confusion_matrix(y_true, y_pred)
    fig.canvas.draw()
    colours = fig.axes[0].collections[0].get_facecolors()[:, :3]
    one_mistake, no_mistake = colours[1], colours[2]  # row 0: [100, 1, 0]
    assert (no_mistake - one_mistake).sum() > 0.1


def test_plot_images_names_say_which_panel_is_which(capsys):
    fig = plotting.plot_images(
        np.zeros((2, 28, 28)), labels=[7, 7], predictions=[7, 1], names=["PNG", "photo"]
    )
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert titles[0] == "PNG\n7" and titles[1].startswith("photo\n")
    assert "true 7" in titles[1] and "pred 1" in titles[1]
    assert fig.description.endswith("panels: PNG, photo.")
    fig.clf()


def test_plot_images_refuses_a_name_count_that_does_not_match():
    with pytest.raises(ValueError, match=r"one name per image: 2 images, received 1 names"):
        plotting.plot_images(np.zeros((2, 28, 28)), names=["only one"])


# plot_kernel_sliding: the picture of a kernel sliding over a digit (notebook 03).


def _digit():
    image = np.zeros((28, 28), "float32")
    image[5:23, 12:15] = 1.0  # a vertical stroke, a "1"
    return image


EDGE = np.array([[1, 0, -1]] * 3, "float32")


def test_plot_kernel_sliding_map_is_keras_conv2d():
    image = _digit()
    fig = plotting.plot_kernel_sliding(image, EDGE)
    conv = layers.Conv2D(1, 3, use_bias=False)
    conv.build((None, 28, 28, 1))
    conv.set_weights([EDGE[:, :, None, None]])
    keras_map = keras.ops.convert_to_numpy(conv(image[None, :, :, None]))[0, :, :, 0]
    drawn = np.asarray(fig.axes[1].images[0].get_array())
    assert drawn.shape == (26, 26)
    np.testing.assert_allclose(drawn, keras_map, atol=1e-6)


def test_plot_kernel_sliding_marks_each_stop_with_its_sum(capsys):
    image = _digit()
    stops = [(4, 10), (10, 12), (20, 2)]
    fig = plotting.plot_kernel_sliding(image, EDGE, stops=stops)
    windows = [p for p in fig.axes[0].patches]
    pixels = [p for p in fig.axes[1].patches]
    assert [(w.get_y() + 0.5, w.get_x() + 0.5, w.get_width()) for w in windows] == [
        (r, c, 3) for r, c in stops
    ]
    assert [(p.get_y() + 0.5, p.get_x() + 0.5, p.get_width()) for p in pixels] == [
        (r, c, 1) for r, c in stops
    ]
    sums = [float(np.sum(image[r : r + 3, c : c + 3] * EDGE)) for r, c in stops]
    assert [t.get_text() for t in fig.axes[1].texts] == [f"{v:.2f}" for v in sums]
    assert sums[0] != 0 and sums[2] == 0  # an edge gives a sum, the background none
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert fig.axes[1].images[0].get_cmap().name == "RdBu_r"  # a signed map: diverging
    low, high = fig.axes[1].images[0].get_clim()
    assert low == -high
    fig.canvas.draw()
    out = capsys.readouterr().out
    assert "3x3 kernel at 3 stops on an 28x28 image" in out and f"{sums[0]:.2f}" in out


@pytest.mark.parametrize(
    ("image", "kernel", "stops", "message"),
    [
        (np.zeros((28, 28, 1)), EDGE, [(0, 0)], r"\(height, width\) image. Received \(28, 28, 1\)"),
        (np.zeros((28, 28)), np.zeros((3, 2)), [(0, 0)], r"square kernel .* Received \(3, 2\)"),
        (np.zeros((28, 28)), EDGE, [(26, 0)], r"\(0, 0\) to \(25, 25\). Received \(26, 0\)"),
        (np.zeros((28, 28)), EDGE, [(0, 0)] * 6, "1 to 5 stops. Received 6"),
    ],
)
def test_plot_kernel_sliding_refuses_bad_input(image, kernel, stops, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_kernel_sliding(image, kernel, stops=stops)


# plot_architecture: keras.utils.plot_model where pydot and Graphviz are installed, a note
# and the layers as text where they are not.


def _small_model():
    return keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(8, 3, name="conv"), layers.Flatten(name="flat")],
        name="tiny",
    )


def test_plot_architecture_draws_the_keras_diagram(tmp_path, capsys):
    if plotting.graphviz_missing() is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI installs Graphviz and pydot, but {plotting.graphviz_missing()}")
        pytest.skip(f"{plotting.graphviz_missing()}: `apt-get install graphviz`")
    target = tmp_path / "diagram" / "tiny.png"
    image = plotting.plot_architecture(_small_model(), to_file=target)
    assert image is not None and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(target) as png:
        assert png.width > 100 and png.height > 100
    out = capsys.readouterr().out
    assert "Input (28, 28, 1) -> conv (Conv2D) (26, 26, 8) -> flat (Flatten) (5408,)" in out


def test_plot_architecture_without_pydot_says_how_and_prints_the_layers(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setitem(sys.modules, "pydot", None)  # `import pydot` raises ImportError
    target = tmp_path / "tiny.png"
    assert plotting.plot_architecture(_small_model(), to_file=target) is None
    out = capsys.readouterr().out
    assert out.startswith("No diagram: pydot is not installed.") and "pip install pydot" in out
    assert "conda install graphviz" in out and "conv (Conv2D) (26, 26, 8)" in out
    assert not target.exists()


def test_plot_architecture_refuses_what_is_not_a_built_model():
    with pytest.raises(TypeError, match="a built Keras model. Received 'model.png'"):
        plotting.plot_architecture("model.png")


def test_plot_architecture_without_graphviz_names_dot(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # pydot finds no `dot` program
    assert plotting.plot_architecture(_small_model(), to_file=tmp_path / "tiny.png") is None
    out = capsys.readouterr().out
    assert out.startswith("No diagram: Graphviz's `dot` program was not found")
    assert "flat (Flatten) (5408,)" in out


# Impossible input is refused with a sentence that names the argument (issue 14).


def _conv_layer_unbuilt():
    return layers.Conv2D(4, 3, name="fresh")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: plotting.plot_images(np.zeros((3, 8, 8)), labels=[1, 2]),
            ValueError,
            r"plot_images needs as many labels as images: 3 images, received 2 labels: "
            r"labels=\[1, 2\]\.",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), [0, 1], predictions=[0, 1, 1]),
            ValueError,
            "as many predictions as images: 2 images, received 3 predictions",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), [0, 5], class_names=["a", "b"]),
            ValueError,
            r"labels must hold whole numbers in 0\.\.1 \(one per class name\)\. "
            r"Received: 5 at index 1\.",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), [0, -1]),
            ValueError,
            r"labels must hold whole numbers 0 or more\. Received: -1 at index 1\.",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), ["a", "b"]),
            TypeError,
            r"labels must hold class labels 0, 1, 2, \.\.\. Received: labels=\['a', 'b'\]",
        ),
        (
            lambda: plotting.plot_images(np.zeros((0, 8, 8))),
            ValueError,
            r"needs at least one image.*Received: images of shape \(0, 8, 8\), dtype float64",
        ),
        (
            lambda: plotting.plot_images(np.zeros((28, 28))),
            ValueError,
            r"Received: images of shape \(28, 28\)",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), ncols=0),
            ValueError,
            "Received: ncols=0",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), cmap="grey-ish"),
            ValueError,
            "Received: cmap='grey-ish'",
        ),
        (
            lambda: plotting.plot_images(np.zeros((2, 8, 8)), [0, 1], class_names="ab"),
            TypeError,
            "Received: class_names='ab'",
        ),
        (
            lambda: plotting.plot_misclassified(np.zeros((3, 8, 8)), [0, 1, 2], [0, 1]),
            ValueError,
            "plot_misclassified needs as many y_pred as images: 3 images, received 2 y_pred",
        ),
        (
            lambda: plotting.plot_misclassified(
                np.zeros((2, 8, 8)), [0, 1], [1, 0], probs=[[0.5, 0.5]]
            ),
            ValueError,
            r"one per class\) per image: 2 images\. Received: probs of shape \(1, 2\)",
        ),
        (
            lambda: plotting.plot_misclassified(np.zeros((2, 8, 8)), [0, 1], [1, 0], max_images=0),
            ValueError,
            "Received: max_images=0",
        ),
        (
            lambda: plotting.plot_history({"loss": [1.0]}, metrics=[]),
            ValueError,
            r"metrics must be metric names.*Received: metrics=\[\]",
        ),
        (
            lambda: plotting.plot_history({"loss": "low"}),
            ValueError,
            r"one per epoch\. Received: 'loss': 'low'\.",
        ),
        (
            lambda: plotting.plot_history({"loss": [1.0]}, names=5),
            ValueError,
            r"1 histories but no list of names\. Received: names=5\.",
        ),
        (
            lambda: plotting.confusion_matrix([0, 1], [0, 1], num_classes=10**6),
            ValueError,
            r"counts up to 1,000 classes\. Received: num_classes=1,000,000\.",
        ),
        (
            lambda: plotting.confusion_matrix([0, 10**6], [0, 1]),
            ValueError,
            r"Received: num_classes=1,000,001 \(the largest label \+ 1\)\.",
        ),
        (
            lambda: plotting.plot_confusion_matrix([0], [0], ax="left"),
            TypeError,
            "ax must be a matplotlib Axes or None. Received: ax='left'.",
        ),
        (
            lambda: plotting.plot_filters(_conv_layer_unbuilt()),
            ValueError,
            "Layer 'fresh' has no weights yet: build it or call it on an input first.",
        ),
        (
            lambda: plotting.plot_filters(np.zeros((3, 3, 1, 0))),
            ValueError,
            r"Received shape \(3, 3, 1, 0\)",
        ),
        (
            lambda: plotting.plot_feature_maps(_two_conv_model(), np.zeros((28, 28, 1))),
            ValueError,
            r"image must be one input of shape \(12, 12, 1\) .* Received shape: \(28, 28, 1\)\.",
        ),
        (
            lambda: plotting.plot_feature_maps("model", np.zeros((12, 12, 1))),
            TypeError,
            r"plot_feature_maps needs a Keras model\. Received: 'model' \(str\)\.",
        ),
        (
            lambda: plotting.plot_feature_maps(_two_conv_model(), np.zeros((12, 12, 1)), 0),
            ValueError,
            "Received: max_maps=0",
        ),
        (
            lambda: plotting.plot_kernel_sliding(np.zeros((8, 8)), EDGE, stops=[(1, 2, 3)]),
            ValueError,
            r"a stop is a \(row, column\) pair of whole numbers\. Received: \(1, 2, 3\)\.",
        ),
        (
            lambda: plotting.plot_kernel_sliding(np.zeros((8, 8)), EDGE, stops=[(1.5, 2)]),
            ValueError,
            r"Received: \(1\.5, 2\)\.",
        ),
        (
            lambda: plotting.plot_kernel_sliding(np.zeros((8, 8)), 3.0),
            ValueError,
            r"square kernel no larger than the image \(8, 8\)\. Received \(\)\.",
        ),
        (
            lambda: plotting.plot_kernel_sliding([["a"]], EDGE),
            ValueError,
            r"image must be an array of numbers\. Received: image=\[\['a'\]\]\.",
        ),
        (
            lambda: plotting.plot_augmentations(layers.RandomFlip(), np.zeros((4, 4)), 10**9),
            ValueError,
            "num_versions must be a whole number from 1 to 100. Received: 1000000000.",
        ),
        (
            lambda: plotting.plot_param_counts({"conv": 80}),
            TypeError,
            r"plot_param_counts needs a ParamTable \(from param_table\(model\)\)",
        ),
        (
            lambda: plotting.plot_architecture(_small_model(), to_file=None),
            TypeError,
            "to_file must be a str or a pathlib.Path. Received: to_file=None.",
        ),
    ],
)
def test_impossible_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_plot_images_takes_cifar_style_label_columns():
    labels = np.array([[3], [1]], np.uint8)  # CIFAR-10's (N, 1) labels
    fig = plotting.plot_images(np.zeros((2, 8, 8, 3)), labels=labels, class_names=list("abcd"))
    assert [ax.get_title() for ax in fig.axes] == ["d", "b"]


def test_plot_filters_scale_ignores_nan_weights():
    kernel = np.ones((3, 3, 1, 2))
    kernel[0, 0, 0, 0] = np.nan
    kernel[1, 1, 0, 1] = -2.0
    fig = plotting.plot_filters(kernel)
    assert fig.axes[0].images[0].get_clim() == (-2.0, 2.0)


def _kept_by_tight_save(fig, artist):
    """Whether ``artist`` lies inside what ``savefig(bbox_inches="tight")`` keeps: Jupyter's
    inline backend saves every figure that way, and crops what is outside."""
    fig.canvas.draw()
    kept = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    box = artist.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    return kept.x0 <= box.x0 + 1e-3 and box.x1 <= kept.x1 + 1e-3 and kept.y0 <= box.y0 + 1e-3


def test_colour_bars_and_legends_survive_jupyters_tight_save():
    layer = layers.Conv2D(8, 3)
    layer.build((None, 28, 28, 1))
    model = _two_conv_model()
    image = np.random.default_rng(3).random((12, 12, 1)).astype("float32")
    for fig in (plotting.plot_filters(layer), plotting.plot_feature_maps(model, image)):
        bars = [im.colorbar for ax in fig.axes for im in ax.images if im.colorbar is not None]
        assert bars and all(_kept_by_tight_save(fig, bar.ax) for bar in bars)
    for logs in ([ONE_EPOCH], [ONE_EPOCH, ONE_EPOCH]):
        fig = plotting.plot_history(*logs, names=["a", "b"][: len(logs)])
        assert _kept_by_tight_save(fig, fig.axes[0].get_legend())
