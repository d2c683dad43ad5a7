"""Recall of the fix-commit detector on BugsInPy's verified fix commits.

``python -m quality_hooks.mine.bugsinpy BUGSINPY_DIR REPO_DIR... [--json OUT]``
reads ``projects/*/project.info`` (GitHub URL) and ``projects/*/bugs/*/bug.info``
(``fixed_commit_id``) from a BugsInPy checkout or bare clone, finds each fixed
commit in the given repositories and reports the share whose message
:func:`quality_hooks.model.history.is_fix_message` flags.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from quality_hooks.git import GitError, git
from quality_hooks.mine.cli import repo_name
from quality_hooks.model.history import is_fix_message

_INFO = re.compile(r'^(\w+)="?([^"\n]*)"?', re.MULTILINE)


def run_git(repo: str, args: list[str], *, check: bool = True) -> str:
    """One git command's text output; with ``check=False`` a failure gives ``""``."""
    try:
        return git(args, repo).decode("utf-8", errors="replace")
    except GitError:
        if check:
            raise
        return ""


def _read(bugsinpy: str, path: str) -> str:
    return run_git(bugsinpy, ["show", f"HEAD:{path}"], check=False)


def fixed_commits(bugsinpy: str) -> dict[str, list[str]]:
    """GitHub ``owner/name`` (lower case) -> BugsInPy fixed commit ids."""
    listing = run_git(bugsinpy, ["ls-tree", "-r", "--name-only", "HEAD", "projects"]).splitlines()
    result: dict[str, list[str]] = {}
    for path in listing:
        if not path.endswith("/project.info"):
            continue
        project_dir = path.rsplit("/", 1)[0]
        info = dict(_INFO.findall(_read(bugsinpy, path)))
        url = info.get("github_url", "").rstrip("/")
        slug = "/".join(url.split("/")[-2:]).lower()
        bugs = [p for p in listing if p.startswith(project_dir + "/bugs/") and p.endswith("/bug.info")]
        ids = [dict(_INFO.findall(_read(bugsinpy, bug))).get("fixed_commit_id", "") for bug in bugs]
        result[slug] = [i for i in ids if re.fullmatch(r"[0-9a-f]{40}", i)]
    return result


def recall(bugsinpy: str, repos: Sequence[str]) -> dict[str, Any]:
    fixes = fixed_commits(bugsinpy)
    aliases = {
        "httpie/httpie": "httpie/cli",
        "jakubroztocil/httpie": "httpie/cli",
        "httpie/cli": "httpie/cli",
        "tiangolo/fastapi": "fastapi/fastapi",
    }
    per_repo: dict[str, dict[str, Any]] = {}
    for repo in repos:
        name = repo_name(repo).lower()
        wanted = [ids for slug, ids in fixes.items() if aliases.get(slug, slug) == name]
        if not wanted:
            continue
        found = detected = merges = 0
        missed = []
        for sha in wanted[0]:
            shown = run_git(repo, ["log", "-1", "--format=%P%x00%B", sha], check=False)
            if not shown.strip():
                continue
            parents, _, message = shown.partition("\x00")
            if len(parents.split()) > 1:
                merges += 1  # mining skips merge commits, so these cannot count as detected or missed
                continue
            found += 1
            if is_fix_message(message):
                detected += 1
            else:
                missed.append(message.strip().splitlines()[0][:80])
        per_repo[repo_name(repo)] = {"bugsinpy_fixes": len(wanted[0]), "merges_skipped": merges, "found": found,
                                     "detected": detected,
                                     "missed_subjects": missed}  # fmt: skip
    found = sum(int(str(r["found"])) for r in per_repo.values())
    detected = sum(int(str(r["detected"])) for r in per_repo.values())
    return {
        "per_repo": per_repo,
        "merges_skipped": merges,
        "found": found,
        "detected": detected,
        "recall": detected / found if found else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bugsinpy")
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    result = recall(args.bugsinpy, args.repos)
    for name, row in result["per_repo"].items():
        print(
            f"{name}: {row['detected']}/{row['found']} non-merge BugsInPy fix commits detected "
            f"({row['bugsinpy_fixes']} listed, {row['merges_skipped']} merges skipped)"
        )
    print(
        f"recall: {result['detected']}/{result['found']} = {result['recall']:.3f}" if result["found"] else "none found"
    )
    if args.json_out:
        with open(args.json_out, "w") as handle:
            json.dump(result, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
