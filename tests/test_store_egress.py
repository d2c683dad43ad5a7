"""Webhooks reach public addresses only: refused when a channel is added and again at delivery (DNS rebinding)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from store_support import StoreServer, WebhookReceiver, run_payload, sha

from quality_hooks.store.egress import EgressRefused, address_problem, check_url

API = "/api/v1/projects"
# Every address class that must never be a webhook target, with one literal each (resolved, never contacted).
REFUSED = {
    "127.0.0.1": "loopback",
    "::1": "loopback",
    "::ffff:127.0.0.1": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "fd00:ec2::254": "private",  # AWS's IPv6 metadata address
    "169.254.169.254": "link-local",  # the cloud metadata service
    "fe80::1": "link-local",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "100.64.0.1": "not a public",  # carrier-grade NAT
}


@pytest.mark.parametrize(("address", "kind"), sorted(REFUSED.items()))
def test_internal_address_classes_are_refused(address: str, kind: str) -> None:
    assert kind in (address_problem(address) or "")
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(EgressRefused, match=kind):
        check_url(f"http://{host}:8080/hook")
    check_url(f"http://{host}:8080/hook", allow_private=True)  # the server's opt-in


def test_public_addresses_and_names_that_do_not_resolve() -> None:
    assert address_problem("93.184.216.34") is None and address_problem("2606:4700:4700::1111") is None
    with pytest.raises(EgressRefused, match="loopback"):
        check_url("https://localhost/hook")
    with pytest.raises(EgressRefused, match="does not resolve"):
        check_url("https://no-such-host.invalid/hook")


def channel(store: StoreServer, project: str, token: str, url: str) -> requests.Response:
    return requests.post(f"{store.url}{API}/{project}/channels", json={"kind": "json", "url": url},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


def test_the_api_refuses_internal_webhooks_unless_the_server_allows_them(tmp_path: Path) -> None:
    database = str(tmp_path / "egress.sqlite3")
    receiver = WebhookReceiver(fail_first=0)
    strict = StoreServer(database, tmp_path / "log", "--rate", "0").start()
    try:
        token = strict.add_project("acme/egress")
        for url in ("http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/", receiver.url):
            refused = channel(strict, "acme/egress", token, url)
            assert refused.status_code == 422, refused.text
            assert "--allow-private-webhooks" in refused.json()["error"]["message"]
        strict.stop()
        # A store whose receivers are internal on purpose: allowed, and delivered.
        allowing = StoreServer(database, tmp_path / "log", "--rate", "0", "--allow-private-webhooks").start()
        try:
            assert channel(allowing, "acme/egress", token, f"{receiver.url}/hook").status_code == 201
        finally:
            allowing.stop()
        # The same channel, now on a strict store (what a name that moved to an internal address looks like
        # at delivery): the alert is recorded, the POST is never made, and the delivery log says why.
        strict = StoreServer(database, tmp_path / "log", "--rate", "0", "--webhook-backoff", "0.1",
                             "--webhook-attempts", "1").start()  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        base = f"{strict.url}{API}/acme/egress"
        rule = {"kind": "threshold", "metric": "score", "warning": 70}
        assert requests.post(f"{base}/rules", json=rule, headers=headers, timeout=10).status_code == 201
        pushed = requests.post(f"{base}/runs", json=run_payload(sha(1), score=40.0), headers=headers, timeout=10)
        assert [a["event"] for a in pushed.json()["alerts"]] == ["raised"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            log = requests.get(f"{base}/deliveries", headers=headers, timeout=10).json()["deliveries"]
            if log and log[0]["status"] == "failed":
                break
            time.sleep(0.1)
        assert log and log[0]["status"] == "failed", log
        assert "not sent" in log[0]["attempts"][0]["error"] and "loopback" in log[0]["attempts"][0]["error"]
        assert receiver.received == []
    finally:
        strict.stop()
        receiver.close()
