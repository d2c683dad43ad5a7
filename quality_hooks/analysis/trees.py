"""One ``ast`` parse per source text per process, shared by everything that reads the tree.

The syntax check (:mod:`quality_hooks.analysis.parse`), radon's metrics
(:mod:`quality_hooks.analysis.metrics.radon_metrics`) and the models' static
features (:mod:`quality_hooks.model.static`, :mod:`quality_hooks.model.file_features`)
each needed CPython's tree of the same text, and radon's complexity visit of it:
parsed apart, that cost as much as LibCST's own parse. Here each is made once and
kept for the few texts a run is working on (a small LRU, so a long run over many
files holds no more than a handful of trees). Nobody modifies a tree or a visitor,
so sharing them changes no result.
"""

from __future__ import annotations

import ast
import warnings
from functools import lru_cache

from radon.visitors import ComplexityVisitor

#: Texts whose trees are kept: the versions one file's analysis and scoring handle, many times over.
KEPT = 32


@lru_cache(maxsize=KEPT)
def python_tree(text: str) -> ast.Module:
    """``ast.parse(text)`` (warnings silenced: the check reports problems its own way); raises as it does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


@lru_cache(maxsize=KEPT)
def complexity_visit(text: str) -> ComplexityVisitor:
    """radon's ``ComplexityVisitor.from_ast`` of :func:`python_tree`; raises as the parse does."""
    return ComplexityVisitor.from_ast(python_tree(text))
