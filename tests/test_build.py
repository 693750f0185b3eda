"""Tests for course_utils.build: learner notebooks generated from the solutions."""

import json
import re
import shutil
from pathlib import Path

import pytest

from course_utils import build
from course_utils.build import BuildError, learner_notebook, placeholder

ROOT = Path(__file__).resolve().parent.parent
REPO = "https://github.com/someone/fork"
HEADER = "# 02 · Demo\n\n[![Open In Colab](x.svg)](https://colab.research.google.com/github/a/b/blob/main/x)"


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
    content = notebook(
        md(HEADER),
        code("import sys"),
        md("### Exercise 2.1"),
        code(ANSWER),
        code("ex.q1.check(num_pixels)"),
    )
    (source / "02_demo.ipynb").write_text(json.dumps(content))
    written = build.build(source, tmp_path / "notebooks", tmp_path / "solutions.json", REPO)
    assert [str(p.relative_to(tmp_path)) for p in written] == [
        "solutions/02_demo.ipynb",  # its badge and Colab cell, written from REPO
        "notebooks/02_demo.ipynb",
        "solutions.json",
    ]
    stored = json.loads((tmp_path / "solutions.json").read_text())
    assert stored == {"02": {"2.1": "num_pixels = x_train.shape[1] * x_train.shape[2]"}}


def test_build_without_notebooks(tmp_path):
    with pytest.raises(BuildError, match="No solution notebooks"):
        build.build(tmp_path, tmp_path / "out", tmp_path / "s.json", REPO)


def test_committed_learner_notebooks_are_in_sync(tmp_path):
    """Regenerate into a temporary folder; the committed copies must be identical."""
    for name in ("solutions", "README.md", "pyproject.toml"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, tmp_path / name)
    build.build(tmp_path / "solutions", tmp_path / "notebooks", tmp_path / "solutions.json")
    for name in [
        *(f"solutions/{p.name}" for p in (ROOT / "solutions").glob("*.ipynb")),
        "README.md",
    ]:
        assert (ROOT / name).read_text() == (tmp_path / name).read_text(), (
            f"{name}: its Colab badge or set-up cell is out of date: run `python -m course_utils build`"
        )
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
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build, "SOLUTIONS_JSON", tmp_path / "solutions.json")
    assert main(["build"]) == 0
    assert sorted(p.name for p in (tmp_path / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")
    )


def test_build_writes_badges_and_colab_cells_from_the_repository(tmp_path):
    """A fork changes one line of pyproject.toml; the build rewrites every badge and cell."""
    from course_utils import colab

    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copy(ROOT / "README.md", tmp_path)
    pyproject = (ROOT / "pyproject.toml").read_text()
    original = build.repository_url(ROOT / "pyproject.toml")
    (tmp_path / "pyproject.toml").write_text(pyproject.replace(original, REPO))
    build.build(tmp_path / "solutions", tmp_path / "notebooks", tmp_path / "solutions.json")
    for folder in ("solutions", "notebooks"):
        for path in sorted((tmp_path / folder).glob("*.ipynb")):
            text = path.read_text()
            cells = json.loads(text)["cells"]
            assert colab.badge(REPO, f"{folder}/{path.name}") in "".join(cells[0]["source"])
            first_code = next(c for c in cells if c["cell_type"] == "code")
            assert "".join(first_code["source"]) == colab.setup_cell(REPO)
            assert original not in text, f"{folder}/{path.name} still names {original}"
    readme = (tmp_path / "README.md").read_text()
    assert original not in readme and colab.badge(REPO, "notebooks/00_setup.ipynb") in readme


def test_build_refuses_a_notebook_without_a_badge(tmp_path):
    (tmp_path / "s").mkdir()
    content = notebook(md("# 02 · Demo"), code("import sys"))
    (tmp_path / "s" / "02_demo.ipynb").write_text(json.dumps(content))
    with pytest.raises(BuildError, match="needs an 'Open In Colab' badge"):
        build.build(tmp_path / "s", tmp_path / "n", tmp_path / "s.json", REPO)


def test_repository_url_missing(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(BuildError, match=r"\[project.urls\] Repository"):
        build.repository_url(tmp_path / "pyproject.toml")


def demo(number):
    """A valid solution notebook NN with one exercise, as JSON text."""
    return json.dumps(
        notebook(
            md(HEADER),
            code("import sys"),
            md(f"### Exercise {number}.1"),
            code(f"# BEGIN SOLUTION\nanswer_{number} = {number}\n# END SOLUTION"),
            code("ex.q1.check(answer)"),
        ),
        indent=1,
    )


def course(tmp_path, sources):
    """A source folder holding ``{file name: text}``; a target and solutions.json written
    before; returns the paths and every file's bytes, to compare after a build."""
    source, target, stored = tmp_path / "solutions", tmp_path / "notebooks", tmp_path / "s.json"
    source.mkdir()
    target.mkdir()
    for name, text in sources.items():
        (source / name).write_text(text)
        (target / name).write_text("the learner copy built before\n")
    stored.write_text(json.dumps({"01": {"1.1": "old"}, "09": {"9.1": "kept"}}, indent=1) + "\n")
    return (source, target, stored), files(tmp_path)


def files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


CONFLICTED = demo(2).replace(
    ' "nbformat": 4,', '<<<<<<< HEAD\n "nbformat": 4,\n=======\n "nbformat": 4,\n>>>>>>> other'
)


def test_build_names_a_merge_conflicted_notebook_and_writes_nothing(tmp_path):
    paths, before = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": CONFLICTED})
    with pytest.raises(BuildError) as error:
        build.build(*paths, REPO)
    assert str(error.value) == (
        "solutions/02_b.ipynb: is not valid JSON (merge conflict marker at line 41: '<<<<<<<')."
    )
    assert files(tmp_path) == before  # nor 01's target, nor 01's badge, nor solutions.json


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ({"source": "x = 1"}, "cell 1: has cell_type None, not code/markdown/raw."),
        ({"cell_type": "code", "source": None}, "cell 1: its source is NoneType, not a string"),
        ({"cell_type": "code", "source": ["a", 1]}, "cell 1: its source is list, not a string"),
        ("x = 1", "cell 1: has cell_type None"),
    ],
)
def test_build_names_the_file_and_cell_of_a_bad_cell(tmp_path, cell, message):
    content = json.loads(demo(2))
    content["cells"].insert(1, cell)
    paths, before = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": json.dumps(content)})
    with pytest.raises(BuildError, match=re.escape(f"solutions/02_b.ipynb, {message}")):
        build.build(*paths, REPO)
    assert files(tmp_path) == before


