"""Read-only drift check: stack files vs. the live IMS callback settings (docs/drift.md)."""
