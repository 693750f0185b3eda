"""Exercises of notebook 05, a first CNN.

The model checks read the learner's model layer by layer against ``models.first_cnn``
and name the first argument that differs from the exercise's text.

Example:
>>> from course_utils.exercises import nb05 as ex
>>> ex.q4.check(int(np.argmin(ex.q4.example()["val_loss"])) + 1).outcome.value
'correct'
"""

from functools import cached_property

import keras
import numpy as np

from course_utils import models
from course_utils.exercises import (
    Rule,
    SpecExercise,
    ValueExercise,
    bind,
    computed,
    mistake,
    real_number,
    whole_number,
)
from course_utils.exercises import keras_checks as kc

MODEL_MESSAGES = {
    "sequential": "The exercise asks for a `keras.Sequential` model.",
    "flat_input": "The input is flat (784,): a CNN takes the image grid, "
    "`keras.Input((28, 28, 1))`.",
    "flatten_missing": "Flatten is missing: Dense needs a vector, so add `layers.Flatten()` "
    "before it.",
}
NOTES = {
    ("Dense", "activation"): 'Add `activation="softmax"` so the 10 outputs are probabilities '
    "that sum to 1.",
    ("Dense", "units"): "MNIST has 10 classes: one output each.",
}


def _functional(ex=None):  # the breaking answer of "sequential": the model, Functional
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, models.first_cnn()(inputs))


def _flat():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])


def _model_rules():
    return [
        Rule("sequential", lambda a, ex: isinstance(a.model, keras.Sequential), _functional),
        Rule("flat_input", lambda a, ex: a.input_shape != (784,), lambda ex: _flat(), True),
        Rule(
            "flatten_missing",
            lambda a, ex: kc.flattens(a) or "Dense" not in a.kinds,
            lambda ex: kc.variant(models.first_cnn(), drop="Flatten"),
            True,
        ),
        *kc.model_rules(models.first_cnn, notes=NOTES, what="the exercise's model"),
    ]


class BuildFirstCnn(SpecExercise):
    title = "Build the first CNN"
    hints = [
        "`keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(...), ...])`.",
        "Four layers after the input: a convolution of 8 filters of 3x3, a 2x2 max pooling, "
        "a flattening layer, and a 10-unit dense layer with a softmax.",
    ]
    messages = {
        **MODEL_MESSAGES,
        "not_compiled": "The exercise says not to compile this model yet: build it only "
        "(Exercise 5.2 compiles one).",
    }

    @cached_property
    def rules(self):
        not_compiled = Rule("not_compiled", lambda a, ex: not a.model.compiled, _compiled)
        return [*_model_rules(), not_compiled]

    def parse(self, answer):
        return kc.model_view(answer)

    def reference(self):
        return models.first_cnn()

    def praise(self, view):
        return f"{view.model.count_params():,} parameters, 28x28x1 in, 10 probabilities out."


SPARSE = "sparse_categorical_crossentropy"


