"""The one result type every stage downstream of analysis reads.

Analysis fills a :class:`FileResult` once per file; gates, reports, the model,
the Action and the store only read it, so nothing re-parses or re-reads.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quality_hooks.source import SourceFile

SCHEMA_VERSION = 1


class Severity(str, enum.Enum):
    """How bad a finding is; ordered so that ``max()`` picks the worst."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Level(str, enum.Enum):
    """Gate levels: a threshold or reason is either a warning or critical."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.OK: 0, Level.WARNING: 1, Level.CRITICAL: 2}


@dataclass
class Finding:
    """One problem at one place, from a QH rule or from ruff."""

    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Severity
    fixable: bool = False
    #: ``safe`` or ``unsafe`` (needs ``--unsafe-fixes``) for a fix ``quality-hooks fix`` applies, after
    #: ``fix-policy``; None without one (ruff's fixes are never applied).
    fix_safety: str | None = None
    source: str = "quality-hooks"  # or "ruff"
    #: Rule, file-independent hash of the code the finding sits on; used by baselines.
    fingerprint: str = ""
    #: Filled by the gate: "new", "existing" (outside the change) or "baseline".
    status: str = "new"
    #: Codes of the other tool's findings for this same problem, folded into this one (``QH201 (B006)``).
    also: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """This finding's code and those folded into it: what suppressions and ``fail-rules`` match."""
        return [self.code, *self.also]

    @property
    def label(self) -> str:
        """``QH201`` or, with a folded duplicate, ``QH201 (B006)``: how reports name the finding."""
        return f"{self.code} ({', '.join(self.also)})" if self.also else self.code

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "also": list(self.also),
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "severity": self.severity.value,
            "fixable": self.fixable,
            "fix_safety": self.fix_safety,
            "source": self.source,
            "fingerprint": self.fingerprint,
            "status": self.status,
        }


@dataclass
class FunctionMetrics:
    """Per-function measures; ``qualname`` is ``Class.method`` style."""

    name: str
    qualname: str
    line: int
    end_line: int
    cyclomatic: int = 1
    cognitive: int = 0
    parameters: int = 0
    length: int = 0
    max_nesting: int = 0
    returns: int = 0
    branches: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FileMetrics:
    """Whole-file measures: radon's families plus cognitive complexity."""

    loc: int = 0
    sloc: int = 0
    lloc: int = 0
    comments: int = 0
    multi: int = 0
    blank: int = 0
    single_comments: int = 0
    maintainability: float = 100.0
    halstead_volume: float = 0.0
    halstead_difficulty: float = 0.0
    halstead_effort: float = 0.0
    halstead_bugs: float = 0.0
    cyclomatic_total: int = 0
    cyclomatic_max: int = 0
    cognitive_total: int = 0
    cognitive_max: int = 0
    functions: int = 0
    classes: int = 0
    #: Names of metric families that were bounded or skipped (e.g. too slow).
    degraded: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class GateReason:
    """Why the gate warned or failed, in words a developer can act on."""

    level: Level
    check: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level.value, "check": self.check, "message": self.message, "line": self.line}


@dataclass
class GateVerdict:
    level: Level = Level.OK
    passed: bool = True
    reasons: list[GateReason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "passed": self.passed,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class ModelSource:
    """Which model scored: ``bundled`` or ``local``, its file, when it was trained.

    ``note`` says why a local model that exists was not used (shallow clone,
    features of another version, unreadable file), so a user is never left
    guessing which model produced a number.
    """

    kind: str
    path: str
    trained: str | None = None
    note: str | None = None

    def describe(self) -> str:
        trained = f", trained {self.trained}" if self.trained else ""
        text = f"{self.kind} model ({self.path}{trained})"
        return f"{text}; {self.note}" if self.note else text

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "path": self.path, "trained": self.trained, "note": self.note}


@dataclass
class Score:
    """The model's view of a file: defect risk, a 0..100 score, top factors, and which model said so."""

    risk: float
    score: float
    factors: list[dict[str, Any]] = field(default_factory=list)
    model: ModelSource | None = field(default=None, compare=False)
    #: The model's input values by feature name (None: unknown), what the store's drift monitoring compares.
    features: dict[str, float | None] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        found = {"risk": self.risk, "score": self.score, "factors": self.factors}
        return found | {"features": self.features} if self.features else found


@dataclass
class ModelScores:
    """What the model computed for one file; the pipeline assigns each part to the FileResult.

    ``score`` judges the new version with its change context (a whole-tree check has none, so
    there it is the file as a whole); ``whole_file`` judges the new version and ``base`` the
    base version as whole files, so the score-drop ratchet compares like with like.
    """

    score: Score | None = None
    whole_file: Score | None = None
    base: Score | None = None


@dataclass
class ChangeSummary:
    """How the judged change touched a file: its status and how many lines it added or modified."""

    status: str
    old_path: str | None = None
    #: Added or modified lines; ``None`` when the whole file is new.
    changed_lines: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "old_path": self.old_path, "changed_lines": self.changed_lines}


@dataclass
class BaseVersion:
    """The file as it was before the change, analysed like the new version.

    The gate's no-worse ratchets compare against its functions, metrics and score; the
    Action counts the findings the change fixed from its findings.
    """

    findings: list[Finding] = field(default_factory=list)
    functions: list[FunctionMetrics] = field(default_factory=list)
    metrics: FileMetrics | None = None
    #: The base version scored as a whole file (no change features); ``None`` without the model.
    score: Score | None = None


@dataclass
class FileResult:
    """Everything known about one file after one read and one parse.

    Analysis fills the first fields; the pipeline assigns the rest from what each later
    stage returns (model scores, the base version, the gate's verdict and improvements).
    """

    path: str
    source: SourceFile | None = None
    metrics: FileMetrics | None = None
    functions: list[FunctionMetrics] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: One-line, user-facing problem that stopped analysis of this file.
    error: str | None = None
    gate: GateVerdict | None = None
    score: Score | None = None
    #: The new version scored as a whole file, when ``score`` had a change context.
    whole_file_score: Score | None = None
    #: How the judged change touched the file (``None`` for a whole-tree check).
    change: ChangeSummary | None = None
    #: The base version of a changed file, when there is one that could be analysed.
    base: BaseVersion | None = None
    #: What the change made better (a simpler function, a higher score), for the report.
    improvements: list[str] = field(default_factory=list)
    #: The models' static facts of this version (``quality_hooks.model.static.StaticFacts``) when the
    #: process that analysed it measured them while it held the parse (a pool worker); never reported.
    facts: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "error": self.error,
            "metrics": self.metrics.to_dict() if self.metrics else None,
            "functions": [f.to_dict() for f in self.functions],
            "findings": [f.to_dict() for f in self.findings],
            "gate": self.gate.to_dict() if self.gate else None,
            "score": self.score.to_dict() if self.score else None,
        }
