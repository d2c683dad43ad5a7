"""The models' top factors as sentences a developer can act on.

A factor is a feature that raised a file's risk (see the scorers); this module
turns ``{"feature": "file_la", "value": 240}`` into "adds 240 lines (more
than 95% of changes here)". The comparison in brackets comes from a reference
distribution of the same feature: the project's own (the other files of the
run, or the repository's history) when the caller has one, else the training
projects' quantiles. Both models (change risk and file score) use these
sentences everywhere factors are shown: text output, JSON, the PR comment and
the store.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: Reference distributions smaller than this say nothing about "the project's usual".
MIN_REFERENCE = 20
#: A value is "more than X%" (or "less than") only when X is at least this share; otherwise it is typical.
CLEAR_SHARE = 0.6

_RUFF_FAMILIES = {  # (one, many)
    "f": ("pyflakes finding (unused or undefined name)", "pyflakes findings (unused or undefined names)"),
    "e": ("pycodestyle error", "pycodestyle errors"),
    "w": ("pycodestyle warning", "pycodestyle warnings"),
    "b": ("bugbear finding (likely bug)", "bugbear findings (likely bugs)"),
    "ble": ("blind `except Exception` clause", "blind `except Exception` clauses"),
    "pl": ("pylint finding", "pylint findings"),
    "sim": ("simplifiable construct", "simplifiable constructs"),
    "ret": ("inconsistent return", "inconsistent returns"),
    "arg": ("unused argument", "unused arguments"),
    "c4": ("avoidable comprehension rewrite", "avoidable comprehension rewrites"),
    "up": ("outdated-syntax finding", "outdated-syntax findings"),
    "perf": ("performance finding", "performance findings"),
    "try": ("exception-handling finding", "exception-handling findings"),
    "other": ("other ruff finding", "other ruff findings"),
    "total": ("ruff finding", "ruff findings"),
}


def _int(value: float) -> str:
    return f"{round(value):,}"


def _days(value: float) -> str:
    if value < 1:
        return "less than a day"
    if value < 60:
        return f"{_int(value)} day{'s' if round(value) != 1 else ''}"
    if value < 730:
        return f"{_int(value / 30.44)} months"
    return f"{value / 365.25:.0f} years"


def _count(singular: str, plural: str | None = None) -> Callable[[float], str]:
    def render(value: float) -> str:
        word = singular if round(value) == 1 else (plural or singular + "s")
        return f"{_int(value)} {word}"

    return render


@dataclass(frozen=True)
class Template:
    """How one feature reads: ``text(value)`` is the sentence; ``unit`` names what the reference counts."""

    text: Callable[[float], str]
    unit: str = "files"


def _t(render: Callable[[float], str], unit: str = "files") -> Template:
    return Template(render, unit)


_TEMPLATES: dict[str, Template] = {
    # Kamei's change metrics over the change's Python files (change-risk model).
    "ns": _t(lambda v: f"touches {_count('subsystem')(v)}", "changes"),
    "nd": _t(lambda v: f"touches {_count('directory', 'directories')(v)}", "changes"),
    "nf": _t(lambda v: f"touches {_count('Python file')(v)}", "changes"),
    "entropy": _t(lambda v: f"spreads its edits over its files (entropy {v:.2f})", "changes"),
    "la": _t(lambda v: f"adds {_count('line')(v)} in all", "changes"),
    "ld": _t(lambda v: f"deletes {_count('line')(v)} in all", "changes"),
    "lt": _t(lambda v: f"changes files of {_count('line')(v)} before the change", "changes"),
    "ndev": _t(lambda v: f"touches files {_count('developer')(v)} have changed before", "changes"),
    "age": _t(lambda v: f"touches files last changed {_days(v)} before, on average", "changes"),
    "nuc": _t(lambda v: f"touches files with {_count('earlier change')(v)}", "changes"),
    "exp": _t(lambda v: f"comes from an author with {_count('earlier commit')(v)}", "changes"),
    "rexp": _t(lambda v: f"comes from an author with {v:.1f} recent commits (weighted by age)", "changes"),
    "sexp": _t(lambda v: f"comes from an author with {_count('earlier commit')(v)} in this subsystem", "changes"),
    # The same for the one file (change-risk model).
    "file_la": _t(lambda v: f"adds {_count('line')(v)}", "changes"),
    "file_ld": _t(lambda v: f"deletes {_count('line')(v)}", "changes"),
    "file_lt": _t(lambda v: f"changes a file of {_count('line')(v)}", "changes"),
    "file_nuc": _t(lambda v: f"this file was changed {_count('time')(v)} before", "changes"),
    "file_fixes": _t(lambda v: f"this file had {_count('bug fix', 'bug fixes')(v)} before", "changes"),
    "file_ndev": _t(lambda v: f"{_count('person', 'people')(v)} have changed this file", "changes"),
    "file_age": _t(lambda v: f"this file was last changed {_days(v)} before", "changes"),
    "file_sexp": _t(lambda v: f"the author has {_count('earlier commit')(v)} in this part of the code", "changes"),
    "is_new": _t(lambda v: "adds a new file" if v else "edits an existing file", "changes"),
    "file_created_days": _t(lambda v: "the file is brand new" if v < 1 else f"the file is {_days(v)} old", "changes"),
    "file_recent_changes": _t(lambda v: f"this file changed {_count('time')(v)} in the last 90 days", "changes"),
    "file_recent_fixes": _t(lambda v: f"this file had {_count('bug fix', 'bug fixes')(v)} in the past year", "changes"),
    "file_fix_ratio": _t(lambda v: f"{v:.0%} of this file's changes were bug fixes", "changes"),
    "rel_churn": _t(lambda v: f"rewrites lines adding up to {v:.0%} of the file", "changes"),
    "file_share": _t(lambda v: f"holds {v:.0%} of the lines the change adds", "changes"),
    "is_aux": _t(lambda v: "is in docs, examples, scripts or setup code" if v else "is in the product's code"),
    # The kinds of lines the file's patch adds and deletes (change-risk model; model/diff_lines.py).
    "file_code_la": _t(lambda v: f"adds {_count('line')(v)} of code", "changes"),
    "file_code_ld": _t(lambda v: f"deletes {_count('line')(v)} of code", "changes"),
    "file_comment_la": _t(lambda v: f"adds {_count('comment line')(v)}", "changes"),
    "file_blank_la": _t(lambda v: f"adds {_count('blank line')(v)}", "changes"),
    "file_comment_ld": _t(lambda v: f"deletes {_count('comment line')(v)}", "changes"),
    # The change's static delta (change-risk miner; fast path).
    "touched_functions": _t(lambda v: f"touches {_count('function')(v)}", "changes"),
    "complexity_added": _t(
        lambda v: f"adds {_int(v)} cyclomatic complexity inside the functions it touches", "changes"
    ),
    "new_f": _t(lambda v: f"adds {_count('pyflakes finding')(v)} (likely errors)", "changes"),
    "new_e": _t(lambda v: f"adds {_count('pycodestyle error')(v)}", "changes"),
    "new_b": _t(lambda v: f"adds {_count('bugbear finding')(v)} (likely bugs)", "changes"),
    "new_pl": _t(lambda v: f"adds {_count('pylint finding')(v)}", "changes"),
    "new_sim": _t(lambda v: f"adds {_count('simplification finding')(v)}", "changes"),
    "new_other": _t(lambda v: f"adds {_count('other ruff finding')(v)}", "changes"),
    "new_findings": _t(lambda v: f"adds {_count('ruff finding')(v)}", "changes"),
    "new_bare_excepts": _t(lambda v: f"adds {_count('bare except')(v)}", "changes"),
    # History (both models).
    "age_days": _t(lambda v: "the file is brand new" if v < 1 else f"the file is {_days(v)} old"),
    "days_since_last_change": _t(lambda v: f"this file was last changed {_days(v)} ago"),
    "fix_ratio": _t(lambda v: f"{v:.0%} of this file's changes were bug fixes"),
    "changes": _t(lambda v: f"this file was changed {_count('time')(v)}"),
    "changes_1y": _t(lambda v: f"this file was changed {_count('time')(v)} in the past year"),
    "fixes": _t(lambda v: f"this file had {_count('bug fix', 'bug fixes')(v)}"),
    "fixes_1y": _t(lambda v: f"this file had {_count('bug fix', 'bug fixes')(v)} in the past year"),
    "authors": _t(lambda v: f"{_count('person', 'people')(v)} have changed this file"),
    "authors_1y": _t(lambda v: f"{_count('person', 'people')(v)} changed this file in the past year"),
    "lines_added_1y": _t(lambda v: f"{_count('line')(v)} were added to this file in the past year"),
    "lines_deleted_1y": _t(lambda v: f"{_count('line')(v)} were deleted from this file in the past year"),
    "churn": _t(lambda v: f"{_count('line')(v)} of this file were added or deleted over its life"),
    "churn_1y_over_loc": _t(lambda v: f"last year's edits add up to {v:.1f} times the file's length"),
    # Static facts of the file (both models).
    "loc": _t(lambda v: f"the file has {_count('line')(v)}"),
    "sloc": _t(lambda v: f"the file has {_count('line')(v)} of code"),
    "lloc": _t(lambda v: f"the file has {_count('logical line')(v)}"),
    "comments": _t(lambda v: f"the file has {_count('comment line')(v)}"),
    "blank": _t(lambda v: f"the file has {_count('blank line')(v)}"),
    "comment_ratio": _t(lambda v: f"{v:.0%} of the file's lines are comments"),
    "parsed": _t(lambda v: "the file parses" if v else "the file does not parse as Python"),
    "cyclomatic_total": _t(lambda v: f"the file's total cyclomatic complexity is {_int(v)}"),
    "cyclomatic_max": _t(lambda v: f"its most complex function has cyclomatic complexity {_int(v)}"),
    "cyclomatic_mean": _t(lambda v: f"its functions average cyclomatic complexity {v:.1f}"),
    "complex_functions": _t(lambda v: f"the file has {_count('function')(v)} with cyclomatic complexity over 10"),
    "functions": _t(lambda v: f"the file defines {_count('function')(v)}"),
    "classes": _t(lambda v: f"the file defines {_count('class', 'classes')(v)}"),
    "function_length_max": _t(lambda v: f"its longest function has {_count('line')(v)}"),
    "function_length_mean": _t(lambda v: f"its functions average {v:.0f} lines"),
    "imports": _t(lambda v: f"the file imports {_count('name')(v)}"),
    "imported_modules": _t(lambda v: f"the file depends on {_count('module')(v)}"),
    "bare_excepts": _t(lambda v: f"the file has {_count('bare except')(v)}"),
    "is_init": _t(lambda v: "the file is a package's __init__.py" if v else "the file is a plain module"),
    "is_private": _t(lambda v: "the module is private (_name.py)" if v else "the module is public"),
    "path_depth": _t(lambda v: f"the file sits {_count('directory', 'directories')(v)} deep"),
}


def _ruff_template(feature: str) -> Template | None:
    """``ruff_b`` -> "the file has 3 bugbear findings"; ``new_ruff_b`` -> "adds 3 bugbear findings"."""
    added = feature.startswith("new_")
    key = feature.removeprefix("new_").removeprefix("ruff_")
    if not feature.removeprefix("new_").startswith("ruff_") or key not in _RUFF_FAMILIES:
        return None
    count = _count(*_RUFF_FAMILIES[key])
    if added:
        return Template(lambda v: f"adds {count(v)}", "changes")
    return Template(lambda v: f"the file has {count(v)}")


#: How the operator kinds of :mod:`quality_hooks.model.diff_tokens` read (one, many).
_OPERATOR_WORDS = {
    "eq": ("`==` comparison", None), "ne": ("`!=` comparison", None), "le": ("`<=` comparison", None),
    "ge": ("`>=` comparison", None), "lt": ("`<` comparison", None), "gt": ("`>` comparison", None),
    "subscript": ("subscript or list", None), "call": ("call or parenthesis", "calls or parentheses"),
    "attribute": ("attribute access", "attribute accesses"), "assign": ("assignment or keyword argument", None),
    "plus": ("`+`", "`+` signs"), "minus": ("`-`", "`-` signs"), "star": ("`*`", "`*` signs"),
    "slash": ("`/`", "`/` signs"), "percent": ("`%`", "`%` signs"), "colon": ("colon", None),
    "brace": ("dict or set brace", None), "power": ("`**`", "`**` signs"), "comma": ("comma", None),
    "at": ("decorator or `@`", "decorators or `@`"), "arrow": ("return annotation", None),
}  # fmt: skip
_AGGREGATE_WORDS = {
    "strings": ("string literal", None), "numbers": ("number literal", None), "names": ("name", None),
    "distinct_names": ("distinct name", None), "tokens": ("token of code", "tokens of code"),
}  # fmt: skip


def _token_template(feature: str) -> Template | None:
    """``tok_add_kw_except`` -> "adds 2 uses of `except`"; ``tok_del_op_eq`` -> "deletes 3 `==` comparisons"."""
    side, _, kind = feature.removeprefix("tok_").partition("_")
    verb = {"add": "adds", "del": "deletes"}.get(side)
    if not feature.startswith("tok_") or verb is None:
        return None
    if kind.startswith("kw_"):
        word = kind.removeprefix("kw_")
        return Template(lambda v: f"{verb} {_count(f'use of `{word}`', f'uses of `{word}`')(v)}", "changes")
    if kind == "indent_max":
        return Template(lambda v: f"{verb} code indented {_count('column')(v)} deep", "changes")
    if kind == "indent_sum":
        return Template(lambda v: f"{verb} code lines with {_count('column')(v)} of indentation in all", "changes")
    words = _OPERATOR_WORDS.get(kind.removeprefix("op_")) if kind.startswith("op_") else _AGGREGATE_WORDS.get(kind)
    if words is None:
        return None
    count = _count(*words)
    return Template(lambda v: f"{verb} {count(v)}", "changes")


def template(feature: str) -> Template:
    """The feature's template; unknown names read as ``name in words: value``."""
    if feature.startswith("rank_"):  # a percentile within the repository's own history (Zhang et al.)
        words = feature.removeprefix("rank_").replace("_", " ")
        return Template(lambda v: f"its {words} is above {v:.0%} of this project's changes", "changes")
    base = feature.removesuffix("_rank").removesuffix("_pct")
    found = _TEMPLATES.get(base) or _ruff_template(base) or _token_template(base)
    if found is not None:
        return found
    words = base.replace("_", " ")
    return Template(lambda v: f"{words}: {_int(v) if float(v).is_integer() else f'{v:.3g}'}")


