"""`reelmint serve` for real: one Uvicorn on 127.0.0.1, keys from the CLI, plain HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

REELMINT = str(Path(sys.executable).with_name("reelmint"))


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELMINT_")}
    env.update(REELMINT_HOME=str(home), COLUMNS="200", REELMINT_API__LOG_LEVEL="info",
               REELMINT_API__KEY_CACHE_S="0")  # fmt: skip
    return env


def reelmint(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([REELMINT, *args], capture_output=True, text=True,
                          env=environment(home), cwd=home, timeout=120)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    database: str
    home: Path
    stderr: Path
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return reelmint("--database-url", self.database, *args, home=self.home)

    def log(self) -> list[dict[str, object]]:
        """The JSON lines the server wrote on stderr so far (anything else is skipped)."""
        lines = self.stderr.read_text().splitlines()
        return [json.loads(x) for x in lines if x.startswith("{")]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database, port = f"sqlite:///{tmp_path / 'b.db'}", free_port()
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [REELMINT, "--database-url", database, "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=sink, env=environment(tmp_path), cwd=tmp_path,
        )  # fmt: skip
    served = Server(f"http://127.0.0.1:{port}", database, tmp_path, stderr, process)
    try:
        wait_until_ready(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_until_ready(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"reelmint serve exited with {server.process.returncode}:\n"
                        f"{server.stderr.read_text()}")  # fmt: skip
        try:
            if httpx2.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"reelmint serve was not ready in {seconds} s:\n{server.stderr.read_text()}")


def admin_key(server: Server) -> dict[str, str]:
    made = server.cli("keys", "create", "--role", "admin", "--label", "test")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("rm_"), made.stdout
    return {"Authorization": f"Bearer {token}"}


def test_a_real_server_moves_money_and_reports_it(server: Server) -> None:
    admin = admin_key(server)
    with httpx2.Client(base_url=server.url, headers=admin, timeout=10) as http:
        for account in ("platform:treasury:coins", "creator:7:coins"):
            opened = http.post("/v1/accounts", json={"id": account, "asset": "COIN"})
            assert opened.status_code == 201, opened.text
        gift = {"id": "gift-1", "debit": "platform:treasury:coins", "credit": "creator:7:coins",
                "amount": 250, "asset": "COIN", "code": "gifts.send"}  # fmt: skip
        posted = http.post("/v1/transfers", json={"transfers": [gift]},
                           headers={"X-Request-ID": "serve-test-1"})  # fmt: skip
        assert posted.status_code == 200, posted.text
        assert posted.json()["data"] == [{"id": "gift-1", "result": "ok"}]
        assert posted.headers["x-request-id"] == "serve-test-1"
        balance = http.get("/v1/accounts/creator:7:coins/balance").json()
        assert balance["posted"] == balance["available"] == 250
        made_up = http.get("/healthz").headers["x-request-id"]
        assert len(made_up) == 32 and made_up != "serve-test-1"  # one of its own when none given
        metrics = http.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'reelmint_ledger_transfers_total{result="ok"} 1.0' in text
    assert any(line.startswith("reelmint_http_requests_total{") and 'route="/v1/transfers"' in line
               and 'status="200"' in line and line.endswith(" 1.0")
               for line in text.splitlines())  # fmt: skip
    requests = [x for x in server.log() if x.get("event") == "request"]
    transfer = [x for x in requests if x.get("request_id") == "serve-test-1"]
    assert len(transfer) == 1, requests
    assert transfer[0]["route"] == "/v1/transfers" and transfer[0]["status"] == 200
    assert transfer[0]["party"] == "admin:admin" and transfer[0]["level"] == "info"
    assert all(x.get("request_id") for x in requests)


def test_a_key_revoked_on_the_command_line_stops_working(server: Server) -> None:
    admin = admin_key(server)
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        made = http.post("/v1/keys", json={"role": "creator", "party_id": "7"}, headers=admin)
        assert made.status_code == 201, made.text
        creator = {"Authorization": f"Bearer {made.json()['token']}"}
        assert http.get("/v1/keys", headers=creator).status_code == 200
        revoked = server.cli("keys", "revoke", made.json()["key_id"])
        assert revoked.returncode == 0, revoked.stderr
        refused = http.get("/v1/keys", headers=creator)  # key_cache_s is 0: at once
        assert refused.status_code == 401
        assert refused.json()["type"] == "/problems/unauthorized"
        assert http.get("/v1/keys", headers=admin).status_code == 200  # only that key
    again = server.cli("keys", "revoke", made.json()["key_id"])
    assert again.returncode == 2 and "no active key" in again.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [(("serve", "--help"), "Serve the REST API"), (("keys", "create", "--help"), "Issue a key")],
)
def test_help_says_what_a_command_does(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    done = reelmint(*args, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert needle in done.stdout


def test_a_non_admin_key_without_a_party_is_refused_in_one_line(tmp_path: Path) -> None:
    done = reelmint("keys", "create", "--role", "creator", home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--party" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "reelmint.db").exists()  # refused before opening the books
