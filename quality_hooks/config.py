"""``[tool.quality-hooks]`` in pyproject.toml: load, validate, resolve per path.

Every unknown key or bad value is a :class:`ConfigError` naming the key, so a
typo never silently turns a check off.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from quality_hooks import git
from quality_hooks.choices import SCOPES
from quality_hooks.results import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_RULE_CODE = re.compile(r"^[A-Z]{1,5}[0-9]{0,4}$")
#: Which findings can fail the gate; the one list the config, the CLI and the Action accept.
LEVELS = ("warning", "critical")
#: ``fix-policy`` values: apply a rule's fix by default, only with ``--unsafe-fixes``, or never.
FIX_POLICIES = ("safe", "unsafe", "off")


class ConfigError(Exception):
    """Bad configuration; ``str()`` names the file and the key."""


@dataclass(frozen=True)
class Threshold:
    """A gate threshold with a warning and a critical level (either may be off)."""

    warning: float | None = None
    critical: float | None = None


#: Gate thresholds: name -> (default, direction, what is measured). "max" fails above, "min" below.
GATE_THRESHOLDS: dict[str, tuple[Threshold, str, str]] = {
    "max-complexity": (Threshold(15, 25), "max", "cyclomatic complexity of a function"),
    "max-cognitive": (Threshold(20, 35), "max", "cognitive complexity of a function"),
    "min-maintainability": (Threshold(20, 10), "min", "maintainability index of a file"),
    "max-risk": (Threshold(None, None), "max", "model defect risk of a file (0..1)"),
    "min-score": (Threshold(None, None), "min", "model quality score of a file (0..100)"),
    "max-new-findings": (Threshold(None, None), "max", "new findings of severity warning or worse in a file"),
    "max-complexity-increase": (Threshold(1, 5), "max", "rise of a changed function's complexity over its base"),
    "max-score-drop": (Threshold(5, 15), "max", "drop of a changed file's quality score from its base"),
}


#: "Clean as you code" by default: a new finding from these families is critical, so it fails the
#: gate. QH2xx is our bug-risk group; ruff's Pyflakes (F), syntax errors (E9), pylint errors (PLE)
#: and bugbear (B) are its correctness families. Readability and style never fail by default.
DEFAULT_FAIL_RULES = ("QH2", "F", "E9", "PLE", "B")


@dataclass
class GateConfig:
    fail_on: str = "critical"
    #: Findings with these codes (or ruff-style prefixes) are critical whatever their severity.
    fail_rules: list[str] = field(default_factory=lambda: list(DEFAULT_FAIL_RULES))
    thresholds: dict[str, Threshold] = field(
        default_factory=lambda: {name: spec[0] for name, spec in GATE_THRESHOLDS.items()}
    )
    #: Which findings count: "changed-lines", "changed-files" or "all".
    scope: str = "changed-lines"


@dataclass
class Override:
    paths: list[str]
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Config:
    """Resolved configuration; ``root`` is where relative paths start."""

    root: str = "."
    path: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_file_size: int = 2 * 1024 * 1024
    ruff: bool = True
    ruff_select: list[str] = field(default_factory=lambda: ["E9", "F", "B", "PLE", "UP", "SIM"])
    ruff_ignore: list[str] = field(default_factory=list)
    #: ruff's ``--target-version`` (e.g. "py38"), from the project's ``requires-python``,
    #: so pyupgrade-style findings never suggest syntax the project cannot use.
    python_target: str | None = None
    baseline: str = ".quality-baseline.json"
    #: One finding per problem: drop ruff's or ours where both flag the same code (analysis/equivalents.py).
    dedupe: bool = True
    gate: GateConfig = field(default_factory=GateConfig)
    #: Whether other tools' comments (noqa, pylint disable, type ignore) suppress the equivalent QH findings and fixes.
    external_suppressions: bool = True
    #: Seconds one file's analysis (or fix) may take before it is reported and skipped.
    file_timeout: float = 10.0
    #: Apply fixes classed ``unsafe`` too (``--unsafe-fixes``).
    unsafe_fixes: bool = False
    #: Per-rule fix class, overriding the rule's own: code -> "safe" | "unsafe" | "off".
    fix_policy: dict[str, str] = field(default_factory=dict)

    def rule_settings(self, path: str) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
        """Select/ignore lists and per-rule options in force for ``path``."""
        select, ignore = list(self.select), list(self.ignore)
        rules = {code: dict(opts) for code, opts in self.rules.items()}
        rel = git.repo_relative(path, self.root)
        for override in self.overrides:
            if any(path_matches(rel, pattern) for pattern in override.paths):
                select += override.select
                ignore += override.ignore
                for code, opts in override.rules.items():
                    rules.setdefault(code, {}).update(opts)
        return {"select": select, "ignore": ignore}, rules

    def is_excluded(self, path: str) -> bool:
        rel = git.repo_relative(path, self.root)
        return any(path_matches(rel, pattern) for pattern in self.exclude)


def path_matches(rel: str, pattern: str) -> bool:
    """gitignore-flavoured match: ``dir/`` matches below it, globs match any part."""
    pattern = pattern.strip()
    if pattern.endswith("/"):
        prefix = pattern.rstrip("/")
        return rel == prefix or rel.startswith(prefix + "/") or f"/{prefix}/" in f"/{rel}"
    if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern.rstrip("/") + "/*"):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/"))
    return False


def _directory_of(path: str) -> str:
    return os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")


def _table_file(directory: str) -> str | None:
    """``directory``'s pyproject.toml if it has a ``[tool.quality-hooks]`` table."""
    candidate = os.path.join(directory, "pyproject.toml")
    if not os.path.isfile(candidate):
        return None
    return candidate if _quality_table(_load_toml(candidate), candidate) is not None else None


