"""Other tools' suppressions: ``# noqa``, ``# pylint: disable=``, ``# type: ignore`` (and turning them off)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BIN, GitRepo

from quality_hooks.analysis.engine import analyse_source
from quality_hooks.config import Config
from quality_hooks.fix import fix_text
from quality_hooks.source import decode_source

BARE = "try:\n    f()\nexcept:{comment}\n    g()\n"
CONFIG = Config(select=["QH202", "QH304", "QH305"], ruff=False)


def _codes(text: str, config: Config = CONFIG) -> list[str]:
    result = analyse_source(decode_source("m.py", text.encode()), config)
    assert result.error is None
    return [f.code for f in result.findings]


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa",
        "  # NOQA",
        "  # noqa: E722",
        "  # noqa:E722,F401",
        "  # pylint: disable=bare-except",
        "  # pylint: disable=W0702",
        "  # pylint: disable=all",
        "  # noqa: QH202",
    ],
)
def test_other_tools_comments_suppress_finding_and_fix(comment: str) -> None:
    text = BARE.format(comment=comment)
    assert _codes(text) == []
    assert fix_text(text, "m.py", CONFIG).fixed == text


@pytest.mark.parametrize("comment", ["  # noqa: F401", "  # pylint: disable=unused-import", "  # no qa"])
def test_unrelated_codes_do_not_suppress(comment: str) -> None:
    text = BARE.format(comment=comment)
    assert _codes(text) == ["QH202"]
    assert "except BaseException:" in fix_text(text, "m.py", CONFIG).fixed


def test_the_option_turns_them_off() -> None:
    text = BARE.format(comment="  # noqa")
    off = Config(select=["QH202"], ruff=False, external_suppressions=False)
    assert _codes(text, off) == ["QH202"]
    assert "except BaseException:  # noqa" in fix_text(text, "m.py", off).fixed


def test_type_ignore_keeps_the_finding_but_not_the_fix() -> None:
    text = 'x = f"plain"  # type: ignore[misc]\n'
    result = analyse_source(decode_source("m.py", text.encode()), CONFIG)
    assert [(f.code, f.fixable) for f in result.findings] == [("QH304", False)]
    assert fix_text(text, "m.py", CONFIG).fixed == text


def test_pylint_block_and_next_line_scopes() -> None:
    text = (
        "def f():\n"
        "    # pylint: disable=f-string-without-interpolation\n"
        '    a = f"one"\n'
        '    b = f"two"\n'
        '    return a + b\n'
        '\n'
        'c = f"three"\n'
        "# pylint: disable-next=W1309\n"
        'd = f"four"\n'
        'e = f"five"\n'
    )  # fmt: skip
    lines = [f.line for f in analyse_source(decode_source("m.py", text.encode()), CONFIG).findings]
    assert lines == [7, 10]


def test_file_level_noqa() -> None:
    text = '# ruff: noqa: F541\nx = f"a"\ntry:\n    f()\nexcept:\n    pass\n'
    assert _codes(text) == ["QH202"]
    assert _codes("# flake8: noqa\n" + text) == []


def test_tqdm_case_through_the_gate(git_repo: GitRepo) -> None:
    """tqdm/notebook.py's bare except, kept on purpose with a note, passes the hook and is not rewritten."""
    import subprocess

    text = (
        '"""Doc."""\n\n\ndef close(bar):\n    """Doc."""\n    try:\n        bar.close()\n'
        "    # the widget may already be gone: we must not let that escape\n"
        "    except:  # NOQA\n        pass\n"
    )
    git_repo.write("notebook.py", text)
    git_repo.git("add", "notebook.py")
    gate = subprocess.run(
        [str(BIN / "quality-gate"), "--no-model", "notebook.py"], cwd=git_repo.path, capture_output=True, text=True
    )
    assert "QH202" not in gate.stdout and "E722" not in gate.stdout, gate.stdout
    fix = subprocess.run([str(BIN / "quality-fix"), "notebook.py"], cwd=git_repo.path, capture_output=True, text=True)
    assert fix.returncode == 0 and (Path(git_repo.path) / "notebook.py").read_text() == text
