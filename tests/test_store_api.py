"""The metrics store's API against a real server: SQLite file, and a real PostgreSQL where one can start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from store_support import StoreServer, WebhookReceiver, run_payload, sha, store_cli, store_database

API = "/api/v1/projects"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    tmp = tmp_path_factory.mktemp(f"store-{request.param}")
    database, cluster = store_database(request.param, tmp, "qh_api")
    # The webhook receiver of these tests listens on 127.0.0.1, which the store refuses by default.
    server = StoreServer(
        database, tmp / "server.log", "--rate", "0", "--webhook-backoff", "0.2", "--allow-private-webhooks"
    ).start()
    yield server
    server.stop()
    if cluster:
        cluster.stop()


class Client:
    def __init__(self, store: StoreServer, project: str, token: str | None) -> None:
        self.base = f"{store.url}{API}/{project}"
        self.token = token

    def headers(self, token: str | None = "default") -> dict[str, str]:
        token = self.token if token == "default" else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def push(self, payload: dict[str, Any], token: str | None = "default") -> requests.Response:
        return requests.post(f"{self.base}/runs", json=payload, headers=self.headers(token), timeout=30)

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        return requests.get(f"{self.base}{path}", params=params, headers=self.headers(token), timeout=30)

    def post(self, path: str, body: dict[str, Any] | None = None, token: str | None = "default") -> requests.Response:
        return requests.post(f"{self.base}{path}", json=body, headers=self.headers(token), timeout=30)


_counter = iter(range(1, 10**6))


@pytest.fixture
def project(store: StoreServer) -> Client:
    name = f"acme/p{next(_counter)}"
    return Client(store, name, store.add_project(name))


def test_push_then_read_back(project: Client) -> None:
    files = [
        {
            "path": "a.py",
            "score": 90.0,
            "risk": 0.1,
            "complexity": 3,
            "sloc": 40,
            "findings": {"info": 1, "warning": 0, "error": 0},
            "new_findings": 0,
        },
        {
            "path": "b.py",
            "score": 40.0,
            "risk": 0.7,
            "complexity": 30,
            "sloc": 300,
            "findings": {"info": 0, "warning": 2, "error": 1},
            "new_findings": 3,
        },
    ]
    response = project.push(run_payload(sha(1), "77-1", score=52.5, files=files))
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["created"] is True and run["commit"] == sha(1) and run["totals"]["score"] == 52.5
    detail = requests.get(run["url"], timeout=10).json()
    assert [f["path"] for f in detail["files"]] == ["a.py", "b.py"]
    assert detail["files"][1] | {} == files[1] | {"error": None, "why": [], "maintainability": None}
    listed = project.get("/runs", branch="main").json()["runs"]
    assert [r["id"] for r in listed] == [run["id"]]


def test_retried_push_is_idempotent(project: Client) -> None:
    payload = run_payload(sha(2), "88-1")
    first = project.push(payload)
    second = project.push(payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"] and second.json()["created"] is False
    assert len(project.get("/runs").json()["runs"]) == 1
    assert project.push(run_payload(sha(2), "88-2")).status_code == 201  # a re-run attempt is a new run


def test_auth_no_token_bad_token_wrong_project_read_token(store: StoreServer, project: Client) -> None:
    payload = run_payload(sha(3))
    no_token = project.push(payload, token=None)
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "unauthorized"
    assert project.push(payload, token="qhw_not-a-real-token").status_code == 401
    other = store.add_project(f"other/p{next(_counter)}")
    wrong = project.push(payload, token=other)
    assert wrong.status_code == 403 and "not for" in wrong.json()["error"]["message"]
    read_token = store_cli(store.database, "add-token", project.base.split(f"{API}/")[1], "--kind", "read")
    assert project.push(payload, token=read_token).status_code == 403
    assert project.push(payload).status_code == 201
    assert project.get("/runs").status_code == 200  # public project: reading needs no token
    missing = requests.get(f"{store.url}{API}/nobody/nothing/runs", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_private_project_needs_a_read_token(store: StoreServer) -> None:
    name = f"secret/p{next(_counter)}"
    client = Client(store, name, store.add_project(name, "--private"))
    assert client.push(run_payload(sha(4))).status_code == 201
    read_token = store_cli(store.database, "add-token", name, "--kind", "read")
    for path in ("/runs", "/badge.svg", "/badge.json"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, token=read_token).status_code == 200, path
    page = requests.get(f"{store.url}/p/{name}", timeout=10)
    assert page.status_code == 401 and page.headers["WWW-Authenticate"].startswith("Basic")
    assert requests.get(f"{store.url}/p/{name}", auth=("reader", read_token), timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"commit": "not-a-sha"}, "commit"),
        ({"run_id": ""}, "run_id"),
        ({"pull_request": 0}, "pull_request"),
        ({"totals": {"score": 101}}, "score"),
        ({"totals": {"findings": {"error": -1}}}, "error"),
        ({"files": [{"path": "x\u0000.py"}]}, "path"),
        ({"files": "nope"}, "files"),
        ({"branch": "b" * 300}, "branch"),
    ],
)
def test_validation_errors_are_clear_json_422(project: Client, change: dict[str, Any], where: str) -> None:
    response = project.push(run_payload(sha(5)) | change)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and where in error["message"]
    assert "Traceback" not in response.text


def test_body_over_the_limit_is_413_and_bad_json_is_422(store: StoreServer, project: Client) -> None:
    huge = {"path": "p" * 1000}
    response = project.push(run_payload(sha(6), files=[huge] * 9000))  # ~9 MB > 8 MiB limit
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    garbage = requests.post(
        f"{project.base}/runs",
        data=b"{not json",
        headers=project.headers() | {"Content-Type": "application/json"},
        timeout=10,
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "invalid"


def test_history_paging_by_branch_and_pull_request(project: Client) -> None:
    for i in range(7):
        assert project.push(run_payload(sha(100 + i), branch="main")).status_code == 201
    for i in range(3):
        assert project.push(run_payload(sha(200 + i), branch="feature", pull_request=12)).status_code == 201
    seen, cursor = [], None
    while True:
        page = project.get("/runs", branch="main", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [r["commit"] for r in page["runs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [sha(100 + i) for i in reversed(range(7))]
    pr_runs = project.get("/runs", pull_request=12).json()["runs"]
    assert [r["commit"] for r in pr_runs] == [sha(202), sha(201), sha(200)]


def test_pull_request_is_compared_with_its_base_commit_not_the_previous_run(project: Client) -> None:
    base_files = [{"path": "a.py", "score": 80.0, "risk": 0.2}, {"path": "gone.py", "score": 50.0}]
    assert project.push(run_payload(sha(300), score=80.0, files=base_files)).status_code == 201
    assert project.push(run_payload(sha(301), score=99.0)).status_code == 201  # later main run: not the base
    head_files = [{"path": "a.py", "score": 70.0, "risk": 0.4}, {"path": "new.py", "score": 60.0}]
    head = run_payload(sha(302), branch="topic", pull_request=5, base_commit=sha(300), score=70.0, files=head_files)
    assert project.push(head).status_code == 201
    comparison = project.get("/pulls/5/comparison").json()
    assert comparison["base"]["commit"] == sha(300)
    assert comparison["delta"]["score"] == pytest.approx(-10.0)
    changes = {f["path"]: (f["change"], f["score_delta"]) for f in comparison["files"]}
    assert changes == {"a.py": ("changed", -10.0), "gone.py": ("removed", None), "new.py": ("added", None)}
    assert project.get("/pulls/6/comparison").status_code == 404


def test_badge_svg_and_shields_endpoint(project: Client) -> None:
    assert project.get("/badge.json").json()["message"] == "unknown"
    assert project.push(run_payload(sha(400), score=91.2)).status_code == 201
    assert project.push(run_payload(sha(401), branch="wip", score=20.0)).status_code == 201
    shields = project.get("/badge.json").json()
    assert shields == {"schemaVersion": 1, "label": "quality", "message": "91", "color": "brightgreen"}
    assert project.get("/badge.json", branch="wip").json()["color"] == "red"
    svg = project.get("/badge.svg", label="code quality")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "code quality: 91" in svg.text and "#4c1" in svg.text


def test_prometheus_metrics(store: StoreServer, project: Client) -> None:
    assert project.push(run_payload(sha(500), score=66.0)).status_code == 201
    text = requests.get(f"{store.url}/metrics", timeout=10).text
    name = project.base.split(f"{API}/")[1]
    assert f'qh_store_score{{project="{name}"}} 66' in text
    assert "# TYPE qh_store_requests_total counter" in text
    assert 'route="/api/v1/projects/{owner}/{name}/runs",status="201"' in text
    for line in text.splitlines():  # every sample line: name{labels} number
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_alert_raised_once_escalated_resolved_and_webhooks_retried(project: Client) -> None:
    receiver = WebhookReceiver(fail_first=1)
    try:
        rule = project.post("/rules", {"kind": "threshold", "metric": "score", "warning": 70, "critical": 50})
        assert rule.status_code == 201, rule.text
        assert project.post("/channels", {"kind": "json", "url": f"{receiver.url}/generic"}).status_code == 201
        assert project.post("/channels", {"kind": "slack", "url": f"{receiver.url}/slack"}).status_code == 201
        events = []
        for i, score in enumerate([80, 65, 62, 60, 45, 85]):
            body = project.push(run_payload(sha(600 + i), score=float(score))).json()
            events.append([a["event"] for a in body["alerts"]])
        assert events == [[], ["raised"], [], [], ["escalated"], ["resolved"]]
        alerts = project.get("/alerts", status="all").json()["alerts"]
        assert len(alerts) == 1 and alerts[0]["status"] == "resolved"
        received = receiver.wait_for(6)  # 3 events x 2 channels, plus one failed try
        delivered = [(path, body) for path, body, status in received if status == 200]
        assert len(delivered) == 6
        generic = [body["event"] for path, body in delivered if path == "/generic"]
        assert sorted(generic) == ["alert.escalated", "alert.raised", "alert.resolved"]
        slack = [body for path, body in delivered if path == "/slack"]
        assert all("text" in b and b["blocks"][0]["type"] == "section" for b in slack)
        assert received[0][2] == 500
        ids = receiver.delivery_ids[: len(received)]
        assert None not in ids and len(set(ids)) == 6 and ids.count(ids[0]) == 2  # a retry keeps its delivery id
        # The notifier records a delivery just after the receiver answered: wait for the log to settle.
        deadline = time.monotonic() + 30
        while True:
            log = project.get("/deliveries", token="default").json()["deliveries"]
            if all(d["status"] == "delivered" for d in log) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        retried = [d for d in log if len(d["attempts"]) == 2]
        assert len(retried) == 1 and [a["status_code"] for a in retried[0]["attempts"]] == [500, 200]
        assert all(d["status"] == "delivered" for d in log)
    finally:
        receiver.close()


def test_acknowledge_and_resolve_api_and_trend_rule(project: Client) -> None:
    assert project.post("/rules", {"kind": "trend", "metric": "score", "warning": 1.0, "window": 5}).status_code == 201
    bad = project.post("/rules", {"kind": "threshold", "metric": "score", "warning": 50, "critical": 70})
    assert bad.status_code == 422
    raised = []
    for i, score in enumerate([90, 88, 86, 84, 82]):
        raised += project.push(run_payload(sha(700 + i), score=float(score))).json()["alerts"]
    assert [a["event"] for a in raised] == ["raised"]
    alert_id = raised[0]["id"]
    assert "falling by 2.00 per run" in raised[0]["message"]
    assert project.post(f"/alerts/{alert_id}/acknowledge").json()["status"] == "acknowledged"
    assert project.post(f"/alerts/{alert_id}/acknowledge", token=None).status_code == 401
    assert project.push(run_payload(sha(710), score=80.0)).json()["alerts"] == []  # still acknowledged: no re-raise
    assert project.post(f"/alerts/{alert_id}/resolve").json()["status"] == "resolved"
    assert project.post(f"/alerts/{alert_id}/resolve").status_code == 409
    assert project.get("/alerts").json()["alerts"] == []


def test_no_stack_traces_and_health(store: StoreServer) -> None:
    health = requests.get(f"{store.url}/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["schema_version"] >= 2
    spec = requests.get(f"{store.url}/openapi.json", timeout=10).json()
    assert f"{API}/{{owner}}/{{name}}/runs" in spec["paths"]
    odd = requests.get(f"{store.url}{API}/acme/widgets/runs/99999999999999999999", timeout=10)
    assert odd.status_code in (404, 422) and odd.headers["content-type"] == "application/json"
    start = time.monotonic()
    assert requests.get(f"{store.url}/nowhere", timeout=10).json()["error"]["code"] == "not_found"
    assert time.monotonic() - start < 5


def test_rate_limit_per_token(tmp_path: Path) -> None:
    server = StoreServer(str(tmp_path / "rl.sqlite3"), tmp_path / "log", "--rate", "1", "--burst", "5").start()
    try:
        token_a, token_b = server.add_project("rl/a"), server.add_project("rl/b")
        a, b = Client(server, "rl/a", token_a), Client(server, "rl/b", token_b)
        statuses = [a.get("/runs", token="default").status_code for _ in range(8)]
        assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
        limited = a.get("/runs", token="default")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert b.get("/runs", token="default").status_code == 200  # another token has its own budget
    finally:
        server.stop()
