"""Tests for course_utils.colab: the Colab set-up cell, run off Colab with fakes."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from course_utils import colab
from course_utils.build import repository_url

ROOT = Path(__file__).resolve().parent.parent
REPO = "https://github.com/someone/fork"


class FakeInstaller:
    """Stands in for ``subprocess.run``: records commands, answers pip and nvidia-smi."""

    def __init__(self, pip_code=0, pip_output="", gpu=None):
        self.commands = []
        self.pip = (pip_code, pip_output)
        self.gpu = gpu

    def __call__(self, command, **kwargs):
        self.commands.append(command)
        if command[0] == "nvidia-smi":
            if self.gpu is None:
                raise FileNotFoundError("nvidia-smi")
            return subprocess.CompletedProcess(command, 0, f"GPU 0: {self.gpu} (UUID: x)\n", "")
        code, output = self.pip
        return subprocess.CompletedProcess(command, code, "", output)


@pytest.fixture
def on_colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    # A fresh Colab session has not imported the course helpers before installing them.
    monkeypatch.delitem(sys.modules, "course_utils")


def committed_cell(name="00_setup.ipynb", folder="notebooks"):
    cells = json.loads((ROOT / folder / name).read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def run_cell(source, monkeypatch, installer):
    """Execute a notebook's set-up cell with ``subprocess.run`` replaced by ``installer``."""
    monkeypatch.setattr(subprocess, "run", installer)
    exec(compile(source, "<colab cell>", "exec"), {"__name__": "__main__"})


def test_setup_cell_does_nothing_off_colab(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    installer = FakeInstaller()
    run_cell(committed_cell(), monkeypatch, installer)
    assert installer.commands == [] and capsys.readouterr().out == ""


def test_setup_cell_installs_from_the_repository_in_pyproject(on_colab, monkeypatch, capsys):
    installer = FakeInstaller(pip_output="Successfully installed course-utils-0.1.0\n")
    run_cell(committed_cell(), monkeypatch, installer)
    url = repository_url(ROOT / "pyproject.toml")
    assert installer.commands[0] == [
        sys.executable,
        "-m",
        "pip",
        "install",
        f"course-utils @ git+{url}",
    ]
    out = capsys.readouterr().out
    assert "course_utils is installed." in out
    assert "No GPU attached" in out and "Runtime > Change runtime type" in out


def test_setup_cell_names_the_gpu(on_colab, capsys):
    colab.colab_setup(REPO, run=FakeInstaller(gpu="Tesla T4"))
    assert "GPU attached: GPU 0: Tesla T4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("pip_output", "sentence"),
    [
        (
            "fatal: unable to access 'https://github.com/x/': Could not resolve host: github.com",
            "could not reach the internet",
        ),
        (
            "fatal: could not read Username for 'https://github.com': No such device or address",
            f"{REPO} is not a public repository (yet)",
        ),
        ("remote: Repository not found.", "is not a public repository"),
        (
            "ERROR: Failed building wheel for course-utils",
            "pip could not install course-utils (ERROR: Failed building wheel for course-utils)",
        ),
        ("", "pip could not install course-utils (no output)"),
    ],
)
def test_setup_cell_failure_says_what_to_do(on_colab, capsys, pip_output, sentence):
    with pytest.raises(RuntimeError) as raised:
        colab.colab_setup(REPO, run=FakeInstaller(pip_code=1, pip_output=pip_output))
    assert sentence in str(raised.value)
    # A notebook shows one line, not a traceback.
    assert raised.value._render_traceback_() == [f"Colab set-up failed: {raised.value}"]
    assert "course_utils is installed" not in capsys.readouterr().out


def test_setup_cell_asks_for_a_restart_when_numpy_changed(on_colab):
    output = "Successfully installed course-utils-0.1.0 numpy-2.1.3\n"
    with pytest.raises(RuntimeError, match=r"replaced numpy.*Runtime > Restart session"):
        colab.colab_setup(REPO, run=FakeInstaller(pip_output=output))


def test_setup_cell_asks_for_a_restart_when_a_loaded_package_changed(on_colab):
    output = "Successfully installed scikit-learn-1.9.0 course-utils-0.1.0\n"
    import sklearn  # noqa: F401  (loaded, as it would be in a running session)

    with pytest.raises(RuntimeError, match="replaced scikit-learn"):
        colab.colab_setup(REPO, run=FakeInstaller(pip_output=output))


def test_setup_cell_source_is_the_function():
    cell = colab.setup_cell(REPO)
    assert cell.startswith(colab.SETUP_MARKER) and cell.endswith(f'_colab_setup("{REPO}")')
    compile(cell, "<cell>", "exec")


@pytest.mark.parametrize("bad", ["github.com/a/b", "https://gitlab.com/a/b", None])
def test_badge_bad_repository(bad):
    with pytest.raises(ValueError, match="Received"):
        colab.badge(bad, "notebooks/00_setup.ipynb")


def test_setup_cell_bad_repository():
    with pytest.raises(ValueError, match="Received: 'ftp://x'"):
        colab.setup_cell("ftp://x")
