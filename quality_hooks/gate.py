"""Judge each file against the configured thresholds, new code first.

Each file gets its own verdict from its own content and change, never from an
average over the files in one call, so pre-commit may chunk files any way it
likes and the answer is the same. With a change context, only what the change
adds is judged ("clean as you code"); the rest is counted but does not fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from quality_hooks.config import GATE_THRESHOLDS, Config, Threshold
from quality_hooks.results import BaseVersion, FileResult, FunctionMetrics, GateReason, GateVerdict, Level, Severity


@dataclass
class FileChange:
    """How a change touched one file; ``None`` lines means the whole file is new."""

    status: str = "modified"  # added, modified, renamed, unchanged
    old_path: str | None = None
    changed_lines: set[int] | None = None
    #: Lines after which the change only deleted code: a function spanning
    #: one was touched even though it has no added line.
    deleted_after: set[int] = field(default_factory=set)

    def touches(self, start: int, end: int) -> bool:
        if self.changed_lines is None:
            return True
        span = range(start, max(start, end) + 1)
        return any(line in self.changed_lines for line in span) or any(
            start <= line < end for line in self.deleted_after
        )

    def in_scope(self, start: int, end: int, scope: str) -> bool:
        if scope == "all":
            return True
        if scope == "changed-files":
            return self.status != "unchanged"
        return self.status != "unchanged" and self.touches(start, end)


def _in_scope(change: FileChange | None, start: int, end: int, scope: str) -> bool:
    return change is None or change.in_scope(start, end, scope)


@dataclass
class Judgement:
    """The gate's answer for one file: its verdict, and what the change made better."""

    verdict: GateVerdict
    improvements: list[str] = field(default_factory=list)


def _level(value: float, threshold: Threshold, direction: str) -> Level:
    def crosses(limit: float | None) -> bool:
        if limit is None:
            return False
        return value > limit if direction == "max" else value < limit

    if crosses(threshold.critical):
        return Level.CRITICAL
    if crosses(threshold.warning):
        return Level.WARNING
    return Level.OK


def _limit(threshold: Threshold, level: Level) -> float | None:
    return threshold.critical if level is Level.CRITICAL else threshold.warning


def _fmt(number: float) -> str:
    return f"{number:g}" if float(number).is_integer() else f"{number:.2f}"


def check_threshold(
    name: str, value: float, config: Config, subject: str, line: int | None = None
) -> GateReason | None:
    threshold = config.gate.thresholds[name]
    _, direction, what = GATE_THRESHOLDS[name]
    level = _level(value, threshold, direction)
    if level is Level.OK:
        return None
    word = "above" if direction == "max" else "below"
    limit = _limit(threshold, level)
    return GateReason(
        level, name, f"{subject}: {what} {_fmt(value)} is {word} the {level.value} limit {_fmt(limit or 0)}", line
    )


def matches_selector(code: str, selector: str) -> bool:
    """ruff's prefix rule: ``F`` selects ``F401`` but not ``FURB101``; ``QH2`` selects ``QH201``."""
    if not code.startswith(selector):
        return False
    rest = code[len(selector) :]
    return not rest or selector[-1:].isdigit() or rest[0].isdigit()


def _matches_rule(code: str, selectors: Iterable[str]) -> bool:
    return any(matches_selector(code, selector) for selector in selectors)


def assign_scope(result: FileResult, change: FileChange | None, scope: str) -> None:
    """Mark each finding new or existing by the configured scope."""
    for finding in result.findings:
        if finding.status == "baseline":
            continue
        in_scope = _in_scope(change, finding.line, finding.end_line, scope)
        finding.status = "new" if in_scope else "existing"


def _ratchet(
    name: str, value: float, base_value: float | None, reason: GateReason | None, subject: str, improvements: list[str]
) -> GateReason | None:
    """No-worse: a touched function already over a limit may stay there, not get worse."""
    if base_value is None:
        return reason
    if value < base_value:
        improvements.append(f"{subject}: {name[4:]} {_fmt(base_value)} -> {_fmt(value)}")
    if reason is None or value <= base_value:
        return None
    reason.message += f" (was {_fmt(base_value)})"
    return reason


def _judge_function(
    function: FunctionMetrics, before: FunctionMetrics | None, config: Config, ratchet: bool, improvements: list[str]
) -> list[GateReason]:
    subject = f"{function.qualname}()"
    reasons = []
    for name, value, base_value in (
        ("max-complexity", function.cyclomatic, before.cyclomatic if before else None),
        ("max-cognitive", function.cognitive, before.cognitive if before else None),
    ):
        reason = check_threshold(name, value, config, subject, function.line)
        if ratchet:
            reason = _ratchet(name, value, base_value, reason, subject, improvements)
        if reason is not None:
            reasons.append(reason)
    if before is not None:
        rise = function.cyclomatic - before.cyclomatic
        reason = check_threshold("max-complexity-increase", rise, config, subject, function.line)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _function_reasons(
    result: FileResult, change: FileChange | None, config: Config, scope: str, improvements: list[str]
) -> list[GateReason]:
    base = result.base if change is not None else None
    base_functions = {f.qualname: f for f in base.functions} if base is not None else {}
    ratchet = change is not None and scope != "all"
    reasons: list[GateReason] = []
    for function in result.functions:
        if _in_scope(change, function.line, function.end_line, scope):
            before = base_functions.get(function.qualname)
            reasons += _judge_function(function, before, config, ratchet, improvements)
    return reasons


