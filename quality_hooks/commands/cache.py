"""``quality-hooks cache info | clear``: show where the analysis cache is and how big, or empty it."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from quality_hooks.cache import Cache


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024 or unit == "MiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    raise AssertionError("unreachable")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks cache", description="Show or empty the analysis cache.")
    parser.add_argument("action", choices=("info", "clear"))
    parser.add_argument("--cache-dir", metavar="DIR", help="the cache folder (default: as check finds it)")
    args = parser.parse_args(argv)
    cache = Cache.open(args.cache_dir)
    if args.action == "clear":
        print(f"removed {cache.clear()} entries from {cache.directory}")
        return 0
    info = cache.info()
    print(f"cache: {info.directory}")
    print(f"{info.entries} entries, {_size(info.size)}, limit {_size(info.limit)}")
    return 0
