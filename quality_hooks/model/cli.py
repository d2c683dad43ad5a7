"""``quality-hooks score [PATHS...] [--staged | --base REF] [--format json]``: defect risk per file.

Without ``--staged``/``--base`` the files are scored as a whole-tree check (no
change features); with them, the change context is the one the new-code gates
use, and with no PATHS the changed Python files are scored.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quality_hooks.results import FileResult, ModelSource


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks score", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", metavar="PATHS")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--staged", action="store_true", help="score the staged change against HEAD")
    where.add_argument("--base", metavar="REF", help="score the change since the merge base of REF and HEAD")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", help="pyproject.toml to use")
    args = parser.parse_args(argv)
    if not args.paths and not (args.staged or args.base):
        args.paths = ["."]

    from quality_hooks import git
    from quality_hooks.config import ConfigError, ConfigFinder
    from quality_hooks.pipeline import run_check

    # The same pipeline as `check`: change context, staged content, base
    # versions (reused for the change features) and ruff, then the model.
    try:
        configs = ConfigFinder(args.config, start=args.paths[0] if args.paths else ".")
        run = run_check(args.paths, configs, base=args.base, staged=args.staged, use_baseline=False)
    except (ConfigError, git.GitError) as exc:
        print(f"quality-hooks score: {exc}", file=sys.stderr)
        return 2
    results = run.results
    unavailable = [note for note in run.notes if note.startswith("quality model unavailable")]
    if unavailable:
        print(f"quality-hooks score: {unavailable[0]}", file=sys.stderr)
        return 2
    unknown = _history_unknown([r.path for r in results])
    if args.format == "json":
        _print_json(results, unknown)
    else:
        _print_text(results, unknown)
    return 1 if any(r.error for r in results) else 0


def _print_json(results: Sequence[FileResult], unknown: Mapping[str, str]) -> None:
    payload = [{"path": r.path, "error": r.error, "score": r.score.to_dict() if r.score else None,
                "model": source.to_dict() if (source := _source(r)) else None,
                "history_unknown": unknown.get(r.path)} for r in results]  # fmt: skip
    print(json.dumps({"version": 1, "files": payload}, indent=2))


def _print_text(results: Sequence[FileResult], unknown: Mapping[str, str]) -> None:
    """One line per file (score, risk, history), its factors as sentences, then the models used."""
    for result in results:
        if result.error or result.score is None:
            print(f"{result.path}: {result.error or 'not scored'}")
            continue
        history = f"  (history unknown: {unknown[result.path]})" if result.path in unknown else ""
        print(f"{result.path}: score {result.score.score:.1f} risk {result.score.risk:.3f}{history}")
        for factor in result.score.factors:
            sentence = factor.get("text") or f"{factor['feature']} = {_num(factor['value'])}"
            print(f"  why: {sentence} (+{factor['risk_added']:.3f} risk)")
    for source in dict.fromkeys(s for s in map(_source, results) if s is not None):
        print(f"scored with the {source.describe()}")


def _source(result: FileResult) -> ModelSource | None:
    """The model that scored ``result``, if it was scored."""
    return result.score.model if result.score is not None else None


def _history_unknown(paths: Sequence[str]) -> dict[str, str]:
    """Per path whose history git cannot give: why (outside git, shallow clone, no commit yet)."""
    from quality_hooks.git import find_repo_root
    from quality_hooks.model.scorer import history_status

    by_dir: dict[str, str | None] = {}
    out = {}
    for path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        if directory not in by_dir:
            by_dir[directory] = history_status(find_repo_root(directory))
        if by_dir[directory] is not None:
            out[path] = str(by_dir[directory])
    return out


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"
