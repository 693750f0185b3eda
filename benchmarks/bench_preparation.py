"""Time and memory of preparing MNIST as float arrays, against keeping the uint8 arrays.

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_preparation.py [--repeats 5]

Older tutorials prepare the images with `x = x.reshape(-1, 28, 28, 1); x = x / 255 - 0.5`,
which makes float64 arrays; many use `x.astype("float32") / 255`. The course keeps the
uint8 arrays from `load_mnist()` and scales inside the model with
`keras.layers.Rescaling(1 / 255, offset=-0.5)`, so its preparation is `x[..., None]`, a
view. Each way prepares the 60,000 training and 10,000 test images (`--limit N`: the
first N of each), all in one run:

- time: wall time to prepare both splits, the median of `--repeats` rounds in which the
  ways take turns, so that a busy machine slows them alike. Still noisy, and the uint8
  way makes two views in microseconds: its time ratios are orders of magnitude.
- bytes: `nbytes` of the prepared arrays, exactly 8x (float64) and 4x (float32) uint8's.
- peak extra: the most memory the preparation held at once beyond what the process held
  before it, temporaries included, from `tracemalloc` (NumPy reports every array buffer to
  it) in a separate pass. Not peak RSS: `ru_maxrss` is a lifetime high-water mark, and
  loading the IDX files peaks about 47 MB above what it keeps, which hides any smaller
  peak after it and makes a baseline subtraction guess. These figures do not vary from
  run to run; peak RSS with the high-water mark reset after loading (Linux
  `/proc/self/clear_refs`) agreed within 1 MB on the full data. The ratio is to the uint8
  arrays' bytes, since the uint8 way needs next to nothing.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

from course_utils import load_mnist
from course_utils.data import DataUnavailableError
from course_utils.environment import cpu_model


def float64_way(x):
    """Older tutorials: float64, scaled to [-0.5, 0.5]."""
    x = x.reshape(-1, 28, 28, 1)
    return x / 255 - 0.5


def float32_way(x):
    """The common middle way: a float32 copy scaled to [0, 1]."""
    return x.reshape(-1, 28, 28, 1).astype("float32") / 255


def uint8_way(x):
    """The course: a channel axis only; the model's Rescaling layer does the scaling."""
    return x[..., None]


WAYS = {
    "x / 255 - 0.5 (float64)": float64_way,
    'astype("float32") / 255': float32_way,
    "uint8 + Rescaling (course)": uint8_way,
}


def median_seconds(images, repeats):
    """Median wall time of each way preparing all of `images`, the ways taking turns."""
    times = {name: [] for name in WAYS}
    for _ in range(repeats):
        for name, prepare in WAYS.items():
            start = time.perf_counter()
            prepared = [prepare(x) for x in images]
            times[name].append(time.perf_counter() - start)
            del prepared
    return {name: statistics.median(values) for name, values in times.items()}


def bytes_and_peak(prepare, images):
    """The prepared arrays' nbytes and the peak extra bytes allocated while preparing them."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        prepared = [prepare(x) for x in images]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return sum(array.nbytes for array in prepared), peak - before


def measure(images, repeats):
    """One dict per way: seconds, nbytes, peak extra bytes and the ratios to the uint8 way."""
    seconds = median_seconds(images, repeats)
    base_bytes = sum(x.nbytes for x in images)
    base_seconds = seconds["uint8 + Rescaling (course)"]
    rows = []
    for name, prepare in WAYS.items():
        nbytes, peak = bytes_and_peak(prepare, images)
        rows.append(
            {"way": name, "seconds": seconds[name], "time_ratio": seconds[name] / base_seconds,
             "nbytes": nbytes, "bytes_ratio": nbytes / base_bytes,
             "peak": peak, "peak_ratio": peak / base_bytes}
        )  # fmt: skip
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timing rounds (median)")
    parser.add_argument("--limit", type=int, default=None, help="first N images of each split")
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--repeats and --limit must be at least 1")
    try:  # source="local" never downloads: no data is an error at once, not a wait
        (x_train, _), (x_test, _) = load_mnist(source="local", verbose=False)
    except (DataUnavailableError, ValueError) as error:
        sys.exit(f"bench_preparation needs MNIST: {error}")
    images = [x_train[: args.limit], x_test[: args.limit]]
    rows = measure(images, args.repeats)
    print(
        f"{len(images[0]):,} training + {len(images[1]):,} test images; {cpu_model()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; NumPy {np.__version__}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    print(f"{'preparation':<28}{'time ms':>10}{'x uint8':>10}{'arrays MB':>11}{'x uint8':>9}"
          f"{'peak extra MB':>15}{'/ uint8 MB':>12}")  # fmt: skip
    for row in rows:
        print(
            f"{row['way']:<28}{row['seconds'] * 1e3:>10.3f}{row['time_ratio']:>10,.0f}"
            f"{row['nbytes'] / 1e6:>11.1f}{row['bytes_ratio']:>9.1f}"
            f"{row['peak'] / 1e6:>15.1f}{row['peak_ratio']:>12.2f}"
        )
    print(f"time: median of {args.repeats}, noisy on a shared machine; bytes and peaks are exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
