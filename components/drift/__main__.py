"""``python -m components.drift``: see docs/drift.md."""

from components.drift.cli import main

raise SystemExit(main())
