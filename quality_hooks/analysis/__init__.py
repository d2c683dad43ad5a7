"""Analysis of one file: one LibCST parse, one batched rule visit, radon metrics, ruff folded in.

``parse`` reads the tree, ``positions``/``traverse`` drive every rule in one pass,
``selection`` picks the rules a configuration enables, ``rules`` and ``metrics`` measure,
``ruff_runner`` folds ruff's diagnostics in, and ``engine`` ties them into a
:class:`~quality_hooks.results.FileResult` per file.
"""
