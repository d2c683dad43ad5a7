"""The one table pairing each QH rule with the same check in ruff, flake8 and pylint.

Three jobs read it, so they can never disagree: suppression comments (``# noqa: B006`` or
``# pylint: disable=dangerous-default-value`` silence QH201 too), de-duplication (when ruff's
B006 and QH201 flag the same argument, one finding is kept) and the rule docs ("ruff: B006").

A code is listed only where the other tool reports the *same problem* on the same code, not
a related one: QH101 counts lines, pylint's ``too-many-statements`` counts statements, so
they are not paired. Every ruff code is checked against ``ruff rule --all`` by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from quality_hooks.gate import matches_selector

#: Which finding de-duplication keeps when QH and ruff report one problem at one place.
Keep = Literal["qh", "ruff"]


@dataclass(frozen=True)
class PylintMessage:
    """A pylint message: its id (``W0102``) and its symbolic name (``dangerous-default-value``)."""

    id: str
    symbol: str


@dataclass(frozen=True)
class Equivalents:
    """One QH rule's counterparts, and which finding to keep when both report it.

    ``ruff`` are ruff's codes, ``flake8`` the codes of flake8 or its plugins (pycodestyle,
    pyflakes, bugbear, ...; usually the same as ruff's, which copied them), ``pylint`` pylint's
    messages. ``keep`` is ``"qh"`` when our finding is the better one to show (its fix is
    applied by ``quality-hooks fix``, safe by default and unsafe only on request, or it refuses
    a fix where ruff's would change behaviour), else ``"ruff"``; ``why`` says which.
    """

    qh: str
    ruff: tuple[str, ...] = ()
    flake8: tuple[str, ...] = ()
    pylint: tuple[PylintMessage, ...] = ()
    keep: Keep = "ruff"
    why: str = "neither has a fix; ruff's finding is kept"

    def external_codes(self) -> frozenset[str]:
        """Every code and name that means this rule in another tool (ruff, flake8, pylint id and symbol)."""
        names = {*self.ruff, *self.flake8}
        for message in self.pylint:
            names.update((message.id, message.symbol))
        return frozenset(names)


def _pl(pairs: str) -> tuple[PylintMessage, ...]:
    """``"W0102 dangerous-default-value, ..."`` -> pylint messages (keeps the table one line per rule)."""
    messages = []
    for pair in pairs.split(","):
        message_id, symbol = pair.split()
        messages.append(PylintMessage(message_id, symbol))
    return tuple(messages)


_QH_FIX = (
    "QH's fix is applied by quality-hooks fix (an unsafe one on request) and its docs say what it can change;"
    " ruff's fixes are never applied"
)
_SAFER = "ruff's fix can change behaviour; QH reports it without a fix"

#: QH code -> its counterparts. One entry per QH rule with any counterpart.
EQUIVALENTS: Mapping[str, Equivalents] = {
    entry.qh: entry
    for entry in (
        Equivalents("QH102", ("PLR0913",), (), _pl("R0913 too-many-arguments")),
        Equivalents("QH103", ("PLR0912",), (), _pl("R0912 too-many-branches")),
        Equivalents("QH104", ("PLR0911",), (), _pl("R0911 too-many-return-statements")),
        Equivalents("QH105", ("PLR1702",), (), _pl("R1702 too-many-nested-blocks")),
        Equivalents("QH106", (), ("CCR001",)),
        Equivalents("QH107", ("C901",), ("C901",), _pl("R1260 too-complex")),
        Equivalents("QH201", ("B006",), ("B006",), _pl("W0102 dangerous-default-value"), "qh", _SAFER),
        Equivalents("QH202", ("E722",), ("E722",), _pl("W0702 bare-except"), "qh", _QH_FIX),
        Equivalents("QH203", ("S110",), ("S110",), _pl("W0718 broad-exception-caught")),
        Equivalents("QH204", ("E711",), ("E711",), _pl("C0121 singleton-comparison"), "qh", _QH_FIX),
        Equivalents("QH205", ("E712",), ("E712",), _pl("C0121 singleton-comparison"), "qh", _SAFER),
        Equivalents("QH206", ("F632",), ("F632",), _pl("R0123 literal-comparison"), "qh", _QH_FIX),
        Equivalents("QH207", ("F631",), ("F631",), _pl("W0199 assert-on-tuple")),
        Equivalents("QH208", ("B904",), ("B904",), _pl("W0707 raise-missing-from")),
        Equivalents("QH209", (), (), _pl("W0101 unreachable")),
        Equivalents(
            "QH210", ("A001", "A002", "A004", "A006"), ("A001", "A002", "A004", "A006"), _pl("W0622 redefined-builtin")
        ),
        Equivalents("QH211", ("B023",), ("B023",), _pl("W0640 cell-var-from-loop")),
        Equivalents("QH212", ("SIM115",), ("SIM115",), _pl("R1732 consider-using-with")),
        Equivalents("QH213", ("F901",), ("F901",), _pl("E0711 notimplemented-raised"), "qh", _SAFER),
        Equivalents("QH214", ("B012",), ("B012",), _pl("W0150 lost-exception, W0134 return-in-finally")),
        Equivalents("QH215", ("PLW0133",), (), _pl("W0133 pointless-exception-statement"), "qh", _SAFER),
        Equivalents("QH216", ("T100",), ("T100",), _pl("W1515 forgotten-debug-statement")),
        Equivalents("QH217", ("B014", "B025"), ("B014", "B025"), _pl("W0705 duplicate-except"), "qh", _QH_FIX),
        Equivalents("QH218", ("PLW0711", "B030"), ("B030",), _pl("W0711 binary-op-exception")),
        Equivalents("QH301", ("D100",), ("D100",), _pl("C0114 missing-module-docstring")),
        Equivalents("QH302", ("D101",), ("D101",), _pl("C0115 missing-class-docstring")),
        Equivalents("QH303", ("D102", "D103"), ("D102", "D103"), _pl("C0116 missing-function-docstring")),
        Equivalents("QH304", ("F541",), ("F541",), _pl("W1309 f-string-without-interpolation"), "qh", _QH_FIX),
        Equivalents("QH305", ("E713", "E714"), ("E713", "E714"), _pl("C0117 unnecessary-negation"), "qh", _QH_FIX),
        Equivalents("QH306", ("E721",), ("E721",), _pl("C0123 unidiomatic-typecheck")),
        Equivalents(
            "QH307",
            ("RET505", "RET506", "RET507", "RET508"),
            ("RET505", "RET506", "RET507", "RET508"),
            _pl("R1705 no-else-return, R1720 no-else-raise, R1724 no-else-continue, R1723 no-else-break"),
            "qh",
            _QH_FIX,
        ),
        Equivalents("QH308", ("C416",), ("C416",), _pl("R1721 unnecessary-comprehension"), "qh", _QH_FIX),
        Equivalents("QH309", ("PLW0108",), (), _pl("W0108 unnecessary-lambda"), "qh", _QH_FIX),
        Equivalents("QH310", ("SIM103",), ("SIM103",), _pl("R1703 simplifiable-if-statement"), "qh", _QH_FIX),
        Equivalents("QH311", ("PIE790",), ("PIE790",), _pl("W0107 unnecessary-pass"), "qh", _QH_FIX),
        Equivalents("QH312", ("C414",), ("C414",), (), "qh", _QH_FIX),
        Equivalents("QH313", ("RUF010",), (), (), "qh", _QH_FIX),
        Equivalents("QH314", ("UP009",), (), (), "qh", _QH_FIX),
        Equivalents("QH315", ("UP025",), (), _pl("W1406 redundant-u-string-prefix"), "qh", _QH_FIX),
        Equivalents("QH316", ("UP008",), (), _pl("R1725 super-with-arguments"), "qh", _QH_FIX),
        Equivalents(
            "QH317", ("C408",), ("C408",), _pl("R1735 use-dict-literal, R1734 use-list-literal"), "qh", _QH_FIX
        ),
        Equivalents("QH318", ("UP004",), (), _pl("R0205 useless-object-inheritance"), "qh", _QH_FIX),
        Equivalents("QH319", ("PLW0120",), (), _pl("W0120 useless-else-on-loop"), "qh", _QH_FIX),
        Equivalents("QH320", ("PLR5501",), (), _pl("R5501 else-if-used"), "qh", _QH_FIX),
    )
}


def equivalents_of(code: str) -> Equivalents:
    """The counterparts of QH rule ``code`` (an empty entry when it has none)."""
    return EQUIVALENTS.get(code) or Equivalents(code, why="no counterpart in ruff, flake8 or pylint")


@lru_cache(maxsize=1)
def _by_external() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for entry in EQUIVALENTS.values():
        for name in sorted(entry.external_codes()):
            found.setdefault(name, []).append(entry.qh)
    return {name: tuple(codes) for name, codes in found.items()}


def qh_codes_for(external: str) -> tuple[str, ...]:
    """The QH rules that ``external`` (a ruff/flake8 code, a pylint id or symbol) means.

    Usually one; pylint's ``singleton-comparison`` covers both QH204 (``== None``) and QH205
    (``== True``). Codes are matched exactly, names case-sensitively as the tools spell them.
    """
    return _by_external().get(external.strip(), ())


def qh_code_for(external: str) -> str | None:
    """The one QH rule ``external`` means, or ``None`` when it means none (or several)."""
    codes = qh_codes_for(external)
    return codes[0] if len(codes) == 1 else None


@lru_cache(maxsize=1)
def ruff_pairs() -> dict[str, str]:
    """ruff code -> the QH code reporting the same problem (what de-duplication compares)."""
    return {ruff: entry.qh for entry in EQUIVALENTS.values() for ruff in entry.ruff}


#: ruff's correctness families (the gate's default ``fail-rules`` minus our own QH2): reported as bug-risk.
RUFF_BUG_RISK = ("F", "E9", "PLE", "B")


def group_of(code: str) -> str:
    """The QH group a finding belongs to, ruff's included: a paired code takes its QH rule's group.

    Unpaired ruff codes from the correctness families (:data:`RUFF_BUG_RISK`) are ``bug-risk``,
    any other ruff code ``readability``.
    """
    from quality_hooks.analysis.rules import all_rules

    rule = all_rules().get(code) or all_rules().get(ruff_pairs().get(code, ""))
    if rule is not None:
        return rule.GROUP
    return "bug-risk" if any(matches_selector(code, family) for family in RUFF_BUG_RISK) else "readability"
