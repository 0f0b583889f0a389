"""``python -m contract plan|restore|check-account`` (see contract/cli.py)."""

from contract.cli import main

raise SystemExit(main())
