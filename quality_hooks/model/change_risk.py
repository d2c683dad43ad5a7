"""Change risk on the hook and CI path: the features mining stored, computed for a change in a work tree.

The change is ``git.Change`` (staged against HEAD in the hook, the work tree
against the merge base in CI); its parent is ``change.base_commit``. History
and experience come from :func:`quality_hooks.model.change_history.change_history`
(as of the parent, cached), the static delta from the engine's results of
the new and base versions (the same numbers the fast static path gives in
mining), and the vector from :func:`quality_hooks.model.features.change_vector`,
the same call the miner makes. onnxruntime only; never scikit-learn.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from quality_hooks.git import GitError, git, repo_relative
from quality_hooks.model.change_history import ChangeHistory, change_history
from quality_hooks.model.diff_lines import LineKinds, count_patch
from quality_hooks.model.features import (
    HISTORY_FEATURES,
    MAX_FILE_BYTES,
    NAN,
    RANKS,
    STATIC_DELTA,
    PathChange,
    change_vector,
    git_features,
    line_count,
    static_features,
)
from quality_hooks.model.history import HistoryState
from quality_hooks.model.static import FunctionFacts, function_keys, function_outline, line_digest, touched_functions

if TYPE_CHECKING:
    from quality_hooks.git import Change
    from quality_hooks.results import FileResult


def path_changes(change: Change) -> list[PathChange]:
    """The change's Python files as the extractor takes them (what ``git log -M --numstat`` gives in mining).

    The kinds of lines each adds and deletes come from the change's own ``-U0`` patch, counted as
    mining counts ``git log -M -p -U0`` (:func:`quality_hooks.model.diff_lines.count_patch`); a file
    diffed as binary (over ``max-file-size``) has them unknown.
    """
    # Split on "\n" only, as mining reads git's lines: str.splitlines would also split at a form feed.
    kinds = count_patch(iter(change.patch.decode("utf-8", errors="replace").split("\n")))
    result = []
    for path, f in sorted(change.files.items()):
        old_path = None if f.status == "added" else (f.old_path or path)
        lines = None if f.binary else kinds.get(path, LineKinds()).features()
        result.append(PathChange(path, f.added, f.deleted, old_path, f.status == "deleted", lines))
    return result


def change_author(change: Change) -> str:
    """Who the change is by: the committer-to-be in the hook, the head commit's author in CI."""
    try:
        if change.staged:
            ident = git(["var", "GIT_AUTHOR_IDENT"], change.root).decode(errors="replace")
            return ident[ident.find("<") + 1 : ident.find(">")].strip().lower()
        return git(["log", "-1", "--format=%ae", "HEAD"], change.root).decode(errors="replace").strip().lower()
    except GitError:
        return ""


#: Digest of a function the change cannot have touched (no changed line in its span, in either version).
UNCHANGED = "unchanged"


def result_functions(result: FileResult | None, changed: set[int] | None = None) -> list[FunctionFacts] | None:
    """The engine's functions of an analysed file as the fast path describes them (``None`` if not parsed).

    With ``changed`` (new-side changed lines and deletion points), functions
    whose span holds none of them get :data:`UNCHANGED` instead of a digest:
    their text is the base version's, so hashing it would only cost time.
    """
    if result is None or result.metrics is None or "ast" in result.metrics.degraded or result.source is None:
        return None
    lines = result.source.text.encode("utf-8", errors="surrogateescape").splitlines()
    out = []
    for f in sorted(result.functions, key=lambda f: f.line):
        hit = changed is None or any(n in changed for n in range(f.line, f.end_line + 1))
        digest = line_digest(lines, f.line, f.end_line) if hit else UNCHANGED
        out.append(FunctionFacts(f.qualname, f.line, f.end_line, f.cyclomatic, digest))
    return out


def _base_functions(base: Sequence[FunctionFacts], new: Sequence[FunctionFacts], text: str) -> list[FunctionFacts]:
    """Base functions paired with ``new``: real digests where the new side has one, :data:`UNCHANGED` elsewhere."""
    wanted = {key for key, f in zip(function_keys(new), new, strict=True) if f.digest != UNCHANGED}
    lines = text.encode("utf-8", errors="surrogateescape").splitlines()
    return [replace(f, digest=line_digest(lines, f.line, f.end_line) if key in wanted else UNCHANGED)
            for key, f in zip(function_keys(base), base, strict=True)]  # fmt: skip


def _without_history(values: dict[str, float]) -> dict[str, float]:
    return {k: (NAN if k in HISTORY_FEATURES else v) for k, v in values.items()}


