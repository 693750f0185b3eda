"""Exercises of notebook 05, a first CNN.

The model checks inspect the learner's model (layers, shapes, activation, loss) and
name the first thing that differs from the specification.

Example:
>>> from course_utils.exercises import nb05 as ex
>>> ex.q4.check(int(np.argmin(ex.q4.example()["val_loss"])) + 1).outcome.value
'correct'
"""

import numpy as np

from course_utils.exercises import Exercise, Mistake, is_whole_number, progress_for
from course_utils.exercises import is_model as _is_model
from course_utils.exercises import layer_activation as _activation


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _describe_model_problem(model):
    """The first way ``model`` differs from the notebook's first CNN, or None."""
    if not _is_model(model):
        kind = type(model).__name__
        return (
            f"Your answer is a {kind}, not a Keras model: build it with `keras.Sequential([...])`."
        )
    try:
        input_shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, ValueError):
        return "The model has no input: start the list with `keras.Input((28, 28, 1))`."
    if input_shape == (28, 28):
        return (
            "The input shape is (28, 28): Conv2D needs a channel axis, so use "
            "`keras.Input((28, 28, 1))`."
        )
    if input_shape == (784,):
        return "The input is flat (784,): a CNN takes the image grid, `keras.Input((28, 28, 1))`."
    if input_shape != (28, 28, 1):
        return (
            f"The input shape is {input_shape}; MNIST images with a channel axis are (28, 28, 1)."
        )
    kinds = [type(layer).__name__ for layer in _layers(model)]
    wanted = ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    if kinds != wanted:
        if "Flatten" not in kinds and "Dense" in kinds:
            return "Flatten is missing: Dense needs a vector, so add `layers.Flatten()` before it."
        return f"The layers are {kinds}; the specification is {wanted}."
    conv, pool, _, dense = _layers(model)
    config = conv.get_config()
    if config["filters"] != 8 or tuple(config["kernel_size"]) != (3, 3):
        return (
            f"The convolution has {config['filters']} filters of {tuple(config['kernel_size'])}; "
            "the specification is 8 filters of 3x3: `layers.Conv2D(8, 3)`."
        )
    if tuple(pool.get_config()["pool_size"]) != (2, 2):
        return "The pooling should be 2x2: `layers.MaxPooling2D(2)`."
    if dense.get_config()["units"] != 10:
        return f"The last layer has {dense.get_config()['units']} units; MNIST has 10 classes."
    if _activation(dense) != "softmax":
        return (
            f'The last layer\'s activation is {_activation(dense)!r}: add `activation="softmax"` '
            "so the 10 outputs are probabilities that sum to 1."
        )
    return None


class BuildFirstCnn(Exercise):
    key = "5.1"
    title = "Build the first CNN"
    notebook = "05"
    hints = [
        "`keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(...), ...])`.",
        "Four layers: Conv2D(8, 3), MaxPooling2D(2), Flatten(), Dense(10, activation='softmax').",
    ]

    def same(self, answer, reference):
        return _describe_model_problem(answer) is None and answer.count_params() == reference

    def expected(self):
        return 13_610  # checked against Keras in tests/test_exercise_checks.py

    def diagnose(self, answer, reference):
        problem = _describe_model_problem(answer)
        if problem:
            return problem
        return f"The model has {answer.count_params():,} parameters; the specification has {reference:,}."

    def praise(self, reference):
        return f"{reference:,} parameters, 28x28x1 in, 10 probabilities out."


def _loss_name(model):
    loss = getattr(model, "loss", None)
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return name


def _snake(name):
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class CompileForIntegerLabels(Exercise):
    key = "5.2"
    title = "The loss for integer labels"
    notebook = "05"
    hints = [
        "`y_train` holds integers 0-9, not one-hot vectors (notebook 02).",
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", '
        'metrics=["accuracy"])',
    ]

    def validate(self, answer):
        problem = _describe_model_problem(answer)
        if problem:
            return problem
        if getattr(answer, "optimizer", None) is None or _loss_name(answer) is None:
            return "The model is not compiled yet: call `model.compile(...)` in the answer cell."
        return None

    def same(self, answer, reference):
        return _snake(_loss_name(answer)) == reference and _has_accuracy(answer)

    def expected(self):
        return "sparse_categorical_crossentropy"

    def diagnose(self, answer, reference):
        loss = _snake(_loss_name(answer))
        if loss == "categorical_crossentropy":
            return (
                "categorical_crossentropy wants one-hot labels; `y_train` holds integers, which "
                "need sparse_categorical_crossentropy (or one-hot labels from to_categorical)."
            )
        if loss == "binary_crossentropy":
            return "binary_crossentropy is for 2 classes; MNIST has 10."
        if loss in ("mse", "mean_squared_error", "mae", "mean_absolute_error"):
            return "That is a regression loss; classes need a cross-entropy."
        if loss == reference:
            return 'The loss is right; add `metrics=["accuracy"]` so fit reports the accuracy.'
        return f"The loss is {loss!r}; integer labels go with sparse_categorical_crossentropy."

    def praise(self, reference):
        return "Integer labels and sparse_categorical_crossentropy, with accuracy reported."


