"""Check the set-up: versions, devices, mode and data sources; seed everything.

``check_setup()`` reports the facts in a notebook. ``doctor()``, behind
``python -m course_utils doctor``, judges the same facts PASS or FAIL, adds the network,
the free disk and a 10-second training smoke test, and returns an exit status.
"""

import contextlib
import json
import os
import platform
import re
import shutil
import sys
import urllib.parse
from typing import NamedTuple

from course_utils import config, data, download
from course_utils.display import show
from course_utils.download import unreachable as _probe


def _release(version, parts=3):
    """``"2.16.1"`` -> ``(2, 16, 1)``: the leading number of each part, padded with zeros
    (``"2.21.0rc1"`` -> ``(2, 21, 0)``, ``"3.6"`` -> ``(3, 6, 0)``)."""
    numbers = []
    for piece in version.split(".")[:parts]:
        match = re.match(r"\d+", piece)
        numbers.append(int(match.group()) if match else 0)
    return tuple(numbers + [0] * (parts - len(numbers)))


# The versions the course is tested with, in this one place. The lowest are pyproject.toml's
# lower bounds, which the `minimum` session of noxfile.py installs. The newest are those of
# the machine that ran every notebook for benchmarks/run_times.json ("machine"), the newest
# set on which the whole course is known to have run; noxfile.py's Colab pins lie between.
# tests/test_environment.py checks all three. (Not the versions installed when the tests
# run: the `minimum` and `latest` sessions install others, and would "confirm" any.)
TESTED_TENSORFLOW = ("2.16.1", "2.21.0")
TESTED_KERAS = ("3.6.0", "3.15.1")
# Older than these, the course does not run: TensorFlow 2.16 is the first with Keras 3;
# Keras 3.6 brought `layers.Pipeline` (Exercise 7.5) and is the oldest that passes.
MIN_TENSORFLOW = _release(TESTED_TENSORFLOW[0], parts=2)  # (2, 16)
MIN_KERAS = _release(TESTED_KERAS[0], parts=2)  # (3, 6)
MIN_PYTHON = (3, 10)  # pyproject.toml's requires-python
COURSE_SEED = 66478  # the seed of the classic TensorFlow MNIST demo


def set_seed(seed=COURSE_SEED):
    """Seed Python, NumPy and TensorFlow in one call (``keras.utils.set_random_seed``).

    Args:
        seed: a non-negative whole number.

    Returns:
        The seed, so a notebook can show it.

    Raises:
        TypeError: when ``seed`` is not a whole number.
        ValueError: when it is negative.

    Example:
    >>> import numpy as np
    >>> set_seed(42)
    42
    >>> first = np.random.rand()
    >>> _ = set_seed(42)
    >>> first == np.random.rand()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be a whole number. Received: seed={seed!r}.")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more. Received: seed={seed}.")
    import keras

    keras.utils.set_random_seed(seed)
    return seed


def cpu_model():
    """The CPU's model name, which run times and speed figures depend on.

    Read from ``/proc/cpuinfo`` on Linux, else what ``platform.processor()`` says.

    Example:
    >>> isinstance(cpu_model(), str) and cpu_model() != ""
    True
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:  # not Linux
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def onednn_enabled():
    """Whether TensorFlow runs its CPU kernels through oneDNN on this machine.

    TensorFlow turns oneDNN (Intel's library of fast CPU kernels) on or off by CPU;
    ``TF_ENABLE_ONEDNN_OPTS=0`` turns it off anywhere. Some layouts, such as
    ``Conv2D(..., data_format="channels_first")``, run on a CPU only with oneDNN on.

    Returns:
        True or False, or None when this TensorFlow does not say.

    Example:
    >>> onednn_enabled() in (True, False, None)
    True
    """
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # a TensorFlow without this (private) switch
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def enable_gpu_memory_growth():
    """Let TensorFlow take GPU memory as it needs it rather than all at once.

    TF1 code did this with ``ConfigProto().gpu_options.allow_growth = True`` and
    ``set_session``; TF2 calls ``tf.config.experimental.set_memory_growth``.
    It must run before the GPU is first used.

    Returns:
        A dict of each GPU's name and whether memory growth is on for it (it stays
        off when TensorFlow had already started using that GPU).

    Example:
    >>> enable_gpu_memory_growth()  # on a machine without a GPU
    {}
    """
    import tensorflow as tf

    growth = {}
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU is already in use; its setting is fixed by now
            pass
        growth[gpu.name] = bool(tf.config.experimental.get_memory_growth(gpu))
    return growth


PASS, FAIL = "PASS", "FAIL"


