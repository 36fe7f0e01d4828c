"""Windows failures as data: NT status / Win32 error / DCE-RPC fault → description + causes.

Why a table and not ``except`` ladders: the seed's error table is product
knowledge, not code; it lives in ``rmmkit/data/windows/errors.yml`` and plugins
extend it through ``rmmkit_windows_error_table``.  Every impacket or socket
exception a Windows step raises goes through :func:`windows_error`, which
turns it into an :mod:`rmmkit.errors` class carrying the table's answer, so a
failed host always shows a description and its possible causes.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rmmkit.declared.marked_yaml import load_yaml
from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import (
    AuthenticationError,
    InputError,
    Location,
    ProtocolError,
    TransportError,
    UnreachableError,
)

TABLE_PATH = Path(__file__).resolve().parents[1] / "data" / "windows" / "errors.yml"
CATEGORIES = ("credentials", "privileges", "host_config", "resources", "files", "unsupported")
KINDS = ("nt", "win32", "rpc", "krb", "net")


@dataclass(frozen=True)
class Failure:
    """One classified failure: where it happened, the raw code and the table's answer."""

    step: str
    kind: str  # nt | win32 | rpc | krb | net | other
    code: int | str | None
    code_name: str
    message: str
    category: str
    causes: tuple[str, ...]
    entry: str = ""  # table entry id ("" when the code is unknown)

    @property
    def code_text(self) -> str:
        if isinstance(self.code, int):
            return f"{self.kind} 0x{self.code:08X} {self.code_name}".strip()
        return f"{self.kind} {self.code or ''} {self.code_name}".strip()


