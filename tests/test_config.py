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
