"""Generate the learner notebooks from the solution notebooks (the one source).

In ``solutions/NN_topic.ipynb`` an exercise is a Markdown cell headed
``### Exercise N.M``, then a code cell whose worked answer sits between two marker
lines, then a code cell that calls ``.check(``::

    # BEGIN SOLUTION
    num_pixels = x_train.shape[1] * x_train.shape[2]
    # END SOLUTION

``python -m course_utils build`` writes ``notebooks/NN_topic.ipynb`` with each answer
replaced by a placeholder (``num_pixels = ...``) and everything else identical, and
stores the answers in ``course_utils/exercises/solutions.json`` so that
``ex.q1.solution()`` shows them, on Colab too.

It also writes the parts of every notebook (both folders) and of the README that come
out of the repository's address, ``[project.urls] Repository`` in ``pyproject.toml``: the
"Open in Colab" badges and each notebook's Colab set-up cell (``course_utils.colab``). A
fork or a publisher changes that one line and runs the build.

And it writes every stated run time from one measurement, ``benchmarks/run_times.json``
(written by ``benchmarks/time_notebooks.py``): each notebook's "Run time" line under its
title and the README's run-time table, between ``<!-- run-times -->`` and
``<!-- /run-times -->``; and the workshop schedules of INSTRUCTORS.md from the same
table (``course_utils.schedules``).
"""

import ast
import copy
import json
import os
import re
import uuid
from pathlib import Path

from course_utils import colab, schedules

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+(\d+\.\d+)\b", re.MULTILINE)
PLACEHOLDER_COMMENT = "# Your answer: replace ... below, then run this cell and the check."
SOLUTIONS_JSON = Path(__file__).parent / "exercises" / "solutions.json"
BADGE = re.compile(
    r"\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)"
)


RUN_TIMES = Path("benchmarks") / "run_times.json"  # beside solutions/, in the repository
RUN_TIME_LINE = re.compile(r"^Run time on .*$", re.MULTILINE)
README_RUN_TIMES = re.compile(r"<!-- run-times -->\n.*?<!-- /run-times -->", re.DOTALL)
MODES = ("quick", "full")
COLUMNS = ("onednn", "no_onednn")  # oneDNN on (TensorFlow's default on x86), and off


class BuildError(ValueError):
    """A solution notebook breaks the exercise conventions; names notebook and cell."""


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def placeholder(solution_code):
    """The learner's version of a worked answer: the same names, assigned ``...``.

    Args:
        solution_code: the lines between the markers.

    Returns:
        Code that assigns ``...`` to every name the solution assigns (and keeps the
        signature of every function it defines), so the check cell still runs.

    Example:
    >>> print(placeholder("num_pixels = 28 * 28"))
    # Your answer: replace ... below, then run this cell and the check.
    num_pixels = ...
    """
    tree = ast.parse(solution_code)
    lines = [PLACEHOLDER_COMMENT]
    for node in tree.body:
        if isinstance(node, ast.Assign):
            lines.append(" = ".join(_target(t) for t in node.targets) + " = " + _value(node))
        elif isinstance(node, ast.AnnAssign):
            lines.append(f"{ast.unparse(node.target)}: {ast.unparse(node.annotation)} = ...")
        elif isinstance(node, ast.FunctionDef):
            lines.append(f"def {node.name}({ast.unparse(node.args)}):\n    return ...")
    if len(lines) == 1:
        lines.append("...")
    return "\n".join(lines)


def _value(node):
    """``...``, or one ``...`` per name when unpacking (``a, b = ..., ...`` runs)."""
    sizes = {len(t.elts) for t in node.targets if isinstance(t, ast.Tuple)}
    if len(sizes) == 1:
        return ", ".join(["..."] * sizes.pop())
    return "..."


def _target(node):
    if isinstance(node, ast.Tuple):  # `a, b = ...` rather than `(a, b) = ...`
        return ", ".join(ast.unparse(element) for element in node.elts)
    return ast.unparse(node)


def split_solution(code, where):
    """Return (before, solution, after) around the markers of one answer cell."""
    lines = code.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise BuildError(
            f"{where}: needs exactly one '{BEGIN}' line followed by one '{END}' line "
            f"(found {len(begins)} and {len(ends)})."
        )
    b, e = begins[0], ends[0]
    return "\n".join(lines[:b]), "\n".join(lines[b + 1 : e]), "\n".join(lines[e + 1 :])


