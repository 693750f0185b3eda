"""Course settings read from environment variables, in one place.

The notebooks read every setting through this module:

- ``COURSE_QUICK=1``: quick mode, small subsets and few epochs (CI and a first
  pass on a slow laptop). Unset or ``0``: full mode, the real lesson.
- ``COURSE_DATA_DIR``: a folder with the data files (see ``course_utils.data``).
- ``COURSE_REQUIRE_REAL_DATA=1``: never fall back to the offline stand-in data.
- ``COURSE_STRICT=1``: a figure outside the range ``expect`` states raises instead of
  warning (the tests set it, so that nbval fails when a lesson stops learning).
"""

import math
import numbers
import os
from pathlib import Path

from course_utils.display import show

QUICK_ENV = "COURSE_QUICK"
DATA_DIR_ENV = "COURSE_DATA_DIR"
REQUIRE_REAL_DATA_ENV = "COURSE_REQUIRE_REAL_DATA"
STRICT_ENV = "COURSE_STRICT"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name):
    """Read an on/off environment variable.

    Args:
        name: the variable's name.

    Returns:
        True for ``1``, ``true``, ``yes`` or ``on`` (any case); False when unset or
        ``0``, ``false``, ``no``, ``off`` or empty.

    Raises:
        ValueError: for any other value, quoting it.

    Example:
    >>> os.environ["COURSE_EXAMPLE_FLAG"] = "yes"
    >>> env_flag("COURSE_EXAMPLE_FLAG")
    True
    >>> del os.environ["COURSE_EXAMPLE_FLAG"]
    >>> env_flag("COURSE_EXAMPLE_FLAG")
    False
    """
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{name} must be 1 (on) or 0 (off). Received: {name}={raw!r}. "
        f"Set it with e.g. `export {name}=1`, or unset it."
    )


def is_quick():
    """Whether the course runs in quick mode (``COURSE_QUICK=1``).

    Example:
    >>> os.environ["COURSE_QUICK"] = "1"
    >>> is_quick()
    True
    >>> os.environ["COURSE_QUICK"] = "0"
    >>> is_quick()
    False
    """
    return env_flag(QUICK_ENV)


def mode():
    """The name of the current mode: ``"quick"`` or ``"full"``.

    Example:
    >>> os.environ["COURSE_QUICK"] = "0"
    >>> mode()
    'full'
    """
    return "quick" if is_quick() else "full"


def budget(full, quick):
    """Pick a size or an epoch count for the current mode.

    The same notebook cell serves both modes, e.g.
    ``num_epochs = budget(full=12, quick=1)``.

    Args:
        full: the value for the real lesson.
        quick: the value for quick mode; must be of the same type as ``full``
            and not larger when both are numbers.

    Returns:
        ``quick`` in quick mode, ``full`` otherwise.

    Raises:
        TypeError: when the two values are of different types.
        ValueError: when the quick value is larger than the full one.

    Example:
    >>> os.environ["COURSE_QUICK"] = "1"
    >>> budget(full=12, quick=1)
    1
    >>> os.environ["COURSE_QUICK"] = "0"
    >>> budget(full=12, quick=1)
    12
    """
    if type(full) is not type(quick):
        raise TypeError(
            "budget() wants the same type for both modes. "
            f"Received: full={full!r} ({type(full).__name__}), "
            f"quick={quick!r} ({type(quick).__name__})."
        )
    if isinstance(full, (int, float)) and quick > full:
        raise ValueError(
            f"budget() wants quick <= full (quick mode is the smaller run). "
            f"Received: full={full!r}, quick={quick!r}."
        )
    return quick if is_quick() else full


class UnexpectedResult(AssertionError):
    """A figure a lesson measured fell outside the range its text states (``expect``)."""


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expect() needs a number for {name}. Received: {value!r}.")
    return float(value)


def _range(pair, name):
    if pair is None:
        return None
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"expect() needs {name}=(low, high). Received: {name}={pair!r}.")
    low, high = (_real(bound, name) for bound in pair)
    if not low <= high:
        raise ValueError(f"expect() needs low <= high. Received: {name}={pair!r}.")
    return low, high


