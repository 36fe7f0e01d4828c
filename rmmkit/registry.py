"""Name → class registries (one per kind of plugin object).

Why: plugins register classes by name; two plugins claiming the same name is
an error the user must see at start-up, not a silent override.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from rmmkit.errors import PluginError, UnknownReference

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to classes of one kind; rejects duplicates."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._owners: dict[str, str] = {}

    def register(self, name: str, item: T, *, owner: str = "") -> None:
        if not name or not isinstance(name, str):
            raise PluginError(
                f"{self.kind}: a name must be a non-empty string (from {owner or '?'})"
            )
        if name in self._items:
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by {self._owners[name] or '?'} "
                f"and by {owner or '?'}"
            )
        self._items[name] = item
        self._owners[name] = owner

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownReference(
                f"unknown {self.kind} {name!r}", expected=f"one of: {known}"
            ) from None

    def owner(self, name: str) -> str:
        return self._owners.get(name, "")

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())
