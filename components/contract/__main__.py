"""``python -m components.contract plan|restore`` (see components/contract/cli.py)."""

from components.contract.cli import main

raise SystemExit(main())
