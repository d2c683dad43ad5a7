"""The one result type every stage downstream of analysis reads.

Analysis fills a :class:`FileResult` once per file; gates, reports, the model,
the Action and the store only read it, so nothing re-parses or re-reads.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

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
    source: str = "quality-hooks"  # or "ruff"
    #: Rule, file-independent hash of the code the finding sits on; used by baselines.
    fingerprint: str = ""
    #: Filled by the gate: "new", "existing" (outside the change) or "baseline".
    status: str = "new"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "severity": self.severity.value,
            "fixable": self.fixable,
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


@dataclass
class Score:
    """The model's view of a file: defect risk, a 0..100 score, top factors."""

    risk: float
    score: float
    factors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"risk": self.risk, "score": self.score, "factors": self.factors}


@dataclass
class FileResult:
    """Everything known about one file after one read and one parse."""

    path: str
    source: SourceFile | None = None
    module: cst.Module | None = None
    metrics: FileMetrics | None = None
    functions: list[FunctionMetrics] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: One-line, user-facing problem that stopped analysis of this file.
    error: str | None = None
    gate: GateVerdict | None = None
    score: Score | None = None
    #: Free-form extras filled by later stages (change stats, base metrics...).
    extra: dict[str, Any] = field(default_factory=dict)

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
