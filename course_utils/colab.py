"""Google Colab: the set-up cell at the top of every notebook, and the "Open in Colab" badge.

On Colab only the notebook is there, not this package, so the set-up cell cannot import
anything from it: ``python -m course_utils build`` copies the source of
:func:`colab_setup` into each notebook's first code cell (``setup_cell``), with the
repository address from ``pyproject.toml``'s ``[project.urls]``. Anywhere else the cell
does nothing. Its logic is tested here, off Colab, with a fake ``google.colab`` module and
a fake installer.
"""

import inspect

SETUP_MARKER = "# @title Colab set-up"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def colab_setup(repository, run=None):
    """On Google Colab, install the course's helpers; anywhere else, do nothing.

    Args:
        repository: the course's Git repository, e.g. ``"https://github.com/o/r"``.
        run: the function that runs a command (default ``subprocess.run``); tests pass
            a fake.

    On Colab it prints that the helpers are installed and whether a GPU is attached.

    Raises:
        RuntimeError: on Colab, when the install failed or the session must restart;
            its one sentence says what to do (a notebook shows it without a traceback).

    Example:
    >>> colab_setup("https://github.com/o/r")  # not on Colab: prints nothing, does nothing
    """
    import re
    import subprocess
    import sys

    if "google.colab" not in sys.modules:
        return
    run = run or subprocess.run

    class ColabSetupError(RuntimeError):
        def _render_traceback_(self):  # IPython shows this instead of a traceback
            return [f"Colab set-up failed: {self}"]

    command = [sys.executable, "-m", "pip", "install", f"course-utils @ git+{repository}"]
    pip = run(command, capture_output=True, text=True)
    output = f"{pip.stdout}\n{pip.stderr}"
    if pip.returncode != 0:
        causes = [
            (
                r"could not read Username|Repository not found|Authentication failed",
                f"{repository} is not a public repository (yet): ask your instructor for the "
                "course's address, or upload the course folder and run `pip install -e .` in it.",
            ),
            (
                r"resolve host|name resolution|establish a new connection|unreachable|timed out",
                "Colab could not reach the internet: check your connection, then run this cell "
                "again.",
            ),
        ]
        lines = [line.strip() for line in output.splitlines() if line.strip()] or ["no output"]
        why = next(
            (sentence for pattern, sentence in causes if re.search(pattern, output)),
            f"pip could not install course-utils ({lines[-1]}): run this cell again, or ask "
            "for help with that line.",
        )
        raise ColabSetupError(why)
    installed = re.findall(r"Successfully installed (.*)", output)
    replaced = [p.rsplit("-", 1)[0] for p in " ".join(installed).split()]
    already_imported = {"pillow": "PIL", "scikit-learn": "sklearn"}
    restart = [
        name
        for name in replaced
        if name == "numpy" or already_imported.get(name, name.replace("-", "_")) in sys.modules
    ]
    if restart:
        raise ColabSetupError(
            f"the install replaced {', '.join(restart)}, which this session had already loaded: "
            "restart the session (Runtime > Restart session), then run the notebook from the top."
        )
    try:
        gpus = run(["nvidia-smi", "-L"], capture_output=True, text=True)
        gpu = gpus.stdout.strip().splitlines()[0] if gpus.returncode == 0 and gpus.stdout else ""
    except OSError:  # no nvidia-smi: no GPU driver on this runtime
        gpu = ""
    messages = [
        "course_utils is installed.",
        f"GPU attached: {gpu}."
        if gpu
        else "No GPU attached: training runs on the CPU, which is slower but fine for this "
        "course. For a GPU: Runtime > Change runtime type > T4 GPU, then run from the top.",
    ]
    print("\n".join(messages))


def setup_cell(repository):
    """The source of the Colab set-up cell for a notebook (written by the build).

    Args:
        repository: the course's Git repository address.

    Returns:
        Python source: a Colab form title, :func:`colab_setup`'s source and one call.

    Example:
    >>> cell = setup_cell("https://github.com/o/r")
    >>> cell.splitlines()[0]
    '# @title Colab set-up { display-mode: "form" }'
    >>> cell.splitlines()[-1]
    '_colab_setup("https://github.com/o/r")'
    """
    if not isinstance(repository, str) or not repository.startswith("https://"):
        raise ValueError(f"repository must be an https:// address. Received: {repository!r}.")
    function = inspect.getsource(colab_setup)
    body = function.split('    """', 2)[2].split("\n", 1)[1]  # drop the docstring
    return (
        f'{SETUP_MARKER} {{ display-mode: "form" }}\n'
        "# On Colab this installs the course helpers; anywhere else it does nothing.\n"
        "# Written by `python -m course_utils build` from course_utils/colab.py.\n"
        "def _colab_setup(repository, run=None):\n"
        f"{body}\n\n"
        f'_colab_setup("{repository}")'
    )


def badge(repository, path):
    """Markdown for an "Open in Colab" badge that opens ``path`` of ``repository``.

    Args:
        repository: a GitHub address, ``https://github.com/OWNER/NAME``.
        path: the notebook's path in the repository, e.g. ``"notebooks/00_setup.ipynb"``.

    Raises:
        ValueError: when ``repository`` is not a GitHub address (Colab opens only those).

    Example:
    >>> badge("https://github.com/o/r", "notebooks/00_setup.ipynb")  # doctest: +ELLIPSIS
    '[![Open In Colab](...)](https://colab.research.google.com/github/o/r/blob/main/notebooks/00_setup.ipynb)'
    """
    prefix = "https://github.com/"
    if not isinstance(repository, str) or not repository.startswith(prefix):
        raise ValueError(
            f"Colab opens notebooks from GitHub: the repository must start with {prefix}. "
            f"Received: {repository!r}."
        )
    owner_name = repository[len(prefix) :].rstrip("/").removesuffix(".git")
    return (
        f"[![Open In Colab]({BADGE_IMAGE})]"
        f"(https://colab.research.google.com/github/{owner_name}/blob/main/{path})"
    )
