"""Post results to GitHub through PyGithub: comment, review, status, check run.

Each output is independent: one that fails (say the review gets a 422) is
reported and the others still go out. Writes look before they post again, so
a retry after an ambiguous failure never leaves a duplicate. There is one of
each: the summary comment is ours only if it carries the marker *and* was
written by the token's own user (a comment planted by someone else is never
adopted); the check run is found by name on the head commit and updated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from github import Auth, Github
from github.CheckRun import CheckRun as GithubCheckRun
from github.IssueComment import IssueComment
from github.PullRequest import ReviewComment
from github.PullRequestComment import PullRequestComment

from quality_hooks.github import retry
from quality_hooks.github.bundle import Annotation, Suggestion
from quality_hooks.github.diff import commentable_lines, fits
from quality_hooks.github.summary import MARKER, code, escape

SUGGESTION_MARKER = "<!-- quality-hooks:suggestion -->"
FIXED_MARKER = "<!-- quality-hooks:suggestion-fixed -->"
KEYS = re.compile(r"<!-- quality-hooks:keys ([0-9a-f,]+) -->")
REVIEW_MARKER = "<!-- quality-hooks:review -->"
CHECK_RUN_NAME = "quality-hooks"
ANNOTATIONS_PER_REQUEST = 50
STATUS_DESCRIPTION_LIMIT = 140
WRITE_INTERVAL_ENV = "QUALITY_HOOKS_GITHUB_WRITE_INTERVAL"
#: Who wrote our comments when the token may not read ``/user`` (the workflow's GITHUB_TOKEN).
ACTIONS_BOT = "github-actions[bot]"


@dataclass(frozen=True)
class PullHead:
    """Where a pull request's head is now, read from the API."""

    number: int
    head_sha: str
    head_repo: str
    head_ref: str


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
    lines = [suggestion_title(suggestion), "", f"{fence}suggestion", *suggestion.replacement, fence, SUGGESTION_MARKER]
    if suggestion.keys:
        lines.append(f"<!-- quality-hooks:keys {','.join(suggestion.keys)} -->")
    return "\n".join(lines)


def suggestion_title(suggestion: Suggestion) -> str:
    codes = ", ".join(_linked(c) for c in suggestion.codes) or "quality-hooks"
    return f"**{codes}**: {escape(suggestion.message)}"