def _has_accuracy(model):
    metrics = getattr(model, "_compile_metrics", None)
    names = []
    if metrics is not None:
        names = [str(m) for m in getattr(metrics, "_user_metrics", None) or []]
    config = getattr(model, "compiled_metrics", None)
    if config is not None:
        names.append(str(config))
    compile_config = model.get_compile_config() if hasattr(model, "get_compile_config") else {}
    names.append(str((compile_config or {}).get("metrics")))
    return any("acc" in name for name in names)


class AccuracyFromProbabilities(Exercise):
    key = "5.3"
    title = "Accuracy from probabilities"
    notebook = "05"
    hints = [
        "The predicted class is the column with the highest probability: `np.argmax(..., axis=1)`.",
        "`np.mean(np.argmax(probs, axis=1) == labels)`.",
    ]
    mistakes = [
        Mistake(
            "percentage",
            "That is a percentage; the question asks for a fraction between 0 and 1.",
            answer=lambda ex: ex.expected() * 100,
        ),
        Mistake(
            "count",
            "That is the number of correct predictions; divide by the number of images.",
            test=lambda answer, ex: (
                is_whole_number(answer)
                and int(answer) == round(ex.expected() * len(ex.example()[1]))
            ),
        ),
        Mistake(
            "error_rate",
            "That is the share of WRONG predictions (the error rate); accuracy is 1 minus it.",
            answer=lambda ex: 1 - ex.expected(),
        ),
        Mistake(
            "mean_probability",
            "That is the mean probability of the true class, not the accuracy: take the "
            "argmax first, then compare with the labels.",
            answer=lambda ex: float(
                np.mean(ex.example()[0][np.arange(len(ex.example()[1])), ex.example()[1]])
            ),
        ),
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

    def same(self, answer, reference):
        return not is_whole_number(answer) and _close(answer, reference)

    def praise(self, reference):
        return f"{reference:.1%} of the 200 predictions are right."


def _close(answer, reference):
    if reference is None or isinstance(answer, bool):
        return False
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(value)) and abs(value - reference) < 1e-6


class SpotOverfitting(Exercise):
    key = "5.4"
    title = "Spot overfitting"
    notebook = "05"
    hints = [
        "Overfitting starts when the validation loss stops falling while the training loss "
        "keeps falling.",
        '`int(np.argmin(history_log["val_loss"])) + 1` (epochs count from 1).',
    ]
    mistakes = [
        Mistake(
            "zero_based",
            "That is the index counted from 0; Keras numbers epochs from 1, so add 1.",
            answer=lambda ex: int(np.argmin(ex.example()["val_loss"])),
        ),
        Mistake(
            "training_loss",
            "That is where the TRAINING loss is lowest; it keeps falling as the model "
            "memorises. Look at the validation loss.",
            answer=lambda ex: int(np.argmin(ex.example()["loss"])) + 1,
        ),
        Mistake(
            "best_val_accuracy",
            "That is the epoch with the best validation accuracy; the question asks about the "
            "lowest validation loss.",
            answer=lambda ex: int(np.argmax(ex.example()["val_accuracy"])) + 1,
        ),
        Mistake(
            "a_loss_value",
            "That is a loss value; the question asks for the epoch number.",
            test=lambda answer, ex: isinstance(answer, float) and not float(answer).is_integer(),
        ),
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

    def same(self, answer, reference):
        return is_whole_number(answer) and int(answer) == reference

    def praise(self, reference):
        return (
            f"Epoch {reference}: after it the validation loss rises while the training loss "
            "keeps falling. EarlyStopping(restore_best_weights=True) would keep this epoch."
        )


q1 = BuildFirstCnn()
q2 = CompileForIntegerLabels()
q3 = AccuracyFromProbabilities()
q4 = SpotOverfitting()

show_progress = progress_for(__name__)
