"""The SNMP client: gets, next-probes and bulk walks for v1, v2c and v3.

Why one async class for every version: callers (identify at scale, polls,
the CLI) ask for OIDs and get plain values; v1/v2c go through one shared
UDP engine per client (:mod:`rmmkit.snmp.engine`: the small codec by default,
or pysnmp's v1arch with ``engine="pysnmp"``), v3
through pysnmp's v3arch (:mod:`rmmkit.snmp.v3`).  Errors are rmmkit's: no answer is
an :class:`UnreachableError` whose causes say "wrong community or host down";
a refused v3 key is an :class:`AuthenticationError` with causes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rmmkit.errors import AuthenticationError, InputError, ProtocolError, UnreachableError
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.ber import GET, GETBULK, GETNEXT, Missing, Response, Value
from rmmkit.snmp.engine import RequestTimeout, V2cEngine
from rmmkit.snmp.options import (
    DEFAULT_ENGINE,
    ENGINES,
    ERROR_STATUS,
    V2C_TIMEOUT_CAUSES,
    V3_AUTH_CAUSES,
    V3_TIMEOUT_CAUSES,
    SnmpOptions,
    normalise_host,
)
from rmmkit.snmp.v3 import AUTH_FAILURES, V3Session

__all__ = ["DEFAULT_ENGINE", "ENGINES", "SnmpClient", "SnmpOptions", "normalise_host", "run_sync"]


def make_engine(name: str) -> V2cEngine:
    """The v1/v2c engine called ``name`` (pysnmp is imported only when chosen)."""
    if name == "native":
        from rmmkit.snmp.engine_native import NativeEngine

        return NativeEngine()
    if name == "pysnmp":
        from rmmkit.snmp.engine_pysnmp import PysnmpEngine

        return PysnmpEngine()
    raise InputError(f"unknown SNMP engine {name!r}", expected=" or ".join(ENGINES))


class SnmpClient:
    """Async SNMP client; ``async with SnmpClient(opts) as c: await c.get(host, auth, oids)``."""

    def __init__(self, options: SnmpOptions | None = None) -> None:
        self.options = options or SnmpOptions()
        self._v2c = make_engine(self.options.engine)
        self._v3: V3Session | None = None

    async def __aenter__(self) -> SnmpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._v2c.close()
        if self._v3 is not None:
            self._v3.close()
            self._v3 = None

    # -- public API -------------------------------------------------------

    async def get(self, host: str, auth: SnmpAuth, oids: list[str]) -> dict[str, Value]:
        """The values of ``oids``; absent ones map to a :class:`Missing` member."""
        out: dict[str, Value] = {}
        step = self.options.max_oids_per_request
        for i in range(0, len(oids), step):
            chunk = oids[i : i + step]
            rows = await self._exchange("get", host, auth, chunk)
            out.update(rows)
        return out

    async def next_values(
        self, host: str, auth: SnmpAuth, oids: list[str]
    ) -> list[tuple[str, Value]]:
        """For each OID, the next OID and value after it (one round trip; GETBULK on v2c/v3)."""
        return await self._exchange("next", host, auth, oids)

    async def walk(self, host: str, auth: SnmpAuth, prefix: str) -> list[tuple[str, Value]]:
        """Every (oid, value) under ``prefix``, by GETBULK (GETNEXT on v1)."""
        base = prefix.strip(".")
        rows: list[tuple[str, Value]] = []
        current = base
        while len(rows) < self.options.max_rows:
            kind = "next" if auth.version == "1" else "bulk"
            batch = await self._exchange(kind, host, auth, [current])
            if not batch:
                break
            for oid, value in batch:
                if isinstance(value, Missing) or not _under(oid, base) or not _after(oid, current):
                    return rows
                rows.append((oid, value))
                current = oid
        return rows

    # -- one request --------------------------------------------------------

    async def _exchange(
        self, kind: str, host: str, auth: SnmpAuth, oids: list[str]
    ) -> list[tuple[str, Value]]:
        host = normalise_host(host)
        if auth.version == "3":
            return await self._exchange_v3(kind, host, auth, oids)
        return await self._exchange_v2c(kind, host, auth, oids)

    async def _exchange_v2c(
        self, kind: str, host: str, auth: SnmpAuth, oids: list[str]
    ) -> list[tuple[str, Value]]:
        opts = self.options
        version = 0 if auth.version == "1" else 1
        pdu = GET if kind == "get" else GETNEXT if (kind == "next" and version == 0) else GETBULK
        if kind == "next" and version == 1:
            nr, mr = len(oids), 0
        elif kind == "bulk":
            nr, mr = 0, opts.max_repetitions
        else:
            nr, mr = 0, 0
        assert auth.community is not None
        community = auth.community.reveal()
        raw = community.encode() if isinstance(community, str) else community
        try:
            response = await self._v2c.request(
                host,
                opts.port,
                version=version,
                community=raw,
                pdu_type=pdu,
                oids=oids,
                timeout=opts.timeout,
                retries=opts.retries,
                non_repeaters=nr,
                max_repetitions=mr,
            )
        except RequestTimeout:
            raise UnreachableError(
                f"SNMP {auth.label} to {host}:{opts.port}: no answer after {opts.retries + 1} "
                f"tries of {opts.timeout:g}s — wrong community or host down",
                host=host,
                code="snmp_timeout",
                causes=V2C_TIMEOUT_CAUSES,
            ) from None
        if response.error_status == 2 and version == 0:  # v1 noSuchName: drop that OID, ask again
            return await self._v1_retry_without(kind, host, auth, oids, response)
        self._check_status(host, response.error_status, response.error_index, oids)
        return response.varbinds

    async def _v1_retry_without(
        self, kind: str, host: str, auth: SnmpAuth, oids: list[str], response: Response
    ) -> list[tuple[str, Value]]:
        bad = response.error_index - 1
        if not 0 <= bad < len(oids):
            raise ProtocolError(
                f"SNMP v1 agent {host} answered noSuchName with a bad index", host=host
            )
        missing = Missing.END_OF_MIB_VIEW if kind != "get" else Missing.NO_SUCH_OBJECT
        rest = oids[:bad] + oids[bad + 1 :]
        rows = await self._exchange_v2c(kind, host, auth, rest) if rest else []
        rows.insert(bad, (oids[bad], missing))
        return rows

    async def _exchange_v3(
        self, kind: str, host: str, auth: SnmpAuth, oids: list[str]
    ) -> list[tuple[str, Value]]:
        opts = self.options
        if self._v3 is None:
            self._v3 = V3Session()
        usm = self._v3.user_data(
            auth.user,
            auth.auth_key.reveal_str() if auth.auth_key else None,
            auth.priv_key.reveal_str() if auth.priv_key else None,
            auth.auth_protocol,
            auth.priv_protocol,
        )
        nr, mr = (len(oids), 0) if kind == "next" else (0, opts.max_repetitions)
        indication, status, index, rows = await self._v3.request(
            "get" if kind == "get" else "bulk",
            usm,
            host,
            opts.port,
            oids,
            timeout=opts.timeout,
            retries=opts.retries,
            non_repeaters=nr,
            max_repetitions=mr,
        )
        if indication is not None:
            await self._raise_v3(indication, host, auth)
        self._check_status(host, status, index, oids)
        return rows

    async def _raise_v3(self, indication: Any, host: str, auth: SnmpAuth) -> None:
        name = type(indication).__name__
        where = f"SNMP {auth.label} user {auth.user!r} at {host}:{self.options.port}"
        if isinstance(indication, AUTH_FAILURES):
            cause = V3_AUTH_CAUSES.get(name, f"the agent refused the credentials ({indication})")
            raise AuthenticationError(
                f"{where}: refused ({name})", host=host, code="snmp_auth", causes=(cause,)
            )
        if name == "RequestTimedOut" and auth.secure and await self._answers_v3(host):
            # net-snmp drops what it cannot decrypt without a report: the agent is up, so
            # the privacy key (or protocol) is what is wrong.
            raise AuthenticationError(
                f"{where}: the agent answers SNMPv3 but dropped our encrypted request",
                host=host,
                code="snmp_auth",
                causes=(
                    V3_AUTH_CAUSES["DecryptionError"],
                    "the agent counted it in usmStatsDecryptionErrors",
                ),
            )
        if name == "RequestTimedOut":
            raise UnreachableError(
                f"{where}: no answer after {self.options.retries + 1} tries of "
                f"{self.options.timeout:g}s — host down or no SNMPv3 agent",
                host=host,
                code="snmp_timeout",
                causes=V3_TIMEOUT_CAUSES,
            )
        raise ProtocolError(f"{where}: {indication}", host=host, code="snmp_error")

    async def _answers_v3(self, host: str) -> bool:
        """Whether an SNMPv3 agent answers at all (an unknown user provokes a report)."""
        assert self._v3 is not None
        probe = self._v3.user_data("rmmkit-probe", None, None, "none", "none")
        indication, *_ = await self._v3.request(
            "get",
            probe,
            host,
            self.options.port,
            ["1.3.6.1.2.1.1.2.0"],
            timeout=self.options.timeout,
            retries=0,
        )
        return indication is not None and type(indication).__name__ != "RequestTimedOut"

    @staticmethod
    def _check_status(host: str, status: int, index: int, oids: list[str]) -> None:
        if not status:
            return
        label = ERROR_STATUS[status] if status < len(ERROR_STATUS) else f"error {status}"
        what = f" for {oids[index - 1]}" if 0 < index <= len(oids) else ""
        causes = ["the agent's view does not include these objects"] if status in (2, 6, 16) else []
        raise ProtocolError(
            f"SNMP agent {host} answered {label}{what}",
            host=host,
            code=f"snmp_{label}",
            causes=causes,
        )


def _under(oid: str, prefix: str) -> bool:
    return oid == prefix or oid.startswith(prefix + ".")


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def _after(oid: str, current: str) -> bool:
    return _key(oid) > _key(current)


def run_sync(coro_fn: Any, options: SnmpOptions | None = None) -> Any:
    """Run ``await coro_fn(client)`` on a fresh loop (for worker threads and the CLI)."""

    async def main() -> Any:
        async with SnmpClient(options) as client:
            return await coro_fn(client)

    return asyncio.run(main())
