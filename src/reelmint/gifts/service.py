"""The LIVE gifts use cases in one place: coins, LIVEs and gifts, cash-outs, the catalog.

`GiftsService` wires the parts (`wallets`, `lives`, `cashouts`) to one context (stores,
books, rules) and owns what they share: the gift catalog, the people registry and the
books' own checks (`check_books`). Entry points build it through `Platform.gifts`.

The money path end to end, with the defaults (see `reelmint.gifts.books` for the legs):
a viewer buys 700 coins on the web for $7.42 and sends a Concert (500 coins) in a LIVE.
The host gets 500 diamonds ($2.50); the platform keeps $2.50 of gift revenue and the
$0.42 margin on the coins. The host cashes out the 500 diamonds: payable 15 days later,
they leave in the next payout batch.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from reelmint.gifts import books
from reelmint.gifts.cashouts import Cashouts
from reelmint.gifts.context import GiftsContext, Sink
from reelmint.gifts.economics import packs
from reelmint.gifts.lives import Lives
from reelmint.gifts.model import Catalog, CoinPack, NotFound
from reelmint.gifts.ports import PaymentGateway, PayoutProvider
from reelmint.gifts.store import GiftsStore
from reelmint.gifts.wallets import Wallets
from reelmint.ledger import Ledger
from reelmint.parties.people import Person, Standing
from reelmint.parties.people_store import PeopleStore
from reelmint.settings import Economics


class GiftsService:
    def __init__(self, engine: Engine, ledger: Ledger, economics: Economics, *,
                 gateway: PaymentGateway, payouts: PayoutProvider, webhook_key: bytes,
                 sink: Sink | None = None) -> None:  # fmt: skip
        self.ctx = GiftsContext(GiftsStore(engine), PeopleStore(engine), ledger, economics, sink)
        self.gateway = gateway
        self.wallets = Wallets(self.ctx, gateway, webhook_key)
        self.lives = Lives(self.ctx, self.catalog)
        self.cashouts = Cashouts(self.ctx, payouts)
        self._catalog: Catalog | None = None

    # People

    def register(self, people: Iterable[Person]) -> None:
        """Record people's date of birth and standing (an admin's or the sign-up flow's)."""
        self.ctx.people.put(people)

    def set_standing(self, person_id: int, standing: Standing) -> Person:
        if not self.ctx.people.set_standing(person_id, standing):
            raise NotFound(f"person {person_id} is not registered")
        person = self.ctx.people.get(person_id)
        assert person is not None
        return person

    # Catalog and coin shop

    def packs(self) -> tuple[CoinPack, ...]:
        return packs(self.ctx.economics.coins)

    def catalog(self) -> Catalog:
        """The catalog as stored, or the settings' defaults until an admin changes it."""
        if self._catalog is None:
            stored = self.ctx.store.catalog()
            self._catalog = stored or Catalog.from_settings(self.ctx.economics.gifts)
        return self._catalog

    def add_gift(self, name: str, coins: int) -> Catalog:
        return self._save(self.catalog().add(name, coins))

    def reprice_gift(self, name: str, coins: int) -> Catalog:
        return self._save(self.catalog().reprice(name, coins))

    def retire_gift(self, name: str) -> Catalog:
        return self._save(self.catalog().retire(name))

    def _save(self, catalog: Catalog) -> Catalog:
        self.ctx.store.save_catalog(catalog)
        self._catalog = catalog
        return catalog

    def refresh(self) -> None:
        """Forget the cached catalog (another process may have changed it)."""
        self._catalog = None

    # The books

    def check_books(self) -> list[str]:
        """The gifts identities of `books.invariants` on the books now; [] when sound."""
        accounts = [books.COIN_TREASURY, books.COIN_LIABILITY, books.COIN_RECEIVABLE,
                    books.DIAMOND_TREASURY, books.DIAMOND_LIABILITY]  # fmt: skip
        balances = self.ctx.ledger.balances(accounts)
        return books.invariants(balances, self.ctx.face, self.ctx.diamond_value)