@dataclass
class ErrorTable:
    """Entries by id plus an index ``(kind, code) → [entry ids]`` (context-specific first)."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, data: dict[str, Any], source: str) -> None:
        for i, entry in enumerate(data.get("entries") or []):
            _check_entry(entry, source, i)
            old = self.entries.get(entry["id"])
            if old is None:
                self.entries[entry["id"]] = {
                    **entry,
                    "causes": list(entry.get("causes", [])),
                    "codes": {k: list(v) for k, v in entry["codes"].items()},
                }
                continue
            for kind, codes in entry.get("codes", {}).items():  # extending a known entry
                old["codes"].setdefault(kind, []).extend(
                    c for c in codes if c not in old["codes"].get(kind, [])
                )
            old["causes"].extend(c for c in entry.get("causes", []) if c not in old["causes"])
            for key in ("message", "category", "when"):
                if key in entry:
                    old[key] = entry[key]

    def lookup(self, kind: str, code: int | str | None, context: str = "") -> dict[str, Any] | None:
        """The best entry for a code: one whose ``when`` names the context, else a general one."""
        general = None
        for entry in self.entries.values():
            if code is None or code not in entry["codes"].get(kind, ()):
                continue
            when = entry.get("when")
            if when:
                if context and context in ([when] if isinstance(when, str) else when):
                    return entry
                continue
            general = general or entry
        return general


def _check_entry(entry: Any, source: str, index: int) -> None:
    where = Location(source)
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise InputError(
            f"windows error table entry #{index + 1} has no id",
            location=where,
            expected="a mapping with id, codes, message, category, causes",
        )
    codes = entry.get("codes", {})
    if not isinstance(codes, dict) or any(k not in KINDS for k in codes):
        raise InputError(
            f"windows error table entry {entry['id']!r}: bad codes",
            location=where,
            expected="codes: {nt|win32|rpc|krb|net: [codes]}",
        )
    if "category" in entry and entry["category"] not in CATEGORIES:
        raise InputError(
            f"windows error table entry {entry['id']!r}: unknown category",
            location=where,
            expected="one of " + ", ".join(CATEGORIES),
        )


def _load_source(item: Any) -> tuple[dict[str, Any], str]:
    if isinstance(item, dict):
        return item, "<plugin dict>"
    path = Path(item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read windows error table: {exc.strerror}", location=Location(str(path))
        ) from None
    return load_yaml(decode_yaml(data, str(path)), str(path)) or {}, str(path)


@lru_cache(maxsize=1)
def builtin_table() -> ErrorTable:
    table = ErrorTable()
    data, source = _load_source(TABLE_PATH)
    table.add(data, source)
    return table


def error_table(pm: Any = None) -> ErrorTable:
    """The built-in table plus every ``rmmkit_windows_error_table`` answer of ``pm``."""
    if pm is None:
        return builtin_table()
    table = ErrorTable()
    table.entries = {
        k: {**v, "causes": list(v["causes"]), "codes": {c: list(x) for c, x in v["codes"].items()}}
        for k, v in builtin_table().entries.items()
    }
    for answer in pm.hook.rmmkit_windows_error_table():
        for item in answer or []:
            data, source = _load_source(item)
            table.add(data, source)
    return table


def raw_code(exc: BaseException, port: int = 0) -> tuple[str, int | str | None, str]:
    """``(kind, code, name)`` of an impacket/socket exception; kind ``other`` when unknown."""
    from impacket.dcerpc.v5 import rpcrt
    from impacket.krb5.kerberosv5 import KerberosError
    from impacket.nmb import NetBIOSError, NetBIOSTimeout
    from impacket.smbconnection import SessionError

    if isinstance(exc, KerberosError):  # the KDC (TGS-REQ) or the server (AP-REQ) said no
        code = exc.getErrorCode()
        return "krb", code, _krb_name(code)
    if isinstance(exc, SessionError):
        code = exc.getErrorCode()
        return "nt", code, _nt_name(code)
    inner = exc.args[1] if type(exc) is OSError and len(exc.args) == 2 else None
    if isinstance(inner, OSError):  # impacket's nmb wraps: OSError("Connection error (…)", cause)
        return raw_code(inner, port)
    if isinstance(exc, rpcrt.DCERPCException):
        code = exc.get_error_code()
        text = str(exc.error_string or "")
        if code is None and "abstract_syntax_not_supported" in text:  # the interface is absent
            return "rpc", "abstract_syntax_not_supported", "the RPC interface is not offered"
        if code is None and text:  # fault PDUs carry a name, not a number
            names = {
                v[0] if isinstance(v, tuple) else v: k for k, v in rpcrt.rpc_status_codes.items()
            }
            code = names.get(str(exc.error_string).split()[0])
        if code in rpcrt.rpc_status_codes and type(exc) is rpcrt.DCERPCException:
            name = rpcrt.rpc_status_codes[code]
            return "rpc", code, name[0] if isinstance(name, tuple) else str(name)
        return "win32", code, _win32_name(code)
    if isinstance(exc, socket.gaierror):  # impacket resolves the realm's KDC by name
        return "net", "name_not_resolved", "a name could not be resolved"
    if isinstance(exc, NetBIOSTimeout | TimeoutError | socket.timeout):
        return "net", "timeout", "no answer before the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return (
            "net",
            f"refused_{port}" if port else "refused",
            f"TCP {port or ''} refused".replace("  ", " "),
        )
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "net", "no_route", "no route to host"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | NetBIOSError):
        return "net", "reset", "the connection was closed by the host"
    return "other", None, type(exc).__name__


def _nt_name(code: int) -> str:
    from impacket import nt_errors

    return str(nt_errors.ERROR_MESSAGES.get(code, ("",))[0])


def _krb_name(code: Any) -> str:
    from impacket.krb5 import constants

    try:
        return str(constants.ErrorCodes(code).name)
    except ValueError:
        return ""


def _win32_name(code: Any) -> str:
    from impacket import system_errors

    if not isinstance(code, int):
        return ""
    return str(system_errors.ERROR_MESSAGES.get(code, ("",))[0])


def classify(
    exc: BaseException,
    step: str,
    *,
    context: str = "",
    port: int = 0,
    table: ErrorTable | None = None,
) -> Failure:
    """Look ``exc`` up in the table (``context`` names the pipe/step for context-only entries)."""
    kind, code, name = raw_code(exc, port)
    entry = (table or builtin_table()).lookup(kind, code, context or step)
    if entry is None:
        category = "host_config" if kind == "net" else "unsupported" if kind == "rpc" else "other"
        text = name or type(exc).__name__
        return Failure(step, kind, code, name, text, category, ())
    return Failure(
        step,
        kind,
        code,
        name,
        entry["message"],
        entry.get("category", "host_config"),
        tuple(entry.get("causes", ())),
        entry["id"],
    )


def windows_error(
    exc: BaseException,
    step: str,
    host: str,
    *,
    context: str = "",
    port: int = 0,
    table: ErrorTable | None = None,
) -> TransportError:
    """The :mod:`rmmkit.errors` exception for ``exc``; ``.failure`` keeps the classification.

    Messages are built from the step, the table's description and the code,
    never from anything credential-related.
    """
    failure = classify(exc, step, context=context, port=port, table=table)
    if failure.category == "credentials":
        cls: type[TransportError] = AuthenticationError
    elif failure.kind == "net" and step in ("tcp445", "smb_login", "connect", "wmi"):
        cls = UnreachableError
    elif failure.category == "unsupported":
        cls = ProtocolError
    else:
        cls = TransportError
    err = cls(
        f"{host}: {step}: {failure.message} ({failure.code_text})",
        host=host,
        code=failure.code_text,
        causes=failure.causes,
    )
    err.failure = failure  # type: ignore[attr-defined]
    return err


def explain(error: BaseException) -> list[str] | None:
    """Causes for ``rmmkit_explain_error``: classified errors, or raw impacket exceptions."""
    failure = getattr(error, "failure", None)
    if isinstance(failure, Failure):
        return None  # the causes already travel on the error itself
    if type(error).__module__.startswith("impacket"):
        found = classify(error, "")
        return list(found.causes) or None
    return None
