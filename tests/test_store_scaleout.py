"""Two store instances on one real PostgreSQL: one rate-limit budget per token, every delivery sent once.

Both are real ``store serve`` processes (uvicorn) on 127.0.0.1; the webhook receiver is a local
HTTP server, so they run with --allow-private-webhooks.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from store_support import PostgresCluster, StoreServer, WebhookReceiver, postgres_cluster, run_payload, sha

from quality_hooks.store import repository as repo
from quality_hooks.store.db import Database
from quality_hooks.store.migrations import migrate

API = "/api/v1/projects"
RATE, BURST = 0.5, 30  # a slow refill: the bound holds however loaded the machine is


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    yield from postgres_cluster()


@pytest.fixture(scope="module")
def instances(
    cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, StoreServer, StoreServer]]:
    tmp = tmp_path_factory.mktemp("scaleout")
    database = cluster.create_database("qh_scaleout")
    options = ("--rate", str(RATE), "--burst", str(BURST), "--webhook-backoff", "0.2", "--allow-private-webhooks")
    first = StoreServer(database, tmp / "a.log", *options).start()
    second = StoreServer(database, tmp / "b.log", *options).start()
    yield database, first, second
    first.stop()
    second.stop()


def test_a_tokens_rate_limit_holds_across_both_instances(instances: tuple[str, StoreServer, StoreServer]) -> None:
    _, first, second = instances
    token = first.add_project("scale/limits")
    headers = {"Authorization": f"Bearer {token}"}
    sessions = {first.url: requests.Session(), second.url: requests.Session()}
    answers: list[tuple[str, int]] = []
    started = time.monotonic()
    for n in range(3 * BURST):
        url = (first.url, second.url)[n % 2]
        answer = sessions[url].get(f"{url}{API}/scale/limits/runs", headers=headers, timeout=30)
        answers.append((url, answer.status_code))
    elapsed = time.monotonic() - started
    allowed = sum(1 for _, status in answers if status == 200)
    # One shared bucket: the burst plus what refilled meanwhile. Per-instance buckets would allow 2 x BURST.
    assert BURST <= allowed <= BURST + RATE * elapsed + 1, (allowed, elapsed)
    assert allowed < 2 * BURST, f"took {elapsed:.1f} s: too slow to tell one budget from two"
    limited_by = {url for url, status in answers if status == 429}
    assert limited_by == {first.url, second.url}  # each instance enforces the shared budget
    other = second.add_project("scale/other")  # another token has its own bucket
    assert (
        requests.get(
            f"{first.url}{API}/scale/other/runs", headers={"Authorization": f"Bearer {other}"}, timeout=30
        ).status_code
        == 200
    )


def _plant(database: str, project_id: int, channel_id: int, event: str, lease: float, owner: str) -> None:
    """A notification claimed by another instance: ``lease`` seconds from now (negative: it crashed)."""
    now = time.time()
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO notifications (project_id, alert_id, channel_id, event, body, status, attempts, "
            "next_attempt_at, lease_until, claimed_by, claimed_at, created_at) "
            "VALUES (%s, 0, %s, %s, %s, 'pending', 0, %s, %s, %s, %s, %s)",
            (
                project_id,
                channel_id,
                event,
                json.dumps({"event": f"alert.{event}", "alert": {"id": 0}}),
                now,
                now + lease,
                owner,
                now,
                now,
            ),
        )


def test_every_delivery_sent_exactly_once_by_two_instances(instances: tuple[str, StoreServer, StoreServer]) -> None:
    database, first, second = instances
    receiver = WebhookReceiver(fail_first=0, delay=0.05)
    try:
        token = first.add_project("scale/deliveries")
        headers = {"Authorization": f"Bearer {token}"}
        base = f"{first.url}{API}/scale/deliveries"
        rule = {"kind": "threshold", "metric": "score", "warning": 70}
        assert requests.post(f"{base}/rules", json=rule, headers=headers, timeout=30).status_code == 201
        channel = requests.post(
            f"{base}/channels", json={"kind": "json", "url": f"{receiver.url}/hook"}, headers=headers, timeout=30
        )
        assert channel.status_code == 201, channel.text
        with psycopg.connect(database) as conn:
            project_id = conn.execute("SELECT id FROM projects WHERE name = 'deliveries'").fetchone()[0]
        _plant(database, project_id, channel.json()["id"], "crashed", -1.0, "crashed-instance")  # due again
        _plant(database, project_id, channel.json()["id"], "held", 3600.0, "live-instance")  # not ours to send

        pushes = BURST - 4  # the rule and channel took requests from this token's budget too
        for n in range(pushes):  # scores 40, 90, 40, ...: each pair raises an alert and resolves it
            url = (first.url, second.url)[n % 2]
            payload = run_payload(sha(5000 + n), score=40.0 if n % 2 == 0 else 90.0)
            pushed = requests.post(f"{url}{API}/scale/deliveries/runs", json=payload, headers=headers, timeout=30)
            assert pushed.status_code == 201, pushed.text
        expected = pushes + 1  # every alert event, and the crashed instance's claim
        received = receiver.wait_for(expected, timeout=60)
        time.sleep(1.5)  # a duplicate would arrive now
        with receiver.lock:
            received = list(receiver.received)
        sent = Counter((body["event"], body["alert"]["id"]) for _, body, _ in received)
        assert len(received) == expected and max(sent.values()) == 1, sent
        assert sum(1 for event, _ in sent if event == "alert.raised") == pushes // 2
        assert ("alert.crashed", 0) in sent and ("alert.held", 0) not in sent
        assert len(set(receiver.delivery_ids[:expected])) == expected  # one delivery id per notification

        with psycopg.connect(database) as conn:
            rows = conn.execute(
                "SELECT n.event, n.status, COUNT(a.id), MIN(a.instance) FROM notifications n "
                "JOIN delivery_attempts a ON a.notification_id = n.id WHERE n.project_id = %s "
                "GROUP BY n.id, n.event, n.status",
                (project_id,),
            ).fetchall()
        assert len(rows) == expected and all(status == "delivered" and count == 1 for _, status, count, _ in rows)
        senders = Counter(instance for _, _, _, instance in rows)
        assert len(senders) == 2, senders  # both instances delivered: the claims were contended
    finally:
        receiver.close()


LEASE, SLOW = 1.5, 6.0  # a receiver that answers four leases after the request


def test_a_send_that_outlasts_its_lease_is_sent_once(cluster: PostgresCluster, tmp_path: Path) -> None:
    """Two instances with a 1.5 s lease and a receiver that takes 6 s to answer: the sender's lease is renewed
    while it waits, so the other instance (polling every 0.2 s) never takes the notification over."""
    database = cluster.create_database("qh_slow_send")
    options = ("--rate", "0", "--webhook-backoff", "0.2", "--allow-private-webhooks", "--delivery-lease", str(LEASE))
    servers = [StoreServer(database, tmp_path / f"{k}.log", *options).start() for k in "ab"]
    receiver = WebhookReceiver(fail_first=0, delay=SLOW)
    try:
        token = servers[0].add_project("scale/slow")
        headers = {"Authorization": f"Bearer {token}"}
        base = f"{servers[0].url}{API}/scale/slow"
        rule = {"kind": "threshold", "metric": "score", "warning": 70}
        assert requests.post(f"{base}/rules", json=rule, headers=headers, timeout=30).status_code == 201
        hook = {"kind": "json", "url": f"{receiver.url}/hook"}
        assert requests.post(f"{base}/channels", json=hook, headers=headers, timeout=30).status_code == 201
        pushed = requests.post(f"{base}/runs", json=run_payload(sha(1), score=40.0), headers=headers, timeout=30)
        assert pushed.status_code == 201 and pushed.json()["alerts"], pushed.text
        assert len(receiver.wait_for(1, timeout=60)) >= 1
        time.sleep(SLOW + 4 * LEASE)  # a second send, started after the first lease ran out, would arrive by now
        with receiver.lock:
            received = list(receiver.received)
        assert len(received) == 1, [body["event"] for _, body, _ in received]
        with psycopg.connect(database) as conn:
            rows = conn.execute(
                "SELECT n.status, COUNT(a.id) FROM notifications n "
                "JOIN delivery_attempts a ON a.notification_id = n.id GROUP BY n.id, n.status"
            ).fetchall()
        assert rows == [("delivered", 1)], rows
        logs = "".join((tmp_path / f"{k}.log").read_text() for k in "ab")
        assert "lease lost" not in logs and "claim was lost" not in logs, logs[-2000:]
    finally:
        receiver.close()
        for server in servers:
            server.stop()


def test_a_stale_claim_can_neither_renew_nor_fail_the_row(cluster: PostgresCluster) -> None:
    """Fencing, on real PostgreSQL: once a lease ran out and another instance claimed the row, the first claim's
    token renews nothing and its failure moves nothing; its delivery (it did reach the receiver) still counts."""
    db = Database(cluster.create_database("qh_fence"))
    try:
        migrate(db)
        with db.transaction(write=True) as conn:
            project = repo.create_project(conn, "scale", "fence")
            channel = repo.add_channel(conn, project["id"], "json", "https://hooks.example.com/x")
            repo.enqueue_notification(conn, project["id"], 1, channel["id"], "raised", "{}", repo.database_now(conn))
            first = repo.claim_notification(conn, 60.0, "first")
        assert first is not None
        with db.transaction(write=True) as conn:
            assert repo.claim_notification(conn, 60.0, "second") is None  # leased: nobody else may take it
            assert repo.renew_lease(conn, first, 60.0)
            conn.execute(
                "UPDATE notifications SET lease_until = ? WHERE id = ?", repo.database_now(conn) - 1, first["id"]
            )
            second = repo.claim_notification(conn, 60.0, "second")  # the first sender is taken for dead
        assert second is not None and second["claim_token"] != first["claim_token"]
        with db.transaction(write=True) as conn:
            assert not repo.renew_lease(conn, first, 60.0)
            assert not repo.record_delivery(
                conn, first, 1, status="pending", attempt_status=500, error="HTTP 500", duration=1.0, retry_in=5.0
            )
            row = conn.one("SELECT status, attempts, claimed_by, claim_token FROM notifications")
        assert row == {"status": "pending", "attempts": 0, "claimed_by": "second", "claim_token": second["claim_token"]}
        with db.transaction(write=True) as conn:
            assert repo.renew_lease(conn, second, 60.0)
            assert repo.record_delivery(
                conn, first, 1, status="delivered", attempt_status=200, error=None, duration=1.0
            )
            assert not repo.renew_lease(conn, second, 60.0)  # delivered: nothing left to hold
            assert conn.value("SELECT status FROM notifications") == "delivered"
            assert repo.claim_notification(conn, 60.0, "third") is None
    finally:
        db.close()
