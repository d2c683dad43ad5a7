"""Thin, fast git access for mining: one-shot commands and a persistent ``cat-file --batch``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence

_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def git_dir_args(repo: str) -> list[str]:
    """``--git-dir`` for bare repositories, ``-C`` for work trees."""
    if os.path.isdir(os.path.join(repo, ".git")):
        return ["-C", repo]
    return [f"--git-dir={repo}"]


def run_git(repo: str, args: Sequence[str], *, check: bool = True) -> str:
    done = subprocess.run(["git", *git_dir_args(repo), *args], capture_output=True, env=_ENV, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])} in {repo}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="replace")


def git_lines(repo: str, args: Sequence[str]) -> Iterator[str]:
    """The output of one git command, a line at a time (without its newline), for outputs too big to hold."""
    with subprocess.Popen(["git", *git_dir_args(repo), *args], stdout=subprocess.PIPE, env=_ENV) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            yield raw.decode("utf-8", errors="replace").rstrip("\n")
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])} in {repo} exited {proc.returncode}")


class BlobReader:
    """``git cat-file --batch`` kept open: reading many blobs costs one process."""

    def __init__(self, repo: str) -> None:
        self._proc = subprocess.Popen(
            ["git", *git_dir_args(repo), "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_ENV,
        )  # fmt: skip

    def read(self, rev: str, path: str) -> bytes | None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{rev}:{path}\n".encode())
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().decode(errors="replace").split()
        if len(header) != 3 or header[1] != "blob":
            return None
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # trailing newline
        return data

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
