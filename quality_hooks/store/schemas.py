"""Request bodies, validated by pydantic before any handler runs.

Every string is bounded and must be valid UTF-8 without NUL (PostgreSQL
refuses NUL; lone surrogates cannot be stored), every number bounded, every
list capped, so no input reaches the database that it would refuse.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from quality_hooks.store.email import check_recipients
from quality_hooks.store.payload import MAX_FEATURE_FILES, MAX_FEATURES

MAX_FILES = 20_000
BIG = 10**12


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode") from exc
    return text


Storable = AfterValidator(_storable)
PathText = Annotated[str, Field(min_length=1, max_length=1024), Storable]
NameText = Annotated[str, Field(min_length=1, max_length=255), Storable]
LongText = Annotated[str, Field(max_length=2000), Storable]
#: One factor of a file's score in words ("this file had 7 bug fixes in the past year").
WhyText = Annotated[str, Field(min_length=1, max_length=300), Storable]
VersionText = Annotated[str, Field(max_length=64), Storable]


Sha = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$", examples=["3f2c1e9a7b"])]
Count = Annotated[int, Field(ge=0, le=BIG)]
ScoreValue = Annotated[float, Field(ge=0, le=100)]
RiskValue = Annotated[float, Field(ge=0, le=1)]
Metric = Literal[
    "score",
    "risk",
    "complexity",
    "findings_error",
    "findings_warning",
    "new_findings",
    "maintainability",
    "findings_info",
    "psi",
]
#: Metrics whose drop is bad (the others are bad when they rise).
HIGHER_IS_BETTER = frozenset({"score", "maintainability"})
#: A drift rule's level when it names none (store/drift.py's reading of a significant shift).
DRIFT_LEVEL = 0.25
#: A rule's window when it names none: 10 runs; a forecast's 20, the dashboard's band without a rule.
DEFAULT_WINDOW, DEFAULT_FORECAST_WINDOW = 10, 20


class _Model(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False, extra="ignore")


class Findings(_Model):
    info: Count = 0
    warning: Count = 0
    error: Count = 0


class FileMetricsIn(_Model):
    path: PathText
    score: ScoreValue | None = None
    risk: RiskValue | None = None
    complexity: Count | None = None
    sloc: Count | None = None
    #: radon's maintainability index (0-100).
    maintainability: ScoreValue | None = None
    findings: Findings = Findings()
    new_findings: Count = 0
    error: LongText | None = None
    #: The file score's top factors as sentences (what the dashboard's file table says why).
    why: Annotated[list[WhyText], Field(max_length=3, default_factory=list)]  # a factory: no deepcopy per file


class Totals(_Model):
    files: Count = 0
    errors: Count = 0
    score: ScoreValue | None = None
    risk: RiskValue | None = None
    complexity: Count = 0
    sloc: Count = 0
    #: The files' maintainability index weighted by their size.
    maintainability: ScoreValue | None = None
    findings: Findings = Findings()
    new_findings: Count = 0


FeatureName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FeatureValue = Annotated[float, Field(ge=-BIG, le=BIG)] | None


class FeatureValuesIn(_Model):
    """The scored files' model inputs (a bounded sample, one row per file): what drift monitoring counts."""

    model: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,63}$", examples=["file-score"])]
    names: Annotated[list[FeatureName], Field(min_length=1, max_length=MAX_FEATURES)]
    rows: Annotated[
        list[Annotated[list[FeatureValue], Field(max_length=MAX_FEATURES)]], Field(max_length=MAX_FEATURE_FILES)
    ]

    @model_validator(mode="after")
    def _rows_match_names(self) -> FeatureValuesIn:
        if len(set(self.names)) != len(self.names):
            raise ValueError("feature names must be unique")
        if any(len(row) != len(self.names) for row in self.rows):
            raise ValueError("every row needs one value (or null) per name")
        return self


