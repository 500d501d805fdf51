"""The engines that take part in a simulated day, and the order they take it in.

Each engine is a class in a module of this package that subclasses `Engine` and is
decorated with `@register`. The runner asks `engines()` for them and calls, in
ascending `order`:

1. `start(world)` once, before day 1;
2. per day, `begin_day(world, day)`, then per tick of the day `tick(world, tick)` for
   every engine (the feed at order 10 serves the tick's sessions and leaves what it
   served in `world.shared`; an engine at a later order, such as ads at 20, sees them
   in the same tick), then `end_day(world, day)`;
3. `end_month(world)` once, after the last day (rewards close here);
4. `summarize(world, summary)`, where each engine adds its figures and the money it
   booked to the summary.

The order, by convention: feed 10 -> ads 20 -> gifts 30 -> affiliate 40 -> deals 50 ->
integrity 60 -> rewards 90. The runner knows no engine by name: a new engine is a new
module here, found when the package is scanned.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from reelmint.sim.world import Tick, World

_REGISTRY: dict[str, type[Engine]] = {}


class Engine:
    """Base class: every hook does nothing unless the engine overrides it."""

    name: ClassVar[str]
    order: ClassVar[int]

    def start(self, world: World) -> None:
        pass

    def begin_day(self, world: World, day: int) -> None:
        pass

    def tick(self, world: World, tick: Tick) -> None:
        pass

    def end_day(self, world: World, day: int) -> None:
        pass

    def end_month(self, world: World) -> None:
        pass

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        pass


def register(cls: type[Engine]) -> type[Engine]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two simulator engines are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Take an engine out (a plug-in being unloaded, or a test's own engine)."""
    _REGISTRY.pop(name, None)


def engines() -> list[Engine]:
    """A fresh instance of every registered engine, in running order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return [cls() for cls in sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))]
