"""The GitHub REST API a workflow run talks to, on loopback: a test double that records calls.

What the workflows call, and nothing else: issue comments (list, create, update), issues (list
by label, create, update), labels (create; 422 when it exists) and the Actions OIDC token
endpoint (``ACTIONS_ID_TOKEN_REQUEST_URL``). Every request must carry the run's token; every
call is recorded (method, path, query, body, status) for tests to assert on. The OIDC tokens
it mints are unsigned JWTs whose claims name the repository and, for an environment job, the
environment; :meth:`FakeGitHub.minted` tells an STS double which tokens are genuine.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
OIDC_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class _Store:
    """Issues (pull requests are issues too), their comments and the labels of one repo."""

    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1000


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(32)}"


class FakeGitHub:
    """One repository's API on ``http://127.0.0.1:<port>``, accepting one token."""

    def __init__(self, repository: str, token: str, oidc_request_token: str) -> None:
        self.repository = repository
        self.token = token
        self.oidc_request_token = oidc_request_token
        self.calls: list[Call] = []
        self._minted: dict[str, dict[str, Any]] = {}
        self._store = _Store()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The API base URL (``GITHUB_API_URL``)."""
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def oidc_url(self) -> str:
        """The OIDC token endpoint (``ACTIONS_ID_TOKEN_REQUEST_URL``)."""
        return f"{self.url}/_oidc/token?api-version=2.0"

    def start(self) -> FakeGitHub:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # -- what tests look at ---------------------------------------------------------------

    def add_pull_request(self, number: int, title: str = "Change the callbacks") -> None:
        """A pull request (an issue with ``pull_request`` set) that comments can go to."""
        with self._lock:
            self._store.issues[number] = {
                "number": number,
                "title": title,
                "body": "",
                "state": "open",
                "labels": [],
                "pull_request": {"url": f"{self.url}/repos/{self.repository}/pulls/{number}"},
                "user": {"login": "octocat", "type": "User"},
            }

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        """The comments of issue or pull request ``number``, oldest first."""
        with self._lock:
            return [dict(c) for c in self._store.comments.values() if c["issue"] == number]

    def issues(self, label: str | None = None) -> list[dict[str, Any]]:
        """Every issue that is not a pull request (optionally with ``label``)."""
        with self._lock:
            found = [i for i in self._store.issues.values() if "pull_request" not in i]
        return [
            dict(i) for i in found if label is None or label in [x["name"] for x in i["labels"]]
        ]

    def labels(self) -> list[str]:
        """The names of the repository's labels."""
        with self._lock:
            return list(self._store.labels)

    def minted(self, token: str) -> dict[str, Any] | None:
        """The claims of an OIDC token this fake issued, or None for any other string."""
        with self._lock:
            return self._minted.get(token)

    def minted_tokens(self) -> list[str]:
        """Every OIDC token issued so far."""
        with self._lock:
            return list(self._minted)

    def api_calls(self) -> list[Call]:
        """The REST calls, without the OIDC token requests."""
        return [c for c in self.calls if not c.path.startswith("/_oidc/")]

    def reset_calls(self) -> None:
        """Forget the recorded calls (the repository's contents stay)."""
        with self._lock:
            self.calls.clear()

    # -- the API --------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, auth: str
    ) -> tuple[int, Any]:
        """Answer one request (status, JSON body); records it."""
        with self._lock:
            status, payload = self._dispatch(method, path, query, body, auth)
            self.calls.append(Call(method, path, query, body, status))
            return status, payload

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], body: Any, auth: str
    ) -> tuple[int, Any]:
        if path == "/_oidc/token":
            if auth != f"Bearer {self.oidc_request_token}":
                return 401, {"message": "Bad credentials"}
            return 200, {"value": self._mint(query.get("audience", ""))}
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return 401, {"message": "Bad credentials"}
        prefix = f"/repos/{self.repository}"
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        for (verb, pattern), route in _ROUTES.items():
            match = re.fullmatch(pattern, path[len(prefix) :])
            if verb == method and match:
                return route(self, query, body if isinstance(body, dict) else {}, *match.groups())
        return 404, {"message": "Not Found"}

    def _mint(self, audience: str) -> str:
        claims = {
            "iss": OIDC_ISSUER,
            "aud": audience,
            "sub": f"repo:{self.repository}:ref:refs/heads/main",
            "repository": self.repository,
        }
        token = _jwt(claims)
        self._minted[token] = claims
        return token

    def _new_id(self) -> int:
        self._store.next_id += 1
        return self._store.next_id

    def _list_comments(self, _q: dict[str, str], _b: dict[str, Any], number: str) -> Reply:
        if int(number) not in self._store.issues:
            return 404, {"message": "Not Found"}
        found = [c for c in self._store.comments.values() if c["issue"] == int(number)]
        return 200, [self._comment_json(c) for c in found]

    def _create_comment(self, _q: dict[str, str], body: dict[str, Any], number: str) -> Reply:
        if int(number) not in self._store.issues:
            return 404, {"message": "Not Found"}
        if not isinstance(body.get("body"), str):
            return 422, {"message": "body is required"}
        comment_id = self._new_id()
        self._store.comments[comment_id] = {
            "id": comment_id,
            "issue": int(number),
            "body": body["body"],
            "user": BOT,
        }
        return 201, self._comment_json(self._store.comments[comment_id])

    def _update_comment(self, _q: dict[str, str], body: dict[str, Any], comment_id: str) -> Reply:
        comment = self._store.comments.get(int(comment_id))
        if comment is None:
            return 404, {"message": "Not Found"}
        comment["body"] = body.get("body", comment["body"])
        return 200, self._comment_json(comment)

    def _list_issues(self, query: dict[str, str], _b: dict[str, Any]) -> Reply:
        state = query.get("state", "open")
        wanted = {x for x in query.get("labels", "").split(",") if x}
        found = [
            self._issue_json(i)
            for i in self._store.issues.values()
            if (state == "all" or i["state"] == state)
            and wanted <= {x["name"] for x in i["labels"]}
        ]
        return 200, found

    def _create_issue(self, _q: dict[str, str], body: dict[str, Any]) -> Reply:
        if not body.get("title"):
            return 422, {"message": "title is required"}
        number = max([0, *self._store.issues]) + 1
        self._store.issues[number] = {
            "number": number,
            "title": body["title"],
            "body": body.get("body", ""),
            "state": "open",
            "labels": [self._label(name) for name in body.get("labels", [])],
            "user": BOT,
        }
        return 201, self._issue_json(self._store.issues[number])

    def _update_issue(self, _q: dict[str, str], body: dict[str, Any], number: str) -> Reply:
        issue = self._store.issues.get(int(number))
        if issue is None:
            return 404, {"message": "Not Found"}
        for key in ("title", "body", "state", "state_reason"):
            if key in body:
                issue[key] = body[key]
        return 200, self._issue_json(issue)

    def _create_label(self, _q: dict[str, str], body: dict[str, Any]) -> Reply:
        name = body.get("name", "")
        if not name:
            return 422, {"message": "name is required"}
        if name in self._store.labels:
            return 422, {"message": "Validation Failed", "errors": [{"code": "already_exists"}]}
        self._store.labels[name] = {"name": name, "color": body.get("color", "ededed")}
        return 201, self._store.labels[name]

    def _label(self, name: str) -> dict[str, Any]:
        return self._store.labels.setdefault(name, {"name": name, "color": "ededed"})

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        url = f"https://github.com/{self.repository}/issues/{comment['issue']}"
        return {
            "id": comment["id"],
            "body": comment["body"],
            "user": comment["user"],
            "html_url": f"{url}#issuecomment-{comment['id']}",
        }

    def _issue_json(self, issue: dict[str, Any]) -> dict[str, Any]:
        data = dict(issue.items())
        data["html_url"] = f"https://github.com/{self.repository}/issues/{issue['number']}"
        return data


Reply = tuple[int, Any]
_ROUTES: dict[tuple[str, str], Callable[..., Reply]] = {
    ("GET", r"/issues/(\d+)/comments"): FakeGitHub._list_comments,
    ("POST", r"/issues/(\d+)/comments"): FakeGitHub._create_comment,
    ("PATCH", r"/issues/comments/(\d+)"): FakeGitHub._update_comment,
    ("GET", r"/issues"): FakeGitHub._list_issues,
    ("POST", r"/issues"): FakeGitHub._create_issue,
    ("PATCH", r"/issues/(\d+)"): FakeGitHub._update_issue,
    ("POST", r"/labels"): FakeGitHub._create_label,
}


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            status, payload = fake.handle(
                self.command, parts.path, query, body, self.headers.get("Authorization", "")
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve  # noqa: N815 - http.server's naming

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the calls are recorded instead."""

    return Handler


@contextmanager
def fake_github(repository: str, token: str, oidc_request_token: str) -> Iterator[FakeGitHub]:
    """A running :class:`FakeGitHub`, stopped on exit."""
    fake = FakeGitHub(repository, token, oidc_request_token).start()
    try:
        yield fake
    finally:
        fake.stop()
