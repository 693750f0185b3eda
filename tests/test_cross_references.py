"""What the lessons' text points to exists, and an exercise's answer stays the learner's.

Read from the committed notebooks (both folders; the learner copies are built from the
solutions, so a broken reference in one is broken in both):

- every link to a notebook names a file in the same folder, and its link text (when it
  is a lesson title, "NN · Title") matches that lesson's title;
- every "notebook NN" names an existing lesson;
- every "section N" names a numbered section (`## N. Title`) of the notebook it refers
  to: "notebook NN, section N" and "notebook NN (section N)" refer to lesson NN, a bare
  "section N" to the notebook it is in;
- a lesson that mentions an earlier lesson lists it among its prerequisites, directly or
  through the prerequisites' own prerequisites;
- no cell after an exercise's check assigns a name the exercise's answer cell defines, so
  running the check again later still checks the learner's answer;
- where a settings cell sets ``X = quick if QUICK else full``, every "N in quick mode" and
  every "E epochs on N images" said of a mode is that mode's value.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from course_utils import build

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("solutions", "notebooks")
LESSONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
NUMBERED_SECTION = re.compile(r"^## (\d+)\. ", re.MULTILINE)
NOTEBOOK_LINK = re.compile(r"\[([^\]]*)\]\((\d\d_[A-Za-z0-9_]+\.ipynb)\)")
# "notebook 05", "Notebooks 01 to 04", "notebook 05's"; the lesson number is group 1.
NOTEBOOK_MENTION = re.compile(r"\bnotebooks? (\d\d)\b", re.IGNORECASE)
# "notebook 05, section 6", "notebook 05 (section 3)", "notebook 05's section 3".
SECTION_ELSEWHERE = re.compile(
    r"\bnotebook (\d\d)(?:'s\s+|,\s+|\s+\(|\s+)sections?\s+(\d+)\b", re.IGNORECASE
)
SECTION_MENTION = re.compile(r"\bsections?\s+(\d+)((?:(?:,|\s+and|\s+or|\s+to)\s+\d+)*)", re.I)
PREREQUISITES = re.compile(r"^Prerequisites:(.*?)(?:\n\n|\Z)", re.MULTILINE | re.DOTALL)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def _markdown(path):
    return [(i, _source(c)) for i, c in enumerate(_cells(path)) if c["cell_type"] == "markdown"]


def _number(path):
    return path.name[:2]


LESSON_BY_NUMBER = {_number(p): p for p in LESSONS}


def _title(path):
    first = _source(_cells(path)[0]).splitlines()[0]
    return first.removeprefix("# ").strip()


def _sections(path):
    return {int(n) for _, text in _markdown(path) for n in NUMBERED_SECTION.findall(text)}


def _prerequisites(path):
    found = PREREQUISITES.search(_source(_cells(path)[0]))
    assert found, f"{path.name}: the header has no 'Prerequisites:' line"
    return {link[:2] for _, link in NOTEBOOK_LINK.findall(found.group(1))}


def _closure(number):
    seen, todo = set(), [number]
    while todo:
        for prerequisite in _prerequisites(LESSON_BY_NUMBER[todo.pop()]):
            if prerequisite not in seen:
                seen.add(prerequisite)
                todo.append(prerequisite)
    return seen


def _all_notebooks():
    return [ROOT / folder / p.name for folder in FOLDERS for p in LESSONS]


def _ids(path):
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", _all_notebooks(), ids=_ids)
def test_links_to_notebooks_resolve(path):
    for index, text in _markdown(path):
        for label, target in NOTEBOOK_LINK.findall(text):
            linked = path.parent / target
            assert linked.is_file(), f"{_ids(path)}, cell {index}: link to missing {target}"
            title = _title(linked)
            if re.match(r"\d\d · ", label):  # the lesson's title, or its part before ":"
                assert label in (title, title.split(":")[0]), (
                    f"{_ids(path)}, cell {index}: link text {label!r} is not the title "
                    f"{title!r} of {target}"
                )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_notebook_numbers_name_existing_lessons(path):
    for index, text in _markdown(path):
        for number in NOTEBOOK_MENTION.findall(text):
            assert number in LESSON_BY_NUMBER, (
                f"{path.name}, cell {index}: 'notebook {number}' is not a lesson "
                f"(there are {', '.join(sorted(LESSON_BY_NUMBER))})"
            )


def section_references(path):
    """(cell index, lesson number, section number) for every section the text names."""
    found = []
    for index, text in _markdown(path):
        elsewhere = list(SECTION_ELSEWHERE.finditer(text))
        for match in elsewhere:
            found.append((index, match.group(1), int(match.group(2))))
        taken = [match.span() for match in elsewhere]
        for match in SECTION_MENTION.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue
            numbers = [int(match.group(1)), *map(int, re.findall(r"\d+", match.group(2)))]
            found.extend((index, _number(path), n) for n in numbers)
    return found


def test_section_references_are_parsed():
    """The parser reads the forms the lessons use (so the next test checks something)."""
    assert len(section_references(LESSON_BY_NUMBER["05"])) >= 10
    text = "notebook 02, section 6; notebook 05 (section 3); notebook 04,\nsection 9; section 4"
    elsewhere = [(m.group(1), m.group(2)) for m in SECTION_ELSEWHERE.finditer(text)]
    assert elsewhere == [("02", "6"), ("05", "3"), ("04", "9")]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_section_references_name_existing_sections(path):
    for index, number, section in section_references(path):
        target = LESSON_BY_NUMBER.get(number)
        assert target is not None, f"{path.name}, cell {index}: no notebook {number}"
        sections = _sections(target)
        assert section in sections, (
            f"{path.name}, cell {index}: 'section {section}' of {target.name} does not exist "
            f"(its numbered sections are 1 to {max(sections)})"
        )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_earlier_lessons_mentioned_are_prerequisites(path):
    own = _number(path)
    needed = _closure(own)
    for index, text in _markdown(path):
        for number in NOTEBOOK_MENTION.findall(text):
            if number < own:
                assert number in needed, (
                    f"{path.name}, cell {index} uses notebook {number}, which is not among "
                    f"its prerequisites (directly or through them: {sorted(needed)})"
                )


def _assigned_names(tree):
    """Every name a piece of code binds at any depth: assignments, loops, imports, defs."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _code(cell):
    # IPython magics and shell lines are not Python: leave them out of the parse.
    lines = [
        line for line in _source(cell).splitlines() if not line.lstrip().startswith(("%", "!"))
    ]
    return ast.parse("\n".join(lines))


