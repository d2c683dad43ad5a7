"""``quality-hooks baseline``: accept today's findings so only new ones count."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from quality_hooks.baseline import Baseline
from quality_hooks.commands.common import add_config_argument, config_for, run_guarded
from quality_hooks.git import repo_relative
from quality_hooks.pipeline import run_check


def write_baseline(paths: Sequence[str], explicit: str | None, output: str | None) -> int:
    config = config_for(paths, explicit)
    run = run_check(paths, config, use_baseline=False, use_model=False)
    root = config.root
    relpath = {r.path: repo_relative(r.path, root) for r in run.results}
    baseline = Baseline.from_results(run.results, relpath)
    target = output or os.path.join(root, config.baseline)
    baseline.save(target)
    total = sum(baseline.entries.values())
    print(f"wrote {target}: {total} finding{'s' if total != 1 else ''} in {len(run.results)} files")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="quality-hooks baseline", description="Record today's findings as the baseline."
    )
    parser.add_argument("paths", nargs="*", default=["."])
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="baseline file (default from config: .quality-baseline.json)"
    )
    add_config_argument(parser)
    args = parser.parse_args(argv)
    return run_guarded("quality-hooks baseline", lambda: write_baseline(args.paths, args.config, args.output))
