"""Every lesson notebook follows the house layout and is committed stripped.

(nbval executes them; these tests check what a learner sees before running anything.)
"""

import json
import re
from pathlib import Path

import pytest

from course_utils import colab

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the dev extra)
    import tomli as tomllib


ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
LEGACY_CALLS = ["predict_classes", "ConfigProto", "set_session", "fit_generator", "(lr="]


def load(path):
    return json.loads(path.read_text())


def source(cell):
    return "".join(cell["source"])


def test_there_are_lessons():
    assert [p.name[:2] for p in NOTEBOOKS][:3] == ["00", "01", "02"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped(path):
    notebook = load(path)
    assert set(notebook["metadata"]) <= {"kernelspec", "language_info"}
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {index} has outputs"
            assert cell["execution_count"] is None, f"cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_header(path):
    header = source(load(path)["cells"][0])
    assert header.startswith(f"# {path.name[:2]} · "), "H1 title '# NN · Title' first"
    assert colab.badge(REPOSITORY, f"solutions/{path.name}") in header, (
        "Colab badge, from pyproject"
    )
    # What it says is the measured table's (tests/test_run_times.py)
    times = re.search(
        r"^Run time on .*: quick mode ~\d+ (s|min), full mode ~\d+ (s|min);", header, re.M
    )
    assert times, "the header states the measured run time in both modes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_sections(path):
    headings = [
        line.strip()
        for cell in load(path)["cells"]
        if cell["cell_type"] == "markdown"
        for line in source(cell).splitlines()
        if line.startswith("## ")
    ]
    for required in ("## Overview", "## Setup", "## Summary", "## Next steps"):
        assert required in headings
    assert headings.index("## Overview") < headings.index("## Setup") < headings.index("## Summary")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_installs_the_package_on_colab(path):
    code = [source(c) for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert code[0] == colab.setup_cell(REPOSITORY), "the first code cell is the Colab set-up"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_no_legacy_api(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            for call in LEGACY_CALLS:
                assert call not in source(cell), f"legacy {call} belongs in a Markdown cell"
