from __future__ import annotations

import re

import pytest

from components.core.provider_settings import parse_emulator_url
from components.core.rules import (
    MAX_QUEUE_NAME,
    auth_key_problems,
    check_auth_key,
    check_callback_url,
    check_event,
    check_queue_name,
    check_role_name,
    check_tags,
    default_queue_name,
    suggest,
)

HTTP_MSG = (
    "uses http://, which IMS accepts but delivers callbacks unencrypted; "
    "use https://, or set allowInsecureHttp: true to accept the risk"
)


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        (
            "FileUploaded",
            ["FileUploadComplete", "ProduceMediaComplete"],
            "; did you mean 'FileUploadComplete'?",
        ),
        ("cn-bejing", ["cn-beijing", "cn-shanghai"], "; did you mean 'cn-beijing'?"),
        ("QUEUE", ["queue"], "; did you mean 'queue'?"),
        ("zzz", ["queue"], ""),
    ],
)
def test_suggest(name, candidates, expected):
    assert suggest(name, candidates) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "FileUploaded",
            "unknown event 'FileUploaded'; did you mean 'FileUploadComplete'? "
            "(names are case-sensitive; the list is in components/core/events.py)",
        ),
        (
            "fileuploadcomplete",
            "unknown event 'fileuploadcomplete'; did you mean 'FileUploadComplete'? "
            "(names are case-sensitive; the list is in components/core/events.py)",
        ),
        (
            "Nope",
            "unknown event 'Nope' (names are case-sensitive; the list is in "
            "components/core/events.py)",
        ),
    ],
)
def test_check_event_rejects(name, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_event(name)


def test_check_event_accepts():
    assert check_event("FileUploadComplete") == "FileUploadComplete"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/ims",
        "https://hooks.example.com:8443/ims?tenant=a&x=1",
        "https://10.0.0.1/cb",
        "https://[2001:db8::1]/cb",
        "https://h/" + "x" * (256 - len("https://h/")),
    ],
)
def test_callback_url_accepts(url):
    assert check_callback_url(url) == url


