"""Check the set-up: versions, devices, mode and data sources; seed everything."""

import os
import platform

from course_utils import config
from course_utils.data import plan_source
from course_utils.display import show

# The oldest versions the course is tested with (pyproject.toml declares the same; the
# `minimum` session of noxfile.py runs them). TensorFlow 2.16 is the first with Keras 3;
# Keras 3.6 brought `layers.Pipeline` (Exercise 7.5) and is the oldest that passes.
MIN_TENSORFLOW = (2, 16)
MIN_KERAS = (3, 6)
COURSE_SEED = 66478  # the seed of the classic TensorFlow MNIST demo


def _version_tuple(version):
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


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


def check_setup(verbose=True):
    """Report what the course will run on, and what would go wrong.

    Shows Python, TensorFlow and Keras versions, the devices (turning on GPU
    memory growth when there is a GPU), quick or full mode, and which source
    each data set will come from.

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

    problems = []
    if _version_tuple(tf.__version__) < MIN_TENSORFLOW:
        problems.append(
            f"TensorFlow {tf.__version__} is older than 2.16, which brought Keras 3: "
            "run `pip install -U tensorflow`."
        )
    if _version_tuple(keras.__version__) < MIN_KERAS:
        problems.append(
            f"Keras {keras.__version__} is older than 3.6, the oldest this course is tested "
            "with (notebook 07 uses `keras.layers.Pipeline`): run `pip install -U keras`."
        )
    if keras.backend.backend() != "tensorflow":
        problems.append(
            f"Keras uses the {keras.backend.backend()!r} backend; this course needs "
            "'tensorflow' (set KERAS_BACKEND=tensorflow before starting Python)."
        )
    gpus = enable_gpu_memory_growth()
    data = {}
    for name in ("mnist", "cifar10"):
        try:
            data[name] = plan_source(name)
        except (ValueError, OSError) as error:  # DataFileError included: a row, not a crash
            data[name] = f"error: {error}"
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
        "data": data,
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


def _format_report(report):
    devices = (
        f"{len(report['gpus'])} GPU(s): "
        + ", ".join(
            f"{name} (memory growth {'on' if on else 'off: restart the kernel, run this first'})"
            for name, on in report["gpus"].items()
        )
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
