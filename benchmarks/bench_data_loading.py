"""How long load_mnist() takes, next to the bare cost of reading the same files.

Run with the real data:

    COURSE_DATA_DIR=../shared/data python benchmarks/bench_data_loading.py

Target: loading full MNIST from the IDX files takes at most about a second, and at most
1.5 times what gunzip alone costs (hash checks and parsing add little). Both are measured
in the same run, as medians of several repeats, so the ratio holds on any machine.
"""

import gzip
import statistics
import sys
import time

from course_utils import config
from course_utils.data import MNIST_IDX_SHA256, load_mnist

REPEATS = 7
TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0


def median_seconds(function):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    folder = config.data_dir()
    if folder is None:
        sys.exit("Set COURSE_DATA_DIR to a folder with the four MNIST IDX files.")
    mnist = folder / "mnist" if (folder / "mnist").is_dir() else folder

    def bare_gunzip():
        for name in MNIST_IDX_SHA256:
            gzip.decompress((mnist / name).read_bytes())

    def course_loader():
        (x_train, _), _ = load_mnist(source="local", verbose=False)
        assert x_train.shape == (60000, 28, 28) and x_train.dtype == "uint8"

    course_loader()  # warm the file cache for both
    bare = median_seconds(bare_gunzip)
    ours = median_seconds(course_loader)
    ratio = ours / bare
    ok = ratio <= TARGET_RATIO and ours <= TARGET_SECONDS
    print(f"bare gunzip of the 4 files : {bare:.3f} s (median of {REPEATS})")
    print(f"load_mnist() from IDX      : {ours:.3f} s (median of {REPEATS})")
    print(f"ratio                      : {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"target {'met' if ok else 'MISSED'}: <= {TARGET_SECONDS} s and <= {TARGET_RATIO}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