def expect(value, *, full, quick, what, fmt=".4f", data=None):
    """Say that a measured figure is in the range the lesson expects in this mode.

    The ranges were measured in runs of the lesson, in each mode. In quick mode the range
    still proves the model learned (well above chance); where a quick run is too short for
    that, ``quick=None`` says so and checks nothing in quick mode. A figure outside the range shows
    a warning that says what to do; with ``COURSE_STRICT=1`` (the tests) it raises, so a
    TensorFlow or Keras release that silently breaks a lesson fails its notebook.

    Args:
        value: the measured figure (a real number).
        full: ``(low, high)`` expected in full mode.
        quick: ``(low, high)`` expected in quick mode, or None when a quick run is too
            short for any range to mean something (the sentence says so).
        what: what the figure is, e.g. ``"Test accuracy"``.
        fmt: the format of the numbers, e.g. ``".4f"`` or ``".1%"``.
        data: the ``Dataset`` the figure was measured on; with the offline stand-in the
            ranges (measured on the real data) are not checked, and the message says so.

    Returns:
        None, so that a notebook cell ending with ``expect(...)`` shows only the sentence.

    Raises:
        TypeError: ``value`` or a bound is not a real number, a range is not a pair (or
            ``full`` is None).
        ValueError: a range has low > high.
        UnexpectedResult: outside the range, with ``COURSE_STRICT=1``.

    Example:
    >>> os.environ["COURSE_QUICK"] = "0"
    >>> expect(0.9751, full=(0.970, 0.985), quick=(0.6, 1.0), what="Test accuracy")
    ✓ Test accuracy 0.9751: in the range this lesson expects in full mode, 0.9700 to 0.9850.
    """
    measured = _real(value, "value")
    if full is None:
        raise TypeError("expect() needs full=(low, high): full mode is what the lesson teaches.")
    ranges = {"full": _range(full, "full"), "quick": _range(quick, "quick")}
    if not isinstance(what, str) or not what.strip():
        raise TypeError(f"expect() needs what= to name the figure. Received: {what!r}.")
    current = mode()
    shown = format(measured, fmt)
    if ranges[current] is None:
        low, high = ranges["full"]
        show(
            f"ℹ {what} {shown}. A {current}-mode run is too short for this figure to be "
            f"checked; full mode expects {format(low, fmt)} to {format(high, fmt)}."
        )
        return None
    low, high = ranges[current]
    bounds = f"{format(low, fmt)} to {format(high, fmt)}"
    if data is not None and getattr(data, "is_standin", False):
        text = (
            f"ℹ {what} {shown}. The range this lesson expects in {current} mode, {bounds}, "
            "was measured on the real data; with the offline stand-in it is not checked."
        )
    elif not math.isnan(measured) and low <= measured <= high:
        text = f"✓ {what} {shown}: in the range this lesson expects in {current} mode, {bounds}."
    else:
        text = (
            f"⚠ {what} {shown} is outside the range this lesson expects in {current} mode, "
            f"{bounds}. If you changed nothing above, this TensorFlow/Keras may train the "
            "lesson differently from the versions it was tested with: run `check_setup()` "
            "and report both, please."
        )
        if env_flag(STRICT_ENV):
            raise UnexpectedResult(text)
    show(text)


def describe_mode():
    """One sentence saying which mode is on and what it means.

    Example:
    >>> os.environ["COURSE_QUICK"] = "0"
    >>> describe_mode()  # doctest: +ELLIPSIS
    'Full mode: the real lesson, ...'
    """
    if is_quick():
        return (
            f"Quick mode ({QUICK_ENV}=1): small subsets and few epochs, so every "
            "notebook runs in a minute or two. Expect lower accuracies and higher "
            f"losses than in the full lesson; unset {QUICK_ENV} to run it for real."
        )
    return (
        "Full mode: the real lesson, on the full data with the full number of "
        f"epochs. Set {QUICK_ENV}=1 for a quick first pass."
    )


def data_dir():
    """The folder named by ``COURSE_DATA_DIR``, or None when it is not set.

    Raises:
        ValueError: when the variable names something that is not a folder.

    Example:
    >>> os.environ.pop("COURSE_DATA_DIR", None) and None
    >>> data_dir() is None
    True
    """
    raw = os.environ.get(DATA_DIR_ENV, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"{DATA_DIR_ENV} must name a folder with the data files. "
            f"Received: {DATA_DIR_ENV}={raw!r}, which "
            f"{'is a file' if path.exists() else 'does not exist'}"
            f" (resolved against the current folder {Path.cwd()})."
        )
    return path.resolve()


def require_real_data():
    """Whether ``COURSE_REQUIRE_REAL_DATA=1`` forbids the offline stand-in.

    Example:
    >>> os.environ["COURSE_REQUIRE_REAL_DATA"] = "0"
    >>> require_real_data()
    False
    """
    return env_flag(REQUIRE_REAL_DATA_ENV)
