"""What the runner tells the Action: environment variables, inputs and the event.

Inputs come from ``INPUT_<NAME>`` variables (``action.yml`` maps them; both
``INPUT_FAIL-ON`` and ``INPUT_FAIL_ON`` spellings are read) and can be given
as command-line flags, which win. The commit to judge and report on is the
pull request's head from the event payload, never ``GITHUB_SHA`` (a test
merge commit on ``pull_request``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PR_EVENTS = ("pull_request", "pull_request_target")
PR_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review", "edited")
NULL_SHA = "0" * 40
SHA = re.compile(r"^[0-9a-f]{40}$")
SWITCHES = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


class ContextError(Exception):
    """The runner's environment or event is not usable; one line, names the variable or file."""


def read_input(env: Mapping[str, str], name: str, default: str = "") -> str:
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip() != "":
            return value.strip()
    return default


def switch(value: str, name: str) -> bool:
    try:
        return SWITCHES[value.strip().lower()]
    except KeyError:
        raise ContextError(f"input {name}: expected on or off, got {value!r}") from None


@dataclass
class Target:
    """What to judge: a base...head range, for a pull request or a push."""

    kind: str  # "pull_request", "push" or "merge_group"
    base_sha: str
    head_sha: str
    pr_number: int | None = None
    head_ref: str = ""
    #: A push whose ``before`` may be gone (``forced: true``): judged against the merge base instead.
    forced: bool = False
    default_branch: str = "main"


@dataclass
class RunnerContext:
    event_name: str
    event: dict[str, Any]
    repository: str
    api_url: str
    server_url: str
    run_id: str
    workspace: str
    output_file: str | None
    summary_file: str | None
    token: str = field(default="", repr=False)

    @property
    def run_url(self) -> str:
        if not self.run_id:
            return f"{self.server_url}/{self.repository}"
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"


def load_event(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ContextError(f"GITHUB_EVENT_PATH {path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise ContextError(f"GITHUB_EVENT_PATH {path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ContextError(f"GITHUB_EVENT_PATH {path}: expected a JSON object")
    return data


def runner_context(env: Mapping[str, str], token: str) -> RunnerContext:
    event_path = env.get("GITHUB_EVENT_PATH", "")
    event = load_event(event_path) if event_path else {}
    repository = env.get("GITHUB_REPOSITORY") or str(event.get("repository", {}).get("full_name", ""))
    return RunnerContext(
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        event=event,
        repository=repository,
        api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID", ""),
        workspace=env.get("GITHUB_WORKSPACE") or os.getcwd(),
        output_file=env.get("GITHUB_OUTPUT") or None,
        summary_file=env.get("GITHUB_STEP_SUMMARY") or None,
        token=token,
    )


def _sha(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SHA.match(value):
        raise ContextError(f"event payload: {where} is not a commit SHA: {value!r}")
    return value


def target_for(context: RunnerContext) -> tuple[Target | None, str]:
    """The range to judge, or None and the reason there is nothing to do."""
    name, event = context.event_name, context.event
    if name in PR_EVENTS:
        action = event.get("action", "")
        if action and action not in PR_ACTIONS:
            return None, f"pull request was {action}: nothing to check"
        pr = event.get("pull_request")
        if not isinstance(pr, dict):
            raise ContextError(f"event payload: {name} event without a pull_request object")
        number = pr.get("number", event.get("number"))
        if not isinstance(number, int) or number <= 0:
            raise ContextError(f"event payload: pull_request.number is not a positive integer: {number!r}")
        head, base = pr.get("head") or {}, pr.get("base") or {}
        return (
            Target(
                kind="pull_request",
                base_sha=_sha(base.get("sha"), "pull_request.base.sha"),
                head_sha=_sha(head.get("sha"), "pull_request.head.sha"),
                pr_number=number,
                head_ref=str(head.get("ref", "")),
            ),
            "",
        )
    if name == "merge_group":
        group = event.get("merge_group")
        if not isinstance(group, dict):
            raise ContextError("event payload: merge_group event without a merge_group object")
        return (
            Target(
                kind="merge_group",
                base_sha=_sha(group.get("base_sha"), "merge_group.base_sha"),
                head_sha=_sha(group.get("head_sha"), "merge_group.head_sha"),
                head_ref=str(group.get("head_ref", "")),
            ),
            "",
        )
    if name == "push":
        before, after = event.get("before"), event.get("after")
        if event.get("deleted") or after == NULL_SHA:
            return None, f"{event.get('ref', 'ref')} was deleted: nothing to check"
        after = _sha(after, "after")
        if before == NULL_SHA or event.get("created"):
            default = event.get("repository", {}).get("default_branch") or "main"
            return (
                None,
                f"{event.get('ref', 'ref')} was created: no pushed range; "
                f"it is checked when a pull request into {default} is opened",
            )
        return Target(
            kind="push",
            base_sha=_sha(before, "before"),
            head_sha=after,
            head_ref=str(event.get("ref", "")),
            forced=bool(event.get("forced")),
            default_branch=str(event.get("repository", {}).get("default_branch") or "main"),
        ), ""
    shown = name or "(GITHUB_EVENT_NAME not set)"
    return None, f"event {shown}: nothing to do (the Action checks pull_request, push and merge_group events)"
