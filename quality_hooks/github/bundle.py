"""The Action's result as plain data: built from a check, or loaded from an artifact.

In the fork-safe pair of workflows the unprivileged job writes this bundle and
the privileged ``workflow_run`` job posts it. The privileged job must treat
the file as untrusted: :func:`load_bundle` checks every field's type, size and
shape and refuses anything else, and the renderers escape every string, so a
crafted artifact can at worst put odd text in its own pull request.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from quality_hooks.results import FileResult, Finding, GateVerdict, Severity

BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
MAX_FILES = 5000
MAX_ANNOTATIONS = 20000
MAX_SUGGESTIONS = 1000
MAX_TEXT = 4000
MAX_PATH = 1024
SHA = re.compile(r"^[0-9a-f]{40}$")
#: A finding's key: hex only, so that it can sit in an HTML comment of a suggestion.
KEY = re.compile(r"^[0-9a-f]{16}$")
MAX_KEYS = 50000
ANNOTATION_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}


class BundleError(Exception):
    """The bundle file is not one we wrote; ``str()`` names the file and the field."""


@dataclass
class FileSummary:
    path: str
    status: str = "modified"
    score_before: float | None = None
    score_after: float | None = None
    risk: float | None = None
    level: str = "ok"
    reasons: list[str] = field(default_factory=list)
    new: int = 0
    existing: int = 0
    baseline: int = 0
    fixed: int | None = None
    improvements: list[str] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Annotation:
    path: str
    line: int
    end_line: int
    level: str  # failure, warning, notice
    code: str
    message: str
    column: int | None = None
    end_column: int | None = None

    @property
    def title(self) -> str:
        return f"quality-hooks {self.code}"


@dataclass
class Suggestion:
    """Replace new-side lines ``start_line..line`` of ``path`` with ``replacement``."""

    path: str
    start_line: int
    line: int
    replacement: list[str]
    codes: list[str] = field(default_factory=list)
    message: str = ""
    #: The keys (:func:`finding_key`) of the findings this suggestion fixes.
    keys: list[str] = field(default_factory=list)


def finding_key(path: str, finding: Finding) -> str:
    """Stable across line shifts: path, rule and the finding's code fingerprint (else its message)."""
    anchor = finding.fingerprint or f"{finding.message}:{finding.line}"
    return hashlib.sha256(f"{path}\0{finding.code}\0{anchor}".encode()).hexdigest()[:16]


@dataclass
class Bundle:
    repository: str
    event: str
    base_sha: str
    head_sha: str
    pr_number: int | None = None
    gate: str = "passed"  # passed, failed, error
    level: str = "ok"
    fail_on: str = "critical"
    scope: str = "changed-lines"
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    risk: float | None = None
    new_findings: int = 0
    files: list[FileSummary] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Keys of every finding left in the analysed files: an earlier suggestion whose keys are all gone was fixed.
    finding_keys: list[str] = field(default_factory=list)
    version: int = BUNDLE_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)


# --------------------------------------------------------------------------- building


def _factor_text(factor: Any) -> str:
    if not isinstance(factor, dict):
        return str(factor)[:200]
    if factor.get("text"):  # the sentence of quality_hooks.model.explain
        return str(factor["text"])[:200]
    name = factor.get("label") or factor.get("name") or factor.get("feature") or "factor"
    value = factor.get("value")
    impact = factor.get("impact", factor.get("contribution"))
    parts = [str(name)]
    if value is not None:
        parts.append(f"= {value:.3g}" if isinstance(value, float) else f"= {value}")
    if isinstance(impact, (int, float)):
        parts.append(f"({impact:+.2f})")
    return " ".join(parts)[:200]


def _fixed_count(result: FileResult) -> int | None:
    """Base findings that no longer appear, matched by rule and fingerprint; None if unknown."""
    if result.base is None:
        return None
    now = {(f.code, f.fingerprint) for f in result.findings}
    return sum(1 for f in result.base.findings if (f.code, f.fingerprint) not in now)


def file_summary(result: FileResult, rel_path: str) -> FileSummary:
    base_score = result.base.score if result.base is not None else None
    gate = result.gate or GateVerdict()
    statuses = [f.status for f in result.findings]
    return FileSummary(
        path=rel_path,
        status=result.change.status if result.change is not None else "modified",
        score_before=base_score.score if base_score is not None else None,
        # Before and after on the same footing: both versions scored as whole files.
        score_after=(result.whole_file_score or result.score).score if result.score else None,
        risk=result.score.risk if result.score else None,
        level=gate.level.value,
        reasons=[r.message for r in gate.reasons],
        new=statuses.count("new"),
        existing=statuses.count("existing"),
        baseline=statuses.count("baseline"),
        fixed=_fixed_count(result),
        improvements=list(result.improvements),
        factors=[_factor_text(f) for f in (result.score.factors if result.score else [])][:5],
        error=result.error,
    )


