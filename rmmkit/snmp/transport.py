"""The ``snmp`` transport: a host's SNMP credentials and options, ready to ask.

Why a "connection" for a connectionless protocol: the runner gives every
task of a host the same connection, so identify's answer (class, version,
working credential) is remembered for the poll that follows, and the
credentials are resolved once per host, not once per request.

Host variables (inventory ``vars``, any level): ``snmp_port`` (161),
``snmp_timeout`` (seconds, 1.0), ``snmp_retries`` (1), ``snmp_version`` for
community credentials (``2c`` or ``1``), ``snmp_max_repetitions`` (25),
``snmp_engine`` for v1/v2c (``native`` or ``pysnmp``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmmkit.errors import AuthenticationError, InputError
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.classify import Ruleset, ruleset_from_plugins
from rmmkit.snmp.client import ENGINES, SnmpOptions, run_sync
from rmmkit.snmp.identify import Identified, identify
from rmmkit.snmp.poll import poll
from rmmkit.transports.base import Transport

if TYPE_CHECKING:
    from rmmkit.declared.models import Credential, ResolvedHost
    from rmmkit.run.session import Session

SNMP_KINDS = ("snmp_v3", "snmp_community")


def options_from_vars(variables: dict[str, Any], timeout: float | None = None) -> SnmpOptions:
    """SnmpOptions from host variables; a wrong type is an InputError naming the variable."""
    values: dict[str, Any] = {}
    for var, key, kind in (
        ("snmp_port", "port", int),
        ("snmp_timeout", "timeout", float),
        ("snmp_retries", "retries", int),
        ("snmp_max_repetitions", "max_repetitions", int),
        ("snmp_engine", "engine", str),
    ):
        if var in variables:
            try:
                values[key] = kind(variables[var])
            except (TypeError, ValueError):
                raise InputError(
                    f"host variable {var} is {variables[var]!r}", expected=f"a {kind.__name__}"
                ) from None
    if values.get("engine", ENGINES[0]) not in ENGINES:
        raise InputError(
            f"host variable snmp_engine is {values['engine']!r}", expected=" or ".join(ENGINES)
        )
    if "timeout" not in values and timeout:
        values["timeout"] = min(SnmpOptions.timeout, timeout)
    return SnmpOptions(**values)


def auths_for(
    session: Session, credentials: tuple[Credential, ...], version: str = "2c"
) -> list[SnmpAuth]:
    """The host's SNMP credentials in declared order (v3 first: the recommended level)."""
    from rmmkit.secrets.credentials import materialize

    chosen = [c for c in credentials if c.kind in SNMP_KINDS]
    chosen.sort(key=lambda c: SNMP_KINDS.index(c.kind))
    return [
        SnmpAuth.from_material(materialize(c, session.secrets), version=version) for c in chosen
    ]


class SnmpConnection:
    """One host's SNMP access: credentials, options, and what identify learned."""

    def __init__(
        self, address: str, auths: list[SnmpAuth], options: SnmpOptions, ruleset: Ruleset
    ) -> None:
        self.address = address
        self.auths = auths
        self.options = options
        self.ruleset = ruleset
        self.identified: Identified | None = None
        self.icmp_only = False  # set by snmp_identify when only ping answered

    def identify(self) -> Identified:
        self.identified = run_sync(
            lambda c: identify(c, self.address, self.auths, self.ruleset), self.options
        )
        return self.identified

    def working_auth(self) -> SnmpAuth:
        dev = self.identified or self.identify()
        for auth in self.auths:
            if auth.name == dev.credential and auth.version == dev.version:
                return auth
        return self.auths[0]

    def poll(self) -> tuple[Identified, dict[str, Any]]:
        dev = self.identified or self.identify()
        auth = self.working_auth()
        return dev, run_sync(lambda c: poll(c, self.address, auth, dev), self.options)

    def get(self, oids: list[str]) -> dict[str, Any]:
        auth = self.working_auth() if self.identified else self.auths[0]
        return run_sync(lambda c: c.get(self.address, auth, oids), self.options)  # type: ignore[no-any-return]

    def walk(self, prefix: str) -> list[tuple[str, Any]]:
        auth = self.working_auth() if self.identified else self.auths[0]
        return run_sync(lambda c: c.walk(self.address, auth, prefix), self.options)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Nothing stays open between requests (each call runs its own short event loop)."""


class SnmpTransport(Transport):
    name = "snmp"
    description = "SNMP v1/v2c (native or pysnmp v1arch engine) and v3 USM (pysnmp v3arch)"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._ruleset: Ruleset | None = None

    @property
    def ruleset(self) -> Ruleset:
        if self._ruleset is None:
            self._ruleset = ruleset_from_plugins(self.session.plugins)
        return self._ruleset

    def open(self, host: ResolvedHost, *, timeout: float) -> SnmpConnection:
        """Resolve credentials and options; sends nothing (SNMP has no session to open)."""
        version = str(host.vars.get("snmp_version", "2c"))
        auths = auths_for(self.session, host.credentials, version)
        if not auths:
            raise AuthenticationError(
                f"host {host.name} has no SNMP credential",
                host=host.name,
                code="snmp_no_credential",
                causes=(
                    "declare a credential of kind snmp_v3 (recommended) or snmp_community "
                    "for the site or host",
                ),
            )
        return SnmpConnection(
            host.address, auths, options_from_vars(host.vars, timeout), self.ruleset
        )