def _finding_reasons(result: FileResult, config: Config) -> list[GateReason]:
    """New findings: errors and ``fail-rules`` codes are critical; a count threshold too."""
    new = [f for f in result.findings if f.status == "new"]
    reasons = [
        GateReason(Level.CRITICAL, "finding", f"line {f.line}: {f.label} {f.message}", f.line)
        for f in new
        if f.severity is Severity.ERROR or any(_matches_rule(code, config.gate.fail_rules) for code in f.codes)
    ]
    serious = sum(1 for f in new if f.severity.rank >= Severity.WARNING.rank)
    reason = check_threshold("max-new-findings", serious, config, "file")
    return [*reasons, reason] if reason is not None else reasons


def judge(result: FileResult, config: Config, change: FileChange | None = None, scope: str | None = None) -> Judgement:
    """The verdict on one file and the improvements worth reporting.

    Reads the file's analysis, its model scores and its base version (``result.base``); marks
    each finding new or existing by the scope (see :func:`assign_scope`).
    """
    scope = scope or config.gate.scope
    improvements: list[str] = []
    reasons: list[GateReason] = []
    if result.error is not None:
        reasons.append(GateReason(Level.CRITICAL, "analysis", result.error))
    else:
        assign_scope(result, change, scope)
        reasons += _function_reasons(result, change, config, scope, improvements)
        reasons += _finding_reasons(result, config)
        reasons += _file_metric_reasons(result, change, config, scope, improvements)
    level = max((r.level for r in reasons), key=lambda lv: lv.rank, default=Level.OK)
    fail_rank = Level(config.gate.fail_on).rank
    return Judgement(GateVerdict(level=level, passed=level.rank < fail_rank, reasons=reasons), improvements)


def _file_metric_reasons(
    result: FileResult, change: FileChange | None, config: Config, scope: str, improvements: list[str]
) -> list[GateReason]:
    reasons: list[GateReason] = []
    base: BaseVersion | None = result.base if change is not None else None
    if result.metrics is not None:
        mi = result.metrics.maintainability
        reason = check_threshold("min-maintainability", mi, config, "file")
        if change is not None and change.status == "unchanged" and scope != "all":
            reason = None
        elif reason is not None and base is not None and base.metrics is not None and scope != "all":
            # No-worse: a file already below the limit may stay there.
            reason = None if mi >= base.metrics.maintainability else reason
        if reason is not None:
            reasons.append(reason)
    if result.score is not None:
        # Two models: ``risk`` is the change's (in a whole-tree check, the file's), ``score`` always the file's.
        judged = (("max-risk", result.score.risk), ("min-score", (result.whole_file_score or result.score).score))
        for name, value in judged:
            reason = check_threshold(name, value, config, "file")
            if reason is not None:
                reasons.append(reason)
        # Like with like: the new version's whole-file score when the model gave one.
        now = result.whole_file_score or result.score
        if base is not None and base.score is not None:
            drop = base.score.score - now.score
            reason = check_threshold("max-score-drop", drop, config, "file")
            if reason is not None:
                reason.message += f" ({_fmt(base.score.score)} -> {_fmt(now.score)})"
                reasons.append(reason)
            elif drop < 0:
                improvements.append(f"quality score {_fmt(base.score.score)} -> {_fmt(now.score)}")
    return reasons


def overall(results: Sequence[FileResult]) -> GateVerdict:
    """All files' verdicts together: fails if any file fails."""
    reasons = [reason for result in results if result.gate for reason in result.gate.reasons]
    level = max((r.gate.level for r in results if r.gate), key=lambda lv: lv.rank, default=Level.OK)
    passed = all(r.gate.passed for r in results if r.gate)
    return GateVerdict(level=level, passed=passed, reasons=reasons)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def _threshold_toml(threshold: Threshold) -> str:
    levels = (("warning", threshold.warning), ("critical", threshold.critical))
    shown = [f"{name} = {_fmt(limit)}" for name, limit in levels if limit is not None]
    return "{ " + ", ".join(shown) + " }" if shown else "off"


def describe_settings(config: Config, path: str) -> list[str]:
    """The gate in force for ``path``, as TOML a user could paste, with where it came from.

    ``quality-hooks check --show-settings PATH`` prints it, so "why did (or didn't) this fail?"
    starts from the settings actually used, defaults included.
    """
    source = config.path or "defaults (no [tool.quality-hooks] table above this path)"
    lines = [f"# effective settings for {path}", f"# from: {source}", "[tool.quality-hooks]"]
    for key, value in (
        ("ruff", config.ruff),
        ("ruff-select", config.ruff_select),
        ("ruff-ignore", config.ruff_ignore),
        ("dedupe", config.dedupe),
        ("select", config.select),
        ("ignore", config.ignore),
        ("baseline", config.baseline),
    ):
        lines.append(f"{key} = {_toml(value)}")
    gate = config.gate
    lines += [
        "",
        "[tool.quality-hooks.gate]",
        f"fail-on = {_toml(gate.fail_on)}",
        f"scope = {_toml(gate.scope)}  # with --base/--staged or in the hook; a plain check judges everything",
        f"fail-rules = {_toml(gate.fail_rules)}  # a new finding with these codes is critical",
    ]
    for name, (_, _, what) in GATE_THRESHOLDS.items():
        shown = _threshold_toml(gate.thresholds[name])
        lines.append(f"{name} = {shown}  # {what}" if shown != "off" else f"# {name}: off  ({what})")
    return lines
