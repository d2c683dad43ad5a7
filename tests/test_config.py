"""Configuration: found by walking up, validated with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from quality_hooks.config import ConfigError, ConfigFinder, load_config, parse_config


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(body)
    return tmp_path


def test_found_by_walking_up(tmp_path: Path) -> None:
    write(tmp_path, '[tool.quality-hooks]\nexclude = ["gen/"]\n[tool.quality-hooks.gate]\nfail-on = "warning"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    load_config.cache_clear()
    config = load_config(str(nested))
    assert config.root == str(tmp_path)
    assert config.gate.fail_on == "warning"
    assert config.is_excluded(str(tmp_path / "gen" / "x.py"))
    assert not config.is_excluded(str(tmp_path / "src" / "x.py"))


def test_each_file_gets_the_nearest_config_read_once(tmp_path: Path, git_repo: GitRepo) -> None:
    inner = git_repo.write("pkg/pyproject.toml", '[tool.quality-hooks]\nexclude = ["gen/"]\n')
    git_repo.write("pyproject.toml", "[project]\nname = 'no-table-here'\n")
    finder = ConfigFinder()
    deep = finder.for_path(str(git_repo.path / "pkg" / "a" / "b" / "x.py"))
    assert deep is finder.for_path(str(git_repo.path / "pkg" / "y.py"))
    assert deep.path == str(inner) and deep.root == str(inner.parent)
    assert finder.is_excluded(str(git_repo.path / "pkg" / "gen" / "z.py"))
    assert not finder.is_excluded(str(git_repo.path / "gen" / "z.py"))  # relative to pkg/, not the repository
    outside = finder.for_path(str(git_repo.path / "tools" / "t.py"))
    assert outside.path is None and outside.root == str(git_repo.path)  # defaults, rooted at the repository
    inner.write_text('[tool.quality-hooks]\nexclude = ["other/"]\n')
    assert finder.for_path(str(git_repo.path / "pkg" / "c" / "w.py")) is deep  # read once per finder
    explicit = ConfigFinder(str(inner))
    assert explicit.for_path(str(git_repo.path / "tools" / "t.py")).exclude == ["other/"]
    (tmp_path / "loose").mkdir()
    assert ConfigFinder(start=str(tmp_path / "loose")).for_path(str(tmp_path / "loose" / "m.py")).root == str(
        tmp_path / "loose"
    )


def test_threshold_levels() -> None:
    config = parse_config({"gate": {"max-complexity": {"warning": 8, "critical": 12}, "min-maintainability": 30}})
    assert config.gate.thresholds["max-complexity"].warning == 8
    assert config.gate.thresholds["max-complexity"].critical == 12
    assert config.gate.thresholds["min-maintainability"].critical == 30


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"selct": ["QH"]}, "unknown key 'selct'"),
        ({"gate": {"max-complexity": {"warnig": 3}}}, "gate.max-complexity.warnig"),
        ({"gate": {"max-complexity": "high"}}, "gate.max-complexity"),
        ({"gate": {"fail-on": "sometimes"}}, "gate.fail-on"),
        ({"gate": {"scope": "everything"}}, "gate.scope"),
        ({"max-file-size": -1}, "max-file-size"),
        ({"select": ["NOPE999"]}, "unknown rule code or group 'NOPE999'"),
        ({"rules": {"QH999": {}}}, "rules.QH999"),
        ({"overrides": [{"select": []}]}, "overrides[0].paths"),
        ({"ruff": "yes"}, "ruff: expected true or false"),
    ],
)
def test_bad_values_name_the_key(table: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(table, "proj/pyproject.toml")
    assert needle in str(info.value)
    assert str(info.value).startswith("proj/pyproject.toml: [tool.quality-hooks]")


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "[tool.quality-hooks\n")
    load_config.cache_clear()
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(str(tmp_path))
