"""Factors rendered as sentences a developer understands (model/explain.py)."""

from __future__ import annotations

from quality_hooks.model.explain import MIN_REFERENCE, TRAINING, describe, sentence
from quality_hooks.model.features import CHANGE_FEATURE_NAMES
from quality_hooks.model.file_features import FILE_FEATURE_NAMES


def test_change_factor_compared_with_the_projects_changes() -> None:
    usual = [float(n) for n in range(1, 101)]  # 100 earlier changes adding 1..100 lines
    assert sentence("file_la", 240, usual) == "adds 240 lines (more than 99% of changes here)"
    assert sentence("file_la", 91.5, usual) == "adds 92 lines (more than 90% of changes here)"
    assert sentence("file_la", 3, usual) == "adds 3 lines (lower than 95% of changes here)"
    assert sentence("file_la", 1, usual) == "adds 1 line (lower than 99% of changes here)"
    assert sentence("la", 240, usual) == "adds 240 lines in all (more than 99% of changes here)"


def test_file_history_and_findings_read_as_sentences() -> None:
    assert sentence("fixes_1y", 7) == "this file had 7 bug fixes in the past year"
    assert sentence("fixes_1y", 1) == "this file had 1 bug fix in the past year"
    assert sentence("file_recent_fixes", 7) == "this file had 7 bug fixes in the past year"
    assert sentence("new_b", 2) == "adds 2 bugbear findings (likely bugs)"
    assert sentence("new_bare_excepts", 2) == "adds 2 bare excepts"
    assert sentence("bare_excepts", 1) == "the file has 1 bare except"
    assert sentence("ruff_b", 3) == "the file has 3 bugbear findings (likely bugs)"
    assert sentence("ruff_e", 1) == "the file has 1 pycodestyle error"
    assert sentence("days_since_last_change", 400) == "this file was last changed 13 months ago"
    assert sentence("age_days", 0) == "the file is brand new"
    assert sentence("age_days", 3 * 365.25) == "the file is 3 years old"


def test_a_changes_tokens_read_as_what_it_adds_or_deletes() -> None:
    assert sentence("tok_add_kw_except", 2) == "adds 2 uses of `except`"
    assert sentence("tok_add_kw_None", 1) == "adds 1 use of `None`"
    assert sentence("tok_del_op_eq", 3) == "deletes 3 `==` comparisons"
    assert sentence("tok_add_op_attribute", 12) == "adds 12 attribute accesses"
    assert sentence("tok_add_strings", 1) == "adds 1 string literal"
    assert sentence("tok_add_indent_max", 16) == "adds code indented 16 columns deep"
    usual = [float(n % 10) for n in range(100)]
    assert sentence("tok_add_kw_raise", 12, usual) == "adds 12 uses of `raise` (more than 99% of changes here)"


def test_a_middle_value_is_typical_and_unknown_is_said() -> None:
    assert sentence("loc", 50, [float(n) for n in range(100)]) == "the file has 50 lines (typical of files here)"
    assert sentence("loc", 50, [1.0, 2.0]) == "the file has 50 lines"  # too few to say what is usual
    assert sentence("file_fixes", None) == "file fixes is unknown"
    assert sentence("file_fixes", float("nan")) == "file fixes is unknown"


def test_describe_prefers_the_projects_own_distribution_then_the_training_quantiles() -> None:
    factors = [{"feature": "loc", "value": 690.0, "risk_added": 0.1}, {"feature": "changes_1y", "value": 9.0}]
    own = {"loc": [float(n) for n in range(MIN_REFERENCE)]}  # only loc has a project reference
    quantiles = {"changes_1y": [0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 6.0]}
    described = describe(factors, own, quantiles)
    assert [d["text"] for d in described] == [
        "the file has 690 lines (more than 99% of files here)",
        f"this file was changed 9 times in the past year (more than 99% of files {TRAINING})",
    ]
    assert described[0]["risk_added"] == 0.1 and "text" not in factors[0]


def test_every_feature_of_both_models_reads_as_words_not_a_raw_name() -> None:
    for name in (*CHANGE_FEATURE_NAMES, *FILE_FEATURE_NAMES):
        text = sentence(name, 2.0)
        assert not text.startswith(name.replace("_", " ") + ":"), (name, text)