@pytest.mark.parametrize(
    ("url", "insecure", "message"),
    [
        (
            "https://h/" + "x" * 291,
            False,
            "must be an https:// URL of at most 256 bytes (got 301 bytes)",
        ),
        ("http://hooks.example.com/ims", False, HTTP_MSG),
        (
            "ftp://hooks.example.com/ims",
            False,
            "must be an https:// URL, e.g. https://hooks.example.com/ims",
        ),
        (
            "hooks.example.com/ims",
            False,
            "must be an https:// URL, e.g. https://hooks.example.com/ims",
        ),
        (
            "ftp://hooks.example.com/ims",
            True,
            "must be an https:// URL, e.g. https://hooks.example.com/ims",
        ),
        (
            "https://hööks.example.com/",
            False,
            "must be ASCII only; percent-encode the path and use the punycode (xn--) host name",
        ),
        (
            "https://hooks.example.com/a b",
            False,
            "must not contain spaces, newlines or control characters; remove them",
        ),
        (
            "https://hooks.example.com/\nX-Injected: 1",
            False,
            "must not contain spaces, newlines or control characters; remove them",
        ),
        (
            "https://hooks.example.com/\x00",
            False,
            "must not contain spaces, newlines or control characters; remove them",
        ),
        (
            "https://user:pw@hooks.example.com/",
            False,
            "must not contain user:password@ credentials; use auth.key to authenticate instead",
        ),
        ("https:///path", False, "must include a host name, e.g. https://hooks.example.com/ims"),
        ("", False, "must be an https:// URL, e.g. https://hooks.example.com/ims"),
        (
            "https://hooks.example.com:99999/",
            False,
            "is not a valid URL (bad host or port); use https://host[:port]/path",
        ),
    ],
)
def test_callback_url_rejects(url, insecure, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_callback_url(url, allow_insecure_http=insecure)


def test_callback_url_http_allowed_with_override():
    assert check_callback_url("http://h/cb", allow_insecure_http=True) == "http://h/cb"


def test_callback_url_message_never_repeats_url():
    url = "https://user:Tok3nSecret@hooks.example.com/"
    with pytest.raises(ValueError, match="credentials") as info:
        check_callback_url(url)
    assert "Tok3nSecret" not in str(info.value)


@pytest.mark.parametrize("key", ["TestKey001", "aB3aB3aB", "Ab1" + "x" * 29])
def test_auth_key_accepts(key):
    assert check_auth_key(key) == key


@pytest.mark.parametrize(
    ("key", "problems"),
    [
        ("Ab1", ["it has 3 characters"]),
        ("Ab1" + "x" * 30, ["it has 33 characters"]),
        ("testkey001", ["it lacks an upper-case letter"]),
        ("TESTKEY001", ["it lacks a lower-case letter"]),
        ("TestKeyOne", ["it lacks a digit"]),
        ("TestKey-001", ["it contains characters other than A-Z, a-z and 0-9"]),
        (
            "",
            [
                "it has 0 characters",
                "it lacks an upper-case letter",
                "it lacks a lower-case letter",
                "it lacks a digit",
            ],
        ),
    ],
)
def test_auth_key_problems(key, problems):
    assert auth_key_problems(key) == problems
    with pytest.raises(ValueError, match=r"^must be 8 to 32 characters") as info:
        check_auth_key(key)
    message = str(info.value)
    assert all(p in message for p in problems)
    assert message.endswith("or remove it to have a key generated")
    if key:
        assert key not in message


@pytest.mark.parametrize(
    "name", ["ice-callback-prod", "ice-callback-A-1", "ice-callback-" + "x" * 107]
)
def test_queue_name_accepts(name):
    assert check_queue_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "my-queue",
            "must start with 'ice-callback-' (an IMS requirement), e.g. ice-callback-prod",
        ),
        (
            "ice-callbackprod",
            "must start with 'ice-callback-' (an IMS requirement), e.g. ice-callback-prod",
        ),
        ("ice-callback-" + "x" * 108, "must be at most 120 characters (got 121); shorten it"),
        (
            "ice-callback-a_b",
            "may contain only A-Z, a-z, 0-9 and '-'; replace the other characters",
        ),
    ],
)
def test_queue_name_rejects(name, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_queue_name(name)


@pytest.mark.parametrize(
    ("project", "stack", "region", "expected"),
    [
        ("media", "prod", "cn-shanghai", "ice-callback-media-prod-cn-shanghai"),
        ("My_Project", "Dev.1", "cn-beijing", "ice-callback-my-project-dev-1-cn-beijing"),
        ("a--b", "-c-", "us-west-1", "ice-callback-a-b-c-us-west-1"),
        ("", "", "cn-beijing", "ice-callback-cn-beijing"),
    ],
)
def test_default_queue_name(project, stack, region, expected):
    assert default_queue_name(project, stack, region) == expected


def test_default_queue_name_truncates_keeping_region_and_uniqueness():
    first = default_queue_name("p" * 200, "stack-a", "ap-southeast-1")
    second = default_queue_name("p" * 200, "stack-b", "ap-southeast-1")
    for name in (first, second):
        assert len(name) <= MAX_QUEUE_NAME
        assert name.endswith("-ap-southeast-1")
        assert check_queue_name(name) == name
        assert "--" not in name
    assert first != second


@pytest.mark.parametrize("name", ["AliyunICEDefaultRole", "a", "role.name-1", "r" * 64])
def test_role_name_accepts(name):
    assert check_role_name(name) == name


@pytest.mark.parametrize("name", ["", "r" * 65, "bad name", "bad_name", "rôle"])
def test_role_name_rejects(name):
    message = (
        "must be 1 to 64 characters of A-Z, a-z, 0-9, '.' and '-' (RAM role-name rules), "
        "e.g. AliyunICEDefaultRole"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_role_name(name)


def test_tags_accept_and_sort():
    assert list(check_tags({"b": "2", "a": ""})) == ["a", "b"]
    assert len(check_tags({f"k{i}": "v" for i in range(19)})) == 19


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({f"k{i}": "v" for i in range(20)}, "must have at most 19 tags (got 20); remove some"),
        (
            {"ims-callbacks-stack": "x"},
            "tag key 'ims-callbacks-stack' is set by ims-callbacks itself; remove it",
        ),
        ({"": "v"}, "tag keys must be 1 to 128 characters; fix ''"),
        (
            {"k" * 129: "v"},
            "tag keys must be 1 to 128 characters; fix '" + "k" * 64 + "...(+65 characters)'",
        ),
        ({"aliyun:x": "v"}, "tag key 'aliyun:x' must not start with 'aliyun' or 'acs:'; rename it"),
        ({"ACS:x": "v"}, "tag key 'ACS:x' must not start with 'aliyun' or 'acs:'; rename it"),
        ({"team": "v" * 129}, "the value of tag 'team' must be at most 128 characters"),
    ],
)
def test_tags_reject(tags, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_tags(tags)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:18100", "http://127.0.0.1:18100"),
        ("http://127.0.0.1:18100/", "http://127.0.0.1:18100"),
        (" http://localhost:1 ", "http://localhost:1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_emulator_accepts(value, expected):
    assert parse_emulator_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://10.0.0.1:18100",
        "https://127.0.0.1:18100",
        "http://127.0.0.1",
        "http://example.com:80",
        "http://u:p@127.0.0.1:1",
        "http://127.0.0.1:1/path",
        "http://127.0.0.1:1?x=1",
        "http://127.0.0.1:99999",
        "127.0.0.1:18100",
        "",
    ],
)
def test_emulator_rejects(value):
    with pytest.raises(ValueError, match=re.escape("use http://127.0.0.1:<port>")):
        parse_emulator_url(value)
