"""The QH <-> ruff/flake8/pylint table: every code exists, and each pairing flags the same code."""

from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from quality_hooks.analysis.equivalents import (
    EQUIVALENTS,
    equivalents_of,
    qh_code_for,
    qh_codes_for,
    ruff_pairs,
)
from quality_hooks.analysis.ruff_runner import find_ruff
from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.base import MetricRule
from quality_hooks.analysis.rules.testing import example_source

#: ruff's linters that are flake8 itself or a flake8 plugin under the same codes.
FLAKE8_LINTERS = frozenset(
    {
        "pycodestyle",
        "Pyflakes",
        "mccabe",
        "flake8-bugbear",
        "flake8-builtins",
        "flake8-comprehensions",
        "flake8-simplify",
        "flake8-return",
        "flake8-pie",
        "flake8-debugger",
        "flake8-bandit",
        "pydocstyle",
    }
)
#: pylint symbol -> the name ruff gave its port.
RENAMED_BY_RUFF = {
    "pointless-exception-statement": "useless-exception-statement",
    "else-if-used": "collapsible-else-if",
}
#: flake8 plugins ruff does not implement.
FLAKE8_ONLY = {"CCR001": "flake8-cognitive-complexity"}


@lru_cache(maxsize=1)
def ruff_rules() -> dict[str, dict[str, Any]]:
    ruff = find_ruff()
    assert ruff is not None
    done = subprocess.run(
        [ruff, "rule", "--all", "--output-format", "json"], capture_output=True, text=True, check=True
    )
    return {rule["code"]: rule for rule in json.loads(done.stdout)}


@pytest.mark.parametrize("entry", list(EQUIVALENTS.values()), ids=lambda e: e.qh)
def test_every_code_exists(entry: Any) -> None:
    assert entry.qh in all_rules()
    known = ruff_rules()
    for code in entry.ruff:
        assert code in known, f"{entry.qh}: ruff has no rule {code}"
    for code in entry.flake8:
        if code in FLAKE8_ONLY:
            continue
        assert code in known and known[code]["linter"] in FLAKE8_LINTERS, f"{entry.qh}: {code} is not a flake8 code"
    for message in entry.pylint:
        assert re.fullmatch(r"[CRWEF][0-9]{4}", message.id), message
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", message.symbol), message
        # ruff's port of a pylint message keeps its number (PLW0108 is pylint's W0108) and name.
        ported = known.get(f"PL{message.id}")
        if ported is not None and f"PL{message.id}" in entry.ruff:
            assert RENAMED_BY_RUFF.get(message.symbol, message.symbol) == ported["name"], (ported["name"], message)


def test_pairs_are_one_to_one_on_ruff_codes() -> None:
    seen: dict[str, str] = {}
    for entry in EQUIVALENTS.values():
        for code in entry.ruff:
            assert code not in seen, f"{code} paired with {seen[code]} and {entry.qh}"
            seen[code] = entry.qh
    assert ruff_pairs() == seen


def test_ruff_flags_each_rules_invalid_examples(tmp_path: Path) -> None:
    """The pairing means the same problem: ruff's counterpart fires on the QH rule's own INVALID examples.

    Metric rules are left out: their examples use tiny thresholds that ruff's defaults do not share.
    """
    owner: dict[str, str] = {}
    for entry in EQUIVALENTS.values():
        rule = all_rules()[entry.qh]
        if not entry.ruff or issubclass(rule, MetricRule):
            continue
        for index, example in enumerate(rule.INVALID):
            path = tmp_path / f"{entry.qh}_{index}.py"
            path.write_text(example_source(example.code))
            owner[str(path)] = entry.qh
    codes = sorted({code for qh in set(owner.values()) for code in EQUIVALENTS[qh].ruff})
    ruff = find_ruff()
    assert ruff is not None
    command = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json"]
    done = subprocess.run([*command, "--select", ",".join(codes), str(tmp_path)], capture_output=True, text=True)
    fired: dict[str, set[str]] = {}
    for item in json.loads(done.stdout):
        fired.setdefault(owner[item["filename"]], set()).add(item["code"])
    missing = {
        qh: EQUIVALENTS[qh].ruff for qh in set(owner.values()) if not fired.get(qh, set()) & set(EQUIVALENTS[qh].ruff)
    }
    assert missing == {}


def test_lookups() -> None:
    assert equivalents_of("QH201").ruff == ("B006",)
    assert equivalents_of("QH101").ruff == ()
    assert qh_code_for("B006") == "QH201"
    assert qh_code_for("W0102") == "QH201"
    assert qh_code_for("dangerous-default-value") == "QH201"
    assert qh_code_for("E722") == "QH202"
    assert qh_codes_for("singleton-comparison") == ("QH204", "QH205")
    assert qh_code_for("singleton-comparison") is None
    assert qh_code_for("F401") is None
    assert "bare-except" in equivalents_of("QH202").external_codes()
