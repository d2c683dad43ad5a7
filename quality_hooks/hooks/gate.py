"""pre-commit hook ``quality-gate``: judge the staged change in the files passed.

Each file is judged on its own, so the verdict does not depend on how
pre-commit splits the file list. Outside a git repository (or with
``--scope all``) every finding counts.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from quality_hooks.commands.check import build_parser
from quality_hooks.commands.common import config_for, run_guarded
from quality_hooks.git import GitError, repo_root
from quality_hooks.pipeline import run_check
from quality_hooks.report import ReportOptions, render


def execute(args: argparse.Namespace) -> int:
    if not args.paths:
        return 0
    config = config_for(args.paths, args.config)
    # `pre-commit run --from-ref A --to-ref B` (how CI runs hooks) judges A...B.
    base = args.base or os.environ.get("PRE_COMMIT_FROM_REF") or None
    staged = base is None
    if staged:
        try:
            repo_root(".")
        except GitError:
            staged = False
    run = run_check(
        args.paths,
        config,
        base=base,
        staged=staged,
        scope=args.scope,
        use_baseline=not args.no_baseline,
        use_model=not args.no_model,
    )
    sys.stdout.write(render(run, args.format, ReportOptions(show_existing=args.show_existing)) + "\n")
    return 0 if run.verdict.passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser("quality-gate").parse_intermixed_args(argv)
    return run_guarded("quality-gate", lambda: execute(args))


if __name__ == "__main__":
    raise SystemExit(main())
