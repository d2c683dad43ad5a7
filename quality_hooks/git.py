"""Change context from git: which files and lines a change touches, and base versions.

A hook judges the staged change against HEAD (the index content, so partially
staged files are judged as they will be committed); CI judges the working
tree against the merge base of ``--base`` and HEAD. Base versions are always
read from git objects, never from the working tree.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from quality_hooks.source import DEFAULT_MAX_BYTES

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def repo_relative(path: str, root: str) -> str:
    """``path`` relative to ``root`` with forward slashes: the form git and reports use."""
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


class GitError(Exception):
    """A git command failed; the message is one line for the user."""


def git(args: Sequence[str], cwd: str, input_bytes: bytes | None = None, timeout: float | None = None) -> bytes:
    """Run ``git args`` in ``cwd`` and return its stdout; every git call of the package goes through here.

    ``LC_ALL=C`` keeps messages and output parseable whatever the user's locale;
    ``GIT_OPTIONAL_LOCKS=0`` keeps a read-only command from taking the index lock
    (and failing next to an editor's or another hook's git). Any failure, a
    missing git or a timeout included, is a :class:`GitError` with one line.
    """
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            check=False,
            timeout=timeout,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except OSError as exc:  # no git, or a working directory that is missing or not ours to enter
        if isinstance(exc, FileNotFoundError) and exc.filename != cwd:
            raise GitError("git is not installed") from None
        raise GitError(f"git {' '.join(args[:2])}: {exc.strerror}: {exc.filename}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])}: no answer within {timeout:g}s") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return done.stdout


def repo_root(path: str = ".") -> str:
    return git(["rev-parse", "--show-toplevel"], path).decode().strip()


def find_repo_root(path: str) -> str | None:
    """The repository a file or folder is in (it need not exist yet), or ``None`` outside git."""
    directory = os.path.abspath(path)
    while not os.path.isdir(directory) and os.path.dirname(directory) != directory:
        directory = os.path.dirname(directory)
    try:
        return repo_root(directory)
    except GitError:
        return None


def head_commit(root: str) -> str | None:
    """The commit id of HEAD, or None when there is none (no commit yet, or not a repository)."""
    try:
        return git(["rev-parse", "--verify", "-q", "HEAD"], root).decode().strip() or None
    except GitError:
        return None


def hunk_header(line: str) -> tuple[int, int] | None:
    """New-side ``(start, count)`` of a unified-diff hunk header ``@@ -a,b +c,d @@``; None for other lines."""
    match = _HUNK_HEADER.match(line)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or "1")


def merge_base(root: str, base: str, head: str = "HEAD") -> str:
    try:
        return git(["merge-base", base, head], root).decode().strip()
    except GitError:
        raise GitError(
            f"cannot find a merge base of {base!r} and {head!r} (is the base fetched? use fetch-depth: 0)"
        ) from None


@dataclass
class ChangedFile:
    path: str  # relative to the repository root, forward slashes
    status: str  # added, modified, renamed, deleted, copied
    old_path: str | None = None
    #: New-side line numbers added or modified; empty for pure deletions.
    lines: set[int] = field(default_factory=set)
    #: New-side lines after which lines were only deleted (``+c,0`` hunks).
    deleted_after: set[int] = field(default_factory=set)
    added: int = 0
    deleted: int = 0
    hunks: int = 0
    #: Diffed as binary (a side over ``max-file-size``): which lines changed is unknown, so all of them count.
    binary: bool = False


_STATUS = {"A": "added", "M": "modified", "R": "renamed", "D": "deleted", "C": "copied", "T": "modified"}


@dataclass
class Change:
    """A change: staged (against HEAD) or working tree against a base commit."""

    root: str
    base_commit: str | None  # None: no base (first commit)
    staged: bool
    files: dict[str, ChangedFile] = field(default_factory=dict)
    #: The ``-U0`` patch of the changed Python files, as git printed it (the change-risk model counts its lines).
    patch: bytes = b""

    def read_base(self, rels: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, bytes]:
        """Base versions (by new path) of the given files, from git objects; those over ``max_bytes`` are left out."""
        if self.base_commit is None:
            return {}
        wanted = {}
        for rel in rels:
            changed = self.files.get(rel)
            if changed is None or changed.status == "added":
                continue
            wanted[f"{self.base_commit}:{changed.old_path or rel}"] = rel
        blobs, _ = read_small_blobs(self.root, list(wanted), max_bytes)
        return {wanted[spec]: data for spec, data in blobs.items()}


def blob_sizes(root: str, specs: Sequence[str]) -> dict[str, int]:
    """Sizes of ``rev:path`` objects (missing ones left out), without reading them."""
    if not specs:
        return {}
    out = git(["cat-file", "--batch-check"], root, "".join(f"{spec}\n" for spec in specs).encode())
    sizes: dict[str, int] = {}
    for spec, line in zip(specs, out.splitlines(), strict=False):
        header = line.split()
        if len(header) == 3 and header[2].isdigit():
            sizes[spec] = int(header[2])
    return sizes


def read_small_blobs(
    root: str, specs: Sequence[str], max_bytes: Mapping[str, int] | int
) -> tuple[dict[str, bytes], dict[str, int]]:
    """The objects of at most ``max_bytes`` (per spec, or one limit), and the sizes of the others.

    Objects over the limit are never read into memory: ``max-file-size`` holds for git content too.
    """
    sizes = blob_sizes(root, specs)
    limit = (lambda spec: max_bytes) if isinstance(max_bytes, int) else max_bytes.__getitem__
    small = [spec for spec, size in sizes.items() if size <= limit(spec)]
    return read_blobs(root, small), {spec: size for spec, size in sizes.items() if size > limit(spec)}


def read_blobs(root: str, specs: Sequence[str]) -> dict[str, bytes]:
    """Read many ``rev:path`` objects with one ``git cat-file --batch``."""
    if not specs:
        return {}
    out = git(["cat-file", "--batch"], root, "".join(f"{spec}\n" for spec in specs).encode())
    result: dict[str, bytes] = {}
    position = 0
    for spec in specs:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) == 2 and header[1] == b"missing":
            continue
        size = int(header[2])
        result[spec] = out[position : position + size]
        position += size + 1
    return result


def _parse_name_status(raw: bytes) -> list[ChangedFile]:
    parts = raw.decode("utf-8", errors="surrogateescape").split("\0")
    files: list[ChangedFile] = []
    i = 0
    while i < len(parts) and parts[i]:
        code = parts[i]
        kind = _STATUS.get(code[0], "modified")
        if code[0] in "RC":
            files.append(ChangedFile(path=parts[i + 2], status=kind, old_path=parts[i + 1]))
            i += 3
        else:
            files.append(ChangedFile(path=parts[i + 1], status=kind))
            i += 2
    return files


def _parse_hunks(raw: bytes, files: dict[str, ChangedFile]) -> None:
    current: ChangedFile | None = None
    for line in raw.decode("utf-8", errors="surrogateescape").splitlines():
        if line.startswith("Binary files ") and line.endswith(" differ") and " and b/" in line:
            binary = files.get(line[: -len(" differ")].rsplit(" and b/", 1)[1])
            if binary is not None:
                binary.binary = True
            current = None
        elif line.startswith("+++ "):
            name = line[4:]
            current = files.get(name[2:]) if name.startswith("b/") else None
        elif line.startswith("@@") and current is not None:
            header = hunk_header(line)
            if header is not None:
                start, count = header
                current.lines.update(range(start, start + count))
                if count == 0:
                    current.deleted_after.add(start)
                current.hunks += 1
        elif current is not None and line.startswith("+") and not line.startswith("+++"):
            current.added += 1
        elif current is not None and line.startswith("-") and not line.startswith("---"):
            current.deleted += 1


def _diff_args(change: Change, max_bytes: int) -> list[str]:
    # Files over the size cap diff as binary: their lines are never read (max-file-size).
    big = ["-c", f"core.bigFileThreshold={max_bytes}"]
    args = ["-M", "--no-ext-diff", "--no-color", "--no-textconv", "--ignore-submodules"]
    if change.staged:
        return [*big, "diff", "--cached", *args, change.base_commit or EMPTY_TREE]
    return [*big, "diff", *args, change.base_commit or EMPTY_TREE]


def collect_change(
    root: str, *, base: str | None = None, staged: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> Change:
    """Files and lines changed: staged vs HEAD, or working tree vs merge-base(base, HEAD)."""
    if staged:
        base_commit = head_commit(root)
    elif base is not None:
        base_commit = merge_base(root, base)
    else:
        raise ValueError("collect_change needs base or staged")
    change = Change(root=root, base_commit=base_commit, staged=staged)
    name_status = git([*_diff_args(change, max_bytes), "--name-status", "-z", "--", "*.py", "*.pyi"], root)
    files = {f.path: f for f in _parse_name_status(name_status)}
    if files:
        # Old paths too: rename detection needs both sides in the pathspec.
        both = set(files) | {f.old_path for f in files.values() if f.old_path}
        hunks = git([*_diff_args(change, max_bytes), "-U0", "--", *sorted(both)], root)
        _parse_hunks(hunks, files)
        change.patch = hunks
    if not staged:
        # Untracked new files are part of a working-tree change too.
        untracked = git(["ls-files", "--others", "--exclude-standard", "-z", "--", "*.py", "*.pyi"], root)
        for rel in filter(None, untracked.decode("utf-8", errors="surrogateescape").split("\0")):
            files.setdefault(rel, ChangedFile(path=rel, status="added"))
    change.files = files
    return change
