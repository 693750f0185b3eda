"""Tests for course_utils.build: learner notebooks generated from the solutions."""

import json
import shutil
from pathlib import Path

import pytest

from course_utils import build
from course_utils.build import BuildError, learner_notebook, placeholder

ROOT = Path(__file__).resolve().parent.parent


def md(text):
    return {"cell_type": "markdown", "id": "m", "metadata": {}, "source": text}


def code(text):
    return {
        "cell_type": "code",
        "id": "c",
        "metadata": {},
        "source": text,
        "outputs": [],
        "execution_count": None,
    }


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


ANSWER = "# BEGIN SOLUTION\nnum_pixels = x_train.shape[1] * x_train.shape[2]\n# END SOLUTION"


def test_placeholder_keeps_the_names():
    assert placeholder("a = 1\nb, c = 2, 3\nprint(a)").splitlines()[1:] == [
        "a = ...",
        "b, c = ..., ...",
    ]


@pytest.mark.parametrize(
    "code",
    [
        "a = 1",
        "b, c = 2, 3",
        "d = e = 4",
        "f, *g = 5, 6, 7",
        "h: int = 8",
        "def k(x):\n    return x",
    ],
)
def test_placeholder_code_runs_and_leaves_placeholders(code):
    names = {}
    exec(placeholder(code), names)
    values = [v for k, v in names.items() if not k.startswith("__") and not callable(v)]
    assert all(v is ... or v == [...] for v in values), names


def test_placeholder_for_a_function():
    assert "def scale(x, factor=255):\n    return ..." in placeholder(
        "def scale(x, factor=255):\n    return x / factor"
    )


def test_learner_notebook_replaces_the_answer():
    source = notebook(
        md("### Exercise 1.1: pixels\nHow many?"),
        code("# Count them.\n" + ANSWER),
        code("ex.q1.check(num_pixels)"),
    )
    learner, solutions = learner_notebook(source, "01_x.ipynb")
    answer_cell = learner["cells"][1]["source"]
    assert "num_pixels = ..." in answer_cell and "x_train.shape" not in answer_cell
    assert answer_cell.startswith("# Count them.")
    assert learner["cells"][0] == source["cells"][0]
    assert learner["cells"][2] == source["cells"][2]
    assert solutions == {"1.1": "num_pixels = x_train.shape[1] * x_train.shape[2]"}
    assert "x_train.shape" in source["cells"][1]["source"], "the source is not modified"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            [md("### Exercise 1.1"), code("# BEGIN SOLUTION\nx = 1"), code("ex.q1.check(x)")],
            r"01_x.ipynb, cell 1: needs exactly one '# BEGIN SOLUTION' .* \(found 1 and 0\)",
        ),
        (
            [md("### Exercise 1.1"), code("x = 1\n# END SOLUTION\n# BEGIN SOLUTION")],
            "cell 1: needs exactly one",
        ),
        ([md("### Exercise 1.1"), code(ANSWER)], "cell 1: exercise 1.1 has no check cell"),
        (
            [md("### Exercise 1.1"), code(ANSWER), md("### Exercise 1.2"), code(ANSWER)],
            "cell 1: exercise 1.1 has no check cell",
        ),
        ([md("### Exercise 1.1"), code("x = 1")], "cell 0: exercise 1.1 has no answer cell"),
        ([code(ANSWER)], "cell 0: solution markers outside an exercise"),
        (
            [md("### Exercise 1.1"), code("# BEGIN SOLUTION\nx = (\n# END SOLUTION")],
            "cell 1: the solution is not valid Python",
        ),
    ],
)
def test_learner_notebook_rejects_broken_exercises(cells, message):
    with pytest.raises(BuildError, match=message):
        learner_notebook(notebook(*cells), "01_x.ipynb")


def test_build_writes_learner_copies_and_solutions(tmp_path):
    source = tmp_path / "solutions"
    source.mkdir()
    content = notebook(md("### Exercise 2.1"), code(ANSWER), code("ex.q1.check(num_pixels)"))
    (source / "02_demo.ipynb").write_text(json.dumps(content))
    written = build.build(source, tmp_path / "notebooks", tmp_path / "solutions.json")
    assert [p.name for p in written] == ["02_demo.ipynb", "solutions.json"]
    stored = json.loads((tmp_path / "solutions.json").read_text())
    assert stored == {"02": {"2.1": "num_pixels = x_train.shape[1] * x_train.shape[2]"}}


def test_build_without_notebooks(tmp_path):
    with pytest.raises(BuildError, match="No solution notebooks"):
        build.build(tmp_path, tmp_path / "out", tmp_path / "s.json")


def test_committed_learner_notebooks_are_in_sync(tmp_path):
    """Regenerate into a temporary folder; the committed copies must be identical."""
    build.build(ROOT / "solutions", tmp_path / "notebooks", tmp_path / "solutions.json")
    for generated in sorted((tmp_path / "notebooks").glob("*.ipynb")):
        committed = ROOT / "notebooks" / generated.name
        assert committed.exists(), f"notebooks/{generated.name} is missing: run the build"
        assert committed.read_text() == generated.read_text(), (
            f"notebooks/{generated.name} is out of date: run `python -m course_utils build`"
        )
    extra = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} - {
        p.name for p in (tmp_path / "notebooks").glob("*.ipynb")
    }
    assert not extra, f"notebooks without a solution notebook: {sorted(extra)}"
    stored = (ROOT / "course_utils" / "exercises" / "solutions.json").read_text()
    assert stored == (tmp_path / "solutions.json").read_text()


def test_build_command(tmp_path, monkeypatch):
    from course_utils.__main__ import main

    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build, "SOLUTIONS_JSON", tmp_path / "solutions.json")
    assert main(["build"]) == 0
    assert sorted(p.name for p in (tmp_path / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")
    )
