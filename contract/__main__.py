"""``python -m contract plan|restore`` (see contract/cli.py)."""

from contract.cli import main

raise SystemExit(main())
