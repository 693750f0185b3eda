"""The course's best CIFAR-10 model: trained for a wall-clock budget, then tested once.

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_best_cifar.py [--minutes 60]

A popular tutorial reports 88.30% test accuracy on CIFAR-10 with data augmentation, from a
43-million-parameter model trained for 30 epochs, far too slow for a 2-core CPU. This script trains a small residual network (after the "ResNet-9" of fast CIFAR-10
training, at a quarter of its width) on the 50,000 training images for a fixed number
of minutes on the CPU, then scores it once on the 10,000 test images.

- Inside the model: `Normalization` adapted on the training images only, then random
  horizontal flips and shifts of up to 4 pixels (training only).
- SGD with Nesterov momentum 0.9, batch 128, L2 5e-4, and a
  warm-up + cosine learning rate that follows the clock (`CosineTimeBudget`, peak 0.05),
  so that the schedule ends with the budget on any machine.

Run it on an otherwise idle machine: a second busy process slows every epoch.
"""

import argparse
import os
import time

import keras
from keras import layers

from course_utils import load_cifar10, set_seed
from course_utils.training import CosineTimeBudget, make_dataset

BATCH_SIZE = 128
L2 = keras.regularizers.L2(5e-4)


def conv_bn(x, filters):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=L2)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def residual(x, filters):
    y = conv_bn(conv_bn(x, filters), filters)
    return layers.Add()([x, y])


def small_resnet(x_train, width=16):
    """ResNet-9 layout (prep, layer1 + residual, layer2, layer3 + residual) at `width`."""
    normalize = layers.Normalization()
    normalize.adapt(x_train)  # the training images only
    inputs = keras.Input((32, 32, 3))
    x = normalize(inputs)
    x = layers.RandomFlip("horizontal")(x)
    x = layers.RandomTranslation(0.125, 0.125, fill_mode="reflect", interpolation="nearest")(x)
    x = conv_bn(x, 4 * width)
    x = layers.MaxPooling2D()(conv_bn(x, 8 * width))
    x = residual(x, 8 * width)
    x = layers.MaxPooling2D()(conv_bn(x, 16 * width))
    x = layers.MaxPooling2D()(conv_bn(x, 32 * width))
    x = residual(x, 32 * width)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=L2)(x)
    return keras.Model(inputs, outputs, name=f"small_resnet_{width}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="training budget")
    parser.add_argument("--width", type=int, default=4, help="ResNet-9 is width 16")
    parser.add_argument("--train-images", type=int, default=50_000, help="for a quick check")
    args = parser.parse_args()
    (x_train, y_train), (x_test, y_test) = load_cifar10(source="local", verbose=False)
    x_train, y_train = x_train[: args.train_images], y_train[: args.train_images]
    x_train, x_test = x_train.astype("float32"), x_test.astype("float32")
    y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)
    set_seed()
    model = small_resnet(x_train, args.width)
    model.compile(
        optimizer=keras.optimizers.SGD(0.0, momentum=0.9, nesterov=True),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    print(
        f"{model.name}: {model.count_params():,} parameters; budget {args.minutes:g} min; "
        f"{os.cpu_count()} CPUs, Keras {keras.__version__}",
        flush=True,
    )
    budget = CosineTimeBudget(60 * args.minutes, peak=0.05, warmup_fraction=0.1)
    log = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(
            f"epoch {epoch + 1:>3}  {time.perf_counter() - start:7.0f} s  "
            f"loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}",
            flush=True,
        )
    )
    start = time.perf_counter()
    model.fit(make_dataset(x_train, y_train, BATCH_SIZE, seed=1), epochs=10_000, verbose=0,
              callbacks=[budget, log])  # fmt: skip
    minutes = (time.perf_counter() - start) / 60
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    epochs = len(budget.epoch_seconds)
    print(f"{epochs} epochs in {minutes:.1f} min; test accuracy {accuracy:.2%} (tutorial: 88.30%)")


if __name__ == "__main__":
    main()
