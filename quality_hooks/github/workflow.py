"""The runner's side channels: workflow commands, ``GITHUB_OUTPUT``, the job summary.

These need no token, so they are what is left when the API refuses us (a
fork's read-only token): annotations as ``::error file=...::`` lines, the job
summary and the outputs still reach the author.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

#: GitHub shows at most this many workflow-command annotations per level per step.
ANNOTATIONS_PER_LEVEL = 10
#: The job summary is capped at 1 MiB per step; stay clearly below.
STEP_SUMMARY_LIMIT = 1024 * 1024 - 4096
#: Workflow-command name per annotation level (check-run levels on the left).
COMMAND_FOR_LEVEL = {"failure": "error", "warning": "warning", "notice": "notice"}
#: Most severe first, wherever annotations are cut to a limit.
LEVEL_ORDER = {"failure": 0, "warning": 1, "notice": 2}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Mapping[str, object] | None = None) -> str:
    """One ``::name key=value,...::message`` line, escaped as the runner expects."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in (properties or {}).items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def mask(secret: str, stream: TextIO | None = None) -> None:
    """Ask the runner to hide ``secret`` in every later log line."""
    if secret:
        print(command("add-mask", secret), file=stream or sys.stdout, flush=True)


@dataclass
class CommandAnnotation:
    level: str  # failure, warning, notice
    path: str
    line: int
    end_line: int
    title: str
    message: str
    column: int | None = None
    end_column: int | None = None


def select_visible(annotations: Sequence[CommandAnnotation]) -> tuple[list[CommandAnnotation], int]:
    """At most 10 per level, most severe first; the count of those GitHub would not show."""
    ranked = sorted(annotations, key=lambda a: (LEVEL_ORDER.get(a.level, 3), a.path, a.line))
    shown: list[CommandAnnotation] = []
    per_level: dict[str, int] = {}
    for annotation in ranked:
        if per_level.get(annotation.level, 0) < ANNOTATIONS_PER_LEVEL:
            per_level[annotation.level] = per_level.get(annotation.level, 0) + 1
            shown.append(annotation)
    return shown, len(annotations) - len(shown)


def annotation_lines(annotations: Iterable[CommandAnnotation]) -> list[str]:
    lines = []
    for annotation in annotations:
        props: dict[str, object] = {"file": annotation.path, "line": annotation.line, "endLine": annotation.end_line}
        if annotation.column is not None and annotation.line == annotation.end_line:
            props["col"] = annotation.column
            if annotation.end_column is not None:
                props["endColumn"] = annotation.end_column
        props["title"] = annotation.title
        lines.append(command(COMMAND_FOR_LEVEL.get(annotation.level, "notice"), annotation.message, props))
    return lines


def write_outputs(path: str | None, values: Mapping[str, str], stream: TextIO | None = None) -> None:
    """Append ``name<<DELIM`` blocks to ``GITHUB_OUTPUT`` (a random delimiter, so values cannot forge outputs)."""
    if not path:
        for key, value in values.items():
            print(f"output {key}={value}", file=stream or sys.stdout)
        return
    with open(path, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            handle.write(f"{key}<<{delimiter}{os.linesep}{value}{os.linesep}{delimiter}{os.linesep}")


def write_step_summary(path: str | None, markdown: str) -> bool:
    """Append to the job summary, cut to stay under the 1 MiB limit; False when there is none."""
    if not path:
        return False
    data = markdown.encode("utf-8")
    if len(data) > STEP_SUMMARY_LIMIT:
        note = b"\n\n_Summary truncated to stay under GitHub's 1 MiB job summary limit._\n"
        data = data[: STEP_SUMMARY_LIMIT - len(note)].decode("utf-8", errors="ignore").encode("utf-8") + note
    with open(path, "ab") as handle:
        handle.write(data + b"\n")
    return True