class RunIn(_Model):
    """One CI run; ``(commit, run_id)`` identifies it, so retries are harmless."""

    schema_version: Literal[1] = 1
    commit: Sha
    run_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:/-]{1,128}$", examples=["8812345-1"])]
    branch: NameText | None = None
    pull_request: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    base_commit: Sha | None = None
    tool_version: VersionText | None = None
    #: The repository's default branch as the pusher knows it; the first push naming one sets the project's.
    default_branch: NameText | None = None
    #: When the commit was made (its committer time): what the charts are drawn on.
    commit_time: dt.datetime | None = None
    totals: Totals
    files: Annotated[list[FileMetricsIn], Field(max_length=MAX_FILES)] = []
    #: The model inputs of the scored files, for drift monitoring (older pushers send none).
    feature_values: FeatureValuesIn | None = None


class RuleIn(_Model):
    """A threshold on the latest default-branch run, a trend over the last ``window`` runs, or a forecast.

    Thresholds compare the value itself (score and maintainability: alert when
    below; others: when above).  Trends compare the least-squares slope per run
    in the worsening direction (score falling, others rising) with the levels.
    Forecasts fit that line to the last ``window`` runs (N, default 20) and compare its
    worst expected value over the next ``horizon`` runs (K, default 5) with the levels,
    like a threshold; the dashboard's forecast band on that metric uses the same N and K.
    """

    kind: Literal["threshold", "trend", "forecast", "drift"]
    metric: Metric = "score"
    warning: Annotated[float, Field(ge=-BIG, le=BIG)] | None = None
    critical: Annotated[float, Field(ge=-BIG, le=BIG)] | None = None
    #: Runs the rule looks back over (N); unset: 10, or 20 for a forecast.
    window: Annotated[int, Field(ge=3, le=500)] | None = None
    #: Forecast rules: how many runs ahead the expected value may cross a level (K).
    horizon: Annotated[int, Field(ge=1, le=100)] = 5

    @model_validator(mode="after")
    def _default_window(self) -> RuleIn:
        if self.window is None:
            self.window = DEFAULT_FORECAST_WINDOW if self.kind == "forecast" else DEFAULT_WINDOW
        return self

    @model_validator(mode="after")
    def _drift_measures_psi(self) -> RuleIn:
        """A drift rule judges the largest feature PSI (default warning level 0.25); only it does."""
        if (self.metric == "psi") != (self.kind == "drift") and "metric" in self.model_fields_set:
            raise ValueError("metric 'psi' goes with kind 'drift', and a drift rule measures only 'psi'")
        if self.kind == "drift":
            self.metric = "psi"
            if self.warning is None and self.critical is None:
                self.warning = DRIFT_LEVEL
        return self

    @model_validator(mode="after")
    def _levels_ordered(self) -> RuleIn:
        if self.warning is None and self.critical is None:
            raise ValueError("set warning, critical or both")
        if self.warning is not None and self.critical is not None:
            lower_is_worse = self.kind in ("threshold", "forecast") and self.metric in HIGHER_IS_BETTER
            if (self.critical > self.warning) if lower_is_worse else (self.critical < self.warning):
                raise ValueError("critical must be at least as severe as warning")
        return self


class WebhookChannelIn(_Model):
    kind: Literal["json", "slack"]
    url: Annotated[HttpUrl, Field(max_length=2000), AfterValidator(lambda u: _storable(str(u)) and u)]


class EmailChannelIn(_Model):
    """Recipients only: the SMTP relay is the server's (``QUALITY_HOOKS_SMTP_*``), never the request's."""

    kind: Literal["email"]
    to: Annotated[
        list[Annotated[str, Field(max_length=320), Storable]],
        Field(min_length=1, max_length=100, examples=[["team@example.com"]]),
        AfterValidator(check_recipients),
    ]


ChannelIn = Annotated[WebhookChannelIn | EmailChannelIn, Field(discriminator="kind")]


class ProjectSettingsIn(_Model):
    default_branch: NameText | None = None
    private: bool | None = None
