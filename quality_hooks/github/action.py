"""``quality-hooks action``: run as the GitHub Action.

Modes: ``full`` (default) judges the change and posts everything; ``analyse``
judges and writes a bundle for a later privileged job, posting nothing;
``publish`` (in a ``workflow_run`` job) posts a bundle written by ``analyse``,
treating it as untrusted. Whatever GitHub refuses, the job summary, the
outputs, the SARIF file and the exit code still say what the gate decided.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quality_hooks.choices import SCOPES
from quality_hooks.github import retry
from quality_hooks.github.bundle import (
    MAX_KEYS,
    Annotation,
    Bundle,
    BundleError,
    annotations_for,
    file_summary,
    finding_key,
    load_bundle,
)
from quality_hooks.github.context import (
    ContextError,
    RunnerContext,
    Target,
    read_input,
    runner_context,
    switch,
    target_for,
)
from quality_hooks.github.publish import Outcome, Publisher, PullHead
from quality_hooks.github.summary import COMMENT_LIMIT, escape, render_summary
from quality_hooks.github.workflow import (
    LEVEL_ORDER,
    CommandAnnotation,
    annotation_lines,
    mask,
    select_visible,
    write_outputs,
    write_step_summary,
)

if TYPE_CHECKING:
    from quality_hooks.pipeline import CheckRun
    from quality_hooks.results import FileResult

PROG = "quality-hooks action"
MODES = ("full", "analyse", "publish")
FAIL_ON = ("warning", "critical", "never")
FIX_MODES = ("off", "push")
STATUS_CONTEXT = "quality-hooks/gate"
#: The publish job posts a verdict that the fork's job chose: under its own context, so that
#: requiring quality-hooks/gate cannot be satisfied by a fork.
FORK_STATUS_CONTEXT = "quality-hooks/gate (fork)"
READ_ONLY_NOTE = (
    "The token may not write to this repository (pull requests from forks get a read-only token), so the results "
    "went to workflow-command annotations, this job summary and the exit code. To get the comment, suggestions and "
    "status on fork pull requests, use the fork-safe workflow pair from the Action's README."
)
PULL_REQUEST_TARGET_REFUSAL = (
    "refusing to run on pull_request_target in mode {mode}: that event gives the job a write token (and the "
    "repository's secrets) while the workspace holds the pull request's code, so nothing of the pull request may "
    "run there. Use the fork-safe pair instead: mode analyse on pull_request (read-only token, no secrets) and mode "
    "publish on workflow_run (posts the checked results, never checks out the pull request); see "
    "action/README.md, 'Forks and permissions'."
)


@dataclass
class Inputs:
    token: str
    config: str
    scope: str
    fail_on: str
    comment: bool
    suggestions: bool
    annotations: bool
    status_context: str
    sarif_file: str
    store_url: str
    store_token: str
    mode: str
    bundle: str
    suggestion_limit: int = 30
    fix: str = "off"

    def __repr__(self) -> str:  # never show the tokens
        return f"Inputs(mode={self.mode!r}, scope={self.scope!r}, fail_on={self.fail_on!r})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Judge a pull request or push and report on GitHub. "
        "Every flag defaults to the matching INPUT_* variable.",
    )
    parser.add_argument(
        "--mode", choices=MODES, help="full (default), analyse (write a bundle, post nothing) or publish"
    )
    parser.add_argument("--bundle", metavar="FILE", help="bundle to write (analyse) or read (publish)")
    parser.add_argument("--config", metavar="FILE", help="pyproject.toml or TOML file with the settings")
    parser.add_argument("--scope", choices=SCOPES, help="which findings can fail the gate (default from config)")
    parser.add_argument("--fail-on", choices=FAIL_ON, help="gate level that fails the job (default from config)")
    parser.add_argument("--sarif-file", metavar="FILE", help="where to write SARIF (default quality-hooks.sarif)")
    for name in ("comment", "suggestions", "annotations"):
        parser.add_argument(f"--{name}", choices=("on", "off"), help=f"post the {name} (default on)")
    parser.add_argument(
        "--status-context",
        help="commit status context (default quality-hooks/gate; quality-hooks/gate (fork) in mode publish)",
    )
    parser.add_argument("--suggestion-limit", metavar="N", help="most suggestions posted in one run (default 30)")
    parser.add_argument("--fix", choices=FIX_MODES, help="off (default) or push: commit and push the safe fixes")
    parser.add_argument("--store-url", help="metrics store to push the run to (optional)")
    return parser


def read_inputs(args: argparse.Namespace, env: Mapping[str, str]) -> Inputs:
    def pick(flag: str | None, name: str, default: str = "") -> str:
        return flag if flag is not None else read_input(env, name, default)

    mode = pick(args.mode, "mode", "full")
    limit_text = pick(args.suggestion_limit, "suggestion-limit", "30")
    if not limit_text.isdigit():
        raise ContextError(f"input suggestion-limit: expected a whole number, got {limit_text!r}")
    inputs = Inputs(
        token=read_input(env, "github-token") or env.get("GITHUB_TOKEN", ""),
        config=pick(args.config, "config"),
        scope=pick(args.scope, "scope"),
        fail_on=pick(args.fail_on, "fail-on"),
        comment=switch(pick(args.comment, "comment", "on"), "comment"),
        suggestions=switch(pick(args.suggestions, "suggestions", "on"), "suggestions"),
        annotations=switch(pick(args.annotations, "annotations", "on"), "annotations"),
        status_context=pick(
            args.status_context, "status-context", FORK_STATUS_CONTEXT if mode == "publish" else STATUS_CONTEXT
        ),
        sarif_file=pick(args.sarif_file, "sarif-file", "quality-hooks.sarif"),
        store_url=pick(args.store_url, "store-url"),
        store_token=read_input(env, "store-token") or env.get("QUALITY_HOOKS_STORE_TOKEN", ""),
        mode=mode,
        bundle=pick(args.bundle, "bundle", "quality-hooks-bundle.json"),
        suggestion_limit=int(limit_text),
        fix=pick(args.fix, "fix", "off"),
    )
    if inputs.fix not in FIX_MODES:
        raise ContextError(f"input fix: expected one of {', '.join(FIX_MODES)}, got {inputs.fix!r}")
    if inputs.scope and inputs.scope not in SCOPES:
        raise ContextError(f"input scope: expected one of {', '.join(SCOPES)}, got {inputs.scope!r}")
    if inputs.fail_on and inputs.fail_on not in FAIL_ON:
        raise ContextError(f"input fail-on: expected one of {', '.join(FAIL_ON)}, got {inputs.fail_on!r}")
    if inputs.mode not in MODES:
        raise ContextError(f"input mode: expected one of {', '.join(MODES)}, got {inputs.mode!r}")
    return inputs


def say(message: str) -> None:
    print(f"{PROG}: {message}", flush=True)


# --------------------------------------------------------------------------- analysis


def analyse(context: RunnerContext, target: Target, inputs: Inputs) -> tuple[Bundle, CheckRun]:
    """Run the check on base...head; return the bundle and the run (its results' paths made relative)."""
    from quality_hooks import git
    from quality_hooks.cache import Cache
    from quality_hooks.config import Config, ConfigFinder
    from quality_hooks.github.suggestions import suggestions_for
    from quality_hooks.pipeline import run_check
    from quality_hooks.report.json_report import summary

    root = git.repo_root(context.workspace)
    notes: list[str] = []
    target = judged_range(root, target, notes)
    head = git.head_commit(root) or ""
    if head != target.head_sha:
        notes.append(
            f"checked-out commit {head[:12] or '?'} is not the head {target.head_sha[:12]}; use actions/checkout with "
            "ref: ${{ github.event.pull_request.head.sha }} so that line numbers match the pull request"
        )

    def with_fail_on(config: Config) -> Config:
        return dataclasses.replace(config, gate=dataclasses.replace(config.gate, fail_on=inputs.fail_on))

    configs = ConfigFinder(
        os.path.join(root, inputs.config) if inputs.config else None,
        start=root,
        adjust=with_fail_on if inputs.fail_on in ("warning", "critical") else None,
    )
    config = configs.for_path(root)
    # The default cache folder ($QUALITY_HOOKS_CACHE_DIR: action.yml points it at a folder actions/cache
    # restores and saves), so the base versions an earlier run judged are not analysed again.
    cache = Cache.open()
    run = run_check([], configs, base=target.base_sha, scope=inputs.scope or None, cwd=root, cache=cache)
    cache.prune_if_due()
    change = run.change or git.collect_change(root, base=target.base_sha)
    notes += run.notes
    files, annotations, suggestions, keys = [], [], [], []
    for result in run.results:
        file_config = configs.for_path(result.path)
        rel = git.repo_relative(result.path, root)
        result.path = rel
        files.append(file_summary(result, rel))
        annotations += annotations_for(result, rel)
        keys += [finding_key(rel, finding) for finding in result.findings]
        if (inputs.suggestions or inputs.fix == "push") and target.kind == "pull_request":
            changed = change.files.get(rel)
            lines = None if changed is None or changed.status == "added" else set(changed.lines)
            suggestions += suggestions_for(result, rel, lines, file_config)
    totals = summary(run.results)
    fail_on = inputs.fail_on or config.gate.fail_on
    bundle = Bundle(
        repository=context.repository,
        event=context.event_name,
        base_sha=target.base_sha,
        head_sha=target.head_sha,
        pr_number=target.pr_number,
        gate="passed" if run.verdict.passed else "failed",
        level=run.verdict.level.value,
        fail_on=fail_on,
        scope=run.scope,
        reasons=[r.message for r in run.verdict.reasons],
        score=totals["score"],
        risk=totals["risk"],
        new_findings=totals["new_findings"],
        files=files,
        annotations=annotations,
        suggestions=suggestions,
        notes=notes,
        finding_keys=sorted(set(keys))[:MAX_KEYS],
    )
    return bundle, run


def judged_range(root: str, target: Target, notes: list[str]) -> Target:
    """The push's range, or the merge base with the default branch when ``before`` is gone (a force-push).

    After ``git push --force`` the event's ``before`` is no longer an ancestor of the
    head (often not even fetched): judging against it would fail or judge the wrong
    lines, so the head is judged against where it left the default branch.
    """
    from quality_hooks import git

    if target.kind != "push":
        return target
    try:
        git.git(["merge-base", "--is-ancestor", target.base_sha, target.head_sha], root)
        reachable = True
    except git.GitError:
        reachable = False
    if reachable and not target.forced:
        return target
    why = "a force-push" if target.forced else f"before {target.base_sha[:12]} is not an ancestor of the head"
    for ref in (f"origin/{target.default_branch}", target.default_branch):
        try:
            base = git.merge_base(root, ref, target.head_sha)
        except git.GitError:
            continue
        if base != target.head_sha:
            notes.append(f"{why}: judged against the merge base {base[:12]} with {target.default_branch}")
            return dataclasses.replace(target, base_sha=base)
    parent = git.git(["rev-parse", "--verify", f"{target.head_sha}^"], root).decode().strip()
    notes.append(f"{why}: no merge base with {target.default_branch} below the head; judged against its parent")
    return dataclasses.replace(target, base_sha=parent)


def error_bundle(context: RunnerContext, target: Target, message: str) -> Bundle:
    return Bundle(
        repository=context.repository,
        event=context.event_name,
        base_sha=target.base_sha,
        head_sha=target.head_sha,
        pr_number=target.pr_number,
        gate="error",
        reasons=[message],
        notes=[message],
    )


# --------------------------------------------------------------------------- outputs


def status_description(bundle: Bundle) -> str:
    if bundle.gate == "error":
        return f"could not run: {bundle.reasons[0] if bundle.reasons else 'see the job log'}"
    head = f"gate {bundle.gate} ({bundle.level}): {bundle.new_findings} new finding(s)"
    if bundle.score is not None:
        head += f", lowest score {bundle.score:.1f}"
    if bundle.gate == "failed" and bundle.reasons:
        head += f"; {bundle.reasons[0]}"
    return head


def exit_code(bundle: Bundle) -> int:
    if bundle.gate == "error":
        return 2
    return 1 if bundle.gate == "failed" and bundle.fail_on != "never" else 0


def command_annotations(bundle: Bundle) -> tuple[list[str], int]:
    converted = [
        CommandAnnotation(a.level, a.path, a.line, a.end_line, a.title, a.message, a.column, a.end_column)
        for a in bundle.annotations
    ]
    shown, hidden = select_visible(converted)
    return annotation_lines(shown), hidden


def emit_command_annotations(bundle: Bundle, notes: list[str]) -> None:
    lines, hidden = command_annotations(bundle)
    for line in lines:
        print(line, flush=True)
    if hidden:
        notes.append(
            f"{hidden} more annotation(s) not shown: GitHub shows at most 10 workflow-command annotations "
            "per level per "
            "step (most severe shown first); the SARIF file has all of them."
        )


def write_sarif(path: str, run: CheckRun, bundle: Bundle) -> str:
    from quality_hooks.report import render

    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(run, "sarif") + "\n")
    except OSError as exc:
        bundle.notes.append(f"SARIF not written to {path}: {exc.strerror}")
        return ""
    return path


