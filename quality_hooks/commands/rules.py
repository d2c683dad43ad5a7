"""``quality-hooks rules``: every rule with its code, group, severity and fixability."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from quality_hooks.analysis.rules import all_rules


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks rules", description="List every rule.")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = [
        {
            "code": rule.CODE,
            "name": rule.NAME,
            "group": rule.GROUP,
            "severity": rule.SEVERITY.value,
            "fixable": rule.FIXABLE,
            "enabled_by_default": rule.ENABLED_BY_DEFAULT,
            "options": rule.OPTIONS,
            "description": rule.DESCRIPTION,
        }
        for rule in all_rules().values()
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "markdown":
        print("| code | name | group | severity | fix | options | description |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            options = ", ".join(f"`{k}={v}`" for k, v in row["options"].items())
            fix = "yes" if row["fixable"] else ""
            cells = [row["code"], row["name"], row["group"], row["severity"], fix, options, row["description"]]
            print("| " + " | ".join(cells) + " |")
    else:
        for row in rows:
            fix = "fix" if row["fixable"] else "   "
            print(f"{row['code']}  {row['severity']:<7}  {fix}  {row['name']:<34}  {row['description']}")
    return 0