def _compiled(ex=None, from_logits=False, learning_rate=None, **changes):
    """The reference answer, or it with one setting changed: a compile argument, the loss
    ``from_logits`` or Adam's ``learning_rate``."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True) if from_logits else SPARSE
    optimizer = keras.optimizers.Adam(learning_rate) if learning_rate else "adam"
    model = models.first_cnn()
    model.compile(**{"optimizer": optimizer, "loss": loss, "metrics": ["accuracy"], **changes})
    return model


def _with(**changes):  # a breaking answer: the reference with one setting changed
    return lambda ex: _compiled(**changes)


def _trained():
    model = _compiled()
    model.fit(np.zeros((4, 28, 28, 1), "float32"), np.arange(4), epochs=1, verbose=0)
    return model


def _wrong_loss(name, *losses):  # a catalogued loss for other labels (the first breaks it)
    return Rule(name, lambda a, ex: a.loss not in losses, _with(loss=losses[0]), True)


class CompileForIntegerLabels(SpecExercise):
    title = "The loss for integer labels"
    hints = [
        "`y_train` holds integers 0-9, not one-hot vectors (notebook 02).",
        "The cross-entropy for integer labels has a 'sparse' in its name; pass it as "
        '`loss=` together with `optimizer="adam"` and `metrics=["accuracy"]`.',
    ]
    messages = {
        **MODEL_MESSAGES,
        "compiled": "The model is not compiled yet: call `compiled_model.compile(...)` in the "
        "answer cell.",
        "fresh": "This model has been trained already: build a fresh one in the answer cell.",
        "one_hot_loss": "categorical_crossentropy wants one-hot labels; `y_train` holds "
        "integers, which need sparse_categorical_crossentropy (or one-hot labels from "
        "to_categorical).",
        "binary_loss": "binary_crossentropy is for 2 classes; MNIST has 10.",
        "regression_loss": "That is a regression loss; classes need a cross-entropy.",
        "sparse_loss": "The loss is {a.loss!r}; integer labels go with "
        "sparse_categorical_crossentropy.",
        "from_logits": "`from_logits=True` applies a second softmax on top of the model's own: "
        "the model already outputs probabilities, so leave `from_logits` at False.",
        "adam": 'The optimizer is {a.optimizer!r}; the exercise asks for `optimizer="adam"`.',
        "adam_defaults": "The Adam learning rate is {a.learning_rate:g}; "
        '`optimizer="adam"` means Keras\' default, 0.001.',
        "accuracy": 'The loss is right; add `metrics=["accuracy"]` so fit reports the accuracy.',
        "praise": "Integer labels and sparse_categorical_crossentropy, with accuracy reported.",
    }

    @cached_property
    def rules(self):
        accuracy = {"accuracy", "acc", "sparse_categorical_accuracy"}
        return [
            *_model_rules(),
            Rule("compiled", lambda a, ex: a.settings is not None, lambda ex: models.first_cnn()),
            Rule("fresh", lambda a, ex: a.steps == 0, lambda ex: _trained()),
            _wrong_loss("one_hot_loss", "categorical_crossentropy"),
            _wrong_loss("binary_loss", "binary_crossentropy"),
            _wrong_loss(
                "regression_loss", "mse", "mean_squared_error", "mae", "mean_absolute_error"
            ),
            Rule("sparse_loss", lambda a, ex: a.loss == SPARSE, _with(loss="kl_divergence")),
            Rule("from_logits", lambda a, ex: not a.from_logits, _with(from_logits=True)),
            Rule("adam", lambda a, ex: a.optimizer == "adam", _with(optimizer="sgd")),
            Rule(
                "adam_defaults",
                lambda a, ex: np.isclose(a.learning_rate, 1e-3),
                _with(learning_rate=0.01),
            ),
            Rule("accuracy", lambda a, ex: bool(accuracy & set(a.metrics)), _with(metrics=[])),
        ]

    def parse(self, answer):
        view = kc.model_view(answer)
        view.settings = kc.compile_settings(view.model)
        if view.settings is not None:
            vars(view).update(view.settings)  # optimizer, loss, from_logits, metrics
            view.steps = int(view.model.optimizer.iterations.numpy())
            view.learning_rate = kc.learning_rate_at(view.model.optimizer, 0)
        return view

    def reference(self):
        return _compiled()


class AccuracyFromProbabilities(ValueExercise):
    title = "Accuracy from probabilities"
    hints = [
        "The predicted class is the column with the highest probability.",
        "Compare the predicted classes with `labels`; the mean of the True/False result is "
        "the fraction that match.",
    ]
    messages = {
        "count": "That is the number of correct predictions; divide by the number of images.",
        "percentage": "That is a percentage; the question asks for a fraction between 0 and 1.",
        "error_rate": "That is the share of WRONG predictions (the error rate); accuracy is 1 "
        "minus it.",
        "mean_probability": "That is the mean probability of the true class, not the accuracy: "
        "take the argmax first, then compare with the labels.",
        "praise": "{a:.1%} of the 200 predictions are right.",
    }
    rules = [
        mistake("count", lambda ex: int(round(ex.expected() * 200))),
        real_number(0.85, "fraction between 0 and 1"),
        mistake("percentage", lambda ex: ex.expected() * 100),
        mistake("error_rate", lambda ex: 1 - ex.expected()),
        mistake(
            "mean_probability",
            lambda ex: float(np.mean(ex.example()[0][np.arange(200), ex.example()[1]])),
        ),
        computed("`probs` and `labels`"),
    ]

    def example(self):
        """200 rows of probabilities over 10 classes, and their true labels."""
        rng = np.random.default_rng(5)
        labels = rng.integers(0, 10, 200)
        logits = rng.normal(size=(200, 10))
        logits[np.arange(200), labels] += rng.choice([3.0, 0.0], size=200, p=[0.85, 0.15])
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return probs.astype("float32"), labels

    def expected(self):
        probs, labels = self.example()
        return float(np.mean(np.argmax(probs, axis=1) == labels))


class SpotOverfitting(ValueExercise):
    title = "Spot overfitting"
    hints = [
        "Overfitting starts when the validation loss stops falling while the training loss "
        "keeps falling.",
        "`np.argmin` finds the position of the smallest value; positions count from 0.",
    ]
    messages = {
        "a_loss_value": "That is a loss value; the question asks for the epoch number.",
        "zero_based": "That is the index counted from 0; Keras numbers epochs from 1, so add 1.",
        "training_loss": "That is where the TRAINING loss is lowest; it keeps falling as the "
        "model memorises. Look at the validation loss.",
        "best_val_accuracy": "That is the epoch with the best validation accuracy; the "
        "question asks about the lowest validation loss.",
        "praise": "Epoch {a}: after it the validation loss rises while the training loss keeps "
        "falling. EarlyStopping(restore_best_weights=True) would keep this epoch.",
    }
    rules = [
        mistake("a_loss_value", lambda ex: float(np.min(ex.example()["val_loss"]))),
        whole_number(6, "epoch number"),
        mistake("zero_based", lambda ex: int(np.argmin(ex.example()["val_loss"]))),
        mistake("training_loss", lambda ex: int(np.argmin(ex.example()["loss"])) + 1),
        mistake("best_val_accuracy", lambda ex: int(np.argmax(ex.example()["val_accuracy"])) + 1),
    ]

    def example(self):
        """A 12-epoch history whose validation loss bottoms out, then rises."""
        epochs = np.arange(1, 13)
        loss = 0.9 * np.exp(-0.35 * epochs) + 0.02
        val_loss = 0.35 + 0.012 * (epochs - 6) ** 2 - 0.004 * (epochs - 6)
        accuracy = 1 - 0.6 * loss
        val_accuracy = 0.9 - 0.1 * (val_loss - val_loss.min())
        val_accuracy[8] = val_accuracy.max() + 0.002  # accuracy peaks later than the loss
        return {
            "loss": loss.round(4).tolist(),
            "accuracy": accuracy.round(4).tolist(),
            "val_loss": val_loss.round(4).tolist(),
            "val_accuracy": val_accuracy.round(4).tolist(),
        }

    def expected(self):
        return int(np.argmin(self.example()["val_loss"])) + 1


bind(
    __name__,
    BuildFirstCnn(),
    CompileForIntegerLabels(),
    AccuracyFromProbabilities(),
    SpotOverfitting(),
)