def change_vectors(
    results: Sequence[FileResult],
    change: Change,
    base_results: Mapping[str, FileResult] | None = None,
    history: ChangeHistory | None = None,
    wanted: Collection[str] | None = None,
) -> dict[str, list[float]]:
    """Per ``FileResult.path`` touched by ``change``: its change-risk vector (CHANGE_FEATURE_NAMES order).

    ``base_results`` maps result paths to analyses of their base versions
    (the gate has them); other base versions are read from git and outlined
    with the fast path. Without history (shallow clone) history features and
    ranks are NaN. ``wanted`` names the features the caller needs (the
    model's): the static delta and the ranks are only computed when asked
    for, the others stay NaN.
    """
    wants_static = wanted is None or any(n in STATIC_DELTA for n in wanted)
    wants_ranks = wanted is None or any(n in RANKS for n in wanted)
    if history is None:
        history = change_history(change.root, change.base_commit)
    changes = path_changes(change)
    author = change_author(change)
    if history is not None:
        git_values = git_features(changes, history.snapshot, author, history.at_time)
    else:
        git_values = {p: _without_history(v) for p, v in git_features(changes, HistoryState(), author, 0).items()}
    if not git_values:
        return {}
    by_rel = {repo_relative(r.path, change.root): r for r in results}
    base_by_rel = {repo_relative(p, change.root): b for p, b in (base_results or {}).items()}
    base_text = _base_texts(change, list(git_values), base_by_rel)
    is_new = {c.path: c.old_path is None for c in changes}
    file_lt = {path: _lines_before(is_new[path], base_text[path], by_rel.get(path)) for path in git_values}
    lt = sum(file_lt.values())
    vectors = {}
    for path, values in git_values.items():
        result = by_rel.get(path)
        if result is None or not result.ok or result.metrics is None or result.source is None:
            continue
        ranks = history.reference.rank(values) if history is not None and wants_ranks else [NAN] * len(RANKS)
        if _too_big(result.source.text):
            static: dict[str, float] = {}  # mining does not measure such file versions either
        elif not wants_static:
            static = {"file_lt": file_lt[path]}
        else:
            static = _static_delta(path, result, change, file_lt[path], is_new[path], base_by_rel, base_text)
        vectors[result.path] = change_vector(path, {**values, "lt": lt}, static, ranks)
    return vectors


def _base_texts(change: Change, paths: Sequence[str], base_by_rel: Mapping[str, FileResult]) -> dict[str, str | None]:
    """Each path's base version: the gate's analysis, else read from git (``None``: none, or too big)."""
    need = [p for p in paths if p not in base_by_rel or base_by_rel[p].source is None]
    raw = change.read_base(need)
    texts: dict[str, str | None] = {}
    for path in paths:
        base = base_by_rel.get(path)
        if base is not None and base.source is not None:
            texts[path] = base.source.text
        elif path in raw and len(raw[path]) <= MAX_FILE_BYTES:
            texts[path] = raw[path].decode("utf-8", errors="replace")
        else:
            texts[path] = None
    return texts


def _lines_before(is_new: bool, base_text: str | None, new_result: FileResult | None) -> float:
    """``file_lt``: the base version's lines (0 for a new file, NaN where mining would not measure it)."""
    if new_result is not None and new_result.source is not None and _too_big(new_result.source.text):
        return NAN  # mining measures neither version when the new one is too big
    if is_new:
        return 0.0
    return line_count(base_text) if base_text is not None else NAN


def _static_delta(
    path: str,
    result: FileResult,
    change: Change,
    lines_before: float,
    is_new: bool,
    base_by_rel: Mapping[str, FileResult],
    base_text: Mapping[str, str | None],
) -> dict[str, float]:
    """The change's static delta on one touched file, on the lines the change touched."""
    changed_file = change.files.get(path)
    changed = (changed_file.lines | changed_file.deleted_after) if changed_file is not None else None
    new = result_functions(result, changed)
    old = _old_functions(path, is_new, base_by_rel, base_text, new)
    return static_features(lines_before, old, new, None, None)


def _old_functions(
    path: str,
    is_new: bool,
    base_results: Mapping[str, FileResult],
    base_text: Mapping[str, str | None],
    new: Sequence[FunctionFacts] | None,
) -> list[FunctionFacts] | None:
    """The base version's functions: from the gate's analysis, else outlined (radon only where the delta needs)."""
    if is_new:
        return []
    text = base_text[path]
    if text is None or new is None:
        return None
    if path in base_results:
        found = result_functions(base_results[path], set())
        return _base_functions(found, new, text) if found is not None else None
    outline = function_outline(text)
    if outline is None:
        return None
    base = _base_functions([replace(f, digest=UNCHANGED) for f in outline.functions], new, text)
    touched = {f.qualname for f in touched_functions(base, new)}
    measured = {f.line: f.cyclomatic for f in outline.measure(touched)}
    return [replace(f, cyclomatic=measured[f.line]) for f in base]


def _too_big(text: str) -> bool:
    return len(text.encode("utf-8", errors="surrogateescape")) > MAX_FILE_BYTES
