"""The Action's entry point run as GitHub runs it, against a fake GitHub on 127.0.0.1.

Each test builds a real git repository with base and head commits, writes an
event file from GitHub's webhook examples (SHAs and repository rewritten),
runs ``quality-hooks action`` in a subprocess with the runner's variables and
checks what the fake GitHub received. The fake checks every request against
GitHub's OpenAPI description; any undocumented request fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from action_scenario import CLEAN_ADDITION, DATA, HEAD, REPO, Scenario, assert_token_hidden, event_file, open_scenario


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    yield from open_scenario(tmp_path)


def test_first_run_posts_comment_review_status_and_annotations(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    result = scenario.run()
    fake = scenario.fake
    assert result.code == 1, result
    assert result.outputs["gate"] == "failed"
    assert result.outputs["new-findings"] == "2"
    sarif = json.loads(Path(result.outputs["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert len(fake.issue_comments) == 1
    body = fake.issue_comments[0]["body"]
    assert body.startswith("<!-- quality-hooks:summary -->") and "gate failed" in body and "`app.py`" in body
    assert len(fake.reviews) == 1 and fake.reviews[0]["state"] == "COMMENTED"
    assert fake.reviews[0]["commit_id"] == head
    [suggestion] = fake.review_comments  # the two fixes sit on adjacent lines: one two-line suggestion
    assert (suggestion["path"], suggestion["start_line"], suggestion["line"]) == ("app.py", 13, 14)
    assert '```suggestion\n    if name not in ("a", "b"):\n        return "hello"\n```' in suggestion["body"]
    [status] = fake.statuses
    assert (status["_sha"], status["state"], status["context"]) == (head, "failure", "quality-hooks/gate")
    assert status["target_url"] == f"https://github.example/{REPO}/actions/runs/4242"
    assert len(status["description"]) <= 140
    [check] = fake.check_runs.values()
    assert check["head_sha"] == head and check["conclusion"] == "failure"
    assert sorted((a["start_line"], a["annotation_level"]) for a in check["annotations"]) == [
        (13, "warning"),
        (14, "warning"),
    ]
    assert "f" * 40 not in json.dumps([r.path for r in fake.requests])
    assert "<!-- quality-hooks:summary -->" in result.summary and "gate failed" in result.summary
    assert "::warning file=" not in result.stdout  # the check run carried the annotations
    assert_token_hidden(result)


def test_second_run_on_new_head_edits_the_comment_and_repeats_nothing(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    first = scenario.run()
    assert first.code == 1, first
    comment_id = scenario.fake.issue_comments[0]["id"]
    new_head = scenario.commit_head(HEAD + CLEAN_ADDITION)
    second = scenario.run(scenario.event("pull_request.synchronize.22.json"))
    fake = scenario.fake
    assert second.code == 1, second
    assert [c["id"] for c in fake.issue_comments] == [comment_id]
    assert new_head[:12] in fake.issue_comments[0]["body"]
    assert len(fake.writes("POST", "/issues/7/comments")) == 1
    assert len(fake.writes("PATCH", f"/issues/comments/{comment_id}")) == 1
    keys = [(c["path"], c["line"], c["body"]) for c in fake.review_comments]
    assert len(keys) == len(set(keys)) == 1
    assert len(fake.reviews) == 1  # nothing new to suggest: no empty second review
    assert fake.statuses[-1]["_sha"] == new_head
    assert "no new suggestions (1 already posted" in second.stdout
    third = scenario.run(scenario.event("pull_request.synchronize.22.json"))  # a rerun of the same head
    assert third.code == 1 and len(fake.issue_comments) == 1 and len(fake.reviews) == 1, third
    assert "already up to date" in third.stdout


def test_read_only_token_degrades_to_workflow_commands(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    scenario.fake.read_only = True
    result = scenario.run()
    assert result.code == 1, result  # the gate failed; the 403s themselves change nothing
    assert "Traceback" not in result.stderr
    assert scenario.fake.issue_comments == [] and scenario.fake.statuses == []
    commands = [line for line in result.stdout.splitlines() if line.startswith("::warning file=app.py")]
    assert len(commands) == 2 and "line=13" in commands[0] and "title=quality-hooks QH305" in commands[0]
    assert "read-only token" in result.summary and "workflow-command annotations" in result.summary
    assert result.outputs["gate"] == "failed"
    lenient = scenario.run(**{"FAIL-ON": "never"})
    assert lenient.code == 0, lenient  # no red job caused by a 403
    assert_token_hidden(lenient)


def test_review_rejected_with_422_leaves_the_other_outputs(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    scenario.fake.fail("POST", "/pulls/{pull_number}/reviews", 422, times=10)
    result = scenario.run()
    fake = scenario.fake
    assert result.code == 1, result
    assert fake.reviews == [] and len(fake.issue_comments) == 1 and len(fake.statuses) == 1
    assert len(fake.check_runs) == 1
    assert "::warning::quality-hooks action: review failed" in result.stdout
    assert "not posted: review" in result.summary


def test_502_after_the_comment_was_stored_still_gives_one_comment(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    scenario.fake.fail("POST", "/issues/{issue_number}/comments", 502, apply=True)
    result = scenario.run()
    assert result.code == 1, result
    assert len(scenario.fake.issue_comments) == 1
    assert len(scenario.fake.writes("POST", "/issues/7/comments")) == 1
    assert "HTTP 502" in result.stderr and "retrying" in result.stderr


def test_502_then_success_posts_exactly_one_comment(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    scenario.fake.fail("POST", "/issues/{issue_number}/comments", 502)
    result = scenario.run()
    assert result.code == 1, result
    assert len(scenario.fake.issue_comments) == 1
    assert len(scenario.fake.writes("POST", "/issues/7/comments")) == 2


def test_secondary_rate_limit_is_waited_out(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    limited = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
    scenario.fake.fail("POST", "/statuses/{sha}", 403, headers={"Retry-After": "2"}, body=limited)
    scenario.fake.fail("PATCH", "/check-runs/{check_run_id}", 429, headers={"Retry-After": "0"}, body=limited)
    result = scenario.run()
    assert result.code == 1, result
    assert len(scenario.fake.statuses) == 1 and scenario.fake.statuses[0]["state"] == "failure"
    assert "retrying in 2.0s" in result.stderr
    assert result.elapsed >= 2.0


def test_other_events_have_nothing_to_do(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    result = scenario.run(DATA / "events" / "check_run.created.0.json", event_name="check_run")
    assert result.code == 0, result
    assert "nothing to do" in result.stdout and result.outputs["gate"] == "skipped"
    assert scenario.fake.requests == []


def test_push_checks_the_pushed_range(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    event = json.loads((DATA / "events" / "push.event.4.json").read_text())
    event.update(before=scenario.base, after=head, created=False, ref="refs/heads/main")
    path = scenario.tmp / "push.json"
    path.write_text(json.dumps(event))
    result = scenario.run(path, event_name="push")
    assert result.code == 1, result
    assert scenario.fake.issue_comments == [] and scenario.fake.reviews == []
    assert [s["_sha"] for s in scenario.fake.statuses] == [head]
    deleted = scenario.run(DATA / "events" / "push.event.1.json", event_name="push")
    assert deleted.code == 0 and "deleted: nothing to check" in deleted.stdout


def test_fork_safe_pair_posts_a_checked_bundle(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    bundle_path = scenario.tmp / "bundle.json"
    analysed = scenario.run(MODE="analyse", BUNDLE=str(bundle_path), GITHUB_TOKEN="")
    assert analysed.code == 1, analysed
    assert scenario.fake.requests == []  # the unprivileged job posts nothing
    workflow_run = json.loads((DATA / "events" / "workflow_run.completed.0.json").read_text())
    workflow_run["workflow_run"].update(head_sha=head, head_branch="feature", event="pull_request")
    workflow_run["workflow_run"]["head_repository"]["full_name"] = REPO
    event = scenario.tmp / "workflow_run.json"
    event.write_text(json.dumps(workflow_run))
    published = scenario.run(event, event_name="workflow_run", MODE="publish", BUNDLE=str(bundle_path))
    assert published.code == 0, published  # posted: the failing gate is in the status, not the exit code
    assert len(scenario.fake.issue_comments) == 1 and len(scenario.fake.review_comments) == 1
    assert scenario.fake.statuses[-1]["_sha"] == head
    tampered = json.loads(bundle_path.read_text())
    tampered["suggestions"][0]["path"] = "../../etc/passwd"
    bundle_path.write_text(json.dumps(tampered))
    writes = len(scenario.fake.writes())
    rejected = scenario.run(event, event_name="workflow_run", MODE="publish", BUNDLE=str(bundle_path))
    assert rejected.code == 2 and "not a relative repository path" in rejected.stderr, rejected
    assert len(scenario.fake.writes()) == writes


def test_merge_group_is_judged_and_the_status_goes_on_the_group_head(scenario: Scenario) -> None:
    head = scenario.commit_head(HEAD)
    event = event_file(scenario, "merge_group.checks_requested.0.json", merge_group__base_sha=scenario.base,
                       merge_group__head_sha=head)  # fmt: skip
    result = scenario.run(event, event_name="merge_group")
    fake = scenario.fake
    assert result.code == 1, result
    assert f"checking merge_group {scenario.base[:12]}...{head[:12]}" in result.stdout
    assert [(s["_sha"], s["state"], s["context"]) for s in fake.statuses] == [(head, "failure", "quality-hooks/gate")]
    assert [c["head_sha"] for c in fake.check_runs.values()] == [head]
    assert fake.issue_comments == [] and fake.reviews == []


def test_pull_request_target_in_full_mode_refuses_and_posts_nothing(scenario: Scenario) -> None:
    scenario.commit_head(HEAD)
    result = scenario.run(scenario.event(), event_name="pull_request_target")
    assert result.code == 2, result
    assert "refusing to run on pull_request_target" in result.stdout and "fork-safe pair" in result.stdout
    assert result.outputs["gate"] == "error"
    assert scenario.fake.requests == []
    assert not Path(scenario.tmp / "results.sarif").exists()  # nothing was analysed


def test_forced_push_is_judged_against_the_merge_base_with_the_default_branch(scenario: Scenario) -> None:
    repo = scenario.repo
    repo.git("checkout", "-q", "-b", "topic")
    head = scenario.commit_head(HEAD)
    gone = "d" * 40  # the commit the force-push replaced: not in the clone any more
    event = event_file(scenario, "push.event.4.json", before=gone, after=head, created=False, forced=True,
                       ref="refs/heads/topic", repository__default_branch="main")  # fmt: skip
    result = scenario.run(event, event_name="push")
    assert result.code == 1, result  # judged (the two new findings), not an error
    assert result.outputs["gate"] == "failed"
    assert f"a force-push: judged against the merge base {scenario.base[:12]} with main" in result.summary
    assert [(s["_sha"], s["state"]) for s in scenario.fake.statuses] == [(head, "failure")]