class Row(NamedTuple):
    """One line of the doctor's table: a check, ``"PASS"`` or ``"FAIL"``, and what it found."""

    check: str
    status: str
    detail: str

    @property
    def passed(self):
        return self.status == PASS


_VERSION_RULES = {  # name: (package, tested range, minimum, why that minimum)
    "TensorFlow": ("tensorflow", TESTED_TENSORFLOW, MIN_TENSORFLOW, "which brought Keras 3"),
    "Keras": (
        "keras",
        TESTED_KERAS,
        MIN_KERAS,
        "which brought `keras.layers.Pipeline` for notebook 07",
    ),
}


def _version_row(name, version):
    """Judge an installed TensorFlow or Keras against the versions the course was tested with."""
    package, (lowest, newest), minimum, why = _VERSION_RULES[name]
    tested = f"tested: {lowest} to {newest}"
    if _release(version, parts=2) < minimum:
        oldest = ".".join(map(str, minimum))
        return Row(
            name,
            FAIL,
            f"{version} is older than {oldest}, {why}: run `pip install -U {package}` ({tested}).",
        )
    if _release(version) > _release(newest):
        return Row(name, PASS, f"{version} ({tested}; newer than tested)")
    return Row(name, PASS, f"{version} ({tested})")


def _python_row(version):
    if _release(version, parts=2) < MIN_PYTHON:
        oldest = ".".join(map(str, MIN_PYTHON))
        return Row(
            "Python",
            FAIL,
            f"{version} is older than {oldest}, the oldest the course supports: "
            f"install Python {oldest} or newer.",
        )
    return Row("Python", PASS, version)


def _backend_problem(backend):
    if backend == "tensorflow":
        return None
    return (
        f"Keras uses the {backend!r} backend; this course needs "
        "'tensorflow' (set KERAS_BACKEND=tensorflow before starting Python)."
    )


def check_setup(verbose=True):
    """Report what the course will run on, and what would go wrong.

    Shows Python, TensorFlow and Keras versions, the devices (turning on GPU
    memory growth when there is a GPU), quick or full mode, and which source
    each data set will come from. ``python -m course_utils doctor`` judges the same
    facts PASS or FAIL (``doctor``).

    Args:
        verbose: show the report (Markdown in a notebook, text in a terminal).

    Returns:
        A dict of the facts, with a list of ``problems`` (empty when all is well).

    Example:
    >>> report = check_setup(verbose=False)
    >>> sorted(report)[:4]
    ['cpu_cores', 'data', 'gpus', 'keras']
    >>> report["problems"]
    []
    """
    import keras
    import numpy as np
    import tensorflow as tf

    versions = [
        _python_row(platform.python_version()),
        _version_row("TensorFlow", tf.__version__),
        _version_row("Keras", keras.__version__),
    ]
    problems = [f"{row.check} {row.detail}" for row in versions if not row.passed]
    backend_problem = _backend_problem(keras.backend.backend())
    if backend_problem:
        problems.append(backend_problem)
    gpus = enable_gpu_memory_growth()
    sources = {}
    for name in ("mnist", "cifar10"):
        try:
            sources[name] = data.plan_source(name)
        except (ValueError, OSError) as error:  # DataFileError included: a row, not a crash
            sources[name] = f"error: {error}"
            problems.append(str(error))
    try:
        current_mode = config.describe_mode()
    except ValueError as error:
        current_mode = f"error: {error}"
        problems.append(str(error))
    report = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "cpu_cores": os.cpu_count(),
        "onednn": onednn_enabled(),
        "gpus": gpus,
        "mode": current_mode,
        "data": sources,
        "problems": problems,
    }
    if verbose:
        show(*_format_report(report))
    return report


_ONEDNN_TEXT = {
    True: "on (TensorFlow's fast CPU kernels for this CPU)",
    False: "off (this CPU, or TF_ENABLE_ONEDNN_OPTS=0): every lesson runs; some take longer",
    None: "unknown (this TensorFlow does not say)",
}


def _gpu_text(gpus):
    return f"{len(gpus)} GPU(s): " + ", ".join(
        f"{name} (memory growth {'on' if on else 'off: restart the kernel, run this first'})"
        for name, on in gpus.items()
    )


