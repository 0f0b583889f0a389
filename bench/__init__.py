"""Performance suite: ``python -m bench`` (``make bench``), docs/performance.md.

Plain scripts, no timed assertions: they drive the real Pulumi CLI and the drift check
against the local emulator with injected latency, print tables and write
``.state/bench/results.json``. ``python -m bench --quick`` is the tiny configuration the
smoke test (tests/bench) runs so that this code cannot rot.
"""
