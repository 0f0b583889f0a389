"""Pure validation rules for single config values; each returns a normalised value or
raises ValueError whose message states the problem and the fix.

Messages never repeat an auth key, and never repeat a URL (URLs can carry tokens).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import string
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from components.core.events import EVENT_NAMES
from components.core.paths import SHOWN_CHARS, clip
from components.core.regions import REGION_IDS

MAX_URL_BYTES = 256
AUTH_KEY_MIN = 8  # our policy; the API documents only the maximum (ice-api.md §1.2)
AUTH_KEY_MAX = 32
QUEUE_PREFIX = "ice-callback-"
MAX_QUEUE_NAME = 120
MAX_ROLE_NAME = 64
MAX_TAGS = 19
"""MNS allows 20 tags per queue; one is the owner tag (components/core/ownership.py)."""
OWNER_TAG = "ims-callbacks-stack"
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 128
MAX_EVENTS = 100
"""Entries in one region's ``events`` (there are 28 event types; a longer list is a mistake,
and is rejected before each entry is checked)."""
MAX_REGIONS = len(REGION_IDS)
"""Entries in ``callbacks.regions``: one per IMS region at most."""
MAX_DEPTH = 16
"""Containers nested below a config key (the deepest setting, a queue tag, is 5 levels down)."""

_ALNUM = frozenset(string.ascii_letters + string.digits)
_QUEUE_RE = re.compile(r"[A-Za-z0-9-]+")
_ROLE_RE = re.compile(r"[A-Za-z0-9.-]+")
_SECOND_URL = re.compile(r"[\s,;]+[A-Za-z][A-Za-z0-9+.-]*://")


def suggest(name: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean 'X'?"`` for the closest candidate, or ``""``."""
    if len(name) > SHOWN_CHARS:  # no name is that long; and difflib is quadratic
        return ""
    options = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(name.lower(), list(options), n=1, cutoff=0.6)
    return f"; did you mean {options[match[0]]!r}?" if match else ""


def check_event(name: str) -> str:
    """Accept a documented event name; suggest the closest one otherwise."""
    if name in EVENT_NAMES:
        return name
    raise ValueError(
        f"unknown event {clip(name)!r}{suggest(name, EVENT_NAMES)} "
        "(names are case-sensitive; the list is in components/core/events.py)"
    )


