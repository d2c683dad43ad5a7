"""README stays true to the code: its rule table and its architecture diagram are checked here.

Adding a rule is one file: this test then says the table is out of date and prints the new one
(`quality-hooks rules --format markdown`).
"""

from __future__ import annotations

import re
from pathlib import Path

from quality_hooks.commands import rules

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "quality_hooks"


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_readme_rule_table_is_the_generated_one() -> None:
    generated = "".join(line + "\n" for line in rules.table())
    documented = "".join(line + "\n" for line in _section("Rules").splitlines() if line.startswith("|"))
    assert generated.count("\n") > 40  # a real table: every rule, not an empty print
    assert documented == generated, (
        "README's rule table (## Rules) is out of date; replace it with the table at the top of "
        "`quality-hooks rules --format markdown`:\n" + generated
    )


def _is_module(package: Path, name: str) -> bool:
    return (package / f"{name}.py").is_file() or (package / name / "__init__.py").is_file()


def test_readme_architecture_names_only_existing_modules() -> None:
    """Each name in the diagram (before a ``#`` comment) is a module or package of ``quality_hooks``.

    A line that starts with ``package/`` and two spaces lists that package's own modules.
    """
    diagram = _section("Architecture").split("```")[1]
    checked = []
    for line in diagram.splitlines():
        code = line.split("#", 1)[0]
        names = re.findall(r"[a-z_]+", code)
        inside = re.match(r"([a-z_]+)/  ", code)
        package = PACKAGE / inside.group(1) if inside else PACKAGE
        for name in names[1:] if inside else names:
            assert _is_module(package, name), f"README's diagram names {name}, which is not in {package}"
            checked.append(name)
    assert {"analysis", "engine", "rules", "model", "scorer", "pipeline", "gate", "report", "store"} <= set(
        checked + [m.group(1) for m in re.finditer(r"^([a-z_]+)/  ", diagram, re.MULTILINE)]
    )