def exercise_answers(path):
    """(key, names the answer cell defines, index of its check cell) per exercise."""
    cells = _cells(path)
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code" or build.BEGIN not in _source(cell):
            continue
        _, solution, _ = build.split_solution(_source(cell), f"{path.name}, cell {index}")
        check = next(i for i in range(index + 1, len(cells)) if ".check(" in _source(cells[i]))
        key = re.search(r"q(\d+)\.check", _source(cells[check]))
        found.append(
            (key.group(0) if key else str(check), _assigned_names(ast.parse(solution)), check)
        )
    return found


def test_answer_cells_are_found():
    answers = [a for path in LESSONS for a in exercise_answers(path)]
    assert len(answers) == 45
    assert all(names for _, names, _ in answers)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_later_cell_reassigns_an_answer(path):
    cells = _cells(path)
    for key, names, check in exercise_answers(path):
        for index in range(check + 1, len(cells)):
            if cells[index]["cell_type"] != "code":
                continue
            clash = names & _assigned_names(_code(cells[index]))
            assert not clash, (
                f"{path.name}, cell {index} assigns {sorted(clash)}, which the answer of "
                f"{key} defines: running that check again would check this cell's value"
            )


SETTING = re.compile(r"^(\w+) = ([\d_]+) if QUICK else ([\d_]+)", re.MULTILINE)
MODE = re.compile(r"\b(quick|full)\s+mode\b", re.IGNORECASE)
IN_MODE = re.compile(r"\b(\d[\d,]*)\s+in\s+(quick|full)\s+mode\b")
EPOCHS_ON = re.compile(
    r"\b(\d+)\s+epochs\s+on\s+(?:the\s+)?(\d[\d,]*)\s+(?:training\s+)?images"
    r"|\bon\s+(\d[\d,]*)\s+(?:training\s+)?images\s+for\s+(\d+)\s+epochs"
)


def _settings(path):
    """{"quick": {name: value}, "full": {...}} from the cell that sets X = q if QUICK else f."""
    code = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "code")
    found = SETTING.findall(code)
    return {
        mode: {name: int(values[k].replace("_", "")) for name, *values in found}
        for k, mode in enumerate(("quick", "full"))
    }


def _mode_of(paragraph, position):
    """The mode the text at ``position`` speaks of: the last one named before it in its
    paragraph, else the first named after it (None when the paragraph names none)."""
    before = [m.group(1).lower() for m in MODE.finditer(paragraph, 0, position)]
    after = [m.group(1).lower() for m in MODE.finditer(paragraph, position)]
    return (before or after or [None])[-1 if before else 0]


def _stated_settings(path):
    """(cell, mode, figure, allowed values) for every figure the text gives for a mode."""
    settings = _settings(path)
    for index, text in _markdown(path):
        for paragraph in text.split("\n\n"):
            for match in IN_MODE.finditer(paragraph):
                mode = match.group(2).lower()
                yield index, mode, match.group(1), set(settings[mode].values())
            for match in EPOCHS_ON.finditer(paragraph):
                mode = _mode_of(paragraph, match.start())
                epochs, images = match.group(1, 2) if match.group(1) else match.group(4, 3)
                if mode:
                    stated = f"{epochs} epochs on {images} images"
                    values = settings[mode]
                    allowed = {f"{values['EPOCHS']} epochs on {values['N_TRAIN']:,} images"}
                    yield index, mode, stated, allowed


LESSONS_WITH_SETTINGS = [p for p in LESSONS if _settings(p)["quick"]]


def test_stated_settings_are_found():
    assert [p.name[:2] for p in LESSONS_WITH_SETTINGS] == ["07"]
    stated = list(_stated_settings(LESSONS_WITH_SETTINGS[0]))
    assert {mode for _, mode, _, _ in stated} == {"quick", "full"}
    assert sum(" epochs on " in figure for _, _, figure, _ in stated) >= 4


@pytest.mark.parametrize("path", LESSONS_WITH_SETTINGS, ids=lambda p: p.name)
def test_text_states_the_settings_of_each_mode(path):
    """Every "N in quick mode" and "E epochs on N images" (said of a mode) in the text is
    that mode's value in the settings cell (`X = quick if QUICK else full`)."""
    for index, mode, figure, allowed in _stated_settings(path):
        number = figure.replace(",", "")
        assert figure in allowed or (number.isdigit() and int(number) in allowed), (
            f"{path.name}, cell {index}: the text says {figure!r} for {mode} mode; "
            f"the settings cell gives {sorted(map(str, allowed))}"
        )