def push_to_store(
    inputs: Inputs, context: RunnerContext, target: Target, results: Sequence[FileResult], notes: list[str]
) -> None:
    from quality_hooks.store.client import push_report
    from quality_hooks.store.payload import RunContext, build_run_payload, commit_time_of, default_branch_of

    if not inputs.store_token:
        notes.append("store-url is set but store-token is empty: metrics not pushed")
        return
    mask(inputs.store_token) if os.environ.get("GITHUB_ACTIONS") == "true" else None
    run_context = RunContext(
        commit=target.head_sha,
        run_id=context.run_id or "local",
        branch=target.head_ref.removeprefix("refs/heads/") or None,
        pull_request=target.pr_number,
        base_commit=target.base_sha,
        default_branch=default_branch_of(context.event, context.workspace),
        commit_time=commit_time_of(target.head_sha, context.event, context.workspace),
    )
    result = push_report(
        inputs.store_url, inputs.store_token, context.repository, build_run_payload(results, run_context)
    )
    if result.ok:
        say(f"metrics pushed to the store ({'new run' if result.created else 'already stored'})")
    else:
        print(f"::warning::{PROG}: metrics not pushed to the store: {result.error}", flush=True)
        notes.append(f"metrics not pushed to the store: {result.error}")


def store_page(inputs: Inputs, context: RunnerContext, pr_number: int) -> str:
    """The metrics store's page of the pull request, when the Action is given a store ("" otherwise)."""
    if not inputs.store_url:
        return ""
    from quality_hooks.store.client import pull_page_url

    return pull_page_url(inputs.store_url, context.repository, pr_number)


