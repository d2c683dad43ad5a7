"""The metrics store: a small service keeping quality history per project.

Only :mod:`payload`, :mod:`client` and :mod:`push` are imported by the Action
and the ``push`` command; they need nothing beyond ``requests``.  Everything
else is the server and needs the ``[store]`` extra.
"""

from __future__ import annotations
