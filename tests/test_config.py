"""Tests for course_utils.config: the quick/full switch and the data settings."""

import pytest

from course_utils import config


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " 1 "])
def test_env_flag_on(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    assert config.env_flag("COURSE_QUICK") is True


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_env_flag_off(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    assert config.env_flag("COURSE_QUICK") is False


def test_env_flag_unset(monkeypatch):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    assert config.env_flag("COURSE_QUICK") is False


@pytest.mark.parametrize("value", ["2", "quick", "y e s"])
def test_env_flag_rejects_other_values(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    with pytest.raises(ValueError, match=f"Received: COURSE_QUICK={value!r}"):
        config.is_quick()


def test_budget_quick_mode(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert config.budget(full=12, quick=1) == 1
    assert config.budget(full=60_000, quick=2_000) == 2_000
    assert config.mode() == "quick"
    assert config.describe_mode().startswith("Quick mode (COURSE_QUICK=1)")


def test_budget_full_mode(monkeypatch):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    assert config.budget(full=12, quick=1) == 12
    assert config.budget(full="all", quick="some") == "all"
    assert config.mode() == "full"
    assert config.describe_mode().startswith("Full mode")


def test_budget_type_mismatch():
    with pytest.raises(TypeError, match=r"full=12 \(int\), quick=0.5 \(float\)"):
        config.budget(full=12, quick=0.5)


def test_budget_quick_larger_than_full():
    with pytest.raises(ValueError, match="Received: full=1, quick=12"):
        config.budget(full=1, quick=12)


def test_data_dir_unset(monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert config.data_dir() is None


def test_data_dir_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert config.data_dir() == tmp_path.resolve()


def test_data_dir_is_a_file(monkeypatch, tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"")
    monkeypatch.setenv("COURSE_DATA_DIR", str(path))
    with pytest.raises(
        ValueError, match=r"Received: COURSE_DATA_DIR=.*mnist.npz', which is a file"
    ):
        config.data_dir()


def test_require_real_data(monkeypatch):
    monkeypatch.setenv("COURSE_REQUIRE_REAL_DATA", "1")
    assert config.require_real_data() is True


# expect(): a measured figure against the range the lesson states for the mode.


class _Data:
    def __init__(self, standin):
        self.is_standin = standin


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "0")


@pytest.mark.parametrize(("quick", "low", "high"), [("1", 0.6, 1.0), ("0", 0.97, 0.985)])
def test_expect_uses_the_range_of_the_mode(monkeypatch, capsys, quick, low, high):
    monkeypatch.setenv("COURSE_QUICK", quick)
    monkeypatch.setenv("COURSE_STRICT", "1")
    value = 0.9751 if quick == "0" else 0.71
    assert config.expect(value, full=(0.97, 0.985), quick=(0.6, 1.0), what="Accuracy") is None
    out = capsys.readouterr().out
    mode = "quick" if quick == "1" else "full"
    assert out.startswith("✓ Accuracy") and f"in {mode} mode, {low:.4f} to {high:.4f}" in out


@pytest.mark.parametrize("value", [0.5, 0.99, float("nan")])
def test_expect_strict_raises_outside_the_range(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", "0")
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(config.UnexpectedResult, match="outside the range .* full mode"):
        config.expect(value, full=(0.97, 0.985), quick=(0.6, 1.0), what="Accuracy")


def test_expect_warns_a_learner_instead_of_raising(monkeypatch, capsys, lenient):
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert config.expect(0.1, full=(0.97, 0.985), quick=(0.6, 1.0), what="Accuracy") is None
    out = capsys.readouterr().out
    assert out.startswith("⚠ Accuracy 0.1000 is outside") and "check_setup()" in out


def test_expect_quick_range_in_full_mode_is_not_enough(monkeypatch):
    """0.7 is fine for quick mode but fails in full mode: the ranges are per mode."""
    monkeypatch.setenv("COURSE_QUICK", "0")
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(config.UnexpectedResult):
        config.expect(0.7, full=(0.97, 0.985), quick=(0.6, 1.0), what="Accuracy")


def test_expect_does_not_check_the_standin(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_QUICK", "1")
    monkeypatch.setenv("COURSE_STRICT", "1")
    config.expect(0.2, full=(0.97, 0.99), quick=(0.6, 1.0), what="Accuracy", data=_Data(True))
    assert "with the offline stand-in it is not checked" in capsys.readouterr().out
    with pytest.raises(config.UnexpectedResult):
        config.expect(0.2, full=(0.97, 0.99), quick=(0.6, 1.0), what="Accuracy", data=_Data(False))


def test_expect_formats_percentages(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_QUICK", "0")
    config.expect(0.9925, full=(0.99, 0.995), quick=(0.5, 1), what="Test accuracy", fmt=".2%")
    assert "Test accuracy 99.25%: in the range this lesson expects in full mode, 99.00% to" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"value": "0.9"}, TypeError, "needs a number for value. Received: '0.9'"),
        ({"value": True}, TypeError, "Received: True"),
        ({"full": (0.99, 0.97)}, ValueError, r"low <= high. Received: full=\(0.99, 0.97\)"),
        ({"quick": 0.6}, TypeError, r"quick=\(low, high\). Received: quick=0.6"),
        ({"quick": (0.6, "1")}, TypeError, "Received: '1'"),
        ({"what": ""}, TypeError, "what= to name the figure"),
    ],
)
def test_expect_refuses_bad_arguments(kwargs, error, message):
    arguments = {"value": 0.9, "full": (0.97, 0.99), "quick": (0.6, 1.0), "what": "Accuracy"}
    with pytest.raises(error, match=message):
        config.expect(**{**arguments, **kwargs})


def test_expect_without_a_quick_range_says_so_and_checks_only_full_mode(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_STRICT", "1")
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert config.expect(0.10, full=(0.2, 0.5), quick=None, what="Weakest", fmt=".0%") is None
    assert capsys.readouterr().out.strip() == (
        "ℹ Weakest 10%. A quick-mode run is too short for this figure to be checked; "
        "full mode expects 20% to 50%."
    )
    monkeypatch.setenv("COURSE_QUICK", "0")
    with pytest.raises(config.UnexpectedResult, match="Weakest 10% is outside"):
        config.expect(0.10, full=(0.2, 0.5), quick=None, what="Weakest", fmt=".0%")
    with pytest.raises(TypeError, match="needs full="):
        config.expect(0.3, full=None, quick=(0.1, 0.5), what="Weakest")
