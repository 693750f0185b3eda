"""course_utils.models: every shared model, checked against the figures the syllabus
publishes, with Keras as the oracle for counts and shapes."""

import numpy as np
import pytest

from course_utils import models
from course_utils.params import param_table
from course_utils.shapes import trace_shapes

# model, total parameters, non-trainable parameters, layer kinds (no input layer)
PUBLISHED = [
    (
        models.first_cnn,
        13_610,
        0,
        ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
    ),
    (
        models.ten_filter_cnn,
        37_210,
        0,
        ["Conv2D", "MaxPooling2D", "MaxPooling2D", "Flatten", "Dense", "Dense"],
    ),
    (
        models.deeper_cnn,
        1_199_882,
        0,
        ["Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"],
    ),
    (
        models.classic_cnn,
        1_663_370,
        0,
        [
            "Conv2D",
            "MaxPooling2D",
            "Conv2D",
            "MaxPooling2D",
            "Flatten",
            "Dense",
            "Dropout",
            "Dense",
            "Softmax",
        ],
    ),
    (
        models.keras_example_model,
        34_826,
        0,
        ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"],
    ),
    (
        models.course_mnist_model,
        104_714,
        0,
        [
            "RandomTranslation",
            "Conv2D",
            "MaxPooling2D",
            "Conv2D",
            "MaxPooling2D",
            "Conv2D",
            "Flatten",
            "Dropout",
            "Dense",
        ],
    ),
    (models.cifar_tutorial_model, 42_937_418, 6_080, None),
]


@pytest.mark.parametrize(("build", "total", "frozen", "kinds"), PUBLISHED)
def test_models_match_the_published_figures(build, total, frozen, kinds):
    model = build()
    assert model.count_params() == total
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == frozen
    assert model.output_shape == (None, 10)
    if kinds is not None:
        assert [type(layer).__name__ for layer in model.layers] == kinds
    assert trace_shapes(model).all_match and param_table(model).all_match


def test_models_are_new_each_call():
    assert models.first_cnn() is not models.first_cnn()


def test_deeper_cnn_keeps_most_parameters_in_one_dense_layer():
    dense = models.deeper_cnn().layers[5]
    assert dense.count_params() == 1_179_776  # Flatten 9216 -> Dense 128


def test_classic_cnn_demo_init_sets_the_demo_initializers():
    plain, demo = models.classic_cnn(), models.classic_cnn(demo_init=True)
    assert type(plain.layers[0].kernel_initializer).__name__ == "GlorotUniform"
    assert type(demo.layers[0].kernel_initializer).__name__ == "TruncatedNormal"
    assert np.allclose(np.asarray(demo.layers[0].bias), 0.1)
    assert plain.count_params() == demo.count_params()


def test_cifar_tutorial_first_dense_layer_holds_33_million():
    assert models.cifar_tutorial_model().get_layer("dense_1024").count_params() == 33_555_456


def test_course_mnist_model_shifts_only_while_training():
    model = models.course_mnist_model()
    shift = model.layers[0]
    image = np.zeros((1, 28, 28, 1), "float32")
    image[0, 10:18, 10:18] = 1.0
    assert np.array_equal(np.asarray(shift(image, training=False)), image)
    moved = [np.asarray(shift(image, training=True)) for _ in range(5)]
    assert any(not np.array_equal(m, image) for m in moved)
    assert all(m.sum() == image.sum() for m in moved)  # nearest: whole pixels move, none lost