#: At most this many check-run annotations per run (20 requests of 50), most severe first; SARIF has all.
MAX_POSTED_ANNOTATIONS = 1000


def capped_annotations(annotations: Sequence[Annotation]) -> tuple[list[Annotation], int]:
    """The most severe ``MAX_POSTED_ANNOTATIONS`` annotations, and how many were left out."""
    ranked = sorted(annotations, key=lambda a: (LEVEL_ORDER.get(a.level, 3), a.path, a.line))
    return ranked[:MAX_POSTED_ANNOTATIONS], max(0, len(ranked) - MAX_POSTED_ANNOTATIONS)


def still_current(publisher: Publisher, bundle: Bundle, notes: list[str]) -> tuple[bool, list[Outcome]]:
    """Re-read the pull request's head just before posting: line-based output only for the head analysed."""
    if bundle.pr_number is None:
        return True, []
    try:
        head = publisher.pull_head(bundle.pr_number)
    except (retry.PermissionDenied, retry.GiveUp) as exc:
        denied = isinstance(exc, retry.PermissionDenied)
        return False, [Outcome("pull request", False, f"cannot read its head: {exc}", denied=denied)]
    if head.head_sha == bundle.head_sha:
        return True, []
    notes.append(
        f"pull request #{bundle.pr_number} moved on to {head.head_sha[:12]} after {bundle.head_sha[:12]} was "
        "analysed: no comment, suggestions or annotations were posted for the old head (the run on the new head "
        "posts them); only the status of the old head was set"
    )
    return False, []


