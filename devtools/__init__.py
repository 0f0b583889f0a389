"""Developer tooling: the offline Pulumi engine profile, the demo and helpers shared by tests."""