def _format_report(report):
    devices = (
        _gpu_text(report["gpus"])
        if report["gpus"]
        else f"CPU only ({report['cpu_cores']} cores): training is slower, and fine for this course"
    )
    rows = [
        ("Python", report["python"]),
        ("TensorFlow", report["tensorflow"]),
        ("Keras", report["keras"]),
        ("NumPy", report["numpy"]),
        ("Devices", devices),
        ("oneDNN", _ONEDNN_TEXT[report["onednn"]]),
        ("Mode", report["mode"]),
        ("MNIST from", report["data"]["mnist"]),
        ("CIFAR-10 from", report["data"]["cifar10"]),
    ]
    verdict = "All set." if not report["problems"] else "Problems: " + " ".join(report["problems"])
    markdown = "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    markdown += f"\n\n**{verdict}**"
    width = max(len(k) for k, _ in rows)
    text = "\n".join(f"{k:<{width}}  {v}" for k, v in rows) + f"\n\n{verdict}"
    return markdown, text


# --------------------------------------------------------------------------------------
# python -m course_utils doctor

# Each data set's title and the megabytes keras.datasets downloads for it.
_DOWNLOADS = {"mnist": ("MNIST", 11), "cifar10": ("CIFAR-10", 163)}
GET_REAL_DATA = (
    "To get the real data: when online, run `python -m course_utils download`; or copy a "
    "folder written by `python -m course_utils download --to DIR` to this machine and "
    "`export COURSE_DATA_DIR=/path` to it; or ask the instructor for the room's mirror and run "
    "`python -m course_utils download --to DIR --mirror URL`, then `export COURSE_DATA_DIR=DIR`."
)
# The free space the course needs where the data sets go (the Keras cache): MNIST takes
# 11 MB, CIFAR-10 163 MB as downloaded plus 178 MB extracted, 352 MB in all; the notebooks'
# saved models and TensorBoard logs add tens of MB, and TensorFlow writes temporary files.
# 1 GB is about three times what the course writes, so a "PASS" will not run out mid-course.
DISK_NEEDED = 10**9

# The training smoke test: `models.first_cnn()` trains on real MNIST for SMOKE_SECONDS, in
# epochs of SMOKE_STEPS batches, then is tested on SMOKE_TEST_IMAGES. An epoch (19,200
# images) took 0.5-0.8 s here with oneDNN and 1.0-1.3 s without (2 cores shared with other
# work: 23,000-41,600 and 15,200-19,400 images/s), 2-4 s on a laptop three times slower.
SMOKE_SECONDS = 10
SMOKE_BATCH_SIZE = 64
SMOKE_STEPS = 300
SMOKE_TEST_IMAGES = 2000
# What accuracy says the install works. Measured here, accuracy follows the images trained
# on, with oneDNN on or off alike: 84% after 6,400, 87% after 12,800, 89% after 25,600, 91%
# after 51,200, 94-96% after the 134,000-307,000 of 10 s. A laptop three times slower trains
# on about 40,000 in its 10 s (90-91%), and however slow a machine, TimeBudget stops only at
# the end of an epoch: the least any machine trains on is one epoch, which reached 87.7% to
# 89.0% over 8 seeds. A broken install (wrong arithmetic, no learning) stays near 10%.
SMOKE_MIN_ACCURACY = 0.85


def doctor(as_json=False, train=True):
    """Print a PASS/FAIL table of the set-up and return an exit status (0: all passed).

    The rows: Python, TensorFlow and Keras against the versions the course was tested with,
    where MNIST and CIFAR-10 will come from (probing the network when only a download would
    give the real data), the free disk, the GPU, oneDNN, the mode and, with ``train``, a
    10-second training smoke test on real MNIST. TensorFlow's own log lines and anything
    printed while checking go to stderr, never into the table.

    Args:
        as_json: print one JSON object instead: ``rows`` (each with ``check``, ``status``
            and ``detail``), ``passed``, ``versions``, ``onednn`` and ``training`` (the
            smoke test's figures, or null).
        train: run the training smoke test.

    Returns:
        0 when every row passes, 1 otherwise.

    Example:
    >>> import io, json
    >>> printed = io.StringIO()
    >>> with contextlib.redirect_stdout(printed):
    ...     status = doctor(as_json=True, train=False)
    >>> result = json.loads(printed.getvalue())
    >>> [row["check"] for row in result["rows"]][:3], status == (0 if result["passed"] else 1)
    (['Python', 'TensorFlow', 'Keras'], True)
    """
    if "tensorflow" not in sys.modules:
        # TensorFlow's C++ log lines (CPU instructions, CUDA on a machine without a GPU) stay
        # off this process's terminal; a failure that matters raises, and its row says so.
        # TensorFlow 2.21 prints a few lines at import, before it reads this: on stderr,
        # before the table. check_setup() never sets it: a notebook shows all TensorFlow says.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with contextlib.redirect_stdout(sys.stderr):  # e.g. a download's progress bar
        rows, facts = _doctor_rows(train)
    passed = all(row.passed for row in rows)
    if as_json:
        rows = [row._asdict() for row in rows]
        print(json.dumps({"passed": passed, "rows": rows, **facts}, indent=2))
    else:
        print(_format_table(rows))
    return 0 if passed else 1