def _load_toml(path: str) -> dict[str, Any]:
    """Parse a TOML file; unreadable or invalid is a one-line ConfigError naming the file."""
    try:
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return data


def read_config_file(path: str) -> Config:
    """The configuration in ``path``: a pyproject.toml's table, or a TOML file holding its keys."""
    data = _load_toml(path)
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    table = _quality_table(data, path) if is_pyproject else data
    config = parse_config(table or {}, path)
    if is_pyproject:
        project = data.get("project", {})
        config.python_target = python_target(project.get("requires-python") if isinstance(project, dict) else None)
    return config


def _quality_table(data: Mapping[str, Any], path: str) -> dict[str, Any] | None:
    """``[tool.quality-hooks]`` of a parsed pyproject.toml (None when absent); a wrong shape is a ConfigError."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool]: expected a table, got {tool!r}")
    table = tool.get("quality-hooks")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.quality-hooks]: expected a table, got {table!r}")
    return table


class ConfigFinder:
    """The configuration each file is judged with.

    A file's configuration is the nearest pyproject.toml with a ``[tool.quality-hooks]`` table
    above it, so each package of a monorepo is judged by its own settings however the files
    are grouped into one run (pre-commit's chunks, the CLI, the Action). Lookups are cached
    per directory and each file is read once per finder, as Fixit does. ``explicit``
    (``--config FILE``) or ``every`` (one already loaded) gives every file that one configuration.
    Files with no configuration
    above them get the defaults, rooted at their repository (outside git: at ``start``).
    ``adjust`` is applied to every configuration found (the Action's ``fail-on`` input).
    """

    def __init__(
        self,
        explicit: str | None = None,
        *,
        start: str = ".",
        adjust: Callable[[Config], Config] | None = None,
        every: Config | None = None,
    ) -> None:
        self.explicit = explicit
        self._every = every
        self._start = _directory_of(start)
        self._adjust = adjust
        self._file_of_dir: dict[str, str | None] = {}
        self._repo_of_dir: dict[str, str | None] = {}
        self._configs: dict[tuple[str, str], Config] = {}

    def for_path(self, path: str) -> Config:
        """The configuration for a file (or for the files below a directory)."""
        if self._every is not None:
            return self._every
        if self.explicit is not None:
            return self._config(("file", self.explicit))
        directory = _directory_of(path)
        found = self._config_file(directory)
        if found is not None:
            return self._config(("file", found))
        return self._config(("defaults", self._repo_root(directory) or self._start))

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` is excluded by its own configuration."""
        return self.for_path(path).is_excluded(path)

    def _config(self, key: tuple[str, str]) -> Config:
        if key not in self._configs:
            kind, where = key
            config = read_config_file(where) if kind == "file" else Config(root=where)
            self._configs[key] = self._adjust(config) if self._adjust else config
        return self._configs[key]

    def _config_file(self, directory: str) -> str | None:
        if directory not in self._file_of_dir:
            parent = os.path.dirname(directory)
            found = _table_file(directory)
            if found is None and parent != directory:
                found = self._config_file(parent)
            self._file_of_dir[directory] = found
        return self._file_of_dir[directory]

    def _repo_root(self, directory: str) -> str | None:
        if directory not in self._repo_of_dir:
            root = git.find_repo_root(directory)
            self._repo_of_dir[directory] = root
            # Every directory between this one and its repository's root is in that repository.
            while root is not None and directory != root and directory.startswith(root + os.sep):
                directory = os.path.dirname(directory)
                self._repo_of_dir[directory] = root
        return self._repo_of_dir[directory]


@lru_cache(maxsize=32)
def load_config(start: str = ".", explicit: str | None = None) -> Config:
    """The configuration for files under ``start`` (one file's or directory's view of :class:`ConfigFinder`)."""
    return ConfigFinder(explicit, start=start).for_path(start)


def python_target(requires: object) -> str | None:
    """``">=3.8, <4"`` -> ``"py38"``: the lowest Python the project supports, if stated."""
    if not isinstance(requires, str):
        return None
    match = re.search(r">=?\s*3\.(\d+)", requires)
    return f"py3{match.group(1)}" if match else None


def parse_config(table: Mapping[str, Any], path: str = "pyproject.toml") -> Config:
    """Validate the ``[tool.quality-hooks]`` table; raise ConfigError on any mistake."""
    where = f"{path}: [tool.quality-hooks]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    config = Config(root=os.path.dirname(os.path.abspath(path)), path=path)
    readers: dict[str, Callable[[Any, str], Any]] = {
        "select": lambda v, k: _codes(v, k, where),
        "ignore": lambda v, k: _codes(v, k, where),
        "exclude": lambda v, k: _strings(v, k, where),
        "max-file-size": lambda v, k: _positive_int(v, k, where),
        "ruff": lambda v, k: _bool(v, k, where),
        "dedupe": lambda v, k: _bool(v, k, where),
        "ruff-select": lambda v, k: _ruff_codes(v, k, where),
        "ruff-ignore": lambda v, k: _ruff_codes(v, k, where),
        "baseline": lambda v, k: _string(v, k, where),
        "rules": lambda v, k: _rules(v, k, where),
        "overrides": lambda v, k: _overrides(v, k, where),
        "gate": lambda v, k: _gate(v, k, where),
        "unsafe-fixes": lambda v, k: _bool(v, k, where),
        "file-timeout": lambda v, k: _positive_number(v, k, where),
        "external-suppressions": lambda v, k: _bool(v, k, where),
        "fix-policy": lambda v, k: _fix_policy(v, k, where),
    }
    for key, value in table.items():
        if key not in readers:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(readers))})")
        setattr(config, key.replace("-", "_"), readers[key](value, key))
    return config


