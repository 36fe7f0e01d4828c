"""A secret value that refuses to show itself.

Why a wrapper: repr, str, format, logging, JSON and pickling all go through
dunder methods, so masking them here keeps a password out of every log line,
report and exception text by construction.  Only :meth:`Secret.reveal` gives
the value, and only transports call it, handing it to a library in memory.
"""

from __future__ import annotations

from typing import Any, NoReturn

MASK = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str | bytes) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str | bytes:
        """The real value: pass it straight to the library that needs it, nowhere else."""
        return self._value  # type: ignore[no-any-return]

    def reveal_str(self) -> str:
        v = self._value
        return v.decode() if isinstance(v, bytes) else v  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __json__(self) -> str:
        return MASK