def publish(
    context: RunnerContext, bundle: Bundle, inputs: Inputs, local_root: str | None, notes: list[str]
) -> list[Outcome]:
    """Every output that needs the API; each one independent of the others, each one bounded."""
    publisher = Publisher(context.api_url, context.token, context.repository)
    run_url = context.run_url
    current, outcomes = still_current(publisher, bundle, notes)
    annotations, hidden = capped_annotations(bundle.annotations) if current else ([], 0)
    if hidden:
        notes.append(
            f"{hidden} more annotation(s) not posted: at most {MAX_POSTED_ANNOTATIONS} per run, most severe "
            "first; the SARIF file has all of them"
        )
    if current and bundle.pr_number is not None:
        if inputs.comment:
            history = store_page(inputs, context, bundle.pr_number)
            comment = render_summary(bundle, run_url, notes=notes, history_url=history)
            outcomes.append(publisher.upsert_summary(bundle.pr_number, comment))
        if inputs.suggestions:
            outcomes += post_suggestions(publisher, bundle, inputs, local_root)
    if inputs.annotations:
        conclusion = {"passed": "success", "failed": "failure" if bundle.fail_on != "never" else "neutral"}.get(
            bundle.gate, "failure"
        )
        title = status_description(bundle)[:200]
        summary = render_summary(bundle, run_url, limit=COMMENT_LIMIT - 1, notes=notes)
        outcomes.append(publisher.check_run(bundle.head_sha, conclusion, title, summary, annotations))
    state = {"passed": "success", "failed": "failure"}.get(bundle.gate, "error")
    if bundle.gate == "failed" and bundle.fail_on == "never":
        state = "success"
    outcomes.append(
        publisher.set_status(bundle.head_sha, state, status_description(bundle), run_url, inputs.status_context)
    )
    return outcomes


