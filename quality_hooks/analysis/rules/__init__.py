"""The rule registry: every ``Rule`` subclass in this package's ``qh*`` modules."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from quality_hooks.analysis.rules.base import MetricRule, Rule


@lru_cache(maxsize=1)
def all_rules() -> dict[str, type[Rule]]:
    """Code -> rule class, in code order. Modules are found, not listed by hand."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("qh"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value not in (Rule, MetricRule)
                and value.__module__ == module.__name__
            ):
                if value.CODE in found:
                    raise RuntimeError(f"duplicate rule code {value.CODE}")
                found[value.CODE] = value
    return dict(sorted(found.items()))
