"""``quality-hooks baseline``: accept today's findings so only new ones count."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from quality_hooks.baseline import Baseline, by_baseline
from quality_hooks.commands.common import add_config_argument, config_finder, run_guarded
from quality_hooks.git import repo_relative
from quality_hooks.pipeline import run_check


def write_baseline(paths: Sequence[str], explicit: str | None, output: str | None) -> int:
    """One baseline per configuration (each file's goes where its configuration says), or all in ``output``."""
    configs = config_finder(paths, explicit)
    run = run_check(paths, configs, use_baseline=False, use_model=False)
    start = configs.for_path(paths[0] if paths else ".")
    if output:
        groups = {(output, start.root): run.results}
    else:
        groups = by_baseline(run.results, configs.for_path) or {
            (os.path.join(start.root, start.baseline), start.root): []
        }
    for (target, root), results in groups.items():
        baseline = Baseline.from_results(results, {r.path: repo_relative(r.path, root) for r in results})
        baseline.save(target)
        total = sum(baseline.entries.values())
        print(f"wrote {target}: {total} finding{'s' if total != 1 else ''} in {len(results)} files")
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
