#!/usr/bin/env python3
"""Dead-code check for CI: vulture over the package, with the tests and benchmarks counted as users.

A definition in ``quality_hooks/`` that nothing names is reported (confidence >= 60%, vulture's
lowest, so unused functions, classes, attributes and variables all count). Code used only by a
test or a benchmark is not reported: tests and benchmarks are scanned for uses but not judged.

Some names are reached only at run time, so no static reader can see their use. Rule classes are
found by the registry, so their names are taken from it here: adding a rule stays one file.
Everything else vulture cannot see is listed in ``WHITELIST`` below, each entry with its reason;
keep the list short and remove an entry when its reason goes away.
"""

from __future__ import annotations

import sys
from pathlib import Path

import vulture

ROOT = Path(__file__).resolve().parent.parent
JUDGED = ["quality_hooks"]
USERS = ["tests", "benchmarks"]
EXCLUDE = ["tests/data/", "benchmarks/data/"]
MIN_CONFIDENCE = 60

#: Name (or fnmatch pattern) -> why vulture cannot see its use.
WHITELIST = {
    "visit_*": "LibCST calls visitor hooks by node name",
    "leave_*": "LibCST calls visitor hooks by node name",
    "on_visit": "LibCST's visitor protocol, called by CSTNode.visit",
    "on_leave": "LibCST's visitor protocol, called by CSTNode.visit",
    "get_inherited_dependencies": "LibCST MetadataDependent hook, called by the metadata wrapper",
    "before_codegen": "LibCST CodegenState hook, called while the module is generated",
    "after_codegen": "LibCST CodegenState hook, called while the module is generated",
    "record_syntactic_position": "LibCST CodegenState hook, called while the module is generated",
    "VALID": "rule examples, read through the registry by tests/test_rule_examples.py",
    "INVALID": "rule examples, read through the registry by tests/test_rule_examples.py",
    "cognitive_total": "file metric read by name (getattr) in model/features.py",
    "days_since_last_change": "history feature read by name (getattr) in model/features.py",
    "recent_changes": "history feature read by name (getattr) in model/features.py",
    "prior_changes": "history feature read by name (getattr) in model/features.py",
    "prior_fixes": "history feature read by name (getattr) in model/features.py",
    "prior_authors": "history feature read by name (getattr) in model/features.py",
    "intra_op_num_threads": "onnxruntime SessionOptions setting, read by onnxruntime",
    "inter_op_num_threads": "onnxruntime SessionOptions setting, read by onnxruntime",
    "app_from_env": "uvicorn's --factory target, named by a string in store/cli.py",
    "model_config": "pydantic reads the model's configuration from this class attribute",
    "schema_version": "a field of the store's request schema: validated and published, never read back",
}
#: Unused for now, not false positives: code another change of the same session is about to use.
#: Each entry names who and why; delete the entry (or the code) once that change is in.
IGNORED_DECORATORS = [
    "@router.*",  # FastAPI registers route handlers; nothing calls them by name
    "@model_validator",  # pydantic runs validators while parsing
    "@field_validator",
]


def rule_class_names() -> list[str]:
    """The rule classes the registry finds by scanning ``analysis/rules/qh*.py``."""
    sys.path.insert(0, str(ROOT))
    from quality_hooks.analysis.rules import all_rules

    return sorted(rule.__name__ for rule in all_rules().values())


def main() -> int:
    checker = vulture.Vulture(ignore_names=[*WHITELIST, *rule_class_names()], ignore_decorators=IGNORED_DECORATORS)
    checker.scavenge([str(ROOT / p) for p in JUDGED + USERS], exclude=[str(ROOT / p) for p in EXCLUDE])
    judged = tuple(str(ROOT / p) + "/" for p in JUDGED)
    dead = [
        item for item in checker.get_unused_code(min_confidence=MIN_CONFIDENCE) if str(item.filename).startswith(judged)
    ]
    for item in dead:
        print(item.get_report().replace(str(ROOT) + "/", ""))
    if dead:
        print(f"{len(dead)} unused definitions (whitelist true false positives in .ci/dead_code.py)", file=sys.stderr)
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())
