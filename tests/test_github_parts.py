"""The Action's parts on their own: limits, escaping, untrusted bundles, retry decisions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from github import GithubException

from quality_hooks.github import retry
from quality_hooks.github.bundle import Annotation, Bundle, BundleError, FileSummary, Suggestion, parse_bundle
from quality_hooks.github.diff import commentable_lines
from quality_hooks.github.publish import suggestion_body
from quality_hooks.github.suggestions import hunks
from quality_hooks.github.summary import COMMENT_LIMIT, MARKER, escape, render_summary
from quality_hooks.github.workflow import CommandAnnotation, annotation_lines, select_visible, write_outputs

SHA_A, SHA_B = "a" * 40, "b" * 40


def big_bundle(files: int) -> Bundle:
    summaries = [
        FileSummary(path=f"pkg/module_{i}.py", score_before=80.0, score_after=70.0, risk=0.4, level="critical",
                    reasons=[f"reason {j} " + "x" * 100 for j in range(5)], new=3, existing=2)
        for i in range(files)
    ]  # fmt: skip
    return Bundle(repository="o/r", event="pull_request", base_sha=SHA_A, head_sha=SHA_B, pr_number=1, gate="failed",
                  level="critical", files=summaries)  # fmt: skip


def test_summary_stays_under_the_comment_limit_and_says_so() -> None:
    text = render_summary(big_bundle(3000), "https://example/run")
    assert len(text) <= COMMENT_LIMIT
    assert text.startswith(MARKER)
    assert "not shown" in text and "more file(s)" in text
    small = render_summary(big_bundle(2))
    assert "not shown" not in small and small.count("`pkg/module_") >= 2


def test_escaping_blocks_markdown_and_mentions() -> None:
    hostile = "[click](https://evil) @org/team <img src=x> `code` |pipe|"
    shown = escape(hostile)
    assert "](" not in shown.replace("\\]", "") and not re.search(r"@\w", shown) and "<img" not in shown
    assert "\\|pipe\\|" in shown


def test_workflow_annotations_keep_ten_per_level_most_severe_first() -> None:
    found = [CommandAnnotation("notice", "a.py", i, i, "t", "m") for i in range(1, 13)]
    found += [CommandAnnotation("failure", "b.py", i, i, "t", "m") for i in range(1, 16)]
    shown, hidden = select_visible(found)
    assert hidden == 7
    assert [a.level for a in shown] == ["failure"] * 10 + ["notice"] * 10
    line = annotation_lines([CommandAnnotation("failure", "a,b.py", 3, 3, "QH1: x", "50%\nnext", 2, 5)])[0]
    assert line == "::error file=a%2Cb.py,line=3,endLine=3,col=2,endColumn=5,title=QH1%3A x::50%25%0Anext"


def test_outputs_use_a_delimiter_the_value_cannot_forge(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_outputs(str(target), {"gate": "passed\nscore<<EOF\n99"})
    text = target.read_text()
    delimiter = text.split("<<", 1)[1].split("\n", 1)[0]
    assert delimiter.startswith("ghadelimiter_") and text.count(delimiter) == 2


def test_bundle_round_trips_and_refuses_tampering() -> None:
    bundle = big_bundle(1)
    bundle.annotations = [Annotation("pkg/a.py", 3, 4, "warning", "QH305", "msg", None, None)]
    bundle.suggestions = [Suggestion("pkg/a.py", 3, 4, ["x = 1", "y = 2"], ["QH305"], "msg")]
    data = json.loads(bundle.to_json())
    assert parse_bundle(data) == bundle
    for field, value, problem in [
        ("suggestions", [{**data["suggestions"][0], "path": "/etc/passwd"}], "not a relative repository path"),
        ("head_sha", "HEAD", "40-character commit SHA"),
        ("gate", "passed; rm -rf", "expected one of"),
        ("files", [{**data["files"][0], "new": -1}], "expected an integer"),
        ("evil", 1, "unknown field 'evil'"),
        ("annotations", [{**data["annotations"][0], "end_line": 1}], "end_line"),
    ]:
        with pytest.raises(BundleError, match=problem):
            parse_bundle({**data, field: value}, "artifact.json")


def test_suggestion_fence_outgrows_backticks_inside() -> None:
    body = suggestion_body(Suggestion("a.py", 1, 1, ['doc = """```python"""'], ["QH1"], "fix @someone"))
    assert "````suggestion\n" in body and body.count("````") == 2 and "@someone" not in body


def test_suggestion_links_the_rules_docs() -> None:
    body = suggestion_body(Suggestion("a.py", 1, 1, ["x is None"], ["QH204"], "use is"))
    assert body.startswith("**[`QH204`](https://github.com/quality-hooks/quality-hooks/blob/main/docs/rules.md#qh204-")


def test_commentable_lines_follow_the_hunks() -> None:
    patch = "@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n@@ -10,2 +11,2 @@\n x\n+y\n"
    assert commentable_lines(patch) == {1, 2, 3, 4, 11, 12}


def test_fix_hunks_cover_whole_lines() -> None:
    original = "a\nif not x in y:\n    pass\nz\n"
    fixed = "a\nif x not in y:\n    pass\nnew\nz\n"
    assert hunks(original, fixed) == [(2, 2, ["if x not in y:"]), (3, 3, ["    pass", "new"])]


def rate_limited(status: int, headers: dict[str, str], message: str = "") -> GithubException:
    return GithubException(status, {"message": message}, headers)


def test_rate_limit_waits_follow_the_headers() -> None:
    assert retry.rate_limit_wait(rate_limited(403, {"Retry-After": "7"})) == 7
    wait = retry.rate_limit_wait(
        rate_limited(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}), now=1000
    )
    assert wait == 31
    assert retry.rate_limit_wait(rate_limited(403, {}, "Resource not accessible by integration")) is None
    assert retry.rate_limit_wait(rate_limited(403, {}, "You have exceeded a secondary rate limit")) == 60


def test_ambiguous_write_is_looked_up_before_it_is_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(retry.MAX_SLEEP_ENV, "0")
    sent: list[str] = []

    def post() -> str:
        sent.append("post")
        raise GithubException(502, {"message": "Bad Gateway"}, {})

    result = retry.call("post", post, recheck=lambda: "found it", sleep=lambda s: None)
    assert (result, sent) == ("found it", ["post"])
    with pytest.raises(retry.PermissionDenied):
        retry.call("post", lambda: (_ for _ in ()).throw(GithubException(403, {"message": "nope"}, {})))


def test_fake_github_flags_undocumented_requests() -> None:
    import requests
    from fake_github import FakeGitHub

    with FakeGitHub("o/r", "t0k") as fake:
        auth = {"Authorization": "token t0k"}
        assert requests.get(f"{fake.url}/repos/o/r/issues/7", headers=auth, timeout=5).status_code == 404
        requests.post(f"{fake.url}/repos/o/r/issues/7/comments", json={"text": "x"}, headers=auth, timeout=5)
        requests.delete(f"{fake.url}/rate_limit", headers=auth, timeout=5)
        requests.get(f"{fake.url}/repos/o/r/pulls/7/files?colour=red", headers=auth, timeout=5)
    assert any("path not documented" in p for p in fake.problems)
    assert any("request body" in p and "'body' is a required property" in p for p in fake.problems)
    assert any("method not documented" in p for p in fake.problems)
    assert any("undocumented query parameter" in p for p in fake.problems)
