"""What kind of lines a change adds and deletes: code, comments, blank lines. ONE counter for mining and scoring.

Lines added is the strongest single predictor of a defect-inducing change
(LApredict), but a comment or a blank line cannot carry a defect, and SZZ never
blames one: it skips blank, comment-only and docstring lines of a fix. Telling
the kinds apart adds signal the size alone does not have (the model card's
experiments: +0.006 pooled leave-one-project-out ROC-AUC on their own,
``models/model-notes.md``).

The counts come from git's own ``-U0`` patch, so the hook (``git diff -M -U0``
of the staged change, :func:`quality_hooks.git.collect_change`) and mining
(``git log -M -p -U0`` of the whole history, :func:`log_patch_args`) classify
the very same lines with :func:`count_patch`. A line is *code* unless it is
blank or its first non-blank character is ``#`` (docstrings count as code: a
line-level view cannot tell them apart without parsing either version).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from quality_hooks.model.diff_tokens import DIFF_TOKEN_FEATURES, TokenCounts, token_features
from quality_hooks.model.history import unquote_path

#: The per-file features, in this order (see :class:`LineKinds`).
DIFF_LINE_FEATURES = ("file_code_la", "file_code_ld", "file_comment_la", "file_blank_la", "file_comment_ld")
#: What :meth:`LineKinds.features` gives: the kinds of lines, then the tokens of the code lines.
DIFF_FEATURES = (*DIFF_LINE_FEATURES, *DIFF_TOKEN_FEATURES)

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


class LineKinds:
    """Added code, deleted code, added comment, added blank and deleted comment lines of one file,
    and the tokens of its added and deleted code lines (:mod:`quality_hooks.model.diff_tokens`)."""

    __slots__ = ("added_tokens", "counts", "deleted_tokens")

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0]
        self.added_tokens = TokenCounts()
        self.deleted_tokens = TokenCounts()

    def add(self, sign: str, body: str) -> None:
        text = body.strip()
        code = bool(text) and not text.startswith("#")
        if sign == "+":
            self.counts[0 if code else 2 if text else 3] += 1
            if code:
                self.added_tokens.add(body, text)
        elif code:
            self.counts[1] += 1
            self.deleted_tokens.add(body, text)
        elif text:
            self.counts[4] += 1

    def features(self) -> dict[str, float]:
        """:data:`DIFF_LINE_FEATURES`, and those of :data:`DIFF_TOKEN_FEATURES` that are not 0.

        Sparse, because mining holds one of these for every Python file change of a
        whole history before it builds the rows; a token kind that is absent is 0.
        """
        kinds = {name: float(n) for name, n in zip(DIFF_LINE_FEATURES, self.counts, strict=True)}
        return {**kinds, **token_features(self.added_tokens, self.deleted_tokens)}


def _new_path(header: str) -> str | None:
    """The file a ``+++`` header names (``None`` for a deletion's ``/dev/null``); quoted names unquoted."""
    name = unquote_path(header[4:])
    return name[2:] if name.startswith("b/") else None


def count_patch(lines: Iterator[str]) -> dict[str, LineKinds]:
    """Per new path, the kinds of lines one ``-U0`` patch adds and deletes.

    Hunk bodies are read by their headers' line counts, so a code line that
    itself starts with ``+++`` or ``---`` is never taken for a header.
    """
    found: dict[str, LineKinds] = {}
    current: LineKinds | None = None
    old_left = new_left = 0
    for line in lines:
        if old_left or new_left:
            sign = line[:1]
            if sign == "-" and old_left:
                old_left -= 1
            elif sign == "+" and new_left:
                new_left -= 1
            elif sign == "\\":  # "\ No newline at end of file"
                continue
            else:  # a malformed patch: stop reading this hunk
                old_left = new_left = 0
                continue
            if current is not None:
                current.add(sign, line[1:])
            continue
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            path = _new_path(line)
            current = found.setdefault(path, LineKinds()) if path is not None else None
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            if match:
                old_left = 1 if match.group(1) is None else int(match.group(1))
                new_left = 1 if match.group(2) is None else int(match.group(2))
    return found


#: Starts each commit's record in :func:`log_patch_args` output.
COMMIT_MARK = "\x00commit "


def log_patch_args(rev: str = "HEAD") -> list[str]:
    """``git log`` arguments for :func:`commit_patches`: the replay's commits and renames, with -U0 patches.

    ``--full-history``: with a pathspec, git would otherwise simplify side branches away.
    """
    return ["-c", "core.quotePath=false", "log", "--no-merges", "--full-history", "-M", "-p", "-U0", "--no-color",
            "--no-ext-diff", "--no-textconv", "--format=%x00commit %H", rev, "--", "*.py"]  # fmt: skip


def commit_patches(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, LineKinds]]]:
    """``(sha, per path kinds)`` of every commit in a :func:`log_patch_args` stream, in git's order."""
    sha: str | None = None
    body: list[str] = []
    for line in lines:
        if line.startswith(COMMIT_MARK):
            if sha is not None:
                yield sha, count_patch(iter(body))
            sha, body = line[len(COMMIT_MARK) :].strip(), []
        else:
            body.append(line)
    if sha is not None:
        yield sha, count_patch(iter(body))
