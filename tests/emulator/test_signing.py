"""emulator.signing against the documented worked examples (ice-api.md §3)."""

from __future__ import annotations

from emulator.signing import sign_callback, verify_callback

DOC_URL = "https://www.example.com/your/callback"


def test_documented_worked_example():
    assert sign_callback(DOC_URL, 1519375990, "test123") == "c72b60894140fa98920f1279219b7ed4"


def test_valid_key_example_and_case_sensitivity():
    assert sign_callback("http://xxx.yyy/callback", 1700000000, "TestKey001") == (
        "32d8cc565f6af0281cb7778a3aba5f97"
    )
    assert sign_callback(DOC_URL, 1519375990, "Test123") == "c587b80d2d0ede300e8967937da7219b"


def test_verify_accepts_only_matching_fresh_signatures():
    sig = sign_callback(DOC_URL, 1519375990, "test123")
    assert verify_callback(DOC_URL, 1519375990, "test123", sig, now=1519375990 + 300)
    assert verify_callback(DOC_URL, "1519375990", "test123", sig.upper(), now=1519375990)
    assert not verify_callback(DOC_URL, 1519375990, "test123", sig, now=1519375990 + 301)
    assert not verify_callback(DOC_URL, 1519375990, "test123", sig, now=1519375990 - 301)
    assert not verify_callback(DOC_URL, 1519375990, "Test123", sig, now=1519375990)
    assert not verify_callback(DOC_URL + "/", 1519375990, "test123", sig, now=1519375990)
    assert not verify_callback(DOC_URL, "not-a-number", "test123", sig, now=1519375990)
    assert verify_callback(DOC_URL, 1519375990, "test123", sig, now=1519379990, window_seconds=4000)