def _fail(where: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {key}: {message}")


def _strings(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"expected a list of strings, got {value!r}")
    return list(value)


def _string(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, key, f"expected a non-empty string, got {value!r}")
    return value


def _bool(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, key, f"expected true or false, got {value!r}")
    return value


def _positive_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(where, key, f"expected a positive integer, got {value!r}")
    return value


def _positive_number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _fail(where, key, f"expected a positive number of seconds, got {value!r}")
    return float(value)


def _known_selector(selector: str) -> bool:
    from quality_hooks.analysis.rules import all_rules
    from quality_hooks.analysis.rules.base import GROUPS

    if selector in GROUPS or selector == "ALL":
        return True
    return any(code.startswith(selector) for code in all_rules())


@lru_cache(maxsize=1)
def _ruff_rule_codes() -> frozenset[str] | None:
    """Every rule code the installed ruff knows (None without a working ruff: nothing to check against)."""
    import json
    import subprocess

    from quality_hooks.analysis.ruff_runner import find_ruff

    binary = find_ruff()
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "rule", "--all", "--output-format", "json"], capture_output=True, check=True, timeout=60
        )
        return frozenset(str(item["code"]) for item in json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None


def _known_ruff_selector(selector: str) -> bool:
    """A ruff code or prefix ruff would accept in ``--select`` (asked of ruff only for codes that are not ours)."""
    if selector == "ALL":
        return True
    codes = _ruff_rule_codes()
    return codes is None or any(code.startswith(selector) for code in codes)


def _checked_codes(value: Any, key: str, where: str, known: Callable[[str], bool], what: str) -> list[str]:
    """A list of strings each of which ``known`` accepts; the first that it does not is named as an ``what``."""
    codes = _strings(value, key, where)
    for code in codes:
        if not known(code):
            raise _fail(where, key, f"unknown {what} {code!r}")
    return codes


def _ruff_codes(value: Any, key: str, where: str) -> list[str]:
    return _checked_codes(value, key, where, _known_ruff_selector, "ruff rule code or prefix")


def _codes(value: Any, key: str, where: str) -> list[str]:
    return _checked_codes(value, key, where, _known_selector, "rule code or group")


def _rules(value: Any, key: str, where: str) -> dict[str, dict[str, Any]]:
    from quality_hooks.analysis.rules import all_rules

    if not isinstance(value, dict):
        raise _fail(where, key, "expected a table of rule codes")
    known = all_rules()
    result: dict[str, dict[str, Any]] = {}
    for code, options in value.items():
        name = f"{key}.{code}"
        if code not in known:
            raise _fail(where, name, "unknown rule code")
        if not isinstance(options, dict):
            raise _fail(where, name, "expected a table of options")
        rule = known[code]
        for option, setting in options.items():
            if option == "severity":
                if setting not in {s.value for s in Severity}:
                    raise _fail(where, f"{name}.severity", f"expected info, warning or error, got {setting!r}")
                continue
            if option not in rule.OPTIONS:
                allowed = ", ".join(["severity", *rule.OPTIONS]) or "severity"
                raise _fail(where, f"{name}.{option}", f"unknown option (known: {allowed})")
            default = rule.OPTIONS[option]
            if type(setting) is not type(default) and not (isinstance(default, float) and isinstance(setting, int)):
                raise _fail(where, f"{name}.{option}", f"expected {type(default).__name__}, got {setting!r}")
        result[code] = dict(options)
    return result


def _fix_policy(value: Any, key: str, where: str) -> dict[str, str]:
    from quality_hooks.analysis.rules import all_rules

    if not isinstance(value, dict):
        raise _fail(where, key, 'expected a table of rule codes, like { QH308 = "safe" }')
    known = all_rules()
    for code, policy in value.items():
        name = f"{key}.{code}"
        if code not in known:
            raise _fail(where, name, "unknown rule code")
        if not known[code].FIXABLE:
            raise _fail(where, name, "this rule has no fix")
        if policy not in FIX_POLICIES:
            raise _fail(where, name, f"expected one of {', '.join(FIX_POLICIES)}, got {policy!r}")
    return dict(value)


def _overrides(value: Any, key: str, where: str) -> list[Override]:
    if not isinstance(value, list):
        raise _fail(where, key, "expected an array of tables ([[tool.quality-hooks.overrides]])")
    result = []
    for index, item in enumerate(value):
        name = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise _fail(where, name, "expected a table")
        unknown = set(item) - {"paths", "select", "ignore", "rules"}
        if unknown:
            raise _fail(where, f"{name}.{sorted(unknown)[0]}", "unknown key (known: paths, select, ignore, rules)")
        if "paths" not in item:
            raise _fail(where, f"{name}.paths", "missing")
        result.append(
            Override(
                paths=_strings(item["paths"], f"{name}.paths", where),
                select=_codes(item.get("select", []), f"{name}.select", where),
                ignore=_codes(item.get("ignore", []), f"{name}.ignore", where),
                rules=_rules(item.get("rules", {}), f"{name}.rules", where),
            )
        )
    return result


def _threshold(value: Any, key: str, where: str) -> Threshold:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Threshold(warning=None, critical=float(value))
    if not isinstance(value, dict):
        raise _fail(where, key, "expected a number or a table { warning = N, critical = N }")
    unknown = set(value) - set(LEVELS)
    if unknown:
        raise _fail(where, f"{key}.{sorted(unknown)[0]}", "unknown level (known: warning, critical)")
    levels: dict[str, float | None] = {}
    for level in LEVELS:
        setting = value.get(level)
        if setting is not None and (isinstance(setting, bool) or not isinstance(setting, (int, float))):
            raise _fail(where, f"{key}.{level}", f"expected a number, got {setting!r}")
        levels[level] = None if setting is None else float(setting)
    return Threshold(**levels)


def _gate(value: Any, key: str, where: str) -> GateConfig:
    if not isinstance(value, dict):
        raise _fail(where, key, "expected a table")
    gate = GateConfig()
    for name, setting in value.items():
        full = f"{key}.{name}"
        if name == "fail-on":
            if setting not in LEVELS:
                raise _fail(where, full, f"expected 'warning' or 'critical', got {setting!r}")
            gate.fail_on = setting
        elif name == "fail-rules":
            gate.fail_rules = _strings(setting, full, where)
            for code in gate.fail_rules:
                if not _RULE_CODE.match(code):
                    raise _fail(where, full, f"expected rule codes or prefixes like 'QH2' or 'F821', got {code!r}")
                if not (_known_selector(code) if code.startswith("QH") else _known_ruff_selector(code)):
                    raise _fail(where, full, f"unknown rule code or prefix {code!r}")
        elif name == "scope":
            if setting not in SCOPES:
                raise _fail(where, full, f"expected one of {', '.join(SCOPES)}, got {setting!r}")
            gate.scope = setting
        elif name in GATE_THRESHOLDS:
            gate.thresholds[name] = _threshold(setting, full, where)
        else:
            known = ", ".join(["fail-on", "fail-rules", "scope", *GATE_THRESHOLDS])
            raise _fail(where, full, f"unknown key (known: {known})")
    return gate