def share_below(value: float, reference: Sequence[float], minimum: int = MIN_REFERENCE) -> float | None:
    """Share of ``reference`` strictly below ``value`` (None without a usable reference)."""
    if len(reference) < minimum:
        return None
    ordered = sorted(reference)
    return bisect.bisect_left(ordered, value) / len(ordered)


def comparison(
    value: float, reference: Sequence[float], unit: str, where: str = "here", minimum: int = MIN_REFERENCE
) -> str | None:
    """ "more than 95% of changes here" / "lower than 80% of files here" (None when it says nothing)."""
    below = share_below(value, reference, minimum)
    if below is None:
        return None
    above = 1.0 - bisect.bisect_right(sorted(reference), value) / len(reference)
    if below >= CLEAR_SHARE:
        return f"more than {_rounded_share(below)}% of {unit} {where}"
    if above >= CLEAR_SHARE:
        return f"lower than {_rounded_share(above)}% of {unit} {where}"
    return f"typical of {unit} {where}"


def _rounded_share(share: float) -> int:
    """A share as a percentage rounded down to 5 (99 above 99%), so "more than" stays true."""
    percent = math.floor(share * 100)
    return 99 if percent >= 99 else percent // 5 * 5


def sentence(
    feature: str,
    value: float | None,
    reference: Sequence[float] = (),
    *,
    where: str = "here",
    minimum: int = MIN_REFERENCE,
) -> str:
    """One factor in words, e.g. "adds 240 lines (more than 95% of changes here)"."""
    rule = template(feature)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{feature.replace('_', ' ')} is unknown"
    text = rule.text(float(value))
    compared = comparison(float(value), reference, rule.unit, where, minimum)
    return f"{text} ({compared})" if compared else text


#: Where the comparison points when only the training projects' quantiles are known.
TRAINING = "in the training projects"


def describe(
    factors: Sequence[Mapping[str, object]],
    references: Mapping[str, Sequence[float]] | None = None,
    quantiles: Mapping[str, Sequence[float]] | None = None,
) -> list[dict[str, object]]:
    """Copies of the scorer's factor dicts with a ``text`` sentence each.

    ``references`` maps a feature to the project's own distribution of it
    (compared as "here"); ``quantiles`` are the training projects' quantiles
    from the model's features file (the fallback, compared as "in the
    training projects"). A feature with neither reads without brackets.
    """
    out = []
    for factor in factors:
        feature = str(factor["feature"])
        value = factor.get("value")
        number = float(value) if isinstance(value, (int, float)) else None
        own = (references or {}).get(feature, ())
        if len(own) >= MIN_REFERENCE:
            text = sentence(feature, number, own)
        else:
            text = sentence(feature, number, (quantiles or {}).get(feature, ()), where=TRAINING, minimum=5)
        out.append({**factor, "text": text})
    return out
