"""Run the shell steps of the composite ``action.yml`` the way the runner does, for tests.

GitHub's runner evaluates each ``${{ ... }}`` expression, starts ``bash`` in the
step's ``working-directory`` with the step's ``env`` and collects what the step
appends to ``GITHUB_OUTPUT`` as ``steps.<id>.outputs``. ``uses:`` steps (setup-python,
cache) cannot run here: the test provides their outputs.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION_YML = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    step_id: str
    code: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Composite:
    """The expression context of one job: ``github.*``, ``runner.*``, ``inputs.*`` and step outputs."""

    context: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        """A context lookup, or ``a || b`` (the first non-empty), as used in action.yml."""
        for option in (part.strip() for part in expression.split("||")):
            if option.startswith("'") and option.endswith("'"):
                return option[1:-1]
            found = self._lookup(option)
            if found:
                return found
        return ""

    def _lookup(self, name: str) -> str:
        if name.startswith("steps."):
            _, step_id, _, key = name.split(".", 3)
            return self.outputs.get(step_id, {}).get(key, "")
        return self.context.get(name, "")

    def expand(self, text: Any) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), str(text))

    def run_step(self, step: dict[str, Any], env: dict[str, str], cwd: Path, tmp: Path) -> StepRun:
        step_id = step.get("id") or step.get("name", "step")
        output = tmp / f"github-output-{step_id}-{time.monotonic_ns()}"
        output.touch()
        step_env = {**env, "GITHUB_OUTPUT": str(output)}
        step_env.update({key: self.expand(value) for key, value in (step.get("env") or {}).items()})
        where = Path(self.expand(step["working-directory"])) if "working-directory" in step else cwd
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", self.expand(step["run"])],
            cwd=where,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - started
        self.outputs[step_id] = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line and "<<" not in line
        )
        return StepRun(step_id, done.returncode, done.stdout, done.stderr, seconds)


def action_steps(path: Path = ACTION_YML) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["runs"]["steps"]
    return steps


def base_env() -> dict[str, str]:
    """The test process's environment without the runner's and Python's own variables."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "VIRTUAL_ENV"))}
