"""Post results to GitHub through PyGithub: comment, review, status, check run.

Each output is independent: one that fails (say the review gets a 422) is
reported and the others still go out. Writes look before they post again, so
a retry after an ambiguous failure never leaves a duplicate.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from github import Auth, Github
from github.IssueComment import IssueComment
from github.PullRequest import ReviewComment

from quality_hooks.github import retry
from quality_hooks.github.bundle import Annotation, Suggestion
from quality_hooks.github.diff import commentable_lines, fits
from quality_hooks.github.summary import MARKER, code

SUGGESTION_MARKER = "<!-- quality-hooks:suggestion -->"
REVIEW_MARKER = "<!-- quality-hooks:review -->"
CHECK_RUN_NAME = "quality-hooks"
ANNOTATIONS_PER_REQUEST = 50
STATUS_DESCRIPTION_LIMIT = 140
WRITE_INTERVAL_ENV = "QUALITY_HOOKS_GITHUB_WRITE_INTERVAL"


@dataclass
class Outcome:
    """What happened to one output, for the log and the summary."""

    name: str
    ok: bool
    detail: str
    denied: bool = False


def guarded(name: str, body: Callable[[], str]) -> Outcome:
    """Run one output; a refusal or failure becomes an Outcome, never an exception."""
    try:
        return Outcome(name, True, body())
    except retry.PermissionDenied as exc:
        return Outcome(name, False, f"not permitted ({exc})", denied=True)
    except retry.GiveUp as exc:
        return Outcome(name, False, str(exc))


def _linked(rule_code: str) -> str:
    """A rule's code linking to its docs (the text SARIF's help and ``rules --explain`` show)."""
    from quality_hooks.analysis.rules.docs import rule_doc_url

    url = rule_doc_url(rule_code)
    return f"[{code(rule_code)}]({url})" if url else code(rule_code)


def suggestion_body(suggestion: Suggestion) -> str:
    """A review comment with a ```suggestion block; the fence outgrows any backticks inside."""
    longest = max((len(run) for line in suggestion.replacement for run in re.findall(r"`{3,}", line)), default=2)
    fence = "`" * max(3, longest + 1)
    codes = ", ".join(_linked(c) for c in suggestion.codes) or "quality-hooks"
    message = " ".join(suggestion.message.split())[:300]
    message = message.replace("<", "&lt;").replace("@", "&#64;")
    lines = [f"**{codes}**: {message}", "", f"{fence}suggestion", *suggestion.replacement, fence, SUGGESTION_MARKER]
    return "\n".join(lines)


def _write_interval() -> float:
    try:
        return max(0.0, float(os.environ.get(WRITE_INTERVAL_ENV, "1.0")))
    except ValueError:
        return 1.0


