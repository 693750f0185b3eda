"""The version matrix: the course's tests on the TensorFlow/Keras versions learners get.

    nox                  # all three sessions, one after the other
    nox -l               # list them
    nox -s minimum       # one session; arguments after -- go to pytest (nox -s latest -- -x)

Each session makes its own virtual environment (under .nox/), installs the course with
the README's `.[dev]` extra plus its pins, prints what it installed, and runs the unit
tests, the doctests and the notebooks most exposed to API changes (05-09, both folders)
in quick mode on the data in COURSE_DATA_DIR.
"""

import re
import shutil
from pathlib import Path

import nox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the dev extra)
    import tomli as tomllib

ROOT = Path(__file__).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# The Colab runtime tested, in one place: Colab's published package list
# (github.com/googlecolab/backend-info, pip-freeze.txt) at commit a724079 of 2026-08-19,
# "Upgrade to Python 3.13". Update these pins when Colab publishes a new runtime.
COLAB_RUNTIME = "Colab runtime of 2026-08-19 (googlecolab/backend-info a724079)"
COLAB_PYTHON = "3.13"
COLAB_PINS = [
    "tensorflow==2.20.0",
    "keras==3.13.2",
    "numpy==2.1.3",
    "matplotlib==3.10.0",
    "seaborn==0.13.2",
]

NOTEBOOKS = [
    f"{folder}/{name}"
    for folder in ("solutions", "notebooks")
    for name in (
        "05_first_cnn.ipynb",
        "06_deeper_cnns.ipynb",
        "07_cifar10_and_augmentation.ipynb",
        "08_saving_and_using_a_model.ipynb",
        "09_speed.ipynb",  # mixed precision and XLA: APIs that move between releases
    )
]
REPORT = (
    "import platform, keras, matplotlib, numpy, seaborn, tensorflow; "
    "print('versions: python', platform.python_version(), '| tensorflow', tensorflow.__version__,"
    " '| keras', keras.__version__, '| numpy', numpy.__version__, '| matplotlib',"
    " matplotlib.__version__, '| seaborn', seaborn.__version__)"
)

nox.options.sessions = ["minimum", "colab", "latest"]
nox.options.reuse_existing_virtualenvs = False


def lower_bounds():
    """``name==X`` for every ``name>=X`` runtime dependency in pyproject.toml.

    Raises:
        ValueError: when TensorFlow or Keras has no lower bound there.
    """
    pins = {}
    for requirement in PYPROJECT["project"]["dependencies"]:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)\s*", requirement)
        if match:
            pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    missing = {"tensorflow", "keras"} - set(pins)
    if missing:
        raise ValueError(f"pyproject.toml declares no lower bound for {sorted(missing)}.")
    return list(pins.values())


def interpreter(version):
    """A path to Python ``version`` (on PATH or under pyenv), or None to use nox's own."""
    for candidate in (
        shutil.which(f"python{version}"),
        *sorted(Path.home().glob(f".pyenv/versions/{version}*/bin/python{version}")),
    ):
        if candidate and Path(candidate).exists() and "shims" not in str(candidate):
            return str(candidate)
    return None


def run_tests(session, pins):
    session.install("-e", ".[dev]", *pins)
    session.run("python", "-c", REPORT)
    session.run(
        "pytest",
        "tests",
        "course_utils",
        *NOTEBOOKS,
        "--ignore=tests/test_browser.py",
        *session.posargs,
        env={"COURSE_QUICK": "1", "MPLBACKEND": "Agg"},
    )


@nox.session
def minimum(session):
    """TensorFlow and Keras at the lowest versions pyproject.toml declares."""
    run_tests(session, lower_bounds())


@nox.session(python=interpreter(COLAB_PYTHON))
def colab(session):
    """The versions of Colab's most recent runtime (COLAB_RUNTIME above)."""
    session.log(f"Pinned to the {COLAB_RUNTIME}.")
    run_tests(session, COLAB_PINS)


@nox.session
def latest(session):
    """The newest releases of TensorFlow, Keras, NumPy, matplotlib and seaborn."""
    session.install("-U", "--upgrade-strategy", "eager", "tensorflow", "keras", "numpy")
    run_tests(session, ["-U", "matplotlib", "seaborn"])