@pytest.mark.parametrize("content", [[], {"cells": []}, {"nbformat": 3, "cells": []}])
def test_build_refuses_what_is_not_an_nbformat_4_notebook(tmp_path, content):
    paths, before = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": json.dumps(content)})
    with pytest.raises(BuildError, match=r"^solutions/02_b.ipynb: is not an nbformat 4 notebook"):
        build.build(*paths, REPO)
    assert files(tmp_path) == before


def test_a_failure_in_the_second_notebook_leaves_the_first_untouched(tmp_path):
    broken = demo(2).replace("# END SOLUTION", "")  # markers unbalanced
    paths, before = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": broken})
    with pytest.raises(BuildError, match=r"^solutions/02_b.ipynb, cell 3: needs exactly one"):
        build.build(*paths, REPO)
    assert files(tmp_path) == before  # and no temporary file left


def test_a_failure_while_writing_changes_no_file(tmp_path):
    paths, before = course(tmp_path, {"01_a.ipynb": demo(1)})
    shutil.rmtree(paths[1])
    paths[1].write_text("a file where the target folder should be\n")
    before = files(tmp_path)
    with pytest.raises(BuildError, match=r"notebooks/01_a.ipynb: cannot be written .*; no file"):
        build.build(*paths, REPO)  # solutions/01_a.ipynb's new badge was written first
    assert files(tmp_path) == before


def test_build_replaces_only_the_stored_solutions_of_the_notebooks_it_built(tmp_path):
    paths, _ = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": demo(2)})
    kept = json.dumps({"9.1": "kept"}, indent=1)
    written = build.build(*paths, REPO)
    assert json.loads(paths[2].read_text()) == {
        "01": {"1.1": "answer_1 = 1"},
        "02": {"2.1": "answer_2 = 2"},
        "09": {"9.1": "kept"},
    }
    assert kept.replace("\n", "\n ") in paths[2].read_text()  # the same bytes, indented
    assert paths[2] in written and not list(tmp_path.rglob("*.tmp"))


def test_build_without_a_solutions_file_stores_nothing(tmp_path):
    paths, _ = course(tmp_path, {"01_a.ipynb": demo(1)})
    written = build.build(*paths[:2], repository=REPO)
    assert written == [paths[0] / "01_a.ipynb", paths[1] / "01_a.ipynb"]
    assert build.own_solutions_json(*paths[:2]) is None
    assert build.own_solutions_json(ROOT / "solutions", ROOT / "notebooks") == build.SOLUTIONS_JSON


def test_build_command_prints_one_sentence_and_fails(tmp_path, monkeypatch, capsys):
    from course_utils.__main__ import main

    paths, before = course(tmp_path, {"01_a.ipynb": demo(1), "02_b.ipynb": CONFLICTED})
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["build", "--solutions-json", "s.json"]
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "build failed: solutions/02_b.ipynb: is not valid JSON "
        "(merge conflict marker at line 41: '<<<<<<<').\n",
    )
    assert files(tmp_path) == {**before, "pyproject.toml": (ROOT / "pyproject.toml").read_bytes()}
    (tmp_path / "solutions" / "02_b.ipynb").write_text(demo(2))
    assert main(args) == 0
    assert "wrote s.json" in capsys.readouterr().out
    assert set(json.loads(paths[2].read_text())) == {"01", "02", "09"}
