"""``quality-hooks check``: analyse, score and gate; text, JSON or SARIF out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from quality_hooks.choices import FORMATS, SCOPES
from quality_hooks.commands.common import (
    add_cache_arguments,
    add_config_argument,
    config_finder,
    open_cache,
    run_guarded,
)


def build_parser(prog: str = "quality-hooks check") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Analyse Python files and apply the quality gates.")
    parser.add_argument(
        "paths", nargs="*", help="files or directories (default: the change with --base/--staged, else .)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument("--base", metavar="REF", help="judge the change since the merge base of REF and HEAD")
    parser.add_argument(
        "--staged", action="store_true", help="judge the staged change against HEAD (what the hook does)"
    )
    parser.add_argument("--scope", choices=SCOPES, help="which findings can fail the gate (default from config)")
    parser.add_argument("--show-existing", action="store_true", help="also list findings outside the scope")
    parser.add_argument(
        "--sarif-category", metavar="NAME", help="SARIF automationDetails category (with --format sarif)"
    )
    parser.add_argument("--no-model", action="store_true", help="skip the quality model score")
    parser.add_argument("--no-baseline", action="store_true", help="ignore the baseline file")
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the effective settings and gate for the first path (defaults included) and exit",
    )
    add_config_argument(parser)
    add_cache_arguments(parser)
    return parser


def check_and_report(args: argparse.Namespace, paths: Sequence[str], base: str | None, staged: bool) -> int:
    """Run the check and write the report (stdout or ``-o``): ``check`` and the gate hook both end here."""
    from quality_hooks import rerun  # here, not at the top: ``--help`` stays instant

    cache = open_cache(args)
    options = [
        args.format,
        args.sarif_category,
        args.show_existing,
        args.scope,
        args.no_model,
        args.no_baseline,
        args.config,
        list(paths),
    ]
    # The hook's staged change can be answered from an earlier identical run (see quality_hooks.rerun),
    # without reading a configuration: it is read (and the baselines' digests taken) only on a miss.
    key = rerun.report_key(options, paths, args.config) if staged and base is None and cache.enabled else None
    found = rerun.lookup(cache, key)
    if found is None:
        from quality_hooks.pipeline import run_check
        from quality_hooks.report import ReportOptions, render

        configs = config_finder(paths, args.config)
        baselines = rerun.baseline_stamps(paths, configs) if key is not None else []
        run = run_check(
            paths,
            configs,
            base=base,
            staged=staged,
            scope=args.scope,
            use_baseline=not args.no_baseline,
            use_model=not args.no_model,
            cache=cache,
        )
        output, passed = (
            render(run, args.format, ReportOptions(show_existing=args.show_existing, category=args.sarif_category)),
            run.verdict.passed,
        )
        if run.complete and key is not None and rerun.report_key(options, paths, args.config) == key:
            rerun.store(cache, key, output, passed, baselines)  # unless something changed while we ran
        cache.prune_if_due()
    else:
        output, passed = found
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(output + "\n")
    else:
        sys.stdout.write(output + "\n")
    return 0 if passed else 1


def show_settings(args: argparse.Namespace) -> int:
    from quality_hooks.gate import describe_settings

    path = args.paths[0] if args.paths else "."
    print("\n".join(describe_settings(config_finder([path], args.config).for_path(path), path)))
    return 0


def execute(args: argparse.Namespace) -> int:
    if args.show_settings:
        return show_settings(args)
    paths = list(args.paths)
    if not paths and args.base is None and not args.staged:
        paths = ["."]
    return check_and_report(args, paths, args.base, args.staged)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    return run_guarded("quality-hooks check", lambda: execute(args))