class Publisher:
    """One repository on one GitHub (``api_url`` makes GitHub Enterprise Server work)."""

    def __init__(self, api_url: str, token: str, repository: str, sleep: Callable[[float], None] | None = None) -> None:
        self.github = Github(
            auth=Auth.Token(token),
            base_url=api_url,
            retry=None,  # retries are ours (see retry.py), so waits are honoured and writes never repeat blindly
            lazy=True,
            timeout=30,
            user_agent="quality-hooks-action",
            seconds_between_requests=None,
            seconds_between_writes=_write_interval() or None,
        )
        self.repo = self.github.get_repo(repository)
        self.call_options: dict[str, Any] = {"sleep": sleep} if sleep else {}

    def _call(self, what: str, action: Callable[[], Any], recheck: Callable[[], Any] | None = None) -> Any:
        return retry.call(what, action, recheck=recheck, **self.call_options)

    # -- reading ----------------------------------------------------------------

    def pull_head_sha(self, number: int) -> str:
        return str(self._call("read the pull request", lambda: self.repo.get_pull(number).head.sha))

    def commentable(self, number: int) -> dict[str, set[int] | None]:
        """Per changed path, the lines a review comment may target (None: the API gave no patch)."""
        pull = self.repo.get_pull(number)
        files = self._call("list the pull request's files", lambda: [(f.filename, f.patch) for f in pull.get_files()])
        return {name: (commentable_lines(patch) if patch else None) for name, patch in files}

    # -- summary comment ----------------------------------------------------------

    def _find_summary(self, number: int) -> IssueComment | None:
        """Our summary comment: one a bot posted first (a person may have quoted the marker), else any."""
        pull = self.repo.get_pull(number)
        mine = [c for c in pull.get_issue_comments() if (c.body or "").startswith(MARKER)]
        bots = [c for c in mine if getattr(c.user, "type", "") == "Bot"]
        found = bots or mine
        return found[0] if found else None

    def upsert_summary(self, number: int, body: str) -> Outcome:
        def run() -> str:
            existing = self._call("find the summary comment", lambda: self._find_summary(number))
            if existing is not None:
                if existing.body == body:
                    return f"summary comment {existing.id} already up to date"
                self._call("edit the summary comment", lambda: existing.edit(body))
                return f"summary comment {existing.id} updated"
            pull = self.repo.get_pull(number)
            created = self._call(
                "post the summary comment",
                lambda: pull.create_issue_comment(body),
                recheck=lambda: self._find_summary(number),
            )
            return f"summary comment {created.id} posted"

        return guarded("summary comment", run)

    # -- review with suggestions --------------------------------------------------

    def _posted(self, number: int) -> set[tuple[str, int | None, str]]:
        pull = self.repo.get_pull(number)
        return {(c.path, c.line, c.body) for c in pull.get_review_comments()}

    def post_review(
        self,
        number: int,
        head_sha: str,
        suggestions: Sequence[Suggestion],
        commentable: dict[str, set[int] | None],
        local_lines: Callable[[str], set[int]] | None = None,
    ) -> Outcome:
        def run() -> str:
            posted = self._call("list review comments", lambda: self._posted(number))
            comments: list[ReviewComment] = []
            outside = repeated = 0
            for suggestion in suggestions:
                lines = commentable.get(suggestion.path, set())
                if lines is None and local_lines is not None:
                    lines = local_lines(suggestion.path)
                if not lines or not fits(lines, suggestion.start_line, suggestion.line):
                    outside += 1
                    continue
                body = suggestion_body(suggestion)
                if (suggestion.path, suggestion.line, body) in posted:
                    repeated += 1
                    continue
                comment: ReviewComment = {
                    "path": suggestion.path,
                    "line": suggestion.line,
                    "side": "RIGHT",
                    "body": body,
                }
                if suggestion.start_line < suggestion.line:
                    comment["start_line"] = suggestion.start_line
                    comment["start_side"] = "RIGHT"
                comments.append(comment)
            skipped = f"{repeated} already posted, {outside} outside the diff"
            if not comments:
                return f"no new suggestions ({skipped})"
            wanted = {(c["path"], c["line"], c["body"]) for c in comments}

            def landed() -> str | None:
                return "posted" if wanted <= self._posted(number) else None

            pull = self.repo.get_pull(number)
            summary = (
                f"{REVIEW_MARKER}\nquality-hooks: {len(comments)} suggested fix(es) for new code. "
                "Accept them with one click."
            )
            self._call(
                "post the review",
                lambda: pull.create_review(
                    commit=self.repo.get_commit(head_sha), body=summary, event="COMMENT", comments=comments
                ),
                recheck=landed,
            )
            return f"review with {len(comments)} suggestion(s) posted ({skipped})"

        return guarded("review", run)

    # -- commit status ------------------------------------------------------------

    def set_status(self, sha: str, state: str, description: str, target_url: str, context: str) -> Outcome:
        description = description if len(description) <= STATUS_DESCRIPTION_LIMIT else description[:139] + "…"

        def run() -> str:
            commit = self.repo.get_commit(sha)
            options = {"description": description, "context": context}
            if target_url:
                options["target_url"] = target_url
            self._call("set the commit status", lambda: commit.create_status(state, **options))
            return f"status {context} = {state} on {sha[:12]}"

        return guarded("commit status", run)

    # -- check run with annotations ----------------------------------------------

    def check_run(
        self, sha: str, conclusion: str, title: str, summary: str, annotations: Sequence[Annotation]
    ) -> Outcome:
        payloads = [_annotation_payload(a) for a in annotations]
        batches = [payloads[i : i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(payloads), ANNOTATIONS_PER_REQUEST)]

        def run() -> str:
            first = batches[0] if batches else []
            output: dict[str, str | list[dict[str, str | int]]] = {
                "title": title,
                "summary": summary,
                "annotations": first,
            }
            check = self._call(
                "create the check run",
                lambda: self.repo.create_check_run(
                    CHECK_RUN_NAME, sha, status="completed", conclusion=conclusion, output=output
                ),
            )
            sent = len(first)
            for batch in batches[1:]:
                expected = sent + len(batch)

                def landed(expected: int = expected) -> str | None:
                    fresh = self.repo.get_check_run(check.id)
                    return "sent" if fresh.output.annotations_count >= expected else None

                def send(batch: list[dict[str, str | int]] = batch) -> None:
                    check.edit(output={"title": title, "summary": summary, "annotations": batch})

                self._call("add annotations to the check run", send, recheck=landed)
                sent = expected
            return f"check run {check.id} with {sent} annotation(s) in {max(1, len(batches))} request(s)"

        return guarded("check run", run)


def _annotation_payload(annotation: Annotation) -> dict[str, str | int]:
    payload: dict[str, str | int] = {
        "path": annotation.path,
        "start_line": annotation.line,
        "end_line": annotation.end_line,
        "annotation_level": annotation.level,
        "message": annotation.message[:64000],
        "title": annotation.title,
    }
    if annotation.line == annotation.end_line and annotation.column is not None:
        payload["start_column"] = annotation.column
        payload["end_column"] = annotation.end_column or annotation.column
    return payload