def learner_notebook(notebook, name):
    """Build the learner copy of one solution notebook.

    Args:
        notebook: the solution notebook as a dict (nbformat 4 JSON).
        name: its file name, for error messages.

    Returns:
        ``(learner_notebook, solutions)`` where ``solutions`` maps "N.M" to code.

    Raises:
        BuildError: unbalanced markers, markers outside an exercise, an exercise
            without an answer cell or without a check cell.
    """
    learner = copy.deepcopy(notebook)
    cells = learner["cells"]
    solutions = {}
    pending = None  # (key, index of the heading cell) waiting for its answer cell
    answer_at = None
    for index, cell in enumerate(cells):
        text = _source(cell)
        where = f"{name}, cell {index}"
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        if cell["cell_type"] == "markdown":
            found = EXERCISE_HEADING.findall(text)
            if found:
                _expect_done(pending, answer_at, name)
                pending, answer_at = (found[0], index), None
            continue
        has_markers = BEGIN in text or END in text
        if has_markers:
            if pending is None or answer_at is not None:
                raise BuildError(f"{where}: solution markers outside an exercise.")
            before, solution, after = split_solution(text, where)
            try:
                stub = placeholder(solution)
            except SyntaxError as error:
                raise BuildError(f"{where}: the solution is not valid Python ({error}).") from None
            key = pending[0]
            if key in solutions:
                raise BuildError(f"{where}: exercise {key} appears twice.")
            solutions[key] = solution.strip("\n")
            cell["source"] = "\n".join(part for part in (before, stub, after) if part.strip())
            answer_at = index
        elif pending is not None and answer_at is not None and ".check(" in text:
            pending, answer_at = None, None
    _expect_done(pending, answer_at, name)
    return learner, solutions


def _expect_done(pending, answer_at, name):
    if pending is None:
        return
    key, heading = pending
    if answer_at is None:
        raise BuildError(
            f"{name}, cell {heading}: exercise {key} has no answer cell with solution markers."
        )
    raise BuildError(
        f"{name}, cell {answer_at}: exercise {key} has no check cell (a code cell calling "
        "`.check(`) after its answer cell."
    )


def repository_url(pyproject="pyproject.toml"):
    """The course's repository address, from ``[project.urls] Repository`` in ``pyproject``.

    Raises:
        BuildError: when the file or the entry is missing.

    Example:
    >>> repository_url(Path(__file__).parent.parent / "pyproject.toml")  # doctest: +ELLIPSIS
    'https://github.com/...'
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the dev extra)
        import tomli as tomllib

    try:
        return tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]["urls"][
            "Repository"
        ]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise BuildError(
            f"{pyproject}: needs the course's address as [project.urls] Repository ({error!r})."
        ) from None


def with_colab(notebook, repository, path_in_repository):
    """Return a copy of ``notebook`` with its Colab badge and set-up cell written anew.

    The badge (in the first cell, under the title) opens ``path_in_repository``; the first
    code cell becomes ``course_utils.colab.setup_cell(repository)``.

    Raises:
        BuildError: when the first cell has no badge or the notebook has no code cell.
    """
    notebook = copy.deepcopy(notebook)
    cells = notebook["cells"]
    header = _source(cells[0]) if cells else ""
    if not BADGE.search(header):
        raise BuildError(f"{path_in_repository}, cell 0: needs an 'Open In Colab' badge.")
    _set_source(cells[0], BADGE.sub(colab.badge(repository, path_in_repository), header))
    first_code = next((cell for cell in cells if cell["cell_type"] == "code"), None)
    if first_code is None:
        raise BuildError(f"{path_in_repository}: needs a first code cell for the Colab set-up.")
    _set_source(first_code, colab.setup_cell(repository))
    return notebook


def read_run_times(path):
    """The run-time table at ``path`` (see ``benchmarks/time_notebooks.py``), checked.

    Raises:
        BuildError: naming the file when it is not JSON or lacks what the build writes from.
    """
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
        machine, rows = table["machine"], table["notebooks"]
        for key in ("cpu", "cores", "tensorflow", "keras", "measured"):
            machine[key]  # noqa: B018 (present?)
        for name, row in rows.items():
            for mode in MODES:
                for column in COLUMNS:
                    seconds = row[mode][column]
                    if seconds is not None and not (
                        isinstance(seconds, (int, float)) and seconds > 0
                    ):
                        raise ValueError(
                            f"{name} {mode} {column}: {seconds!r} is not a positive time"
                        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildError(f"{path}: is not a readable run-time table ({error!r}).") from None
    return table


def duration(seconds):
    """A measured time as a learner reads it: "~48 s" up to two minutes, then "~9 min".

    Example:
    >>> duration(47.6), duration(534.2), duration(None)
    ('~48 s', '~9 min', 'not measured')
    """
    if seconds is None:
        return "not measured"
    return f"~{round(seconds)} s" if seconds < 120 else f"~{round(seconds / 60)} min"


def run_time_line(table, name):
    """The "Run time" line of notebook ``name``'s header, from ``table``."""
    row = table["notebooks"].get(name)
    if row is None:
        return (
            f"Run time on a {table['machine']['cores']}-core CPU: not measured yet "
            "(`benchmarks/time_notebooks.py`)."
        )
    on, off = ({mode: duration(row[mode][column]) for mode in MODES} for column in COLUMNS)
    machine = table["machine"]
    return (
        f"Run time on a {machine['cores']}-core {machine['cpu']} CPU: quick mode {on['quick']}, "
        f"full mode {on['full']}; with oneDNN off (`TF_ENABLE_ONEDNN_OPTS=0`) {off['quick']} "
        f"and {off['full']}."
    )


