"""The Action's install and run steps, run as the runner runs them, in a hostile workspace.

A pull request can add ``pip/__main__.py``, ``sitecustomize.py`` or a package that
shadows one the Action imports (``github``, ``quality_hooks``). The install steps
run from the Action's own directory with ``python -I`` into a venv under
``RUNNER_TEMP``, and the run step runs ``python -I``: none of those files may run.
A second install of the same version finds the venv ready and installs nothing.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

from composite import ROOT, Composite, action_steps, base_env
from conftest import GitRepo

HOSTILE = {
    "pip/__main__.py": "pip",
    "pip/__init__.py": "pip-package",
    "venv/__main__.py": "venv",
    "sitecustomize.py": "sitecustomize",
    "usercustomize.py": "usercustomize",
    "github/__init__.py": "github",
    "quality_hooks/__init__.py": "quality_hooks",
    "quality_hooks/__main__.py": "quality_hooks-main",
}


def hostile_workspace(tmp_path: Path, markers: Path) -> tuple[GitRepo, str]:
    repo = GitRepo(tmp_path / "workspace")
    repo.write("app.py", '"""App."""\n\n\ndef one():\n    """One."""\n    return 1\n')
    base = repo.commit("base")
    for rel, name in HOSTILE.items():
        record = "repr((sys.argv, os.getcwd()))"
        repo.write(rel, f"import os, sys; open({str(markers / name)!r}, 'a').write({record} + '\\n')\n")
    repo.write("app.py", '"""App."""\n\n\ndef one():\n    """One."""\n    return 1\n\n\ndef two():\n    return 2\n')
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "head")
    return repo, base


def test_install_and_run_never_execute_the_workspace_and_a_second_install_is_skipped(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    workspace, base = hostile_workspace(tmp_path, markers)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {
        **base_env(),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_WORKSPACE": str(workspace.path),
        # Even a poisoned environment must not reach the Action's interpreter (-I ignores PYTHON*).
        "PYTHONPATH": str(workspace.path),
        "PYTHONSTARTUP": str(workspace.path / "sitecustomize.py"),
    }
    steps = {step.get("id"): step for step in action_steps()}
    assert steps["python"]["with"]["update-environment"] is False
    assert steps["cache"]["uses"].startswith("actions/cache@")
    composite = Composite(
        {
            "github.action_path": str(ROOT),
            "github.action_ref": "v0-test",
            "github.workspace": str(workspace.path),
            "runner.temp": str(runner_temp),
        }
    )
    # What actions/setup-python would output for the Action's interpreter.
    composite.outputs["python"] = {
        "python-path": getattr(sys, "_base_executable", sys.executable),
        "python-version": platform.python_version(),
    }

    def install() -> tuple[float, str]:
        seconds, said = 0.0, ""
        for step_id in ("key", "install"):
            done = composite.run_step(steps[step_id], env, workspace.path, tmp_path)
            assert done.code == 0, (done.stdout, done.stderr)
            seconds, said = seconds + done.seconds, said + done.stdout
        return seconds, said

    first, said = install()
    assert "nothing to install" not in said
    key = composite.outputs["key"]["key"]
    assert key.startswith(f"quality-hooks-venv-Linux-X64-py{platform.python_version()}-v0-test-"), key
    assert steps["cache"]["with"]["key"] == "${{ steps.key.outputs.key }}"
    python = composite.outputs["install"]["python"]
    assert python == str(runner_temp / "quality-hooks-venv" / "bin" / "python")
    second, said = install()
    print(f"install: first {first:.1f}s, second {second:.1f}s")
    # The venv is found ready for the same key: nothing is installed again (said, not timed: a loaded
    # machine can make a skipped step slow, never a reinstall quick).
    assert "is ready for" in said and "nothing to install" in said, said
    assert composite.outputs["key"]["key"] == key

    event = tmp_path / "push.json"
    head = workspace.git("rev-parse", "HEAD").strip()
    event.write_text(json.dumps({"ref": "refs/heads/topic", "before": base, "after": head}))
    run_env = {
        **env,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    composite.context["inputs.mode"] = "full"
    done = composite.run_step(steps["run"], run_env, workspace.path, tmp_path)
    assert done.code in (0, 1), (done.stdout, done.stderr)
    assert "checking push" in done.stdout, done.stdout
    assert {p.name: p.read_text() for p in markers.iterdir()} == {}

    # The control: without -I the same workspace does run its pip (so the test above can fail).
    subprocess.run([python, "-m", "pip", "--version"], cwd=workspace.path, env=env, capture_output=True, check=False)
    assert (markers / "pip").exists()
