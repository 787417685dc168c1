"""One settings object: every knob has a default and a help line, is read from MATCHER_*, and is documented."""
from pathlib import Path

from matcher.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_has_help_and_is_in_the_readme():
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"`MATCHER_{name.upper()}`" in README, f"README misses MATCHER_{name.upper()}"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MATCHER_TOP_K", "3")
    s = Settings()
    assert s.top_k == 3
    assert s.database_url == f"sqlite:///{tmp_path / 'matcher.db'}"
    assert s.index_dir == tmp_path / "index"
