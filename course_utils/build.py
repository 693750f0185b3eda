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
"""

import ast
import copy
import json
import re
from pathlib import Path

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+(\d+\.\d+)\b", re.MULTILINE)
PLACEHOLDER_COMMENT = "# Your answer: replace ... below, then run this cell and the check."
SOLUTIONS_JSON = Path(__file__).parent / "exercises" / "solutions.json"


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


def build(source_dir="solutions", target_dir="notebooks", solutions_json=SOLUTIONS_JSON):
    """Write every learner notebook and the stored solutions; return the paths written."""
    source_dir, target_dir = Path(source_dir), Path(target_dir)
    paths = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise BuildError(f"No solution notebooks (NN_topic.ipynb) in {source_dir}.")
    target_dir.mkdir(parents=True, exist_ok=True)
    written, stored = [], {}
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        learner, solutions = learner_notebook(notebook, f"{source_dir.name}/{path.name}")
        out = target_dir / path.name
        out.write_text(json.dumps(learner, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(out)
        if solutions:
            stored[path.name[:2]] = solutions
    Path(solutions_json).write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    written.append(Path(solutions_json))
    return written
