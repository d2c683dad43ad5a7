"""radon metrics: radon's numbers, in linear time, never a crash."""

from __future__ import annotations

import glob
import os
import sysconfig
import textwrap
import time

import pytest
from radon.complexity import cc_visit
from radon.metrics import h_visit, mi_visit
from radon.raw import analyze
from radon.visitors import Class

from quality_hooks.analysis.metrics import radon_metrics
from quality_hooks.analysis.metrics.radon_metrics import measure_text, raw_counts

TRICKY = {
    "empty": "",
    "blank lines": "\n\n   \n",
    "no final newline": "x = 1",
    "semicolons": "x = 1; y = 2\nif x: y = 3; z = 4\nfor i in x: pass;\n",
    "colons": "a = d[1:2]\nb = d[1:]\nc = {1: 2}\nf = lambda q: q\ng: int = 3\nif (n := 1): pass\n",
    "docstrings": '"""Module.\n\nMore.\n"""\n\ndef f():\n    """One line."""\n    return 1\n',
    "strings": "x = '''a\n\n  b'''\ny = ('a'\n     'b')\n'single'\nr'raw' \"\"\"x\"\"\"\n",
    "string then comment": '"""doc"""  # note\n"""multi\nline"""  # note\n',
    "comments": "# top\nx = 1  # trailing\n\n    # indented\ny = [  # open\n    1,  # one\n    # alone\n]\n",
    "continuations": "x = 1 + \\\n    2\ns = 'a\\\nb'\n",
    "compound": "class A:\n    def f(self):\n        try: return 1\n        except E: pass\n        else: x = 2\n",
    "f-strings": "w = 3\ns = f'{w:>10}'\nt = f\"{w!r}: {w}\"\n",
    "crlf and form feed": "x = 1\r\n\x0c\r\ndef f():\r\n    return 2\r\n",
    "numbers and ops": "x = 1.5e-3 + .5j - 0x_ff ** 2 // 3\nx **= 2; x -> y if 0 else ...\n",
    "decorators": "@dec(a=1)\n@other\nasync def f():\n    async for x in y: pass\n",
}


def stdlib_sample(count: int = 14, max_bytes: int = 60_000) -> list[str]:
    """A fixed spread of the running Python's top-level modules (radon is quick on these)."""
    paths = sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py")))
    small = [p for p in paths if os.path.getsize(p) <= max_bytes]
    step = max(1, len(small) // count)
    return small[::step][:count]


def radon_functions(text: str) -> dict[int, int]:
    expected: dict[int, int] = {}
    pending = list(cc_visit(text))
    while pending:
        block = pending.pop()
        if isinstance(block, Class):
            pending += [*block.methods, *block.inner_classes]
        else:
            expected.setdefault(block.lineno, block.complexity)
            pending += block.closures
    return expected


def assert_same_as_radon(text: str) -> None:
    metrics, cyclomatic = measure_text(text)
    raw = analyze(text)
    assert (metrics.loc, metrics.lloc, metrics.sloc, metrics.comments) == (raw.loc, raw.lloc, raw.sloc, raw.comments)
    assert (metrics.multi, metrics.blank, metrics.single_comments) == (raw.multi, raw.blank, raw.single_comments)
    assert metrics.maintainability == pytest.approx(mi_visit(text, True), abs=1e-9)
    halstead = h_visit(text).total
    assert metrics.halstead_volume == pytest.approx(halstead.volume)
    assert metrics.halstead_difficulty == pytest.approx(halstead.difficulty)
    assert metrics.halstead_effort == pytest.approx(halstead.effort)
    assert metrics.halstead_bugs == pytest.approx(halstead.bugs)
    assert cyclomatic == radon_functions(text)
    assert metrics.degraded == []


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_snippets_match_radon(name: str) -> None:
    text = TRICKY[name]
    assert raw_counts(text) == analyze(text)
    lines = [line.strip() for line in text.splitlines()]
    assert radon_metrics._scan_counts(lines) == radon_metrics._token_counts(lines)


@pytest.mark.parametrize("path", stdlib_sample(), ids=os.path.basename)
def test_stdlib_files_match_radon(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert_same_as_radon(text)


def test_functions_keyed_by_def_line() -> None:
    text = textwrap.dedent(
        """\
        @decorator
        def outer(a):
            if a:
                return 1
            def inner(b):
                return b or a and 2
            return inner

        class Box:
            @property
            def size(self):
                for x in self: pass
                return 0

            class Inner:
                async def deep(self):
                    return 1 if self else 2
        """
    )
    metrics, cyclomatic = measure_text(text)
    assert cyclomatic == {2: 2, 5: 3, 11: 2, 16: 2}
    assert metrics.cyclomatic_max == 3
    assert_same_as_radon(text)


def big_dict_literal(entries: int) -> str:
    body = "".join(f"    'key{i}': ({i}, 'value {i}', [{i}, {i + 1}]),\n" for i in range(entries))
    return f'"""Data."""\n\nTABLE = {{\n{body}}}\n'


def test_large_dict_literal_is_linear() -> None:
    # radon.raw.analyze needs tens of seconds here (it re-tokenises the growing statement per line).
    text = big_dict_literal(2500)
    started = time.process_time()
    metrics, _ = measure_text(text)
    assert time.process_time() - started < 2.0
    assert (metrics.loc, metrics.sloc, metrics.lloc, metrics.single_comments) == (2504, 2502, 3, 1)
    assert metrics.degraded == []


def test_large_dict_literal_counts_match_radon_when_radon_is_quick() -> None:
    assert_same_as_radon(big_dict_literal(150))


def test_syntax_error_degrades_instead_of_raising() -> None:
    metrics, cyclomatic = measure_text("def broken(:\n    return 1\n")
    assert "ast" in metrics.degraded
    assert cyclomatic == {}
    assert metrics.loc == 2


def test_untokenisable_source_degrades_raw_counts() -> None:
    text = 'x = 1\ns = """never closed\n\n# not a comment\n'
    metrics, _ = measure_text(text)
    assert metrics.degraded == ["raw", "ast"]
    assert (metrics.loc, metrics.blank) == (4, 1)


def test_unknown_character_falls_back_to_the_exact_path() -> None:
    # U+00A0 is not Python whitespace: the fast scanner hands over, the tokenizer path decides.
    lines = ["x = 1", "y\u00a0= 2"]
    assert radon_metrics._scan_counts(lines) is None
    assert raw_counts("x = 1\ny\u00a0= 2\n") == radon_metrics._token_counts(lines)


def test_fast_scanner_agrees_with_tokenize_on_more_stdlib() -> None:
    for path in stdlib_sample(count=40, max_bytes=400_000):
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle.read().splitlines()]
        assert radon_metrics._scan_counts(lines) == radon_metrics._token_counts(lines), path
