"""A fake GitHub REST API on 127.0.0.1 for the Action's tests.

PyGithub talks to it over real HTTP. Every request is checked against GitHub's
published OpenAPI description (``tests/data/github/rest-api-subset.json``):
the path and method must be documented, query parameters known, and the JSON
body valid against the documented schema. Every response the fake sends is
checked against the documented response schema too, so the fake cannot drift
from what GitHub answers. Problems are collected in ``FakeGitHub.problems``;
tests assert that list is empty.

State is in memory (pull requests and their files, issue comments, reviews and
review comments, statuses, check runs and annotations). ``fail(...)`` injects
failures: a 502 once, a 422, a 403 secondary rate limit with ``Retry-After``,
and ``read_only`` makes every write answer 403 like a fork's token.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

SPEC_PATH = Path(__file__).parent / "data" / "github" / "rest-api-subset.json"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
#: Bookkeeping keys the fake keeps on stored objects and never sends.
PRIVATE_KEYS = {"_issue", "_pull", "_sha"}
HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


# --------------------------------------------------------------------------- OpenAPI


def _nullable_to_jsonschema(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` is not JSON Schema; turn it into ``anyOf [.., null]``."""
    if isinstance(schema, list):
        return [_nullable_to_jsonschema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _nullable_to_jsonschema(value) for key, value in schema.items() if key != "nullable"}
    if "properties" in schema:
        converted["properties"] = {k: _nullable_to_jsonschema(v) for k, v in schema["properties"].items()}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def synthesize(schema: dict[str, Any]) -> Any:
    """The smallest instance valid against ``schema``: required keys only, simple values."""
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            branches = [b for b in schema[combinator] if b.get("type") != "null"]
            return synthesize(branches[0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for branch in schema["allOf"]:
            merged.update(synthesize(branch))
        return merged
    if schema.get("nullable"):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: synthesize(props.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2024-01-01T00:00:00Z"
        if fmt == "uri":
            return "https://example.invalid/"
        return "x"
    return None


def shaped(schema: dict[str, Any], values: Any) -> Any:
    """``values`` completed with every key ``schema`` requires, nested objects included."""
    if not isinstance(values, dict):
        return values
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            branches = [b for b in schema[combinator] if b.get("type") != "null"]
            return shaped(branches[0], values)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for branch in schema["allOf"]:
            merged.update(shaped(branch, values))
        return merged
    props = schema.get("properties", {})
    result = {name: synthesize(props.get(name, {})) for name in schema.get("required", [])}
    for key, value in values.items():
        result[key] = shaped(props.get(key, {}), value)
    return result


@dataclass
class Operation:
    template: str
    method: str
    spec: dict[str, Any]

    @property
    def query_names(self) -> set[str]:
        return {p["name"] for p in self.spec.get("parameters", []) if p.get("in") == "query"}

    def request_schema(self) -> dict[str, Any] | None:
        body = self.spec.get("requestBody")
        if not body:
            return None
        return body.get("content", {}).get("application/json", {}).get("schema")

    def response_schema(self, status: int) -> dict[str, Any] | None:
        response = self.spec.get("responses", {}).get(str(status))
        if response is None:
            return None
        return response.get("content", {}).get("application/json", {}).get("schema")


class ApiSpec:
    """Path templates, methods and schemas from the OpenAPI subset."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        self.routes: list[tuple[re.Pattern[str], int, str, dict[str, Any]]] = []
        for template, methods in document["paths"].items():
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            literals = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            self.routes.append((re.compile(f"^{pattern}$"), literals, template, methods))
        self.routes.sort(key=lambda route: -route[1])
        self._validators: dict[int, jsonschema.protocols.Validator] = {}

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str]:
        """The documented operation for ``method path``, its path parameters, or a problem."""
        for pattern, _, template, methods in self.routes:
            found = pattern.match(path)
            if found:
                spec = methods.get(method.lower())
                if spec is None:
                    return None, {}, f"{method} {path}: method not documented for {template}"
                return Operation(template, method, spec), found.groupdict(), ""
        return None, {}, f"{method} {path}: path not documented"

    def validate(self, schema: dict[str, Any], instance: Any) -> list[str]:
        key = id(schema)
        if key not in self._validators:
            self._validators[key] = jsonschema.Draft4Validator(_nullable_to_jsonschema(schema))
        errors = sorted(self._validators[key].iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}" for e in errors]


# --------------------------------------------------------------------------- state


@dataclass
class Injected:
    """A failure to answer instead of the real response (``apply``: do the write first)."""

    method: str
    suffix: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    apply: bool = False


@dataclass
class PullState:
    number: int
    head_sha: str
    base_sha: str
    head_ref: str = "feature"
    base_ref: str = "main"
    files: list[dict[str, Any]] = field(default_factory=list)
    #: The repository the head branch lives in (a fork's full name for a fork pull request).
    head_repo: str = ""
    author: str = "octocat"


@dataclass
class Record:
    method: str
    path: str
    status: int
    body: Any


class FakeGitHub:
    """In-memory GitHub for one repository, served on 127.0.0.1."""

    def __init__(self, repo: str = "octo-org/octo-repo", token: str = "ghs_fake_token_1234567890") -> None:
        self.repo = repo
        self.tokens = {token}
        self.spec = ApiSpec()
        self.lock = threading.RLock()
        self.ids = itertools.count(1000)
        self.pulls: dict[int, PullState] = {}
        self.issue_comments: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.requests: list[Record] = []
        self.problems: list[str] = []
        self.injected: list[Injected] = []
        self.read_only = False
        self.page_size_cap = 100
        #: Called (under the lock) just before a matching write is handled: (method, template suffix) -> hook.
        self.before_write: dict[tuple[str, str], Any] = {}
        self.bot = {"login": "github-actions[bot]", "type": "Bot"}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test set-up ----------------------------------------------------------

    def add_pull(
        self, number: int, base_sha: str, head_sha: str, files: list[dict[str, Any]], **more: Any
    ) -> PullState:
        pull = PullState(number=number, head_sha=head_sha, base_sha=base_sha, files=files, **more)
        pull.head_repo = pull.head_repo or self.repo
        self.pulls[number] = pull
        return pull

    def add_issue_comment(self, number: int, body: str, login: str = "github-actions[bot]", kind: str = "Bot") -> int:
        """A comment already on the pull request (posted by a person, or by another run)."""
        ident = next(self.ids)
        comment = self._shape(
            f"/repos/{self.repo}/issues/1/comments",
            "POST",
            201,
            {
                "id": ident,
                "body": body,
                "url": self._api(f"/issues/comments/{ident}"),
                "issue_url": self._api(f"/issues/{number}"),
                "user": {"login": login, "type": kind},
            },
        )
        comment["_issue"] = number
        self.issue_comments.append(comment)
        return ident

    def fail(self, method: str, suffix: str, status: int, **kwargs: Any) -> Injected:
        """Answer the next matching request(s) with ``status``; ``suffix`` ends the path template."""
        injected = Injected(method, suffix, status, **kwargs)
        self.injected.append(injected)
        return injected

    def writes(self, method: str | None = None, suffix: str = "") -> list[Record]:
        return [
            r
            for r in self.requests
            if r.method in WRITE_METHODS and (method is None or r.method == method) and r.path.endswith(suffix)
        ]

    # -- request handling -----------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(raw_path)
        path, query = split.path, {k: v[-1] for k, v in parse_qs(split.query).items()}
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                self.problems.append(f"{method} {path}: body is not JSON")
                return 400, {"message": "Problems parsing JSON"}, {}
        status, payload, extra = self._dispatch(method, path, query, headers, body)
        with self.lock:
            self.requests.append(Record(method, path, status, body))
        return status, payload, extra

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        operation, params, problem = self.spec.match(method, path)
        if operation is None:
            self.problems.append(problem)
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        self._check_request(operation, path, query, body)
        auth = headers.get("authorization", "")
        if auth.split(" ", 1)[-1] not in self.tokens:
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}
        with self.lock:
            injected = self._take_injection(method, operation.template)
            hooks = self.before_write.items()
            hook = next((h for (m, end), h in hooks if m == method and operation.template.endswith(end)), None)
            if hook is not None:
                hook()
            if injected is None and self.read_only and method in WRITE_METHODS:
                return 403, _error("Resource not accessible by integration"), {}
            if injected is not None and not injected.apply:
                return injected.status, injected.body or _error("injected failure"), injected.headers
            status, payload, extra = self._route(operation, params, query, body)
            if injected is not None:
                return injected.status, injected.body or _error("injected failure"), injected.headers
        self._check_response(operation, path, status, payload)
        return status, payload, extra

    def _take_injection(self, method: str, template: str) -> Injected | None:
        for injected in self.injected:
            if injected.times > 0 and injected.method == method and template.endswith(injected.suffix):
                injected.times -= 1
                return injected
        return None

    def _check_request(self, operation: Operation, path: str, query: dict[str, str], body: Any) -> None:
        where = f"{operation.method} {path}"
        unknown = set(query) - operation.query_names
        if unknown:
            self.problems.append(f"{where}: undocumented query parameter(s) {sorted(unknown)}")
        schema = operation.request_schema()
        if schema is None:
            if body not in (None, {}):
                self.problems.append(f"{where}: body sent to an operation that takes none")
            return
        for error in self.spec.validate(schema, body if body is not None else {}):
            self.problems.append(f"{where}: request body: {error}")

    def _check_response(self, operation: Operation, path: str, status: int, payload: Any) -> None:
        schema = operation.response_schema(status)
        if schema is not None:
            for error in self.spec.validate(schema, payload)[:5]:
                self.problems.append(f"fake answered {operation.method} {path} {status} off-schema: {error}")
        elif str(status) not in operation.spec.get("responses", {}) and status < 400:
            self.problems.append(f"fake answered {operation.method} {path} with undocumented status {status}")

    # -- routes ---------------------------------------------------------------

    def _route(
        self, operation: Operation, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if f"{params.get('owner')}/{params.get('repo')}" != self.repo and "owner" in params:
            return 404, _error("Not Found"), {}
        handler = getattr(self, _handler_name(operation), None)
        if handler is None:
            return 404, _error("Not Found"), {}
        return handler(params, query, body or {})

    def _shape(self, operation_template: str, method: str, status: int, values: dict[str, Any]) -> Any:
        operation, _, _ = self.spec.match(method, operation_template)
        schema = operation.response_schema(status) if operation else None
        if schema is None:
            return values
        if schema.get("type") == "array":
            schema = schema["items"]
        return shaped(schema, values)

    def _api(self, tail: str) -> str:
        return f"{self.url}/repos/{self.repo}{tail}"

    def _page(self, path: str, query: dict[str, str], items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(query.get("per_page", 30)), self.page_size_cap)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        last = max(1, -(-len(items) // per_page))
        if page < last:
            links.append(f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{self.url}{path}?per_page={per_page}&page={last}>; rel="last"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _pull(self, params: dict[str, str], key: str = "pull_number") -> PullState | None:
        return self.pulls.get(int(params[key]))

    # repository, pulls
    def get_repo(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        owner, name = self.repo.split("/")
        values = {"full_name": self.repo, "name": name, "url": self._api(""), "owner": {"login": owner}}
        return 200, self._shape(f"/repos/{self.repo}", "GET", 200, values), {}

    def get_pull(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        pull = self._pull(params)
        if pull is None:
            return 404, _error("Not Found"), {}
        values = {
            "number": pull.number,
            "state": "open",
            "url": self._api(f"/pulls/{pull.number}"),
            "issue_url": self._api(f"/issues/{pull.number}"),
            "head": self._branch(pull.head_repo, pull.head_ref, pull.head_sha),
            "base": self._branch(self.repo, pull.base_ref, pull.base_sha),
            "user": {"login": pull.author, "type": "User"},
        }
        return 200, self._shape(f"/repos/{self.repo}/pulls/1", "GET", 200, values), {}

    def _branch(self, repo: str, ref: str, sha: str) -> dict[str, Any]:
        owner, name = repo.split("/")
        repository = {"full_name": repo, "name": name, "owner": {"login": owner}, "fork": repo != self.repo}
        return {"sha": sha, "ref": ref, "label": f"{owner}:{ref}", "repo": repository}

    def get_pulls(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        """Open pull requests, filtered by ``head=owner:branch`` as GitHub does."""
        items = []
        for pull in self.pulls.values():
            if query.get("head") and query["head"] != f"{pull.head_repo.split('/')[0]}:{pull.head_ref}":
                continue
            values = {
                "number": pull.number,
                "state": "open",
                "url": self._api(f"/pulls/{pull.number}"),
                "head": self._branch(pull.head_repo, pull.head_ref, pull.head_sha),
                "base": self._branch(self.repo, pull.base_ref, pull.base_sha),
                "user": {"login": pull.author, "type": "User"},
            }
            items.append(self._shape(f"/repos/{self.repo}/pulls", "GET", 200, values))
        return self._page(f"/repos/{self.repo}/pulls", query, items)

    def get_pull_files(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        pull = self._pull(params)
        if pull is None:
            return 404, _error("Not Found"), {}
        return self._page(f"/repos/{self.repo}/pulls/{pull.number}/files", query, pull.files)

    # issue comments
    def get_issue_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        number = int(params["issue_number"])
        items = [c for c in self.issue_comments if c["_issue"] == number]
        return self._page(f"/repos/{self.repo}/issues/{number}/comments", query, [_public(c) for c in items])

    def post_issue_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        number = int(params["issue_number"])
        if number not in self.pulls:
            return 404, _error("Not Found"), {}
        if len(body["body"]) > 65536:
            return 422, _error("Validation Failed: body is too long (maximum is 65536 characters)"), {}
        ident = self.add_issue_comment(number, body["body"], self.bot["login"], self.bot["type"])
        comment = next(c for c in self.issue_comments if c["id"] == ident)
        return 201, _public(comment), {}

    def _find_issue_comment(self, params: dict[str, str]) -> dict[str, Any] | None:
        ident = int(params["comment_id"])
        return next((c for c in self.issue_comments if c["id"] == ident), None)

    def get_issue_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        comment = self._find_issue_comment(params)
        return (200, _public(comment), {}) if comment else (404, _error("Not Found"), {})

    def patch_issue_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        comment = self._find_issue_comment(params)
        if comment is None:
            return 404, _error("Not Found"), {}
        if len(body["body"]) > 65536:
            return 422, _error("Validation Failed: body is too long (maximum is 65536 characters)"), {}
        comment["body"] = body["body"]
        comment["updated_at"] = "2024-01-02T00:00:00Z"
        return 200, _public(comment), {}

    def delete_issue_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        comment = self._find_issue_comment(params)
        if comment is None:
            return 404, _error("Not Found"), {}
        self.issue_comments.remove(comment)
        return 204, None, {}

    # reviews and review comments
    def get_pull_reviews(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        number = int(params["pull_number"])
        items = [_public(r) for r in self.reviews if r["_pull"] == number]
        return self._page(f"/repos/{self.repo}/pulls/{number}/reviews", query, items)

    def post_pull_reviews(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        pull = self._pull(params)
        if pull is None:
            return 404, _error("Not Found"), {}
        commit_id = body.get("commit_id", pull.head_sha)
        if commit_id != pull.head_sha:
            return 422, _error("Validation Failed: commit_id is not part of the pull request"), {}
        for comment in body.get("comments", []):
            problem = self._unresolvable(pull, comment)
            if problem:
                return 422, _error(f"Unprocessable Entity: {problem}"), {}
        ident = next(self.ids)
        review = self._shape(
            f"/repos/{self.repo}/pulls/1/reviews",
            "POST",
            200,
            {
                "id": ident,
                "body": body.get("body", ""),
                "state": "COMMENTED" if body.get("event") == "COMMENT" else "PENDING",
                "commit_id": commit_id,
                "user": dict(self.bot),
            },
        )
        review["_pull"] = pull.number
        self.reviews.append(review)
        for comment in body.get("comments", []):
            self._store_review_comment(pull, comment, review_id=ident, commit_id=commit_id)
        return 200, _public(review), {}

    def _unresolvable(self, pull: PullState, comment: dict[str, Any]) -> str:
        file = next((f for f in pull.files if f["filename"] == comment.get("path")), None)
        if file is None:
            return f"Path could not be resolved: {comment.get('path')}"
        if "line" not in comment:
            return "" if "position" in comment else "Line could not be resolved"
        commentable = right_side_lines(file.get("patch", ""))
        lines = range(comment.get("start_line", comment["line"]), comment["line"] + 1)
        if comment.get("side", "RIGHT") != "RIGHT" or not all(line in commentable for line in lines):
            return "Line could not be resolved"
        return ""

    def _store_review_comment(
        self, pull: PullState, comment: dict[str, Any], *, review_id: int | None, commit_id: str
    ) -> dict[str, Any]:
        ident = next(self.ids)
        stored = self._shape(
            f"/repos/{self.repo}/pulls/1/comments",
            "POST",
            201,
            {
                "id": ident,
                "pull_request_review_id": review_id,
                "path": comment["path"],
                "line": comment.get("line"),
                "start_line": comment.get("start_line"),
                "side": comment.get("side", "RIGHT"),
                "body": comment["body"],
                "commit_id": commit_id,
                "original_commit_id": commit_id,
                "url": self._api(f"/pulls/comments/{ident}"),
                "pull_request_url": self._api(f"/pulls/{pull.number}"),
                "user": dict(self.bot),
            },
        )
        stored["_pull"] = pull.number
        self.review_comments.append(stored)
        return stored

    def get_pull_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        number = int(params["pull_number"])
        items = [_public(c) for c in self.review_comments if c["_pull"] == number]
        return self._page(f"/repos/{self.repo}/pulls/{number}/comments", query, items)

    def _find_review_comment(self, params: dict[str, str]) -> dict[str, Any] | None:
        ident = int(params["comment_id"])
        return next((c for c in self.review_comments if c["id"] == ident), None)

    def patch_review_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        comment = self._find_review_comment(params)
        if comment is None:
            return 404, _error("Not Found"), {}
        comment["body"] = body["body"]
        return 200, _public(comment), {}

    def post_pull_comments(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        pull = self._pull(params)
        if pull is None:
            return 404, _error("Not Found"), {}
        problem = self._unresolvable(pull, body)
        if problem:
            return 422, _error(f"Unprocessable Entity: {problem}"), {}
        return 201, _public(self._store_review_comment(pull, body, review_id=None, commit_id=body["commit_id"])), {}

    # statuses
    def post_statuses(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        if len(body.get("description") or "") > 140:
            return 422, _error("Validation Failed: description is too long (maximum is 140 characters)"), {}
        ident = next(self.ids)
        status = self._shape(
            f"/repos/{self.repo}/statuses/x",
            "POST",
            201,
            {
                "id": ident,
                "state": body["state"],
                "description": body.get("description"),
                "target_url": body.get("target_url"),
                "context": body.get("context", "default"),
            },
        )
        status["_sha"] = params["sha"]
        self.statuses.append(status)
        return 201, _public(status), {}

    def get_commit_statuses(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        items = [_public(s) for s in reversed(self.statuses) if s["_sha"] == params["ref"]]
        return self._page(f"/repos/{self.repo}/commits/{params['ref']}/statuses", query, items)

    # check runs
    def post_check_runs(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        annotations = (body.get("output") or {}).get("annotations", [])
        if len(annotations) > 50:
            return 422, _error("Validation Failed: only 50 annotations per request"), {}
        ident = next(self.ids)
        run = {"id": ident, "name": body["name"], "head_sha": body["head_sha"], "status": body.get("status", "queued")}
        run.update({"conclusion": body.get("conclusion"), "output": dict(body.get("output") or {}), "annotations": []})
        run["annotations"].extend(annotations)
        self.check_runs[ident] = run
        return 201, self._check_run_payload(run), {}

    def patch_check_run(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        run = self.check_runs.get(int(params["check_run_id"]))
        if run is None:
            return 404, _error("Not Found"), {}
        output = body.get("output") or {}
        annotations = output.get("annotations", [])
        if len(annotations) > 50:
            return 422, _error("Validation Failed: only 50 annotations per request"), {}
        run["annotations"].extend(annotations)
        run["output"].update({k: v for k, v in output.items() if k != "annotations"})
        for key in ("status", "conclusion", "name"):
            if key in body:
                run[key] = body[key]
        return 200, self._check_run_payload(run), {}

    def get_check_run(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        run = self.check_runs.get(int(params["check_run_id"]))
        return (200, self._check_run_payload(run), {}) if run else (404, _error("Not Found"), {})

    def get_commit_check_runs(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        runs = [
            self._check_run_payload(run)
            for run in sorted(self.check_runs.values(), key=lambda r: -r["id"])
            if run["head_sha"] == params["ref"] and query.get("check_name", run["name"]) == run["name"]
        ]
        per_page = min(int(query.get("per_page", 30)), self.page_size_cap)
        page = int(query.get("page", 1))
        values = {"total_count": len(runs), "check_runs": runs[(page - 1) * per_page : page * per_page]}
        return 200, values, {}

    def get_commit(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        values = {"sha": params["ref"], "url": self._api(f"/commits/{params['ref']}")}
        return 200, self._shape(f"/repos/{self.repo}/commits/x", "GET", 200, values), {}

    def _check_run_payload(self, run: dict[str, Any]) -> Any:
        output = {k: v for k, v in run["output"].items() if k in ("title", "summary", "text")}
        output.setdefault("title", None)
        output.setdefault("summary", None)
        values = {
            "id": run["id"],
            "name": run["name"],
            "head_sha": run["head_sha"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "url": self._api(f"/check-runs/{run['id']}"),
            "output": {**output, "annotations_count": len(run["annotations"]), "text": output.get("text")},
            "check_suite": {"id": 1},
        }
        return self._shape(f"/repos/{self.repo}/check-runs", "POST", 201, values)

    def get_user(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        """An installation token (GITHUB_TOKEN) may not read /user: GitHub answers 403."""
        if self.bot["type"] == "Bot":
            return 403, _error("Resource not accessible by integration"), {}
        values = {"login": self.bot["login"], "type": "User", "id": 1}
        return 200, self._shape("/user", "GET", 200, values), {}

    def get_rate_limit(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        core = {"limit": 5000, "remaining": 4999, "reset": 1700000000, "used": 1}
        return 200, self._shape("/rate_limit", "GET", 200, {"rate": core, "resources": {"core": core}}), {}


#: (method, template) -> handler method name on FakeGitHub.
ROUTES = {
    ("GET", "/repos/{owner}/{repo}"): "get_repo",
    ("GET", "/repos/{owner}/{repo}/pulls"): "get_pulls",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): "get_pull",
    ("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"): "patch_review_comment",
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"): "get_commit_check_runs",
    ("GET", "/repos/{owner}/{repo}/commits/{ref}"): "get_commit",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"): "get_pull_files",
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): "get_issue_comments",
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): "post_issue_comments",
    ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "get_issue_comment",
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "patch_issue_comment",
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "delete_issue_comment",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"): "get_pull_reviews",
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"): "post_pull_reviews",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"): "get_pull_comments",
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"): "post_pull_comments",
    ("POST", "/repos/{owner}/{repo}/statuses/{sha}"): "post_statuses",
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses"): "get_commit_statuses",
    ("POST", "/repos/{owner}/{repo}/check-runs"): "post_check_runs",
    ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): "get_check_run",
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): "patch_check_run",
    ("GET", "/rate_limit"): "get_rate_limit",
    ("GET", "/user"): "get_user",
}


def _handler_name(operation: Operation) -> str:
    return ROUTES.get((operation.method, operation.template), "")


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in item.items() if k not in PRIVATE_KEYS}


def _error(message: str) -> dict[str, Any]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


def right_side_lines(patch: str) -> set[int]:
    """New-file line numbers a review comment may target: added and context lines of the hunks."""
    lines: set[int] = set()
    current = 0
    for text in patch.splitlines():
        header = HUNK_HEADER.match(text)
        if header:
            current = int(header.group(1))
            continue
        if text.startswith("-") or text.startswith("\\"):
            continue
        lines.add(current)
        current += 1
    return lines


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, payload, extra = fake.handle(self.command, self.path, headers, raw)
            except Exception as exc:  # a bug in the fake must fail the test, not hang it
                fake.problems.append(f"fake crashed on {self.command} {self.path}: {exc!r}")
                status, payload, extra = 500, _error("fake crashed"), {}
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-RateLimit-Limit", "5000")
            self.send_header("X-RateLimit-Remaining", "4999")
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
