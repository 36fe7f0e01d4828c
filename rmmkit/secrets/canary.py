"""Canary secrets for leak tests: unique random strings to drive through a code path and
then look for in every log, report, store file, argv and environment it touched.

Why in the package and not in a test module: every area's tests (runner,
outputs, store, transports) should check their own paths for leaks with the
same helper::

    from rmmkit.secrets.canary import Canaries, assert_no_canary

    canaries = Canaries(100)
    ... use canaries.secret(i) as a password ...
    assert_no_canary(captured_text_or_bytes, canaries, where="jsonl output")

Canaries are ``cnry`` + 24 lowercase hex digits: alphanumeric so JSON, YAML,
URL and shell quoting leave them intact, and each is also searched as hex and
UTF-16-LE (how impacket and Windows APIs carry strings).
"""

from __future__ import annotations

import re
import secrets as _random
from collections.abc import Iterator
from dataclasses import dataclass

from rmmkit.secrets.values import Secret

PREFIX = "cnry"
_BODY = 24  # hex digits after the prefix


@dataclass(frozen=True)
class Hit:
    """One canary found in a blob: which one, where, and in which encoding."""

    index: int
    offset: int
    encoding: str

    def __str__(self) -> str:
        return f"canary #{self.index} at byte {self.offset} ({self.encoding})"


class Canaries:
    """``n`` unique canary strings; :meth:`scan` finds any of them in text or bytes."""

    def __init__(self, n: int = 100) -> None:
        values: list[str] = []
        seen: set[str] = set()
        while len(values) < n:
            value = PREFIX + _random.token_hex(_BODY // 2)
            if value not in seen:
                seen.add(value)
                values.append(value)
        self.values: tuple[str, ...] = tuple(values)
        self._index = {v: i for i, v in enumerate(values)}
        self._patterns = [
            ("raw", re.compile(rb"cnry[0-9a-f]{24}"), lambda m: m.decode()),
            ("hex", re.compile(rb"(?i)636e7279(?:[0-9a-f]{2}){24}"), _from_hex),
            ("utf-16-le", re.compile(rb"c\0n\0r\0y\0(?:[0-9a-f]\0){24}"), _from_utf16),
        ]

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __getitem__(self, i: int) -> str:
        return self.values[i]

    def secret(self, i: int) -> Secret:
        return Secret(self.values[i])

    def scan(self, blob: str | bytes | None) -> list[Hit]:
        """Every occurrence of one of *these* canaries (raw, hex or UTF-16-LE)."""
        if not blob:
            return []
        data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else bytes(blob)
        hits: list[Hit] = []
        for encoding, pattern, decode in self._patterns:
            for match in pattern.finditer(data):
                try:
                    value = decode(match.group(0))
                except ValueError:
                    continue
                index = self._index.get(value.lower())
                if index is not None:
                    hits.append(Hit(index, match.start(), encoding))
        return hits


def _from_hex(raw: bytes) -> str:
    return bytes.fromhex(raw.decode()).decode("ascii")


def _from_utf16(raw: bytes) -> str:
    return raw.decode("utf-16-le")


def assert_no_canary(blob: str | bytes | None, canaries: Canaries, where: str = "") -> None:
    """Fail (AssertionError) naming the canaries found, never printing them."""
    hits = canaries.scan(blob)
    if hits:
        listed = ", ".join(str(h) for h in hits[:10])
        raise AssertionError(
            f"{len(hits)} canary secret(s) leaked{' into ' + where if where else ''}: {listed}"
        )
