"""SNMP credentials as the client takes them: version plus masked secrets.

Why separate from the inventory's ``Credential``: the client must work with
already-resolved :class:`~rmmkit.secrets.Secret` values (tests, the CLI,
embedding programs), while the transport builds these from named
credentials through :func:`rmmkit.secrets.credentials.materialize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rmmkit.errors import InputError
from rmmkit.secrets.values import Secret
from rmmkit.snmp.v3 import AUTH_PROTOCOLS, PRIV_PROTOCOLS, normalise_protocol

VERSIONS = ("1", "2c", "3")


@dataclass(frozen=True)
class SnmpAuth:
    """How to authenticate to an agent; ``repr`` never shows a secret (they are Secrets)."""

    version: str = "2c"
    community: Secret | None = None
    user: str = ""
    auth_key: Secret | None = None
    priv_key: Secret | None = None
    auth_protocol: str = "sha"
    priv_protocol: str = "aes"
    name: str = ""  # the inventory credential's name, for messages

    def __post_init__(self) -> None:
        if self.version not in VERSIONS:
            raise InputError(f"unknown SNMP version {self.version!r}", expected="1, 2c or 3")
        if self.version != "3" and not self.community:
            raise InputError(f"SNMP v{self.version} needs a community")
        if self.version == "3":
            if not self.user:
                raise InputError("SNMPv3 needs a user name")
            if normalise_protocol(self.auth_protocol) not in AUTH_PROTOCOLS:
                raise InputError(
                    f"unknown SNMPv3 auth protocol {self.auth_protocol!r}",
                    expected="one of " + ", ".join(AUTH_PROTOCOLS),
                )
            if normalise_protocol(self.priv_protocol) not in PRIV_PROTOCOLS:
                raise InputError(
                    f"unknown SNMPv3 privacy protocol {self.priv_protocol!r}",
                    expected="one of " + ", ".join(PRIV_PROTOCOLS),
                )

    @classmethod
    def v2c(cls, community: Secret | str, *, name: str = "") -> SnmpAuth:
        return cls("2c", community=Secret(community), name=name)

    @classmethod
    def v1(cls, community: Secret | str, *, name: str = "") -> SnmpAuth:
        return cls("1", community=Secret(community), name=name)

    @classmethod
    def v3(
        cls,
        user: str,
        auth_key: Secret | str | None,
        priv_key: Secret | str | None,
        *,
        auth_protocol: str = "sha256",
        priv_protocol: str = "aes",
        name: str = "",
    ) -> SnmpAuth:
        return cls(
            "3",
            user=user,
            auth_key=Secret(auth_key) if auth_key else None,
            priv_key=Secret(priv_key) if priv_key else None,
            auth_protocol=auth_protocol if auth_key else "none",
            priv_protocol=priv_protocol if priv_key else "none",
            name=name,
        )

    @classmethod
    def from_material(cls, material: Any, *, version: str | None = None) -> SnmpAuth:
        """From :class:`rmmkit.secrets.credentials.Material` (kind snmp_community or snmp_v3)."""
        if material.kind == "snmp_v3":
            return cls(
                "3",
                user=material.user,
                auth_key=material.auth_key,
                priv_key=material.priv_key,
                auth_protocol=material.auth_protocol,
                priv_protocol=material.priv_protocol,
                name=material.credential,
            )
        chosen = version or str(material.options.get("version", "2c"))
        return cls(chosen, community=material.community, name=material.credential)

    @property
    def secure(self) -> bool:
        """True only for v3 authPriv: the level reports recommend."""
        return (
            self.version == "3"
            and normalise_protocol(self.auth_protocol) != "none"
            and normalise_protocol(self.priv_protocol) != "none"
        )

    @property
    def label(self) -> str:
        """A secret-free description: ``v2c (credential hq-snmp)``."""
        level = ""
        if self.version == "3":
            level = (
                " authPriv"
                if self.secure
                else (
                    " authNoPriv"
                    if normalise_protocol(self.auth_protocol) != "none"
                    else " noAuthNoPriv"
                )
            )
        named = f" (credential {self.name})" if self.name else ""
        return f"v{self.version}{level}{named}"
