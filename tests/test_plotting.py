"""course_utils.plotting: what each figure draws (Agg backend, set in conftest.py)."""

import keras
import numpy as np
import pytest
from keras import layers
from matplotlib.colors import to_rgba

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
    assert plotting.plot_misclassified(images, [0, 1], [0, 1]) is None


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
        (None, np.zeros((1, 4, 4, 1)), 3, ValueError, r"Received shape: \(1, 4, 4, 1\)"),
        (None, np.zeros((4, 4)), 0, ValueError, "num_versions must be a whole number"),
    ],
)
def test_plot_augmentations_bad_input(augmentation, image, versions, error, message):
    augmentation = layers.RandomFlip() if augmentation is None else augmentation
    with pytest.raises(error, match=message):
        plotting.plot_augmentations(augmentation, image, num_versions=versions)
