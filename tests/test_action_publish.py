"""The Action against real repositories' hazards, with the fake GitHub: fork relays, stale and racing
runs, re-runs, bounded writes, Markdown injection, fixed suggestions and the fix-commit push.

Every run is the real ``quality-hooks action`` in a subprocess; the fake checks each request
against GitHub's OpenAPI description (``open_scenario`` fails the test on any problem).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from action_scenario import HEAD, REPO, Scenario, event_file, open_scenario

from quality_hooks.github.bundle import Annotation, Bundle, FileSummary, Suggestion
from quality_hooks.github.summary import MARKER

FORK = "forker/octo-repo"
#: HEAD with greet's two findings fixed by hand.
FIXED_HEAD = HEAD.replace('if not name in ("a", "b"):', 'if name not in ("a", "b"):').replace(
    'return f"hello"', 'return "hello"'
)


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    yield from open_scenario(tmp_path)


def workflow_run_event(scenario: Scenario, head_sha: str, head_repo: str = FORK, branch: str = "feature") -> Path:
    event = event_file(scenario, "workflow_run.completed.0.json")
    data = json.loads(event.read_text())
    run = data["workflow_run"]
    run.update(head_sha=head_sha, head_branch=branch, event="pull_request", conclusion="failure", pull_requests=[])
    run["head_repository"]["full_name"] = head_repo
    event.write_text(json.dumps(data))
    return event


def test_fork_publish_finds_the_pull_request_itself_posts_under_the_fork_context_and_exits_0(
    scenario: Scenario,
) -> None:
    head = scenario.commit_head(HEAD)
    fake = scenario.fake
    fake.pulls[7].head_repo = FORK
    bundle = scenario.tmp / "bundle.json"
    analysed = scenario.run(MODE="analyse", BUNDLE=str(bundle), GITHUB_TOKEN="")
    assert analysed.code == 1, analysed
    assert fake.requests == []
    assert "::warning file=" not in analysed.stdout and "::error file=" not in analysed.stdout  # publish posts them
    event = workflow_run_event(scenario, head)
    published = scenario.run(event, event_name="workflow_run", MODE="publish", BUNDLE=str(bundle))
    assert published.code == 0, published  # the gate failed; the job that posted it did not
    assert [(s["_sha"], s["state"], s["context"]) for s in fake.statuses] == [
        (head, "failure", "quality-hooks/gate (fork)")
    ]
    assert len(fake.issue_comments) == 1 and len(fake.review_comments) == 1
    assert any(r.path == f"/repos/{REPO}/pulls" for r in fake.requests)  # found from the run's head branch
    writes = len(fake.writes())

    original = json.loads(bundle.read_text())
    for change, why in (({"pr_number": 8}, "claims pull request #8"), ({"head_sha": "c" * 40}, "head_sha")):
        bundle.write_text(json.dumps({**original, **change}))
        refused = scenario.run(event, event_name="workflow_run", MODE="publish", BUNDLE=str(bundle))
        assert refused.code == 2 and why in refused.stderr, refused
    bundle.write_text(json.dumps(original))
    other_branch = workflow_run_event(scenario, head, branch="other")
    refused = scenario.run(other_branch, event_name="workflow_run", MODE="publish", BUNDLE=str(bundle))
    assert refused.code == 2 and "no open pull request" in refused.stderr, refused
    assert len(fake.writes()) == writes  # nothing posted for any refused bundle


def test_a_head_that_moved_before_posting_gets_nothing_line_based(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    fake = scenario.fake
    fake.pulls[7].head_sha = "e" * 40  # a newer push landed while this run analysed
    result = scenario.run()
    assert result.code == 1, result
    assert fake.issue_comments == [] and fake.reviews == [] and fake.review_comments == []
    assert [run["annotations"] for run in fake.check_runs.values()] == [[]]
    assert [(s["_sha"], s["state"]) for s in fake.statuses] == [(head, "failure")]
    assert "moved on to eeeeeeeeeeee" in result.summary


def test_a_racing_first_run_still_leaves_one_summary_comment(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    fake = scenario.fake
    planted: list[int] = []

    def other_run_posts_first() -> None:
        if not planted:
            planted.append(fake.add_issue_comment(7, MARKER + "\nthe other run's summary"))

    fake.before_write[("POST", "/issues/{issue_number}/comments")] = other_run_posts_first
    result = scenario.run()
    assert result.code == 1, result
    assert [c["id"] for c in fake.issue_comments] == planted
    assert "gate failed" in fake.issue_comments[0]["body"]
    assert len(fake.writes("DELETE")) == 1 and "duplicate" in result.stdout


def test_a_marker_comment_planted_by_another_user_is_not_adopted(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    fake = scenario.fake
    planted = fake.add_issue_comment(7, MARKER + "\nplanted", login="mallory", kind="User")
    result = scenario.run()
    assert result.code == 1, result
    bodies = {c["id"]: c["body"] for c in fake.issue_comments}
    assert bodies[planted] == MARKER + "\nplanted"
    assert len(bodies) == 2 and not fake.writes("PATCH", f"/issues/comments/{planted}")


def test_a_rerun_updates_the_one_check_run(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    fake = scenario.fake
    assert scenario.run().code == 1
    rerun = scenario.run()
    assert rerun.code == 1, rerun
    [check] = fake.check_runs.values()
    assert check["head_sha"] == head and len(check["annotations"]) == 2
    assert len(fake.writes("POST", "/check-runs")) == 1 and fake.writes("PATCH", f"/check-runs/{check['id']}")
    assert any(r.path == f"/repos/{REPO}/commits/{head}/check-runs" for r in fake.requests)


def test_5000_findings_give_capped_writes_and_a_full_sarif(scenario: Scenario) -> None:
    # 5,000 functions without a docstring (QH303), the first 40 also with a fixable f-string (QH304).
    functions = [f'\n\ndef f{i}(x):\n    return {"f" if i < 40 else ""}"a"\n' for i in range(5000)]
    scenario.commit_head('"""Generated."""\n' + "".join(functions), path="generated.py")
    fake = scenario.fake
    result = scenario.run(timeout=600, **{"SUGGESTION-LIMIT": "30"})
    assert result.code == 1, result
    sarif = json.loads((scenario.tmp / "results.sarif").read_text())
    assert sum(len(run["results"]) for run in sarif["runs"]) >= 5040
    [check] = fake.check_runs.values()
    assert len(check["annotations"]) == 1000
    assert len(fake.writes("PATCH", f"/check-runs/{check['id']}")) <= 20
    assert "4040 more annotation(s) not posted" in fake.issue_comments[0]["body"]
    assert len(fake.review_comments) == 30 and len(fake.reviews) == 1
    assert "10 over the limit of 30" in result.stdout


HOSTILE = "[click](https://evil.example) ![img](https://evil.example/x.png) <img src=x> @org/team #12 octo/repo#34"


def visible_text(markdown: str) -> str:
    """What GitHub renders as text outside code spans (code spans neither link nor mention), less our own run link."""
    markdown = markdown.replace("[workflow run](https://github.example/octo-org/octo-repo/actions/runs/4242)", "")
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)


def assert_inert(markdown: str) -> None:
    text = visible_text(markdown)
    assert "](" not in text.replace("\\]", "") and "<img" not in text and "https://evil" not in text, text
    assert not re.search(r"@\w", text) and not re.search(r"#\d", text), text


def test_markdown_injection_from_a_bundle_is_escaped_everywhere(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    hostile_path = "docs/[x](https:/evil.example)/<img src=x>@org #12.py"
    bundle = Bundle(
        repository=REPO,
        event="pull_request",
        base_sha=scenario.base,
        head_sha=head,
        pr_number=7,
        gate="failed",
        level="critical",
        reasons=[HOSTILE],
        files=[
            FileSummary(path=hostile_path, level="critical", reasons=[HOSTILE], factors=[HOSTILE], new=1),
            FileSummary(path="app.py", improvements=[HOSTILE], error=HOSTILE),
        ],
        annotations=[Annotation(hostile_path, 1, 1, "failure", "QH1 @org #12 [x](https://evil.example)", HOSTILE)],
        suggestions=[Suggestion("app.py", 13, 14, ["    pass", "    pass"], ["QH305 @org #12"], HOSTILE)],
        notes=[HOSTILE],
    )
    path = scenario.tmp / "hostile.json"
    path.write_text(bundle.to_json())
    event = workflow_run_event(scenario, head, head_repo=REPO)
    result = scenario.run(event, event_name="workflow_run", MODE="publish", BUNDLE=str(path))
    assert result.code == 0, result
    fake = scenario.fake
    [comment] = fake.issue_comments
    [suggestion] = fake.review_comments
    [check] = fake.check_runs.values()
    for markdown in (comment["body"], suggestion["body"].split("```")[0], check["output"]["summary"], result.summary):
        assert_inert(markdown)
    assert "evil.example" in comment["body"]  # shown, as text, not dropped


def test_a_suggestion_whose_finding_is_gone_is_edited_to_say_where_it_was_fixed(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    assert scenario.run().code == 1
    [suggestion] = scenario.fake.review_comments
    assert "```suggestion" in suggestion["body"]
    fixed = scenario.commit_head(FIXED_HEAD)
    result = scenario.run(scenario.event("pull_request.synchronize.22.json"))
    assert result.code == 0, result
    [edited] = scenario.fake.review_comments
    assert edited["id"] == suggestion["id"]
    assert edited["body"].startswith(f"✅ Fixed in {fixed[:12]}") and "```suggestion" not in edited["body"]
    again = scenario.run(scenario.event("pull_request.synchronize.22.json"))
    assert again.code == 0 and len(scenario.fake.writes("PATCH", f"/pulls/comments/{edited['id']}")) == 1


def with_bare_remote(scenario: Scenario, tmp_path: Path) -> tuple[Path, str]:
    """A bare repository as ``origin`` holding main (the base) and feature (the head), checked out detached."""
    remote = tmp_path / "remote.git"
    scenario.repo.git("init", "-q", "--bare", str(remote))
    scenario.repo.git("remote", "add", "origin", str(remote))
    head = scenario.commit_head(HEAD)
    scenario.repo.git("push", "-q", "origin", f"{scenario.base}:refs/heads/main", f"{head}:refs/heads/feature")
    scenario.repo.git("checkout", "-q", "--detach", head)
    return remote, head


def remote_git(remote: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(["git", *args], cwd=remote, capture_output=True, text=True, check=True).stdout.strip()


def test_fix_push_commits_the_safe_fixes_of_the_changed_lines_to_the_branch(scenario: Scenario, tmp_path: Path) -> None:
    remote, head = with_bare_remote(scenario, tmp_path)
    result = scenario.run(FIX="push")
    assert result.code == 0, result
    pushed = remote_git(remote, "rev-parse", "refs/heads/feature")
    assert pushed != head and remote_git(remote, "rev-parse", f"{pushed}^") == head
    assert (
        remote_git(remote, "log", "-1", "--format=%s|%an", pushed)
        == "quality-hooks: apply safe fixes|github-actions[bot]"
    )
    diff = remote_git(remote, "diff", "-U0", head, pushed)
    assert '+    if name not in ("a", "b"):' in diff and '+        return "hello"' in diff
    assert "legacy" not in diff and "x in [1, 2]" not in diff  # the base's own findings are not touched
    assert scenario.fake.issue_comments == [] and scenario.fake.reviews == []  # the new head gets its own run
    assert "pushed" in result.stdout


def test_fix_push_refuses_forks_push_events_and_a_moved_branch(scenario: Scenario, tmp_path: Path) -> None:
    remote, head = with_bare_remote(scenario, tmp_path)
    scenario.fake.pulls[7].head_repo = FORK
    fork = scenario.run(FIX="push")
    assert fork.code == 1 and "lives in the fork" in fork.stdout, fork
    scenario.fake.pulls[7].head_repo = REPO
    push = event_file(scenario, "push.event.4.json", before=scenario.base, after=head, created=False,
                      ref="refs/heads/main")  # fmt: skip
    on_push = scenario.run(push, event_name="push", FIX="push")
    assert on_push.code == 1 and "pull request branches only" in on_push.stdout, on_push
    other = tmp_path / "other"
    remote_git(tmp_path, "clone", "-q", "-b", "feature", str(remote), str(other))
    (other / "late.txt").write_text("a push that landed meanwhile\n")
    remote_git(other, "add", "late.txt")
    remote_git(other, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "late")
    remote_git(other, "push", "-q", "origin", "feature")
    moved = remote_git(remote, "rev-parse", "refs/heads/feature")
    raced = scenario.run(FIX="push")
    assert raced.code == 1 and "the push failed" in raced.stdout, raced
    assert remote_git(remote, "rev-parse", "refs/heads/feature") == moved
    assert scenario.repo.git("rev-parse", "HEAD").strip() == head  # the checkout is back at the analysed head
