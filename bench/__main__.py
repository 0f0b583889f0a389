"""``python -m bench``: the whole performance suite (``make bench``); ``--quick``: smoke test."""

from bench.cli import main

raise SystemExit(main())