def post_suggestions(publisher: Publisher, bundle: Bundle, inputs: Inputs, local_root: str | None) -> list[Outcome]:
    """The review (at most ``suggestion-limit`` suggestions), then earlier suggestions that are now fixed."""
    assert bundle.pr_number is not None
    outcomes: list[Outcome] = []
    if bundle.suggestions and inputs.suggestion_limit > 0:
        try:
            commentable = publisher.commentable(bundle.pr_number)
        except (retry.PermissionDenied, retry.GiveUp) as exc:
            outcomes.append(Outcome("review", False, f"cannot read the diff: {exc}"))
        else:
            outcomes.append(
                publisher.post_review(
                    bundle.pr_number,
                    bundle.head_sha,
                    bundle.suggestions,
                    commentable,
                    _local_lines(local_root, bundle),
                    limit=inputs.suggestion_limit,
                )
            )
    paths = {f.path for f in bundle.files if f.error is None}
    outcomes.append(publisher.mark_fixed(bundle.pr_number, bundle.head_sha, set(bundle.finding_keys), paths))
    return outcomes


def _local_lines(root: str | None, bundle: Bundle) -> Callable[[str], set[int]] | None:
    """Commentable lines from the local clone, for files whose patch the API left out (None: no clone)."""
    if root is None:
        return None
    from quality_hooks.github.diff import git_patches

    def lines(path: str) -> set[int]:
        return git_patches(root, bundle.base_sha, bundle.head_sha, [path]).get(path, set())

    return lines


