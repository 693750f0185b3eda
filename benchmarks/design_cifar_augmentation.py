"""The design runs behind notebook 07's full mode, scored on validation images.

    COURSE_DATA_DIR=../shared/data python benchmarks/design_cifar_augmentation.py \
        [--train-images 2500] [--epochs 60] [--augmentation flip-shift] [--schedule cosine]

Trains notebook 07's compact model (16-16-32-32-64-64 3x3 convolutions without bias, each
followed by BatchNormalization and ReLU, global average pooling, Dropout 0.3; a
Normalization layer adapted on the training images) on the first `--train-images`
CIFAR-10 training images, and scores it after every epoch on the last 5,000 (validation
images: the test set plays no part in choosing). Batch 64, Adam from 1e-3, either
constant or falling along a cosine to 0 at the last step. Augmentations:

- "none";
- "flip-shift-bilinear": RandomFlip("horizontal") and RandomTranslation(0.1, 0.1,
  fill_mode="reflect"), Keras' default bilinear interpolation;
- "flip-shift": the same with interpolation="nearest", whole-pixel shifts (notebook 07).

It prints the validation accuracy of every epoch, and at the end the last one and the
largest change from one epoch to the next after epoch 10.
"""

import argparse
import time

import keras
import numpy as np
from keras import layers

from course_utils import load_cifar10
from course_utils.training import make_dataset

BATCH_SIZE = 64
VALIDATION_IMAGES = 5_000


def augmentation_layers(name):
    if name == "none":
        return []
    interpolation = {"flip-shift-bilinear": "bilinear", "flip-shift": "nearest"}[name]
    return [
        layers.RandomFlip("horizontal"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", interpolation=interpolation),
    ]


def compact_model(normalization, augmentation):
    stages = []
    for stage, filters in enumerate([16, 32, 64]):
        if stage > 0:
            stages.append(layers.MaxPooling2D(2))
        for _ in range(2):
            stages += [
                layers.Conv2D(filters, 3, padding="same", use_bias=False),
                layers.BatchNormalization(),
                layers.ReLU(),
            ]
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            normalization,
            *augmentation_layers(augmentation),
            *stages,
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-images", type=int, default=2_500)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument(
        "--augmentation",
        choices=["none", "flip-shift-bilinear", "flip-shift"],
        default="flip-shift",
    )
    parser.add_argument("--schedule", choices=["constant", "cosine"], default="cosine")
    args = parser.parse_args()
    if not 0 < args.train_images <= 50_000 - VALIDATION_IMAGES:
        parser.error(
            f"--train-images must be 1 to {50_000 - VALIDATION_IMAGES:,}. "
            f"Received: {args.train_images}."
        )

    (x, y), _ = load_cifar10(verbose=False)
    x = x.astype("float32")
    x_train, y_train = x[: args.train_images], y[: args.train_images]
    x_val, y_val = x[-VALIDATION_IMAGES:], y[-VALIDATION_IMAGES:]
    keras.utils.set_random_seed(0)
    normalization = layers.Normalization(axis=-1)
    normalization.adapt(x_train)
    model = compact_model(normalization, args.augmentation)
    steps = args.epochs * int(np.ceil(len(x_train) / BATCH_SIZE))
    rate = 1e-3
    if args.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(
                f"epoch {epoch + 1:3d}  {time.perf_counter() - start:5.0f} s  "
                f"train acc {logs['accuracy']:.4f}  val acc {logs['val_accuracy']:.4f}",
                flush=True,
            )

    print(f"{vars(args)}, {model.count_params():,} parameters", flush=True)
    history = model.fit(
        make_dataset(x_train, y_train, BATCH_SIZE, seed=0),
        epochs=args.epochs,
        validation_data=make_dataset(x_val, y_val, 500, shuffle=False),
        verbose=0,
        callbacks=[Report()],
    )
    val = np.array(history.history["val_accuracy"])
    jumps = np.abs(np.diff(val[9:])) if len(val) > 10 else np.array([0.0])
    print(
        f"last val acc {val[-1]:.2%}; largest change between epochs after epoch 10: "
        f"{100 * jumps.max():.1f} points"
    )


if __name__ == "__main__":
    main()
