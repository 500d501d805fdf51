"""Ads Manager use cases: advertisers and their prepaid balance, campaigns, ad groups,
ads, and creators' authorizations to boost their posts.

`AdsManager` takes the store, the ledger and the ads rules; each use case is one store
transaction (and, for money, one ledger batch). Every use case that touches a
campaign, ad group or ad takes the acting advertiser's id and refuses another's objects
(`NotYours`).

**Money.** An advertiser pays in advance. A top-up of $100 from payment `pay-1` is one
transfer `ads.top_up:pay-1` of 100,000,000 micros, debit `platform:cash:clearing`,
credit `advertiser:<id>:prepaid`. The prepaid account is `no_overdraft`, so spend
(debited from it by billing) can never take it below zero. A retry of `pay-1` is
`exists` and changes nothing; `pay-1` again with another amount is refused.

**Activation follows the hierarchy.** An ad group can be activated only while its
campaign is active, and an ad only while its ad group is active and, for a boosted
post, while the creator's authorization is unexpired and not revoked. Anything else is
refused (`NotActive`, `AdsError`) and nothing changes: a switched-on child under a
switched-off parent would look live in the Manager and deliver nothing. Pausing a
parent later leaves its children's statuses as they are; delivery checks the chain.
Revoking an authorization pauses the ads that use it.

**Reports read only the advertiser's own ads.** `report` builds the ads table that
`reports.ad_report` joins the lake's events to from the store, walking down from this
advertiser's campaigns: an event of another advertiser's ad finds no row to join and
counts nowhere, so no filter downstream has to be remembered.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import cast

import pyarrow as pa

from reelmint.ads.model import (
    DAY_MS,
    Ad,
    AdGroup,
    AdsError,
    Advertiser,
    Authorization,
    Campaign,
    Status,
    check_ad,
    check_ad_group,
    check_campaign,
    move,
)
from reelmint.ads.reports import GRAIN_KEYS, Grain, Period, ad_report, totals
from reelmint.ads.store import AdsStore, AdsTx
from reelmint.ledger import Account, AccountFlags, AccountResult, Ledger, Transfer
from reelmint.ledger import TransferResult as R
from reelmint.money import Asset
from reelmint.settings import AdsSettings

CLEARING = "platform:cash:clearing"
REVENUE = "platform:revenue:ads"
TOP_UP = "ads.top_up"
MAX_REF = 128
MAX_AUTH_DAYS = 365
Random = Callable[[int], str]  # n bytes of randomness -> URL-safe text
VideoOwner = Callable[[int], int | None]  # video id -> its creator (None: unknown)
REPORT_PERIODS = ("hour", "day", "total")
MAX_MS = 253_402_300_800_000  # 10000-01-01T00:00Z: a later instant names no date
ADS_TABLE = pa.schema([("ad", pa.int64()), ("ad_group", pa.int64()),
                       ("campaign", pa.int64()), ("advertiser", pa.string())])  # fmt: skip


class NotFound(AdsError):
    """No such advertiser, campaign, ad group, ad or authorization."""


class NotYours(AdsError):
    """The object belongs to another advertiser (or, for an authorization, creator)."""


class Conflict(AdsError):
    """An id (advertiser id, payment reference) already stands for something else."""


class NotActive(AdsError):
    """A child cannot be activated under a parent that is not active."""


class AdsManager:
    def __init__(
        self, store: AdsStore, ledger: Ledger, rules: AdsSettings, *,
        video_owner: VideoOwner | None = None, lake_dir: Path | None = None,
    ) -> None:  # fmt: skip
        """`video_owner`, when given, lets `authorize_post` check that the creator made
        the video (the content catalog knows; the ads domain does not keep videos).
        `lake_dir` is the event lake reports read; without one they are empty."""
        self.store, self.ledger, self.rules = store, ledger, rules
        self.video_owner = video_owner
        self.lake_dir = lake_dir

    # Advertisers and money

    def register_advertiser(self, advertiser: Advertiser) -> Advertiser:
        """Store `advertiser` and open its prepaid account (and the platform's ads
        accounts). Again with the same fields is a no-op; other fields are a Conflict."""
        with self.store.begin() as tx:
            if not tx.add_advertiser(advertiser):
                known = tx.get_advertiser(advertiser.id)
                if known != advertiser:
                    raise Conflict(f"advertiser {advertiser.id!r} is already registered "
                                   "with other details")  # fmt: skip
        accounts = [
            Account(advertiser.prepaid_account, Asset.USD, AccountFlags.NO_OVERDRAFT),
            Account(CLEARING, Asset.USD),
            Account(REVENUE, Asset.USD),
        ]
        results = self.ledger.open_accounts(accounts)
        clashes = [a.id for a, r in zip(accounts, results, strict=True)
                   if r == AccountResult.EXISTS_WITH_DIFFERENT_FIELDS]  # fmt: skip
        if clashes:
            raise Conflict(f"ledger accounts {', '.join(clashes)} exist with other flags")
        return advertiser

    def top_up(self, advertiser_id: str, amount_micros: int, payment_ref: str,
               now: datetime) -> int:  # fmt: skip
        """Credit a payment to the advertiser's prepaid balance; the balance after it."""
        if amount_micros <= 0:
            raise AdsError(f"a top-up is a positive amount of micros, not {amount_micros}")
        if not payment_ref or len(payment_ref) > MAX_REF:
            raise AdsError(f"a payment reference is 1 to {MAX_REF} characters")
        advertiser = self._advertiser(advertiser_id)
        transfer = Transfer(f"{TOP_UP}:{payment_ref}", CLEARING, advertiser.prepaid_account,
                            amount_micros, Asset.USD, TOP_UP, payment_ref)  # fmt: skip
        [result] = self.ledger.post([transfer], now)
        if result == R.EXISTS_WITH_DIFFERENT_FIELDS:
            raise Conflict(f"payment {payment_ref!r} was already credited with other details")
        if not result.succeeded:
            raise AdsError(f"the top-up was refused by the books: {result}")
        return self.ledger.balance(advertiser.prepaid_account).posted

    def balance(self, advertiser_id: str) -> int:
        """The prepaid balance in micros: credits less debits posted."""
        return self.ledger.balance(self._advertiser(advertiser_id).prepaid_account).posted

    def _advertiser(self, advertiser_id: str) -> Advertiser:
        advertiser = self.store.get_advertiser(advertiser_id)
        if advertiser is None:
            raise NotFound(f"advertiser {advertiser_id!r} is not registered")
        return advertiser

    # Creating

    def create_campaign(self, advertiser: str, draft: Campaign) -> Campaign:
        """Store a new campaign (the draft's id and status are ignored: it starts DRAFT)."""
        if draft.advertiser != advertiser:
            raise NotYours(f"advertiser {advertiser!r} cannot create campaigns for "
                           f"{draft.advertiser!r}")  # fmt: skip
        campaign = check_campaign(replace(draft, id=0, status=Status.DRAFT), self.rules)
        with self.store.begin() as tx:
            if tx.get_advertiser(advertiser) is None:
                raise NotFound(f"advertiser {advertiser!r} is not registered")
            return tx.add_campaign(campaign)

    def create_ad_group(self, advertiser: str, draft: AdGroup) -> AdGroup:
        """Store a new ad group in one of the advertiser's campaigns (starts DRAFT)."""
        with self.store.begin() as tx:
            campaign = _campaign(tx, advertiser, draft.campaign, lock=True)
            _open_parent(campaign.status, f"campaign {campaign.id}")
            group = replace(draft, id=0, status=Status.DRAFT)
            return tx.add_ad_group(check_ad_group(group, campaign, self.rules))

    def create_ad(self, advertiser: str, draft: Ad, now_ms: int) -> Ad:
        """Store a new ad in one of the advertiser's ad groups (starts DRAFT). A boosted
        post's authorization must be valid at `now_ms` and cover the ad's video."""
        with self.store.begin() as tx:
            group = _group(tx, advertiser, draft.ad_group, lock=True)
            _open_parent(group.status, f"ad group {group.id}")
            ad = replace(draft, id=0, status=Status.DRAFT)
            auth = None if ad.authorization is None else tx.get_authorization(ad.authorization)
            return tx.add_ad(check_ad(ad, group, auth, now_ms))

    # Status

    def set_campaign_status(self, advertiser: str, campaign_id: int, to: Status) -> Campaign:
        with self.store.begin() as tx:
            campaign = _campaign(tx, advertiser, campaign_id, lock=True)
            moved = replace(campaign, status=move(campaign.status, to, f"campaign {campaign_id}"))
            tx.update_campaign(moved)
            return moved

    def set_ad_group_status(self, advertiser: str, group_id: int, to: Status) -> AdGroup:
        """Move an ad group; activating it needs its campaign active (else NotActive)."""
        with self.store.begin() as tx:
            group = _group(tx, advertiser, group_id, lock=True)
            status = move(group.status, to, f"ad group {group_id}")
            if status is Status.ACTIVE and group.status is not Status.ACTIVE:
                campaign = _campaign(tx, advertiser, group.campaign)
                _active_parent(campaign.status, f"campaign {campaign.id}", f"ad group {group_id}")
            moved = replace(group, status=status)
            tx.update_ad_group(moved)
            return moved

    def set_ad_status(self, advertiser: str, ad_id: int, to: Status, now_ms: int) -> Ad:
        """Move an ad; activating it needs its ad group active and, for a boosted post,
        an authorization still valid at `now_ms`."""
        with self.store.begin() as tx:
            ad = _ad(tx, advertiser, ad_id, lock=True)
            status = move(ad.status, to, f"ad {ad_id}")
            if status is Status.ACTIVE and ad.status is not Status.ACTIVE:
                group = _group(tx, advertiser, ad.ad_group)
                _active_parent(group.status, f"ad group {group.id}", f"ad {ad_id}")
                code = ad.authorization
                check_ad(ad, group, None if code is None else tx.get_authorization(code), now_ms)
            moved = replace(ad, status=status)
            tx.update_ad(moved)
            return moved

    # Listing

    def list_campaigns(self, advertiser: str) -> list[Campaign]:
        with self.store.read() as tx:
            return tx.list_campaigns(advertiser)

    def list_ad_groups(self, advertiser: str, campaign_id: int | None = None) -> list[AdGroup]:
        """The advertiser's ad groups: of one campaign, or of all (None)."""
        with self.store.read() as tx:
            if campaign_id is not None:
                return tx.list_ad_groups(_campaign(tx, advertiser, campaign_id).id)
            return [g for c in tx.list_campaigns(advertiser) for g in tx.list_ad_groups(c.id)]

    def list_ads(self, advertiser: str, group_id: int | None = None) -> list[Ad]:
        """The advertiser's ads: of one ad group, or of all (None)."""
        with self.store.read() as tx:
            if group_id is not None:
                return tx.list_ads(_group(tx, advertiser, group_id).id)
            return [a for _, _, a in _placed(tx, tx.list_campaigns(advertiser))]

    # Reports

    def report(
        self, advertiser: str, *, grain: str = "ad_group", period: str = "day",
        start_ms: int | None = None, end_ms: int | None = None, campaign: int | None = None,
    ) -> pa.Table:  # fmt: skip
        """The advertiser's delivery and spend per `grain` (campaign, ad_group, ad) and
        `period` (hour, day, or total: the whole window as one row per key) in
        [start_ms, end_ms), of one campaign or of all: `reports.ad_report` (or `totals`)
        over this advertiser's ads only. The columns are those of `reports`.

        Worked example: 5 impressions charged 25,000 micros in all on one day are one
        row with spend_micros 25,000 and cpm_micros 25,000 x 1,000 / 5 = 5,000,000 ($5).
        """
        if period == "total":
            return self.report_totals(advertiser, by=grain, start_ms=start_ms, end_ms=end_ms,
                                      campaign=campaign)  # fmt: skip
        _check_report(grain, period, start_ms, end_ms)
        ads = self._ads_table(advertiser, campaign)
        return self._from_lake(lambda lake: ad_report(
            lake, ads, grain=cast(Grain, grain), period=cast(Period, period),
            start_ms=start_ms, end_ms=end_ms))  # fmt: skip

    def report_totals(
        self, advertiser: str, *, by: str = "campaign", start_ms: int | None = None,
        end_ms: int | None = None, campaign: int | None = None,
    ) -> pa.Table:  # fmt: skip
        """`report` over the whole window: one row per key of `by`, no `period` column;
        reach is distinct viewers over the window (`reports.totals`)."""
        _check_report(by, "total", start_ms, end_ms)
        ads = self._ads_table(advertiser, campaign)
        return self._from_lake(lambda lake: totals(
            lake, ads, by=cast(Grain, by), start_ms=start_ms, end_ms=end_ms))  # fmt: skip

    def _ads_table(self, advertiser: str, campaign_id: int | None) -> pa.Table:
        """Where each of the advertiser's ads sits (`ADS_TABLE`), of one campaign or all."""
        with self.store.read() as tx:
            if tx.get_advertiser(advertiser) is None:
                raise NotFound(f"advertiser {advertiser!r} is not registered")
            campaigns = (tx.list_campaigns(advertiser) if campaign_id is None
                         else [_campaign(tx, advertiser, campaign_id)])  # fmt: skip
            rows = [{"ad": a.id, "ad_group": g.id, "campaign": c.id, "advertiser": advertiser}
                    for c, g, a in _placed(tx, campaigns)]  # fmt: skip
        return pa.Table.from_pylist(rows, schema=ADS_TABLE)

    def _from_lake(self, read: Callable[[Path], pa.Table]) -> pa.Table:
        if self.lake_dir is not None:
            return read(self.lake_dir)
        with TemporaryDirectory() as empty:  # no lake: what an empty one reports (the columns)
            return read(Path(empty))

    # Creators' authorizations

    def authorize_post(
        self, creator: int, video: int, days: int, now_ms: int, *,
        code_source: Random = secrets.token_urlsafe,
    ) -> Authorization:  # fmt: skip
        """Let advertisers boost `video` for `days` days from `now_ms`; the code to share.

        Worked example: 30 days from 1,000 ms expire at 1,000 + 30 x 86,400,000 =
        2,592,001,000 ms.
        """
        if not 1 <= days <= MAX_AUTH_DAYS:
            raise AdsError(f"an authorization lasts 1 to {MAX_AUTH_DAYS} days, not {days}")
        if self.video_owner is not None and self.video_owner(video) != creator:
            raise NotYours(f"video {video} is not creator {creator}'s")
        with self.store.begin() as tx:
            for _ in range(3):
                auth = Authorization(code_source(16), creator, video, now_ms + days * DAY_MS)
                if tx.add_authorization(auth):
                    return auth
        raise AdsError("could not draw an unused authorization code")

    def revoke_authorization(self, creator: int, code: str) -> Authorization:
        """Withdraw an authorization (only its creator may); active ads using it pause."""
        with self.store.begin() as tx:
            auth = tx.get_authorization(code, lock=True)
            if auth is None:
                raise NotFound(f"authorization {code!r} is unknown")
            if auth.creator != creator:
                raise NotYours(f"authorization {code!r} was not made by creator {creator}")
            revoked = replace(auth, revoked=True)
            tx.update_authorization(revoked)
            for ad in tx.list_ads_by_authorization(code):
                if ad.status in (Status.ACTIVE, Status.OUT_OF_BUDGET):
                    tx.update_ad(replace(ad, status=Status.PAUSED))
            return revoked


