"""The composition root: builds the engine, the books and the engines once.

Entry points (CLI, API, simulator) call `Platform.open(settings)` and hand the result
down. Nothing here runs at import time.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine

from reelmint.ads.service import AdsManager
from reelmint.ads.serving import AdServer
from reelmint.ads.store import AdsStore
from reelmint.content.catalog import VideoCatalog
from reelmint.content.store import VideoStore
from reelmint.db.engine import make_engine
from reelmint.db.migrate import current_revision, head_revision, upgrade
from reelmint.events.batch import EventBatch
from reelmint.feed.service import FeedService
from reelmint.gifts.embedded import EmbeddedGateway, EmbeddedPayouts
from reelmint.gifts.service import GiftsService
from reelmint.ledger.sql import open_sql_ledger
from reelmint.ledger.store import SqlLedger
from reelmint.rewards.service import RewardsService
from reelmint.settings import Settings


class SchemaNotReady(RuntimeError):
    """The database is behind the code; `reelmint db upgrade` brings it up to date."""


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    ledger: SqlLedger
    _feed: FeedService | None = field(default=None, repr=False)
    _ads: AdsManager | None = field(default=None, repr=False)
    _ad_server: AdServer | None = field(default=None, repr=False)
    _gifts: GiftsService | None = field(default=None, repr=False)
    _rewards: RewardsService | None = field(default=None, repr=False)
    _building: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ads(self) -> AdsManager:
        """The Ads Manager, built on first use."""
        if self._ads is None:
            self._ads = AdsManager(
                AdsStore(self.engine),
                self.ledger,
                self.settings.economics.ads,
                lake_dir=self.settings.lake_dir,
            )
        return self._ads

    @property
    def ad_server(self) -> AdServer:
        """The ad server, built on first use. Its randomness (pacing draws) and its
        process tag come from the operating system: this is the edge, where that belongs."""
        if self._ad_server is None:
            s = self.settings
            self._ad_server = AdServer(
                AdsStore(self.engine), self.ledger, s.economics.ads,
                key=s.derived_key("ads.tokens"), sink=self._ingest,
                rng=np.random.default_rng(), tag=secrets.token_hex(4), lake_dir=s.lake_dir,
            )  # fmt: skip
        return self._ad_server

    @property
    def gifts(self) -> GiftsService:
        """LIVE gifts on the embedded gateway and payout provider, built on first use."""
        if self._gifts is None:
            key = self.settings.derived_key("gifts.webhooks")
            self._gifts = GiftsService(
                self.engine, self.ledger, self.settings.economics,
                gateway=EmbeddedGateway(self.engine, key), payouts=EmbeddedPayouts(self.engine),
                webhook_key=key, sink=self._ingest,
            )  # fmt: skip
        return self._gifts

    @property
    def rewards(self) -> RewardsService:
        """Creator rewards over the lake the feed writes to (`settings.lake_dir`) and the
        stored videos, built on first use. Followers come from the lake's follow events."""
        if self._rewards is None:
            self._rewards = RewardsService(self.engine, self.ledger,
                                           self.settings.economics.rewards,
                                           self.settings.lake_dir, self._video_catalog,
                                           audience=None)  # fmt: skip
        return self._rewards

    def _video_catalog(self) -> VideoCatalog:
        """The stored videos, loaded afresh: a close is rare, and this way it sees videos
        posted by any worker, not only this process's feed."""
        catalog = VideoCatalog(self.settings.feed.topics)
        VideoStore(self.engine).load(catalog)
        return catalog

    def _ingest(self, events: EventBatch, now_ms: int) -> None:
        self.feed.ingest(events, now_ms)  # the feed's ingest holds the lake and counters

    @property
    def feed(self) -> FeedService:
        """The feed service, built on first use: it loads the catalog and replays the
        lake, which the books-only commands have no need to wait for."""
        with self._building:  # API threads may ask at once; two would share lake files
            if self._feed is None:
                # Worker processes share the lake: each writes files under its own name.
                self._feed = FeedService(self.settings, VideoStore(self.engine),
                                         self.settings.lake_dir,
                                         writer_id=f"p{secrets.token_hex(4)}")  # fmt: skip
        return self._feed

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = False) -> Platform:
        """Connect to `settings.database_url`; with `migrate`, bring the schema up first.

        Without `migrate`, a database behind the code is refused with SchemaNotReady
        rather than half-working.
        """
        engine = make_engine(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.db_pool_size,
        )
        if migrate:
            upgrade(engine)
        elif current_revision(engine) != head_revision():
            engine.dispose()
            raise SchemaNotReady(
                f"the database at {settings.database_url} is not at the current schema; "
                "run `reelmint db upgrade` first"
            )
        return cls(settings, engine, open_sql_ledger(engine, shards=settings.balance_shards))

    def close(self) -> None:
        if self._ad_server is not None:  # spend accrued since the last hour goes to the books
            self._ad_server.close(int(datetime.now(UTC).timestamp() * 1000))
        if self._feed is not None:
            self._feed.close()
        self.engine.dispose()