def fixed_body(body: str, head_sha: str) -> str:
    """A suggestion whose findings are gone: say where it was fixed, drop the block (nothing left to apply)."""
    title = body.split("\n", 1)[0]
    return f"✅ Fixed in {head_sha[:12]}: ~~{title}~~\n{FIXED_MARKER}"


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
        self._login: str | None = None

    def _call(self, what: str, action: Callable[[], Any], recheck: Callable[[], Any] | None = None) -> Any:
        return retry.call(what, action, recheck=recheck, **self.call_options)

    # -- reading ----------------------------------------------------------------

    def login(self) -> str:
        """The token's user: what our own comments are recognised by."""
        if self._login is None:
            try:
                self._login = str(self._call("read the token's user", lambda: self.github.get_user().login))
            except (retry.PermissionDenied, retry.GiveUp):
                self._login = ACTIONS_BOT  # an installation token may not read /user
        return self._login

    def pull_head(self, number: int) -> PullHead:
        def read() -> PullHead:
            pull = self.repo.get_pull(number)
            return _pull_head(pull.number, pull.head)

        result: PullHead = self._call("read the pull request", read)
        return result

    def pulls_from(self, head_repo: str, head_branch: str) -> list[PullHead]:
        """Open pull requests whose head is ``head_branch`` of ``head_repo`` (a fork's PR is not in the event)."""
        owner = head_repo.split("/")[0]

        def read() -> list[PullHead]:
            pulls = self.repo.get_pulls(state="open", head=f"{owner}:{head_branch}")
            return [_pull_head(p.number, p.head) for p in pulls]

        found: list[PullHead] = self._call("find the pull request of the workflow run", read)
        return [p for p in found if p.head_repo == head_repo and p.head_ref == head_branch]

    def commentable(self, number: int) -> dict[str, set[int] | None]:
        """Per changed path, the lines a review comment may target (None: the API gave no patch)."""
        pull = self.repo.get_pull(number)
        files = self._call("list the pull request's files", lambda: [(f.filename, f.patch) for f in pull.get_files()])
        return {name: (commentable_lines(patch) if patch else None) for name, patch in files}

    # -- summary comment ----------------------------------------------------------

    def _summaries(self, number: int) -> list[IssueComment]:
        """Our summary comments, oldest first: the marker *and* the token's own user."""
        me = self.login()
        pull = self.repo.get_pull(number)
        ours = [c for c in pull.get_issue_comments() if (c.body or "").startswith(MARKER) and c.user.login == me]
        return sorted(ours, key=lambda c: c.id)

    def _first_summary(self, number: int) -> IssueComment | None:
        found = self._summaries(number)
        return found[0] if found else None

    def _edit(self, comment: IssueComment, body: str) -> str:
        if comment.body == body:
            return f"summary comment {comment.id} already up to date"
        self._call("edit the summary comment", lambda: comment.edit(body))
        return f"summary comment {comment.id} updated"

    def upsert_summary(self, number: int, body: str) -> Outcome:
        def run() -> str:
            existing = self._call("find the summary comment", lambda: self._first_summary(number))
            if existing is not None:
                return self._edit(existing, body)
            pull = self.repo.get_pull(number)
            created = self._call(
                "post the summary comment",
                lambda: pull.create_issue_comment(body),
                recheck=lambda: self._first_summary(number),
            )
            # Two first runs can both have found nothing: the oldest comment wins, a later one removes itself.
            ours = self._call("look for a concurrent summary comment", lambda: self._summaries(number))
            if ours and ours[0].id != created.id:
                if any(c.id == created.id for c in ours):
                    self._call(
                        "remove the duplicate summary comment",
                        created.delete,
                        recheck=lambda: None if any(c.id == created.id for c in self._summaries(number)) else "gone",
                    )
                return self._edit(ours[0], body) + f" (a concurrent run had posted it; duplicate {created.id} removed)"
            return f"summary comment {created.id} posted"

        return guarded("summary comment", run)

    # -- review with suggestions --------------------------------------------------

    def _review_comments(self, number: int) -> list[PullRequestComment]:
        """Our suggestion comments on the pull request (marker and the token's own user)."""
        me = self.login()
        pull = self.repo.get_pull(number)
        return [c for c in pull.get_review_comments() if SUGGESTION_MARKER in (c.body or "") and c.user.login == me]

    def _posted(self, number: int) -> set[tuple[str, int | None, str]]:
        return {(c.path, c.line, c.body) for c in self._review_comments(number)}

    def post_review(
        self,
        number: int,
        head_sha: str,
        suggestions: Sequence[Suggestion],
        commentable: dict[str, set[int] | None],
        local_lines: Callable[[str], set[int]] | None = None,
        limit: int = 30,
    ) -> Outcome:
        """One review with at most ``limit`` new suggestions that lie inside the diff."""

        def run() -> str:
            posted = self._call("list review comments", lambda: self._posted(number))
            comments: list[ReviewComment] = []
            outside = repeated = over = 0
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
                if len(comments) >= limit:
                    over += 1
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
            skipped += f", {over} over the limit of {limit}" if over else ""
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

    def mark_fixed(self, number: int, head_sha: str, open_keys: set[str], paths: set[str]) -> Outcome:
        """Edit each earlier suggestion none of whose findings is left in ``paths`` to say it was fixed."""

        def run() -> str:
            comments = self._call("list review comments", lambda: self._review_comments(number))
            edited = 0
            for comment in comments:
                keys = KEYS.search(comment.body or "")
                if keys is None or FIXED_MARKER in comment.body or comment.path not in paths:
                    continue
                if open_keys & set(keys.group(1).split(",")):
                    continue
                self._call("mark a suggestion fixed", _editor(comment, fixed_body(comment.body, head_sha)))
                edited += 1
            return f"{edited} earlier suggestion(s) marked fixed in {head_sha[:12]}"

        return guarded("fixed suggestions", run)

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

    def find_check_run(self, sha: str) -> GithubCheckRun | None:
        """Our check run on ``sha`` (the newest of that name), so a re-run updates it instead of adding one."""
        runs = self.repo.get_commit(sha).get_check_runs(check_name=CHECK_RUN_NAME)
        return next(iter(runs), None)

    def check_run(
        self, sha: str, conclusion: str, title: str, summary: str, annotations: Sequence[Annotation]
    ) -> Outcome:
        payloads = [_annotation_payload(a) for a in annotations]

        def run() -> str:
            output: dict[str, str | list[dict[str, str | int]]] = {"title": title, "summary": summary}
            check = self._call("find the check run", lambda: self.find_check_run(sha))
            verb = "updated"
            if check is not None:
                sent = check.output.annotations_count or 0
                self._call(
                    "update the check run",
                    lambda: check.edit(status="completed", conclusion=conclusion, output=output),
                )
            else:
                first = payloads[:ANNOTATIONS_PER_REQUEST]
                check = self._call(
                    "create the check run",
                    lambda: self.repo.create_check_run(
                        CHECK_RUN_NAME,
                        sha,
                        status="completed",
                        conclusion=conclusion,
                        output={**output, "annotations": first},
                    ),
                    recheck=lambda: self.find_check_run(sha),
                )
                sent, verb = check.output.annotations_count or 0, "created"
            requests = 0
            for start in range(sent, len(payloads), ANNOTATIONS_PER_REQUEST):
                batch = payloads[start : start + ANNOTATIONS_PER_REQUEST]
                expected = start + len(batch)

                def landed(expected: int = expected) -> str | None:
                    fresh = self.repo.get_check_run(check.id)
                    return "sent" if fresh.output.annotations_count >= expected else None

                def send(batch: list[dict[str, str | int]] = batch) -> None:
                    check.edit(output={"title": title, "summary": summary, "annotations": batch})

                self._call("add annotations to the check run", send, recheck=landed)
                requests += 1
            total = max(sent, len(payloads))
            return f"check run {check.id} {verb}: {total} annotation(s), {requests} more request(s)"

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


def _editor(comment: PullRequestComment, body: str) -> Callable[[], None]:
    return lambda: comment.edit(body)


def _pull_head(number: int, head: Any) -> PullHead:
    repo = head.repo.full_name if head.repo is not None else ""  # None when the fork was deleted
    return PullHead(number=number, head_sha=str(head.sha), head_repo=str(repo), head_ref=str(head.ref))