def readme_run_times(table, titles):
    """The README's run-time block (``titles``: {notebook file name: its "NN · Title"})."""
    machine = table["machine"]
    lines = [
        "<!-- run-times -->",
        f"Measured on {machine['cpu']} ({machine['cores']} cores with "
        f"{machine.get('features', 'unknown instructions')}; no GPU),",
        f"TensorFlow {machine['tensorflow']}, Keras {machine['keras']}, on {machine['measured']}, "
        "by `benchmarks/time_notebooks.py`:",
        "`jupyter nbconvert --execute`, one notebook at a time, including starting the kernel and",
        "importing TensorFlow, with the real data read from a local folder. The last two columns",
        "are the same machine with oneDNN turned off (`TF_ENABLE_ONEDNN_OPTS=0`).",
        "`python -m course_utils build` writes this table and each notebook's header line from",
        "`benchmarks/run_times.json`.",
        "",
        "| Notebook | Quick mode | Full mode | Quick, oneDNN off | Full, oneDNN off |",
        "|---|---|---|---|---|",
    ]
    totals = {(mode, column): 0.0 for mode in MODES for column in COLUMNS}
    for name, title in titles.items():
        row = table["notebooks"].get(name)
        cells = []
        for column in COLUMNS:
            for mode in MODES:
                seconds = row[mode][column] if row else None
                cells.append(duration(seconds))
                if totals[mode, column] is not None:
                    totals[mode, column] = (
                        None if seconds is None else totals[mode, column] + seconds
                    )
        lines.append(f"| [{title}](notebooks/{name}) | {' | '.join(cells)} |")
    total = " | ".join(duration(totals[mode, column]) for column in COLUMNS for mode in MODES)
    lines += [f"| All of them | {total} |", "<!-- /run-times -->"]
    return "\n".join(lines)


def _title(notebook):
    """ "NN · Title" from the notebook's H1."""
    first = _source(notebook["cells"][0]).splitlines()[0] if notebook["cells"] else ""
    return first.removeprefix("# ").strip()


def with_run_time(notebook, line, name):
    """A copy of ``notebook`` whose header's "Run time on ..." line is ``line``.

    Raises:
        BuildError: when the first cell has no such line.
    """
    notebook = copy.deepcopy(notebook)
    header = _source(notebook["cells"][0])
    if not RUN_TIME_LINE.search(header):
        raise BuildError(f"{name}, cell 0: needs a 'Run time on ...' line under the title.")
    _set_source(notebook["cells"][0], RUN_TIME_LINE.sub(lambda _: line, header, count=1))
    return notebook


def _set_source(cell, text):
    """Store ``text`` as a list of lines, as Jupyter writes it, so files stay diffable."""
    cell["source"] = text.splitlines(keepends=True)


def _json(data, **options):
    return json.dumps(data, indent=1, **options) + "\n"


CONFLICT = ("<<<<<<<", "=======", ">>>>>>>")