def report(
    context: RunnerContext, bundle: Bundle, inputs: Inputs, outcomes: list[Outcome], sarif_path: str, notes: list[str]
) -> None:
    """Log the outcomes, fall back where the API refused, write outputs and the job summary."""
    for outcome in outcomes:
        say(f"{outcome.name}: {outcome.detail}")
        if not outcome.ok and not outcome.denied:
            print(f"::warning::{PROG}: {outcome.name} failed: {outcome.detail}", flush=True)
    denied = any(o.denied for o in outcomes)
    check_run_ok = any(o.name == "check run" and o.ok for o in outcomes)
    if inputs.annotations and not check_run_ok and inputs.mode != "analyse":
        emit_command_annotations(bundle, notes)  # analyse: the publish job posts them as check-run annotations
    if denied:
        notes.insert(0, READ_ONLY_NOTE)
        print(f"::notice::{PROG}: {READ_ONLY_NOTE}", flush=True)
    failed = [f"{o.name}: {o.detail}" for o in outcomes if not o.ok and not o.denied]
    notes += [f"not posted: {text}" for text in failed]
    write_outputs(
        context.output_file,
        {
            "score": "" if bundle.score is None else f"{bundle.score:.1f}",
            "risk": "" if bundle.risk is None else f"{bundle.risk:.3f}",
            "gate": bundle.gate,
            "new-findings": str(bundle.new_findings),
            "sarif-file": sarif_path,
        },
    )
    write_step_summary(
        context.summary_file, render_summary(bundle, context.run_url, limit=1024 * 1024 - 8192, notes=notes)
    )


# --------------------------------------------------------------------------- modes


def run_publish(context: RunnerContext, inputs: Inputs) -> int:
    """workflow_run job: post a bundle from an untrusted artifact after checking it against GitHub.

    The pull request is found from the triggering run (head repository, branch and
    SHA), never taken from the bundle: a bundle that names another pull request or
    commit is refused and nothing is posted. Exit 0 once posted, whatever the gate
    decided (the status says that); 1 when GitHub refused a write; 2 for a bad bundle.
    """
    if context.event_name != "workflow_run":
        raise ContextError(f"mode publish runs on workflow_run events, not {context.event_name or '(none)'}")
    bundle = load_bundle(inputs.bundle)
    workflow_run = context.event.get("workflow_run") or {}
    head_sha = str(workflow_run.get("head_sha") or "")
    head_repo = str((workflow_run.get("head_repository") or {}).get("full_name") or "")
    head_branch = str(workflow_run.get("head_branch") or "")
    if bundle.repository != context.repository:
        raise BundleError(f"{inputs.bundle}: repository {bundle.repository!r} is not {context.repository!r}")
    if bundle.head_sha != head_sha:
        raise BundleError(f"{inputs.bundle}: head_sha does not match the workflow run's head commit {head_sha[:12]}")
    if bundle.event != "pull_request" or bundle.pr_number is None:
        raise BundleError(f"{inputs.bundle}: not the bundle of a pull_request run")
    publisher = Publisher(context.api_url, context.token, context.repository)
    try:
        pulls = publisher.pulls_from(head_repo, head_branch)
    except (retry.PermissionDenied, retry.GiveUp) as exc:
        say(f"cannot find the pull request of {head_repo}:{head_branch}: {exc}")
        return 1
    pull = _pull_of_run(pulls, bundle)
    if pull is None:
        found = ", ".join(f"#{p.number}" for p in pulls) or "no open pull request"
        raise BundleError(
            f"{inputs.bundle}: claims pull request #{bundle.pr_number}, but {head_repo}:{head_branch} at "
            f"{head_sha[:12]} has {found}; nothing posted"
        )
    notes: list[str] = []
    outcomes = publish(context, bundle, inputs, None, notes)
    report(context, bundle, inputs, outcomes, "", notes)
    failed = [o for o in outcomes if not o.ok]
    say(f"published the gate {bundle.gate} of pull request #{pull.number}; exit code {1 if failed else 0}")
    return 1 if failed else 0


def _pull_of_run(pulls: Sequence[PullHead], bundle: Bundle) -> PullHead | None:
    """The bundle's pull request, if it is one whose head branch the run was for (its head may have moved on)."""
    return next((pull for pull in pulls if pull.number == bundle.pr_number), None)


