"""The packaging promises: pyproject.toml and environment.yml agree, extras are right."""

import ast
import re
import sys
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the dev extra)
    import tomli as tomllib


ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def _name(requirement):
    """The normalised package name of a requirement such as 'tensorflow>=2.16'."""
    return re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _expand(requirement):
    """The package names a requirement installs, following the project's own extras."""
    match = re.fullmatch(r"(?:-e\s+)?\"?(\.|course-utils)\[([\w,\s-]+)\]\"?", requirement.strip())
    if not match:
        return {_name(requirement)}
    names = {_name(r) for r in PROJECT["dependencies"]}
    for extra in match.group(2).split(","):
        for item in PROJECT["optional-dependencies"][extra.strip()]:
            names |= _expand(item.replace("course-utils", ".", 1))
    return names


def test_environment_yml_installs_the_same_packages_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for requirement in entry["pip"]:
                pip |= _expand(requirement)
        else:
            conda.add(_name(entry.split("=")[0]))
    # Graphviz is a program, not a Python package (keras.utils.plot_model runs its `dot`)
    assert conda == {"python", "pip", "graphviz"}, (
        "conda provides only Python, pip and Graphviz; pip does the rest"
    )
    expected = _expand(".[dev]")
    assert pip == expected
    assert {"tensorflow", "jupyterlab", "pytest", "nbval", "nbstripout"} <= expected


def test_environment_yml_python_meets_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = tuple(int(part) for part in python.split("=")[1].split("."))
    minimum = tuple(int(part) for part in PROJECT["requires-python"].lstrip(">=").split("."))
    assert version >= minimum


def test_runtime_dependencies_are_unpinned_and_lean():
    runtime = PROJECT["dependencies"]
    assert {_name(r) for r in runtime} == {
        "tensorflow",
        "keras",
        "numpy",
        "matplotlib",
        "seaborn",
        "pillow",
        "scikit-learn",
        "tomli",
    }
    # tomllib's twin, needed by the build on Python 3.10 only (3.11 has tomllib)
    assert "tomli; python_version < '3.11'" in runtime
    assert not any("==" in r for r in runtime), "Colab must not get pinned versions forced on it"
    assert "tensorflow>=2.16.1" in runtime  # Keras 3
    assert "keras>=3.6" in runtime  # layers.Pipeline


def test_lower_bounds_match_what_check_setup_reports():
    from course_utils import environment

    bounds = {
        _name(r): tuple(int(part) for part in r.split(">=")[1].split(".")[:2])
        for r in PROJECT["dependencies"]
        if ">=" in r
    }
    assert bounds["tensorflow"] == environment.MIN_TENSORFLOW
    assert bounds["keras"] == environment.MIN_KERAS


def test_version_has_one_source():
    """pyproject.toml takes the version from course_utils.__version__, never its own copy."""
    import importlib.metadata

    import course_utils

    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "course_utils.__version__"}
    # A plain string, which setuptools reads without importing the package (and TensorFlow).
    init = (ROOT / "course_utils" / "__init__.py").read_text()
    assert re.findall(r'^__version__ = "(.+)"$', init, re.MULTILINE) == [course_utils.__version__]
    installed = importlib.metadata.version("course-utils")
    assert installed == course_utils.__version__, "reinstall: pip install -e ."


def test_extras():
    extras = PROJECT["optional-dependencies"]
    # What the notebooks need beyond the package: Jupyter, TensorBoard for notebook 06, and
    # pydot for notebook 05's model diagram
    assert {_name(r) for r in extras["lab"]} == {"jupyterlab", "ipykernel", "tensorboard", "pydot"}
    assert _expand(".[dev]") >= _expand(".[lab]")
    for tool in ("pytest", "nbval", "hypothesis", "ruff", "pre-commit", "nbstripout"):
        assert tool in {_name(r) for r in extras["dev"]}


def test_runtime_imports_are_declared():
    """Every third-party module course_utils imports is a runtime dependency.

    (IPython is there whenever a notebook runs, and is imported only inside one. pydot is
    optional: only `plotting.graphviz_missing` imports it, and says how to install it when
    the import fails; the `lab` extra has it.)
    """
    imported = set()
    for path in (ROOT / "course_utils").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    # tomllib is the standard library's from Python 3.11; before, the build uses tomli
    module_to_package = {"PIL": "pillow", "sklearn": "scikit-learn", "tomllib": "tomli"}
    third_party = imported - set(sys.stdlib_module_names) - {"course_utils", "IPython", "pydot"}
    declared = {_name(r) for r in PROJECT["dependencies"]}
    assert {module_to_package.get(m, m) for m in third_party} <= declared
