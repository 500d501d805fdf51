"""API keys: only a hash is stored, tokens open only their own active key, ownership."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from reelmint.db.engine import make_engine
from reelmint.db.migrate import upgrade
from reelmint.parties.model import Party, PartyError, Role, split_token
from reelmint.parties.service import authenticate, issue_key
from reelmint.parties.store import PartyStore

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> PartyStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    upgrade(engine)
    return PartyStore(engine)


def test_the_secret_is_never_stored(store: PartyStore) -> None:
    issued = issue_key(store, Party(Role.CREATOR, "7"), NOW, label="studio")
    _, secret = split_token(issued.token) or ("", "")
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.text("SELECT * FROM api_keys"))
                        for v in row)  # fmt: skip
    assert secret and secret not in dump and issued.key.secret_hash in dump


def test_a_token_opens_only_its_own_active_key(store: PartyStore) -> None:
    creator = Party(Role.CREATOR, "7")
    token = issue_key(store, creator, NOW).token
    assert authenticate(store, token) == creator
    key_id, secret = split_token(token) or ("", "")
    assert authenticate(store, f"rm_{key_id}_{secret[:-1]}x") is None
    assert authenticate(store, token + "x") is None
    assert authenticate(store, "not a token") is None
    assert store.revoke(key_id, NOW)
    assert not store.revoke(key_id, NOW)  # already revoked
    assert authenticate(store, token) is None


def test_issuing_is_repeatable_with_a_seeded_source(store: PartyStore) -> None:
    counter = itertools.count()

    def fake(n: int) -> str:
        return f"{next(counter):0{2 * n}x}"

    a = issue_key(store, Party(Role.USER, "1"), NOW, token_urlsafe=fake, token_hex=fake)
    assert a.token == f"rm_{0:016x}_{1:064x}"
    assert [k.key_id for k in store.list_keys(Party(Role.USER, "1"))] == [f"{0:016x}"]


@pytest.mark.parametrize("bad", ["", "a:b", "x" * 65, "new\nline", "sp ace"])
def test_party_ids_are_plain_names(bad: str) -> None:
    with pytest.raises(PartyError, match="party id"):
        Party(Role.USER, bad)


def test_ownership_follows_the_account_path() -> None:
    creator = Party(Role.CREATOR, "7")
    assert creator.owns("creator:7:diamonds")
    assert not creator.owns("creator:77:diamonds")
    assert not creator.owns("user:7:coins")
    assert not creator.owns("platform:revenue:ads")
    admin = Party(Role.ADMIN, "root")
    assert admin.may_use("platform:revenue:ads") and not admin.owns("admin:root:x")