def annotations_for(result: FileResult, rel_path: str) -> list[Annotation]:
    """Every in-scope (new) finding of a file, as an annotation."""
    found = []
    for finding in result.findings:
        if finding.status != "new":
            continue
        end_line = max(finding.line, finding.end_line)
        same_line = end_line == finding.line
        found.append(
            Annotation(
                path=rel_path,
                line=max(1, finding.line),
                end_line=max(1, end_line),
                level=ANNOTATION_LEVEL[finding.severity],
                code=finding.code,
                message=finding.message,
                column=finding.column + 1 if same_line else None,
                end_column=finding.end_column + 1 if same_line and finding.end_column > finding.column else None,
            )
        )
    if result.error:
        found.append(Annotation(rel_path, 1, 1, "failure", "QH000", result.error))
    return found


# --------------------------------------------------------------------------- loading (untrusted)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> BundleError:
        return BundleError(f"{self.source}: {where}: {problem}")

    def text(self, value: Any, where: str, limit: int = MAX_TEXT, empty: bool = True) -> str:
        if not isinstance(value, str) or len(value) > limit or (not empty and not value):
            raise self.fail(where, f"expected a string of at most {limit} characters")
        if "\x00" in value:
            raise self.fail(where, "contains a NUL character")
        return value

    def path(self, value: Any, where: str) -> str:
        text = self.text(value, where, MAX_PATH, empty=False)
        if text.startswith("/") or "\\" in text or any(part in ("..", "") for part in text.split("/")):
            raise self.fail(where, f"not a relative repository path: {text[:80]!r}")
        if any(ord(c) < 32 for c in text):
            raise self.fail(where, "control character in path")
        return text

    def integer(self, value: Any, where: str, low: int = 0, high: int = 10_000_000) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(where, f"expected an integer in {low}..{high}")
        return value

    def number(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e9:
            raise self.fail(where, "expected a number or null")
        return float(value)

    def choice(self, value: Any, where: str, choices: Sequence[str]) -> str:
        if value not in choices:
            raise self.fail(where, f"expected one of {', '.join(choices)}")
        return str(value)

    def items(self, value: Any, where: str, limit: int) -> list[Any]:
        if not isinstance(value, list) or len(value) > limit:
            raise self.fail(where, f"expected a list of at most {limit} items")
        return value

    def texts(self, value: Any, where: str, limit: int = 200) -> list[str]:
        return [self.text(v, f"{where}[{i}]") for i, v in enumerate(self.items(value, where, limit))]

    def obj(self, value: Any, where: str, known: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        unknown = set(value) - known
        if unknown:
            raise self.fail(where, f"unknown field {sorted(unknown)[0]!r}")
        return value


def _load_file(reader: _Reader, value: Any, where: str) -> FileSummary:
    data = reader.obj(value, where, set(FileSummary.__dataclass_fields__))
    fixed = data.get("fixed")
    return FileSummary(
        path=reader.path(data.get("path"), f"{where}.path"),
        status=reader.choice(
            data.get("status", "modified"),
            f"{where}.status",
            ("added", "modified", "renamed", "copied", "unchanged", "deleted"),
        ),
        score_before=reader.number(data.get("score_before"), f"{where}.score_before"),
        score_after=reader.number(data.get("score_after"), f"{where}.score_after"),
        risk=reader.number(data.get("risk"), f"{where}.risk"),
        level=reader.choice(data.get("level", "ok"), f"{where}.level", ("ok", "warning", "critical")),
        reasons=reader.texts(data.get("reasons", []), f"{where}.reasons"),
        new=reader.integer(data.get("new", 0), f"{where}.new"),
        existing=reader.integer(data.get("existing", 0), f"{where}.existing"),
        baseline=reader.integer(data.get("baseline", 0), f"{where}.baseline"),
        fixed=None if fixed is None else reader.integer(fixed, f"{where}.fixed"),
        improvements=reader.texts(data.get("improvements", []), f"{where}.improvements"),
        factors=reader.texts(data.get("factors", []), f"{where}.factors", 20),
        error=None if data.get("error") is None else reader.text(data.get("error"), f"{where}.error"),
    )


def _load_annotation(reader: _Reader, value: Any, where: str) -> Annotation:
    data = reader.obj(value, where, set(Annotation.__dataclass_fields__))
    line = reader.integer(data.get("line"), f"{where}.line", 1)
    optional = {
        k: None if data.get(k) is None else reader.integer(data[k], f"{where}.{k}", 1) for k in ("column", "end_column")
    }
    return Annotation(
        path=reader.path(data.get("path"), f"{where}.path"),
        line=line,
        end_line=reader.integer(data.get("end_line"), f"{where}.end_line", line),
        level=reader.choice(data.get("level"), f"{where}.level", ("failure", "warning", "notice")),
        code=reader.text(data.get("code"), f"{where}.code", 40, empty=False),
        message=reader.text(data.get("message"), f"{where}.message"),
        **optional,
    )


def _load_suggestion(reader: _Reader, value: Any, where: str) -> Suggestion:
    data = reader.obj(value, where, set(Suggestion.__dataclass_fields__))
    start = reader.integer(data.get("start_line"), f"{where}.start_line", 1)
    line = reader.integer(data.get("line"), f"{where}.line", start, start + 200)
    return Suggestion(
        path=reader.path(data.get("path"), f"{where}.path"),
        start_line=start,
        line=line,
        replacement=reader.texts(data.get("replacement"), f"{where}.replacement", 400),
        codes=reader.texts(data.get("codes", []), f"{where}.codes", 50),
        message=reader.text(data.get("message", ""), f"{where}.message"),
        keys=_keys(reader, data.get("keys", []), f"{where}.keys", 200),
    )


def _keys(reader: _Reader, value: Any, where: str, limit: int) -> list[str]:
    keys = [reader.text(v, f"{where}[{i}]", 16) for i, v in enumerate(reader.items(value, where, limit))]
    if not all(KEY.match(k) for k in keys):
        raise reader.fail(where, "expected 16-character hex keys")
    return keys


def parse_bundle(data: Any, source: str = "bundle") -> Bundle:
    """Validate untrusted bundle data field by field; BundleError on anything unexpected."""
    reader = _Reader(source)
    data = reader.obj(data, "<root>", set(Bundle.__dataclass_fields__))
    if data.get("version") != BUNDLE_VERSION:
        raise reader.fail("version", f"expected {BUNDLE_VERSION}, got {data.get('version')!r}")
    base_sha, head_sha = (_commit_sha(reader, data.get(key), key) for key in ("base_sha", "head_sha"))
    pr_number = data.get("pr_number")
    return Bundle(
        repository=reader.text(data.get("repository"), "repository", 200, empty=False),
        event=reader.choice(data.get("event"), "event", ("pull_request", "push", "merge_group")),
        pr_number=None if pr_number is None else reader.integer(pr_number, "pr_number", 1),
        gate=reader.choice(data.get("gate"), "gate", ("passed", "failed", "error")),
        level=reader.choice(data.get("level", "ok"), "level", ("ok", "warning", "critical")),
        fail_on=reader.choice(data.get("fail_on", "critical"), "fail_on", ("warning", "critical", "never")),
        scope=reader.choice(data.get("scope", "changed-lines"), "scope", ("changed-lines", "changed-files", "all")),
        reasons=reader.texts(data.get("reasons", []), "reasons", 5000),
        score=reader.number(data.get("score"), "score"),
        risk=reader.number(data.get("risk"), "risk"),
        new_findings=reader.integer(data.get("new_findings", 0), "new_findings"),
        files=[
            _load_file(reader, v, f"files[{i}]")
            for i, v in enumerate(reader.items(data.get("files", []), "files", MAX_FILES))
        ],
        annotations=[
            _load_annotation(reader, v, f"annotations[{i}]")
            for i, v in enumerate(reader.items(data.get("annotations", []), "annotations", MAX_ANNOTATIONS))
        ],
        suggestions=[
            _load_suggestion(reader, v, f"suggestions[{i}]")
            for i, v in enumerate(reader.items(data.get("suggestions", []), "suggestions", MAX_SUGGESTIONS))
        ],
        notes=reader.texts(data.get("notes", []), "notes", 100),
        finding_keys=_keys(reader, data.get("finding_keys", []), "finding_keys", MAX_KEYS),
        base_sha=base_sha,
        head_sha=head_sha,
    )


def _commit_sha(reader: _Reader, value: Any, key: str) -> str:
    if not isinstance(value, str) or not SHA.match(value):
        raise reader.fail(key, "expected a 40-character commit SHA")
    return value


def load_bundle(path: str) -> Bundle:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleError(f"{path}: larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{path}: not valid JSON: {str(exc)[:200]}") from None
    return parse_bundle(data, path)
