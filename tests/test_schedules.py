"""INSTRUCTORS.md's workshop schedules are what the build writes from the measured run times
(benchmarks/run_times.json) and the notebooks' exercises, and each plan fits its day."""

import copy
import json
import re
from pathlib import Path

import pytest

from course_utils import build, schedules

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "INSTRUCTORS.md"
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def table():
    return build.read_run_times(ROOT / build.RUN_TIMES)


def notebooks():
    """{file name: (title, exercises)}, read from the notebooks themselves."""
    found = {}
    for path in SOLUTIONS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        title = "".join(cells[0]["source"]).splitlines()[0].removeprefix("# ")
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        found[path.name] = (title, len(build.EXERCISE_HEADING.findall(text)))
    return found


def test_guide_holds_the_schedules_the_build_writes():
    block = schedules.schedules(table(), notebooks())
    assert block in GUIDE.read_text(encoding="utf-8"), "run `python -m course_utils build`"


def test_every_notebook_is_in_the_one_day_or_two_day_plan_and_counts_its_exercises():
    block = schedules.schedules(table(), notebooks())
    two_days = block[block.index("### Two days") :]
    for name, (title, exercises) in notebooks().items():
        row = re.search(
            rf"\| \[{re.escape(title)}\]\(notebooks/{name}\) \| (\w+) \| (.*?) \|", two_days
        )
        assert row, f"{name} is not in the two-day plan"
        teach = schedules.READING_MINUTES + schedules.EXERCISE_MINUTES * exercises
        assert row.group(2).startswith(f"{teach} min ({exercises} exercise"), row.group(0)


def test_a_row_starts_when_the_one_before_it_ends():
    block = schedules.schedules(table(), notebooks())
    day = block[block.index("### One day") : block.index("### Two days")]
    rows = [line for line in day.splitlines() if re.match(r"\| \d\d:\d\d", line)]
    for row, following in zip(rows, rows[1:], strict=False):
        start = schedules._minutes(row[2:7])
        minutes = sum(int(m) for m in re.findall(r"(\d+) min\b", row))
        assert schedules._minutes(following[2:7]) == start + minutes, row


def test_run_minutes_plans_for_the_slower_column_rounded_up():
    measured = {"notebooks": {"x.ipynb": {"full": {"onednn": 61, "no_onednn": 719.5}}}}
    assert schedules.run_minutes(measured, "x.ipynb", "full") == 12
    with pytest.raises(ValueError, match="x.ipynb has no measured quick-mode run time"):
        schedules.run_minutes(measured, "x.ipynb", "quick")


def test_a_plan_that_overruns_its_day_is_refused_by_the_build(tmp_path):
    slow = copy.deepcopy(table())
    slow["notebooks"]["05_first_cnn.ipynb"]["quick"]["no_onednn"] = 3 * 3600
    with pytest.raises(
        ValueError, match=r"Half day: a first CNN, day 1: the sessions end at 15:\d\d, after 12:30"
    ):
        schedules.schedules(slow, notebooks())

    for name in ("pyproject.toml", "README.md", "INSTRUCTORS.md"):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / build.RUN_TIMES).write_text(json.dumps(slow), encoding="utf-8")
    (tmp_path / "solutions").mkdir()
    for path in SOLUTIONS:
        (tmp_path / "solutions" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(build.BuildError, match="INSTRUCTORS.md: Half day"):
        build.build(
            tmp_path / "solutions", tmp_path / "notebooks", solutions_json=tmp_path / "s.json"
        )
    assert not (tmp_path / "notebooks").exists(), "a refused build wrote files"


def test_build_rewrites_stale_schedules(tmp_path):
    for name in ("pyproject.toml", "README.md", "INSTRUCTORS.md"):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / build.RUN_TIMES).write_bytes((ROOT / build.RUN_TIMES).read_bytes())
    (tmp_path / "solutions").mkdir()
    for path in SOLUTIONS:
        (tmp_path / "solutions" / path.name).write_bytes(path.read_bytes())
    guide = tmp_path / "INSTRUCTORS.md"
    text = guide.read_text(encoding="utf-8")
    start, end = text.index("<!-- schedules -->"), text.index("<!-- /schedules -->")
    guide.write_text(text[:start] + "<!-- schedules -->\n| stale |\n" + text[end:])

    build.build(tmp_path / "solutions", tmp_path / "notebooks", solutions_json=tmp_path / "s.json")

    rewritten = guide.read_text(encoding="utf-8")
    assert "| stale |" not in rewritten
    assert schedules.schedules(table(), notebooks()) in rewritten


def test_the_guides_links_and_commands_work():
    from course_utils.__main__ import make_parser

    for guide in (GUIDE, ROOT / "README.md"):
        text = guide.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (ROOT / target).exists(), f"{guide.name} links to {target}, which is missing"
        commands = re.findall(r"python -m course_utils ([a-z][^`\n]*)", text)
        assert commands, guide.name
        for command in commands:
            words = [w for w in command.split("#")[0].split() if not w.startswith("(")]
            try:
                make_parser().parse_args(words)
            except SystemExit:
                pytest.fail(f"{guide.name}: `python -m course_utils {command}` does not parse")
