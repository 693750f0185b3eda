"""Every stated run time comes from one measurement, benchmarks/run_times.json: each
notebook's header line (both folders) and the README's run-time table are what the build
writes from it, and the table holds every notebook, in both modes, with oneDNN on and off."""

import json
from pathlib import Path

import pytest

from course_utils import build

ROOT = Path(__file__).resolve().parent.parent
TABLE_PATH = ROOT / build.RUN_TIMES
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def table():
    return build.read_run_times(TABLE_PATH)


def header(path):
    return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])


def test_table_names_the_machine_and_times_every_notebook_in_every_column():
    measured = table()
    machine = measured["machine"]
    assert machine["cpu"] and machine["cores"] >= 1, machine
    assert sorted(measured["notebooks"]) == [path.name for path in SOLUTIONS]
    for name, row in measured["notebooks"].items():
        for mode in build.MODES:
            for column in build.COLUMNS:
                assert row[mode][column] is not None, f"{name}: {mode}, {column} not measured"


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_header_states_the_measured_run_times(path, folder):
    line = build.run_time_line(table(), path.name)
    lines = header(ROOT / folder / path.name).splitlines()
    stated = [text for text in lines if text.startswith("Run time on ")]
    assert stated == [line], "run `python -m course_utils build` after timing the notebooks"


def test_readme_table_is_the_measured_one():
    titles = {path.name: header(path).splitlines()[0].removeprefix("# ") for path in SOLUTIONS}
    block = build.readme_run_times(table(), titles)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert block in readme, "run `python -m course_utils build` after timing the notebooks"
    for name, title in titles.items():
        assert f"| [{title}](notebooks/{name}) |" in block


def test_duration_reads_as_a_learner_plans():
    assert [build.duration(s) for s in (9.4, 119.4, 150, 534.2)] == [
        "~9 s",
        "~119 s",
        "~2 min",
        "~9 min",
    ]


def test_build_rewrites_a_stale_header_and_readme(tmp_path):
    """A copy of the repository's notebooks and README with wrong times is corrected."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "benchmarks").mkdir()
    for name in ("pyproject.toml", "README.md", str(build.RUN_TIMES)):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    path = SOLUTIONS[0]
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = [
        line if not line.startswith("Run time on ") else "Run time on a 2-core CPU: ~1 s\n"
        for line in notebook["cells"][0]["source"]
    ]
    (tmp_path / "solutions" / path.name).write_text(json.dumps(notebook), encoding="utf-8")
    readme = tmp_path / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index("<!-- run-times -->"), text.index("<!-- /run-times -->")
    readme.write_text(text[:start] + "<!-- run-times -->\n| stale |\n" + text[end:])

    build.build(tmp_path / "solutions", tmp_path / "notebooks", solutions_json=tmp_path / "s.json")

    line = build.run_time_line(table(), path.name)
    for folder in ("solutions", "notebooks"):
        assert line in header(tmp_path / folder / path.name).splitlines()
    rewritten = readme.read_text(encoding="utf-8")
    assert "| stale |" not in rewritten
    assert "| Notebook | Quick mode | Full mode | Quick, oneDNN off |" in rewritten


def test_build_refuses_a_header_without_a_run_time_line():
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# 99 · Nothing\n"]}]}
    with pytest.raises(build.BuildError, match="99_x.ipynb, cell 0: needs a 'Run time on"):
        build.with_run_time(notebook, "Run time on ...", "99_x.ipynb")


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t.pop("machine"),
        lambda t: t["machine"].pop("cpu"),
        lambda t: t["notebooks"]["00_setup.ipynb"]["quick"].update(onednn=-3),
        lambda t: t["notebooks"]["00_setup.ipynb"]["full"].update(no_onednn="fast"),
    ],
    ids=["no machine", "no cpu", "negative time", "not a number"],
)
def test_read_run_times_refuses_a_damaged_table(tmp_path, damage):
    damaged = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    damage(damaged)
    (tmp_path / "run_times.json").write_text(json.dumps(damaged))
    with pytest.raises(build.BuildError, match="run_times.json: is not a readable run-time table"):
        build.read_run_times(tmp_path / "run_times.json")


@pytest.fixture
def timer(benchmark_script):
    return benchmark_script("time_notebooks")


def test_timer_refuses_to_mix_machines_in_one_table(timer):
    here = dict(table()["machine"])
    assert timer.merge(table(), here)["notebooks"] == table()["notebooks"]
    with pytest.raises(SystemExit, match="measured with .*'cpu'.*--replace"):
        timer.merge(table(), dict(here, cpu="Another CPU"))
    assert timer.merge(table(), dict(here, cpu="Another CPU"), replace=True)["notebooks"] == {}


def test_timer_runs_notebooks_as_a_learner_does(timer):
    env = timer.environment("full", "no_onednn")
    assert (env["COURSE_QUICK"], env["TF_ENABLE_ONEDNN_OPTS"]) == ("0", "0")
    assert env["COURSE_REQUIRE_REAL_DATA"] == "1"
    assert "COURSE_STRICT" not in env and "MPLBACKEND" not in env
