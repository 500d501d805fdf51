"""Many users gifting one creator at once, on PostgreSQL: nothing is lost or made up.

Threads share one service (one connection pool), as API workers' threads do. Every
gift posts against the same creator and platform accounts, the hot rows of a LIVE.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from reelmint.gifts import books
from reelmint.gifts.model import BuyCoins, Channel, GiftsError, NotEnoughCoins, SendGift
from reelmint.gifts.records import SentGift
from reelmint.gifts.service import GiftsService
from reelmint.parties.people import Person
from tests.ads.test_store import open_engine
from tests.gifts.conftest import HOST, NOW, balanced, make_service, posted

pytestmark = pytest.mark.postgres
USERS = list(range(100, 124))


def _ready(gifts: GiftsService, coins: int) -> int:
    gifts.register([Person(u, date(1990, 1, 1)) for u in USERS])
    for u in USERS:
        gifts.wallets.buy(BuyCoins(f"buy-{u}", u, Channel.WEB, coins), NOW)
    return gifts.lives.start(HOST, "busy", NOW).id


def test_parallel_gifts_to_one_creator_all_land(tmp_path: Path) -> None:
    with open_engine("postgres", tmp_path) as engine:
        gifts = make_service(engine)
        live = _ready(gifts, 50)

        def send_all(user: int) -> int:
            for i in range(10):
                gifts.lives.send(SendGift(f"{user}-{i}", user, live, "Finger heart"), NOW)
            return user

        with ThreadPoolExecutor(8) as pool:
            assert sorted(pool.map(send_all, USERS)) == USERS
        assert posted(gifts, books.diamonds(HOST)) == len(USERS) * 50
        assert all(gifts.wallets.wallet(u).coins == 0 for u in USERS)
        assert gifts.lives.summary(live).gifts == len(USERS) * 10
        assert balanced(gifts)


def test_parallel_batches_racing_for_the_same_wallets_never_overspend(tmp_path: Path) -> None:
    """Each user can pay for 5 Rosas but 10 are sent, from two batches at once: exactly
    5 land per user, and the creator is credited for those and no more."""
    with open_engine("postgres", tmp_path) as engine:
        gifts = make_service(engine)
        live = _ready(gifts, 50)

        def batch(half: int) -> list[SentGift | GiftsError]:
            cmds = [SendGift(f"{u}-{half}-{i}", u, live, "Rosa") for u in USERS for i in range(5)]
            return gifts.lives.send_batch(cmds, NOW)

        with ThreadPoolExecutor(2) as pool:
            outcomes = [o for result in pool.map(batch, [0, 1]) for o in result]
        landed = [o for o in outcomes if not isinstance(o, GiftsError)]
        refused = [o for o in outcomes if isinstance(o, GiftsError)]
        assert len(landed) == len(USERS) * 5
        assert all(isinstance(o, NotEnoughCoins) for o in refused)
        assert posted(gifts, books.diamonds(HOST)) == len(USERS) * 50
        assert all(gifts.wallets.wallet(u).coins == 0 for u in USERS)
        assert balanced(gifts)