def read_notebook(path, name):
    """The notebook at ``path`` as a dict, checked for what the build needs.

    Raises:
        BuildError: naming ``name`` (and the cell) when the file cannot be read, is not
            JSON (a merge conflict marker, say) or is not an nbformat 4 notebook.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        notebook = json.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"{name}: cannot be read ({error}).") from None
    except json.JSONDecodeError as error:
        lines = text.splitlines()
        at = next((n for n, line in enumerate(lines, 1) if line.startswith(CONFLICT)), None)
        detail = f"merge conflict marker at line {at}: {lines[at - 1][:7]!r}" if at else error
        raise BuildError(f"{name}: is not valid JSON ({detail}).") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or notebook.get("nbformat") != 4:
        raise BuildError(f"{name}: is not an nbformat 4 notebook (a 'cells' list, 'nbformat': 4).")
    for index, cell in enumerate(cells):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        source = cell.get("source") if isinstance(cell, dict) else None
        if kind not in ("code", "markdown", "raw"):
            raise BuildError(
                f"{name}, cell {index}: has cell_type {kind!r}, not code/markdown/raw."
            )
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(line, str) for line in source)
        ):
            raise BuildError(
                f"{name}, cell {index}: its source is {type(source).__name__}, "
                "not a string or a list of strings."
            )
    return notebook


def _stored(solutions_json):
    """The stored solutions, {"NN": {"N.M": code}}; {} when the file does not exist yet."""
    path = Path(solutions_json)
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError(f"{path}: is not readable JSON ({error}).") from None
    if not isinstance(stored, dict) or not all(isinstance(v, dict) for v in stored.values()):
        raise BuildError(f"{path}: is not a JSON object of each notebook's solutions.")
    return stored


def own_solutions_json(source_dir, target_dir):
    """``SOLUTIONS_JSON`` when building the package's own repository, else None.

    The package's own is ``solutions/`` into ``notebooks/`` beside ``course_utils/``;
    any other build leaves the package's stored solutions alone.
    """
    root = Path(__file__).resolve().parent.parent
    own = (Path(source_dir).resolve(), Path(target_dir).resolve()) == (
        root / "solutions",
        root / "notebooks",
    )
    return SOLUTIONS_JSON if own else None


def build(source_dir="solutions", target_dir="notebooks", solutions_json=None, repository=None):
    """Write every learner notebook and the stored solutions; return the paths written.

    The solution notebooks' badges and Colab cells are brought up to date in place (and
    the README's badges, when ``source_dir`` has a README.md beside it). ``repository``
    defaults to the one named by the ``pyproject.toml`` beside ``source_dir``.

    ``solutions_json``: the file whose entries for the notebooks built are replaced (the
    other notebooks' entries are kept as they are); None means ``own_solutions_json``.

    Every notebook is checked and built before any file is written; the files are then
    written beside their targets under temporary names and renamed into place, so a
    failure changes no file.

    Raises:
        BuildError: naming the file (and cell) at fault; no file was changed.
    """
    source_dir, target_dir = Path(source_dir), Path(target_dir)
    paths = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise BuildError(f"No solution notebooks (NN_topic.ipynb) in {source_dir}.")
    if repository is None:
        repository = repository_url(source_dir.parent / "pyproject.toml")
    if solutions_json is None:
        solutions_json = own_solutions_json(source_dir, target_dir)
    run_times = source_dir.parent / RUN_TIMES
    table = read_run_times(run_times) if run_times.exists() else None
    files, built, titles = {}, {}, {}
    for path in paths:
        name = f"{source_dir.name}/{path.name}"
        original = read_notebook(path, name)
        notebook = with_colab(original, repository, name)
        if table is not None:
            notebook = with_run_time(notebook, run_time_line(table, path.name), name)
        titles[path.name] = _title(notebook)
        if notebook != original:
            files[path] = _json(notebook, ensure_ascii=False)
        learner, built[path.name[:2]] = learner_notebook(notebook, name)
        learner = with_colab(learner, repository, f"{target_dir.name}/{path.name}")
        files[target_dir / path.name] = _json(learner, ensure_ascii=False)
    if solutions_json is not None:
        stored = _stored(solutions_json)
        for key, solutions in built.items():
            stored.pop(key, None)
            if solutions:
                stored[key] = solutions
        files[Path(solutions_json)] = _json(stored, sort_keys=True)
    readme = source_dir.parent / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        updated = BADGE.sub(lambda m: colab.badge(repository, _badge_path(m.group(0))), text)
        if table is not None:
            block = readme_run_times(table, titles)
            updated = README_RUN_TIMES.sub(lambda _: block, updated)
        if updated != text:
            files[readme] = updated
    guide = source_dir.parent / "INSTRUCTORS.md"
    if guide.exists() and table is not None:
        text = guide.read_text(encoding="utf-8")
        notebooks = {name: (titles[name], len(built[name[:2]] or {})) for name in titles}
        try:
            block = schedules.schedules(table, notebooks)
        except ValueError as error:
            raise BuildError(f"{guide.name}: {error}") from None
        updated = schedules.SCHEDULES.sub(lambda _: block, text)
        if updated != text:
            files[guide] = updated
    _write_all(files)
    return list(files)


def _write_all(files):
    """Write ``{path: text}`` to temporary files beside each path, then rename them all."""
    temporary = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.append((path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"), path))
            with open(temporary[-1][0], "x", encoding="utf-8") as file:
                file.write(text)
    except OSError as error:
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)
        raise BuildError(f"{path}: cannot be written ({error}); no file was changed.") from None
    try:
        for temp, path in temporary:
            os.replace(temp, path)
    finally:
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)


def _badge_path(badge_markdown):
    """The notebook path a badge opens: what follows ``/blob/main/``."""
    return badge_markdown.rsplit("/blob/main/", 1)[1].rstrip(")")
