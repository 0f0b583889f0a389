"""Contract runner: the same contract tests against the emulator or a real account.

``target`` sends calls through the official SDKs and journals them, ``session`` records and
restores a real region's setting, ``plan`` is the dry run, ``report`` the probe summary,
``check`` the check-account command (what destroy relies on, checked on the user's account).
A test tool beside the emulator: the product (``components``) never imports it. See
docs/contract.md.
"""