def check_callback_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Validate an HTTP callback URL (ice-api.md §1.2: at most 256 bytes, one URL)."""
    size = len(url.encode("utf-8"))
    if not url.isascii():
        raise ValueError(
            "must be ASCII only; percent-encode the path and use the punycode (xn--) host name"
        )
    if size <= MAX_URL_BYTES and _SECOND_URL.search(url):  # bounded: the pattern backtracks
        raise ValueError("holds more than one URL; IMS calls exactly one URL per region: keep one")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError("must not contain spaces, newlines or control characters; remove them")
    if size > MAX_URL_BYTES:
        raise ValueError(
            f"must be an https:// URL of at most {MAX_URL_BYTES} bytes (got {size} bytes)"
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        raise ValueError(
            "is not a valid URL (bad host or port); use https://host[:port]/path"
        ) from None
    if parts.scheme == "http" and not allow_insecure_http:
        raise ValueError(
            "uses http://, which IMS accepts but delivers callbacks unencrypted; "
            "use https://, or set allowInsecureHttp: true to accept the risk"
        )
    if parts.scheme not in {"http", "https"}:
        raise ValueError("must be an https:// URL, e.g. https://hooks.example.com/ims")
    if "@" in parts.netloc:
        raise ValueError(
            "must not contain user:password@ credentials; use auth.key to authenticate instead"
        )
    if not parts.hostname:
        raise ValueError("must include a host name, e.g. https://hooks.example.com/ims")
    return url


def auth_key_problems(key: str) -> list[str]:
    """What is wrong with an auth key, without repeating any of it (empty list = fine)."""
    found = []
    if not AUTH_KEY_MIN <= len(key) <= AUTH_KEY_MAX:
        found.append(f"it has {len(key)} characters")
    if not set(key) <= _ALNUM:
        found.append("it contains characters other than A-Z, a-z and 0-9")
    for label, chars in (
        ("an upper-case letter", string.ascii_uppercase),
        ("a lower-case letter", string.ascii_lowercase),
        ("a digit", string.digits),
    ):
        if not any(c in chars for c in key):
            found.append(f"it lacks {label}")
    return found


def check_auth_key(key: str) -> str:
    """Validate an HTTP auth key: 8..32 of [A-Za-z0-9] with upper, lower and digit."""
    found = auth_key_problems(key)
    if found:
        raise ValueError(
            f"must be {AUTH_KEY_MIN} to {AUTH_KEY_MAX} characters of A-Z, a-z and 0-9 with at "
            f"least one upper-case letter, one lower-case letter and one digit "
            f"({'; '.join(found)}); fix it with `pulumi config set --secret --path ...`, "
            "or remove it to have a key generated"
        )
    return key


def check_queue_name(name: str) -> str:
    """Validate an MNS queue name for IMS (ice-api.md §4.2)."""
    if not name.startswith(QUEUE_PREFIX):
        raise ValueError(
            f"must start with {QUEUE_PREFIX!r} (an IMS requirement), e.g. {QUEUE_PREFIX}prod"
        )
    if len(name) > MAX_QUEUE_NAME:
        raise ValueError(
            f"must be at most {MAX_QUEUE_NAME} characters (got {len(name)}); shorten it"
        )
    if not _QUEUE_RE.fullmatch(name):
        raise ValueError("may contain only A-Z, a-z, 0-9 and '-'; replace the other characters")
    return name


def default_queue_name(project: str, stack: str, region: str) -> str:
    """``ice-callback-<project>-<stack>-<region>``: lower-case, sanitised, <= 120 chars.

    When too long, the project/stack part is shortened and suffixed with a short hash of
    it, so the region is kept and different stacks still get different names.
    """

    def clean(text: str) -> str:
        return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")

    middle = clean(f"{project}-{stack}")
    suffix = f"-{clean(region)}"
    budget = MAX_QUEUE_NAME - len(QUEUE_PREFIX) - len(suffix)
    if len(middle) > budget:
        digest = hashlib.sha256(middle.encode()).hexdigest()[:8]
        middle = f"{middle[: budget - 9].rstrip('-')}-{digest}"
    return f"{QUEUE_PREFIX}{middle}{suffix}" if middle else f"{QUEUE_PREFIX}{suffix[1:]}"


def check_role_name(name: str) -> str:
    """Validate a RAM role name: 1..64 characters of A-Z, a-z, 0-9, '.', '-'."""
    if not 1 <= len(name) <= MAX_ROLE_NAME or not _ROLE_RE.fullmatch(name):
        raise ValueError(
            f"must be 1 to {MAX_ROLE_NAME} characters of A-Z, a-z, 0-9, '.' and '-' "
            "(RAM role-name rules), e.g. AliyunICEDefaultRole"
        )
    return name


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Validate queue tags: at most 19; keys 1..128 chars, not aliyun*/acs:* nor the owner tag;
    values <= 128."""
    if len(tags) > MAX_TAGS:
        raise ValueError(f"must have at most {MAX_TAGS} tags (got {len(tags)}); remove some")
    for key, value in tags.items():
        shown = clip(key)
        if not 1 <= len(key) <= MAX_TAG_KEY:
            raise ValueError(f"tag keys must be 1 to {MAX_TAG_KEY} characters; fix {shown!r}")
        if key.lower().startswith(("aliyun", "acs:")):
            raise ValueError(f"tag key {shown!r} must not start with 'aliyun' or 'acs:'; rename it")
        if key == OWNER_TAG:
            raise ValueError(f"tag key {key!r} is set by ims-callbacks itself; remove it")
        if len(value) > MAX_TAG_VALUE:
            raise ValueError(
                f"the value of tag {shown!r} must be at most {MAX_TAG_VALUE} characters"
            )
    return dict(sorted(tags.items()))