def _doctor_rows(train):
    """The rows, and the facts for --json."""
    try:
        report = check_setup(verbose=False)
    except ImportError as error:  # no TensorFlow, or a broken one: nothing more to check
        python = platform.python_version()
        row = Row(
            "TensorFlow",
            FAIL,
            f"cannot be imported ({_one_sentence(error)}): run `pip install -U tensorflow keras`.",
        )
        facts = {"versions": {"python": python}, "onednn": None, "training": None}
        return [_python_row(python), row], facts
    import keras

    keras_row = _version_row("Keras", report["keras"])
    backend_problem = _backend_problem(keras.backend.backend())
    if backend_problem:
        keras_row = Row("Keras", FAIL, f"{keras_row.detail.rstrip('.')}. {backend_problem}")
    rows = [
        _python_row(report["python"]),
        _version_row("TensorFlow", report["tensorflow"]),
        keras_row,
        _data_row("mnist", report["data"]["mnist"]),
        _data_row("cifar10", report["data"]["cifar10"]),
        _disk_row(),
        Row(
            "GPU",
            PASS,
            _gpu_text(report["gpus"])
            if report["gpus"]
            else f"none: CPU only ({report['cpu_cores']} cores), fine for this course",
        ),
        Row("oneDNN", PASS, _ONEDNN_TEXT[report["onednn"]]),
        _mode_row(report["mode"]),
    ]
    figures = None
    if train:
        row, figures = _training_row()
        rows.append(row)
    versions = {name: report[name] for name in ("python", "tensorflow", "keras", "numpy")}
    return rows, {"versions": versions, "onednn": report["onednn"], "training": figures}


def _mode_row(described):
    if described.startswith("error: "):
        return Row("Mode", FAIL, described.removeprefix("error: "))
    return Row("Mode", PASS, f"quick ({config.QUICK_ENV}=1)" if config.is_quick() else "full")


def _data_row(name, plan):
    """Where a data set will come from (``plan``, from ``data.plan_source``), judged."""
    title, megabytes = _DOWNLOADS[name]
    host = urllib.parse.urlsplit(download.KERAS_ORIGINS[name]).hostname
    if plan.startswith("error: "):
        return Row(title, FAIL, plan.removeprefix("error: "))
    if plan.startswith(f"{config.DATA_DIR_ENV}:"):
        try:  # read and verified as a notebook will read it
            loaded = getattr(data, f"load_{name}")("local", verbose=False)
        except (ValueError, OSError, data.DataUnavailableError) as error:
            return Row(title, FAIL, str(error))
        return Row(title, PASS, f"{plan}, {loaded.verified}")
    if plan.startswith("keras.datasets cache"):
        return Row(title, PASS, plan)
    # Only a download through keras.datasets would give the real data.
    unreachable = _probe(host)
    if unreachable is None:
        return Row(
            title,
            PASS,
            f"not here yet: keras.datasets will download {megabytes} MB from {host} on first use",
        )
    folder = config.data_dir()
    where = (
        f"{config.DATA_DIR_ENV} is not set"
        if folder is None
        else f"nothing for it in {config.DATA_DIR_ENV}={folder}"
    )
    fallback = (
        f"an error ({config.REQUIRE_REAL_DATA_ENV}=1)"
        if config.require_real_data()
        else "the offline stand-in"
    )
    return Row(
        title,
        FAIL,
        f"no real {title} here ({where}; not in the Keras cache), and {host} cannot be "
        f"reached: {unreachable}. The notebooks would get {fallback}. {GET_REAL_DATA}",
    )


def _disk_row():
    """Free space in the Keras cache folder, or its nearest existing parent."""
    place = data._keras_home()
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        free = shutil.disk_usage(place).free
    except OSError as error:
        return Row("Free disk", FAIL, f"cannot tell the free space in {place} ({error}).")
    if free < DISK_NEEDED:
        return Row(
            "Free disk",
            FAIL,
            f"{free / 1e9:.2f} GB free in {place}; the course needs {DISK_NEEDED / 1e9:.0f} GB "
            "there (the data sets take 0.35 GB, the notebooks' models and logs more): free "
            "some space, or set KERAS_HOME to a folder on a disk with room.",
        )
    return Row(
        "Free disk", PASS, f"{free / 1e9:.1f} GB free in {place} (needs {DISK_NEEDED / 1e9:.0f} GB)"
    )


