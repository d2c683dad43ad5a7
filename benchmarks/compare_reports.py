"""Prove a refactoring changed no verdict: snapshot ``check``'s JSON reports, then compare.

    python benchmarks/compare_reports.py snapshot /tmp/before [--no-model]
    ... restructure ...
    python benchmarks/compare_reports.py snapshot /tmp/after [--no-model]
    python benchmarks/compare_reports.py compare /tmp/before /tmp/after

Two corpora are checked: the standard library's top-level modules and this repository's own
``quality_hooks``, ``tests`` and ``benchmarks`` as they stood at a fixed commit (``--self-rev``,
exported with ``git archive``), so the tool before and after the change judges the same source.
Paths are made relative to each corpus, so two checkouts in different folders compare equal.
Exit status 1 when any report differs, with the first differences printed as JSON paths.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
#: The commit before the architecture rework: the source both tools judge.
SELF_REV = "2424117"
NAMES = ("stdlib", "self")


def corpora(workdir: Path, self_rev: str) -> dict[str, tuple[Path, list[str]]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    tree = workdir / f"self-{self_rev}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(HERE), "archive", self_rev], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return {
        "stdlib": (stdlib, sorted(p.name for p in stdlib.glob("*.py"))),
        "self": (tree, ["quality_hooks", "tests", "benchmarks"]),
    }


def _relative(value: Any, root: str) -> Any:
    if isinstance(value, dict):
        return {k: _relative(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, root) for v in value]
    if isinstance(value, str) and value.startswith(root):
        return value[len(root) :].lstrip("/")
    return value


def snapshot(out: Path, no_model: bool, self_rev: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("quality-hooks")
    for name, (root, paths) in corpora(out, self_rev).items():
        argv = [str(exe), "check", "--format", "json", "--no-baseline", *paths]
        if no_model:
            argv.append("--no-model")
        proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{name}: check exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        report = _relative(json.loads(proc.stdout), str(root) + "/")
        (out / f"{name}.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        print(f"{name}: {len(report['files'])} files -> {out / (name + '.json')}")


def differences(a: Any, b: Any, where: str = "$") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{where}.{key}: only in {'after' if key in b else 'before'}"
            else:
                yield from differences(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{where}: {len(a)} items before, {len(b)} after"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from differences(x, y, f"{where}[{i}]")
    elif a != b:
        yield f"{where}: {a!r} -> {b!r}"


def compare(before: Path, after: Path) -> int:
    failed = 0
    for name in NAMES:
        a = json.loads((before / f"{name}.json").read_text())
        b = json.loads((after / f"{name}.json").read_text())
        diffs = list(differences(a, b))
        print(f"{name}: {'identical' if not diffs else f'{len(diffs)} differences'}")
        for line in diffs[:20]:
            print("  " + line)
        failed += bool(diffs)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--no-model", action="store_true")
    snap.add_argument("--self-rev", default=SELF_REV, help="the commit of this repository to check")
    comp = sub.add_parser("compare")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        snapshot(args.out, args.no_model, args.self_rev)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