# Ownership: each lookup walks up to the campaign and compares its advertiser.


def _placed(tx: AdsTx, campaigns: Iterable[Campaign]) -> Iterator[tuple[Campaign, AdGroup, Ad]]:
    """Each ad of `campaigns`, with its ad group and campaign."""
    return ((c, g, a) for c in campaigns for g in tx.list_ad_groups(c.id)
            for a in tx.list_ads(g.id))  # fmt: skip


def _campaign(tx: AdsTx, advertiser: str, campaign_id: int, *, lock: bool = False) -> Campaign:
    campaign = tx.get_campaign(campaign_id, lock=lock)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} is unknown")
    if campaign.advertiser != advertiser:
        raise NotYours(f"campaign {campaign_id} is not advertiser {advertiser!r}'s")
    return campaign


def _group(tx: AdsTx, advertiser: str, group_id: int, *, lock: bool = False) -> AdGroup:
    group = tx.get_ad_group(group_id, lock=lock)
    if group is None:
        raise NotFound(f"ad group {group_id} is unknown")
    try:
        _campaign(tx, advertiser, group.campaign)
    except NotYours:
        raise NotYours(f"ad group {group_id} is not advertiser {advertiser!r}'s") from None
    return group


def _ad(tx: AdsTx, advertiser: str, ad_id: int, *, lock: bool = False) -> Ad:
    ad = tx.get_ad(ad_id, lock=lock)
    if ad is None:
        raise NotFound(f"ad {ad_id} is unknown")
    try:
        _group(tx, advertiser, ad.ad_group)
    except NotYours:
        raise NotYours(f"ad {ad_id} is not advertiser {advertiser!r}'s") from None
    return ad


def _open_parent(status: Status, what: str) -> None:
    if status is Status.COMPLETED:
        raise AdsError(f"{what} is completed; nothing can be added to it")


def _active_parent(status: Status, parent: str, child: str) -> None:
    if status is not Status.ACTIVE:
        raise NotActive(f"{child} can be activated only while {parent} is active "
                        f"(it is {status})")  # fmt: skip


def _check_report(grain: str, period: str, start_ms: int | None, end_ms: int | None) -> None:
    """Refuse what the report cannot mean, in the caller's words rather than DuckDB's."""
    if grain not in GRAIN_KEYS:
        raise AdsError(f"a report's grain is campaign, ad_group or ad, not {grain!r}")
    if period not in REPORT_PERIODS:
        raise AdsError(f"a report's period is hour, day or total, not {period!r}")
    for edge in (start_ms, end_ms):
        if edge is not None and not 0 <= edge <= MAX_MS:
            raise AdsError(f"a report's window lies within 1970 to 9999, not at {edge} ms")
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        raise AdsError(f"a report's window starts before it ends, not at {_iso(start_ms)} "
                       f"to {_iso(end_ms)}")  # fmt: skip


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")
