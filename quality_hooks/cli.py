"""``quality-hooks`` command line.

Core commands live here; the heavier ones (mining, training, the Action, the
store) live in their own packages and are imported only when asked for, so
``check`` and the hooks start fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

#: command -> "module:function"; each function is ``main(argv) -> int``.
EXTERNAL_COMMANDS = {
    "mine": ("quality_hooks.mine.cli:main", "mine git history into a training dataset"),
    "train": ("quality_hooks.train.cli:main", "train the quality model and export it to ONNX"),
    "evaluate": ("quality_hooks.train.evaluate:main", "evaluate a model against baselines"),
    "score": ("quality_hooks.model.cli:main", "score files with the bundled quality model"),
    "action": ("quality_hooks.github.action:main", "run as the GitHub Action"),
    "store": ("quality_hooks.store.cli:main", "run or administer the metrics store"),
    "push": ("quality_hooks.store.push:main", "push a JSON report to a metrics store"),
    "history": ("quality_hooks.commands.history:main", "backfill a metrics store from git history"),
}
CORE_COMMANDS = {
    "check": ("quality_hooks.commands.check:main", "analyse files and apply the gates"),
    "fix": ("quality_hooks.commands.fix:main", "apply every safe auto-fix"),
    "rules": ("quality_hooks.commands.rules:main", "list every rule"),
    "baseline": ("quality_hooks.commands.baseline:main", "record today's findings as the baseline"),
    "cache": ("quality_hooks.commands.cache:main", "show (info) or empty (clear) the analysis cache"),
}
COMMANDS = {**CORE_COMMANDS, **EXTERNAL_COMMANDS}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: quality-hooks COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_text}" for name, (_, help_text) in COMMANDS.items()]
    lines += ["", "Run 'quality-hooks COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(usage())
        return 0 if args else 2
    if args[0] == "--version":
        from quality_hooks import __version__

        print(f"quality-hooks {__version__}")
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"quality-hooks: unknown command {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, _, function = command[0].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(
            f"quality-hooks {args[0]}: missing dependency ({exc.name}); see README for the extra to install",
            file=sys.stderr,
        )
        return 2
    return int(getattr(module, function)(args[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