def _training_row(seconds=SMOKE_SECONDS):
    """The smoke test's row and figures; whatever goes wrong is a FAIL row, not a traceback."""
    try:
        return _smoke_test(seconds)
    except Exception as error:  # any failure to train is what this row reports
        return Row("Training", FAIL, f"training failed: {_one_sentence(error)}"), None


def _smoke_test(seconds):
    """Train ``models.first_cnn()`` on MNIST for about ``seconds``, seeded, then test it."""
    import tensorflow as tf

    from course_utils import models, training

    (x_train, y_train), (x_test, y_test) = mnist = data.load_mnist(verbose=False)

    def scale(images, labels):
        return tf.cast(images, "float32") / 255, labels

    set_seed()
    model = models.first_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batches = training.make_dataset(
        x_train[..., None], y_train, batch_size=SMOKE_BATCH_SIZE, seed=COURSE_SEED
    )
    budget = training.TimeBudget(seconds)
    model.fit(
        batches.map(scale).repeat(),
        epochs=10_000,  # TimeBudget stops it
        steps_per_epoch=SMOKE_STEPS,
        shuffle=False,  # the dataset shuffles itself
        verbose=0,
        callbacks=[budget],
    )
    count = min(SMOKE_TEST_IMAGES, len(x_test))
    x_check, y_check = scale(x_test[:count, ..., None], y_test[:count])
    _, accuracy = model.evaluate(x_check, y_check, batch_size=500, verbose=0)
    epoch_seconds = budget.epoch_seconds
    per_epoch = SMOKE_STEPS * SMOKE_BATCH_SIZE
    timed = epoch_seconds[1:] or epoch_seconds  # the first epoch also traced the model
    figures = {
        "accuracy": float(accuracy),
        "test_images": count,
        "seconds": sum(epoch_seconds),
        "images": per_epoch * len(epoch_seconds),
        "images_per_second": per_epoch * len(timed) / sum(timed),
        "source": mnist.source,
    }
    summary = (
        f"{accuracy:.1%} on {count:,} test images after {figures['seconds']:.1f} s of training "
        f"({figures['images']:,} images, {figures['images_per_second']:,.0f} images/s)"
    )
    if mnist.is_standin:
        return Row(
            "Training",
            FAIL,
            f"trained on the offline STAND-IN, not MNIST: {summary}. The smoke test needs the "
            "real data (see the MNIST row).",
        ), figures
    if accuracy < SMOKE_MIN_ACCURACY:
        return Row(
            "Training",
            FAIL,
            f"{summary}, below the {SMOKE_MIN_ACCURACY:.0%} that a working install reaches even "
            "on a slow laptop: TensorFlow computes wrong results here. Reinstall it: "
            "`pip install --force-reinstall tensorflow`.",
        ), figures
    return Row("Training", PASS, f"{summary}; needs {SMOKE_MIN_ACCURACY:.0%}"), figures


def _one_sentence(error):
    """``"TypeName: first line of the message."``, at most about 200 characters."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    if len(text) > 200:
        text = text[:199] + "…"
    return text.rstrip(".") + "."


def _format_table(rows, width=None):
    """The rows as aligned plain text, long details wrapped, then one line of verdict.

    Example:
    >>> print(_format_table([Row("Python", PASS, "3.11.7"), Row("Free disk", FAIL, "0.2 GB")]))
    PASS  Python     3.11.7
    FAIL  Free disk  0.2 GB
    <BLANKLINE>
    1 of 2 checks failed: Free disk.
    """
    width = width or shutil.get_terminal_size((100, 24)).columns
    name_width = max(len(row.check) for row in rows)
    indent = " " * (len(PASS) + 2 + name_width + 2)
    lines = []
    for row in rows:
        wrapped = _wrap(row.detail, max(40, width - len(indent)))
        lines.append(f"{row.status}  {row.check:<{name_width}}  {wrapped[0]}".rstrip())
        lines.extend(indent + line for line in wrapped[1:])
    failed = [row.check for row in rows if not row.passed]
    verdict = (
        f"{len(failed)} of {len(rows)} checks failed: {', '.join(failed)}."
        if failed
        else f"All {len(rows)} checks passed."
    )
    return "\n".join([*lines, "", verdict])


def _wrap(text, width):
    """Lines of at most ``width`` characters; a `command in backticks` is never split."""
    lines = [""]
    for word in re.findall(r"`[^`]*`\S*|\S+", text):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    return lines
