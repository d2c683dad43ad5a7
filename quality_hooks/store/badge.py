"""README badges: a flat SVG and the shields.io endpoint JSON."""

from __future__ import annotations

from html import escape
from typing import Any

# (minimum score, shields colour name, hex)
SCALE = [
    (90, "brightgreen", "#4c1"),
    (75, "green", "#97ca00"),
    (60, "yellowgreen", "#a4a61d"),
    (45, "yellow", "#dfb317"),
    (30, "orange", "#fe7d37"),
    (0, "red", "#e05d44"),
]
UNKNOWN = ("lightgrey", "#9f9f9f")


def colour(score: float | None) -> tuple[str, str]:
    if score is None:
        return UNKNOWN
    return next((name, hex_) for minimum, name, hex_ in SCALE if score >= minimum)


def message(score: float | None) -> str:
    return "unknown" if score is None else f"{score:.0f}"


def shields(label: str, score: float | None) -> dict[str, Any]:
    return {"schemaVersion": 1, "label": label, "message": message(score), "color": colour(score)[0]}


def _width(text: str) -> int:
    """Approximate Verdana 11px text width, as shields does."""
    narrow, wide = set("fijlrt1 .:"), set("mwMW@%")
    return int(sum(4 if c in narrow else 10 if c in wide else 7 for c in text)) + 10


def svg(label: str, score: float | None) -> str:
    text = message(score)
    left, right = _width(label), _width(text)
    total = left + right
    fill = colour(score)[1]
    label_x, text_x = left * 5, left * 10 + right * 5
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(text)}"><title>{escape(label)}: {escape(text)}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110">'
        f'<text x="{label_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{escape(label)}</text>'
        f'<text x="{label_x}" y="140" transform="scale(.1)">{escape(label)}</text>'
        f'<text x="{text_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{escape(text)}</text>'
        f'<text x="{text_x}" y="140" transform="scale(.1)">{escape(text)}</text></g></svg>'
    )