def fix_pushed(context: RunnerContext, target: Target, bundle: Bundle, notes: list[str]) -> bool:
    """``fix: push``: commit the safe fixes of the changed lines and push them to the PR's branch, if allowed."""
    from quality_hooks import git
    from quality_hooks.github.fixpush import PushRequest, commit_and_push, refusal

    def decline(why: str) -> bool:
        say(f"fix: push: nothing pushed: {why}")
        notes.append(f"fix: push: nothing pushed: {why}")
        return False

    if target.kind != "pull_request" or target.pr_number is None:
        return decline(f"fixes are pushed to pull request branches only, not on {target.kind} events")
    if not bundle.suggestions:
        return decline("no safe fixes on the changed lines")
    if not context.token:
        return decline("no token")
    publisher = Publisher(context.api_url, context.token, context.repository)
    try:
        head = publisher.pull_head(target.pr_number)
    except (retry.PermissionDenied, retry.GiveUp) as exc:
        return decline(f"cannot read the pull request: {exc}")
    root = git.repo_root(context.workspace)
    request = PushRequest(root, target.head_sha, head.head_ref, head.head_repo, context.repository, head.head_sha)
    why = refusal(request)
    if why is not None:
        return decline(why)
    try:
        message = commit_and_push(request, bundle.suggestions)
    except git.GitError as exc:
        print(f"::warning::{PROG}: fix: push failed: {exc}", flush=True)
        return decline(f"the push failed ({exc})")
    say(message)
    notes.append(f"{message}; the new head is judged on its own run")
    return True


def refuse(context: RunnerContext, message: str) -> int:
    """Stop before anything is analysed or posted: an error annotation, the outputs and exit code 2."""
    print(f"::error::{PROG}: {message}", flush=True)
    write_outputs(
        context.output_file, {"gate": "error", "new-findings": "0", "score": "", "risk": "", "sarif-file": ""}
    )
    write_step_summary(context.summary_file, f"quality-hooks: {escape(message, 2000)}\n")
    return 2


def run(env: Mapping[str, str], argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    inputs = read_inputs(args, env)
    if env.get("GITHUB_ACTIONS") == "true":
        mask(inputs.token)
    context = runner_context(env, inputs.token)
    if inputs.mode == "publish":
        return run_publish(context, inputs)
    if context.event_name == "pull_request_target":
        return refuse(context, PULL_REQUEST_TARGET_REFUSAL.format(mode=inputs.mode))
    target, why = target_for(context)
    if target is None:
        say(why)
        write_outputs(
            context.output_file, {"gate": "skipped", "new-findings": "0", "score": "", "risk": "", "sarif-file": ""}
        )
        write_step_summary(context.summary_file, f"quality-hooks: {why}\n")
        return 0
    say(f"checking {target.kind} {target.base_sha[:12]}...{target.head_sha[:12]} of {context.repository}")
    run: CheckRun | None = None
    try:
        bundle, run = analyse(context, target, inputs)
    except Exception as exc:  # user errors (config, git) and crashes alike: report, set the status, exit 2
        from quality_hooks.commands.common import user_errors

        message = str(exc) if isinstance(exc, user_errors()) else f"internal error: {type(exc).__name__}: {exc}"
        print(f"::error::{PROG}: {message}", flush=True)
        bundle = error_bundle(context, target, message)
    notes: list[str] = []
    sarif_path = write_sarif(inputs.sarif_file, run, bundle) if run is not None else ""
    if inputs.store_url and run is not None:
        push_to_store(inputs, context, target, run.results, notes)
    if inputs.mode == "analyse":
        with open(inputs.bundle, "w", encoding="utf-8") as handle:
            handle.write(bundle.to_json())
        say(f"bundle written to {inputs.bundle}")
        report(context, bundle, inputs, [], sarif_path, notes)
        return exit_code(bundle)
    if (
        inputs.fix == "push"
        and run is not None
        and bundle.gate != "error"
        and fix_pushed(context, target, bundle, notes)
    ):
        report(context, bundle, inputs, [], sarif_path, notes)
        say("fixes pushed; the new head is judged on its own run; exit code 0")
        return 0
    if not context.token:
        notes.append("no token (input github-token or GITHUB_TOKEN): nothing posted to GitHub")
        outcomes: list[Outcome] = []
    else:
        outcomes = publish(context, bundle, inputs, context.workspace, notes)
    report(context, bundle, inputs, outcomes, sarif_path, notes)
    code = exit_code(bundle)
    say(f"gate {bundle.gate} ({bundle.level}); exit code {code}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(os.environ, argv)
    except (ContextError, BundleError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
