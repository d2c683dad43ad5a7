"""One ``ast`` parse per source text per process, shared by everything that reads the tree.

The syntax check (:mod:`quality_hooks.analysis.parse`), radon's metrics
(:mod:`quality_hooks.analysis.metrics.radon_metrics`) and the models' static
features (:mod:`quality_hooks.model.static`, :mod:`quality_hooks.model.file_features`)
each needed CPython's tree of the same text, and radon's complexity visit of it:
parsed apart, that cost as much as LibCST's own parse. Here each is made once and
kept for the few texts a run is working on. Nobody modifies a tree or a visitor,
so sharing them changes no result.

What is kept is bounded in entries *and* in size: a tree takes about 120 bytes of
memory per byte of source (a 570 KB line of list items: 74 MB), so 32 kept trees
of files near ``max-file-size`` would hold gigabytes in a long run. The texts kept
(the keys) may total at most :data:`KEPT_CHARS` characters; older entries are
dropped to make room, and only the newest entry may be over it alone, so the
three readers of one big file still share its one parse (its tree is bounded by
:data:`~quality_hooks.analysis.limits.MAX_NODES`, which refuses and drops bigger ones).
"""

from __future__ import annotations

import ast
import functools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from radon.visitors import ComplexityVisitor

#: Texts whose results are kept: the versions one file's analysis and scoring handle, many times over.
KEPT = 32
#: Total characters of the texts kept per cache (about 120 MB of trees at most), the newest entry apart.
KEPT_CHARS = 1 << 20

T = TypeVar("T")


class TextCache(Generic[T]):
    """A least-recently-used cache of ``func(text)``, bounded in entries and in the texts' total length.

    Exceptions are not cached (as with :func:`functools.lru_cache`). Thread-safe: the store's
    threads and the CLI may share a process.
    """

    def __init__(self, func: Callable[[str], T], entries: int = KEPT, chars: int = KEPT_CHARS) -> None:
        self._func = func
        self.entries = entries
        self.chars = chars
        self._kept: OrderedDict[str, T] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        functools.update_wrapper(self, func)

    def __call__(self, text: str) -> T:
        with self._lock:
            if text in self._kept:
                self._kept.move_to_end(text)
                return self._kept[text]
        value = self._func(text)
        with self._lock:
            if text not in self._kept:
                self._kept[text] = value
                self._size += len(text)
                while len(self._kept) > 1 and (len(self._kept) > self.entries or self._size > self.chars):
                    old, _ = self._kept.popitem(last=False)
                    self._size -= len(old)
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._size = 0

    def kept(self) -> tuple[int, int]:
        """(entries, total characters) kept now."""
        with self._lock:
            return len(self._kept), self._size


def kept_per_text(func: Callable[[str], T]) -> TextCache[T]:
    """Decorator: keep ``func``'s results per text within :data:`KEPT` entries and :data:`KEPT_CHARS`."""
    return TextCache(func)


@kept_per_text
def python_tree(text: str) -> ast.Module:
    """``ast.parse(text)`` (warnings silenced: the check reports problems its own way); raises as it does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


@kept_per_text
def complexity_visit(text: str) -> ComplexityVisitor:
    """radon's ``ComplexityVisitor.from_ast`` of :func:`python_tree`; raises as the parse does."""
    return ComplexityVisitor.from_ast(python_tree(text))
