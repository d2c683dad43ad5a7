from __future__ import annotations

from quality_hooks.cli import main

raise SystemExit(main())
