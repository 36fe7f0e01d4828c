"""Host keys pinned in a known_hosts file kept beside the inventory.

Why our own reader: paramiko's ``HostKeys`` ignores wildcard patterns
(``10.88.*.*``) and negations, which OpenSSH's file format allows, and its
policy hook cannot say *why* a key was refused.  This class reads the same
format (plain, wildcard, negated and hashed ``|1|`` names, ``[host]:port``,
``@revoked``), answers in O(1) for plain names, and appends first-seen keys
only when the declared policy allows it (a site's or host's ``ssh_host_keys:
accept_new``, or ``--accept-new-host-keys`` for one run).  The check
runs after key exchange and before any authentication, so a host with an
unknown or changed key never receives a password or a signature.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmmkit.ssh.errors import HostKeyError

log = logging.getLogger("rmmkit.ssh")

CHANGED_CAUSES = (
    "the host was re-installed or its SSH keys were regenerated",
    "another machine now answers at this address (DHCP reassignment)",
    "a man-in-the-middle is intercepting the connection",
)
UNKNOWN_CAUSES = (
    "the host has never been contacted: its key is not pinned yet "
    "(check the fingerprint, then run once with --accept-new-host-keys, "
    "or declare ssh_host_keys: accept_new on its site)",
)
KNOWN, ADDED = "known", "added"


@dataclass(frozen=True)
class Entry:
    patterns: tuple[str, ...]
    keytype: str
    blob: str  # base64 of the public key
    marker: str = ""  # "" or "@revoked" (@cert-authority lines are not used)
    line: int = 0


def lookup_name(host: str, port: int) -> str:
    """The name OpenSSH files a host under: ``host`` on port 22, else ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


def fingerprint(key: Any) -> str:
    """OpenSSH's SHA256 fingerprint of a paramiko key (what ``ssh-keygen -lf`` prints)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _hashed_match(pattern: str, name: str) -> bool:
    try:
        _, _, salt, want = pattern.split("|")
        got = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
        return hmac.compare_digest(got, base64.b64decode(want))
    except (ValueError, TypeError):
        return False


def _matches(patterns: tuple[str, ...], name: str) -> bool:
    """OpenSSH semantics: any positive match, unless a negated pattern matches."""
    hit = False
    low = name.lower()
    for pattern in patterns:
        negated = pattern.startswith("!")
        pat = pattern[1:] if negated else pattern
        if pat.startswith("|1|"):
            ok = _hashed_match(pat, name)
        else:
            ok = fnmatch.fnmatchcase(low, pat.lower())
        if ok and negated:
            return False
        hit = hit or ok
    return hit


def parse_line(text: str, lineno: int) -> Entry | None:
    fields = text.split()
    if not fields or fields[0].startswith("#"):
        return None
    marker = ""
    if fields[0].startswith("@"):
        marker, fields = fields[0], fields[1:]
    if len(fields) < 3 or marker == "@cert-authority":
        return None
    return Entry(tuple(fields[0].split(",")), fields[1], fields[2], marker, lineno)


class KnownHosts:
    """One known_hosts file; ``verify`` raises :class:`HostKeyError` unless the key is pinned."""

    def __init__(self, path: Path, *, accept_new: bool = False) -> None:
        self.path = Path(path)
        self.accept_new = accept_new
        self._lock = threading.Lock()
        self._exact: dict[str, list[Entry]] = {}
        self._patterns: list[Entry] = []
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        for n, raw in enumerate(text.splitlines(), 1):
            entry = parse_line(raw, n)
            if entry is not None:
                self._index(entry)

    def _index(self, entry: Entry) -> None:
        plain = len(entry.patterns) == 1 and not any(c in entry.patterns[0] for c in "*?!|")
        if plain and not entry.marker:
            self._exact.setdefault(entry.patterns[0].lower(), []).append(entry)
        else:
            self._patterns.append(entry)

    def entries_for(self, name: str) -> list[Entry]:
        found = list(self._exact.get(name.lower(), ()))
        found += [e for e in self._patterns if _matches(e.patterns, name)]
        return found

    def verify(
        self, host: str, port: int, key: Any, label: str = "", *, accept_new: bool | None = None
    ) -> str:
        """Check ``key`` for ``host``; returns ``"known"`` or ``"added"``, else raises.

        ``label`` (the inventory's host name) prefixes error messages;
        ``accept_new`` (the host's policy) overrides the file-wide default.
        A changed or revoked key is refused whatever the policy.
        """
        accept = self.accept_new if accept_new is None else accept_new
        name = lookup_name(host, port)
        who = f"{label} ({name})" if label and label != host else name
        keytype, blob = key.get_name(), base64.b64encode(key.asbytes()).decode()
        entries = self.entries_for(name)
        if any(e.marker == "@revoked" and e.blob == blob for e in entries):
            raise HostKeyError(
                f"{who}: the host key {fingerprint(key)} is revoked in {self.path}",
                host=label or host,
                code="host_key_changed",
                causes=CHANGED_CAUSES[2:],
            )
        pinned = [e for e in entries if not e.marker]
        if any(e.blob == blob for e in pinned):
            return KNOWN
        if not pinned and accept:
            added = self._add(name, keytype, blob)
            if added is None:
                return KNOWN  # another thread (another host at the same address) recorded it
            if added:
                log.warning("recorded new host key for %s: %s %s", name, keytype, fingerprint(key))
                return ADDED
            pinned = [e for e in self.entries_for(name) if not e.marker]  # raced: another key
        if pinned:
            lines = ", ".join(str(e.line) for e in pinned if e.line) or "?"
            raise HostKeyError(
                f"{who}: host key changed: the host offers {keytype} {fingerprint(key)}, "
                f"{self.path} (line {lines}) pins another key; nothing was sent to the host",
                host=label or host,
                code="host_key_changed",
                causes=CHANGED_CAUSES,
            )
        raise HostKeyError(  # nothing pinned and the policy is strict
            f"{who}: unknown host key {keytype} {fingerprint(key)} (not in {self.path}); "
            "refused, nothing was sent to the host",
            host=label or host,
            code="host_key_unknown",
            causes=UNKNOWN_CAUSES,
        )

    def _add(self, name: str, keytype: str, blob: str) -> bool | None:
        """Append the key unless one is pinned by now: True added, None same key, False another."""
        with self._lock:
            pinned = [e for e in self.entries_for(name) if not e.marker]
            if any(e.blob == blob for e in pinned):
                return None
            if pinned:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(f"{name} {keytype} {blob}\n")
            self._index(Entry((name,), keytype, blob))
        return True
