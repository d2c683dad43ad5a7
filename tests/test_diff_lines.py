"""The kinds of lines a patch adds and deletes: one counter for ``git log -p`` (mining) and ``git diff`` (hook)."""

from __future__ import annotations

import os
import subprocess

from quality_hooks.model.diff_lines import (
    DIFF_FEATURES,
    DIFF_LINE_FEATURES,
    commit_patches,
    count_patch,
    log_patch_args,
)
from quality_hooks.model.diff_tokens import DIFF_TOKEN_FEATURES

PATCH = """diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -3 +3,4 @@ def f():
-    return 1  # old
+    # explain
+    return 2
+
++++x
@@ -10,2 +12,0 @@ def g():
-    # gone
-
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-print(1)
diff --git "a/sp ace\\".py" "b/sp ace\\".py"
--- "a/sp ace\\".py"
+++ "b/sp ace\\".py"
@@ -0,0 +1 @@
+x = 1
\\ No newline at end of file
"""


def test_hunk_bodies_are_read_by_their_counts() -> None:
    found = count_patch(iter(PATCH.splitlines()))
    assert set(found) == {"pkg/mod.py", 'sp ace".py'}, "a deleted file has no new path; quoted names are unquoted"
    mod = found["pkg/mod.py"].features()
    # added: "# explain" (comment), "return 2" and "+++x" (code: inside a hunk, not a header), "" (blank);
    # deleted: "return 1  # old" (code), "# gone" (comment), "" (blank: not counted)
    assert [mod[n] for n in DIFF_LINE_FEATURES] == [2, 1, 1, 1, 1]
    assert found['sp ace".py'].features()["file_code_la"] == 1


def test_mining_and_the_hook_count_the_same_lines(tmp_path) -> None:
    """A real repository: ``git log -p`` (mining) and ``git diff --cached -U0`` (the hook) give equal counts."""
    root = str(tmp_path)
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x"}  # fmt: skip

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    (tmp_path / "m.py").write_text("def f():\n    return 1\n\n\n# note\n" * 20)
    git("add", "-A")
    git("commit", "-q", "-m", "one")
    (tmp_path / "m.py").write_text("def f():\n    # why\n    return 2\n\n" * 20)
    git("mv", "m.py", "n.py")
    git("add", "-A")
    hook = count_patch(iter(git("diff", "--cached", "-M", "-U0", "HEAD", "--", "m.py", "n.py").splitlines()))
    git("commit", "-q", "-m", "two")
    ((sha, mined), _) = commit_patches(iter(git(*log_patch_args("HEAD")).splitlines()))
    assert sha == git("rev-parse", "HEAD").strip()
    assert set(hook) == set(mined) == {"n.py"}
    assert hook["n.py"].counts == mined["n.py"].counts
    assert hook["n.py"].features() == mined["n.py"].features(), "the code lines' tokens too"
    assert hook["n.py"].features()["file_comment_la"] == 20


TOKENS = """diff --git a/t.py b/t.py
--- a/t.py
+++ b/t.py
@@ -1,2 +1,4 @@
-    if x == None:  # a comment's words are not code
-        return 'a'
+    try:
+        return self.get(key, 0) != "it's"
+    except KeyError:  # fall back
+        raise
"""


def test_the_code_lines_tokens_are_counted_by_kind() -> None:
    """Keywords, chosen names, operators and literals of added and deleted code lines; comments are left out."""
    features = count_patch(iter(TOKENS.splitlines()))["t.py"].features()
    assert set(features) >= set(DIFF_LINE_FEATURES) and set(features) <= set(DIFF_FEATURES)
    full = {name: features.get(name, 0.0) for name in DIFF_TOKEN_FEATURES}
    added = {k.removeprefix("tok_add_"): v for k, v in full.items() if k.startswith("tok_add_") and v}
    deleted = {k.removeprefix("tok_del_"): v for k, v in full.items() if k.startswith("tok_del_") and v}
    assert added == {
        "kw_try": 1, "kw_return": 1, "kw_self": 1, "kw_get": 1, "kw_except": 1, "kw_raise": 1,
        "op_attribute": 1, "op_call": 1, "op_comma": 1, "op_ne": 1, "op_colon": 2,
        "strings": 1, "numbers": 1, "names": 8, "distinct_names": 8, "tokens": 17,
        "indent_max": 8, "indent_sum": 24,
    }  # fmt: skip
    assert deleted == {
        "kw_if": 1, "kw_None": 1, "kw_return": 1, "op_eq": 1, "op_colon": 1, "strings": 1,
        "names": 4, "distinct_names": 4, "tokens": 7, "indent_max": 8, "indent_sum": 12,
    }  # fmt: skip
    assert "tok_add_kw_fall" not in DIFF_TOKEN_FEATURES, "a fixed vocabulary: no word of a comment becomes a feature"


def test_no_text_is_kept_only_counts() -> None:
    kinds = count_patch(iter(TOKENS.splitlines()))["t.py"]
    assert all(isinstance(v, float) for v in kinds.features().values())
    assert len(DIFF_TOKEN_FEATURES) == len(set(DIFF_TOKEN_FEATURES)), "every token feature has its own name"
