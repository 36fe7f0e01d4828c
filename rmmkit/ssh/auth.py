"""The login attempts for one host, in declared order.

Why a generator of small objects: the transport needs to know each
attempt's user before trying it (OpenSSH refuses a change of user on one
connection) and a label to name it in the error, while the credential's
secret is only revealed inside ``authenticate`` at the paramiko call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import paramiko

from rmmkit.secrets.adapters import paramiko_kwargs

SSH_KINDS = ("password", "ssh_key")


@dataclass
class Attempt:
    credential: str
    user: str
    method: str  # password | publickey | agent
    material: Any = None
    agent_key: Any = None

    @property
    def label(self) -> str:
        return f"{self.credential} ({self.user}, {self.method})"

    def authenticate(self, t: paramiko.Transport) -> None:
        """One authentication on ``t``; raises paramiko.AuthenticationException when refused."""
        if self.method == "agent":
            t.auth_publickey(self.user, self.agent_key)
            return
        kwargs = paramiko_kwargs(self.material)
        if "pkey" in kwargs:
            t.auth_publickey(kwargs["username"], kwargs["pkey"])
        else:
            t.auth_password(kwargs["username"], kwargs["password"])


def agent_keys() -> list[Any]:
    """Keys offered by the running ssh-agent (``$SSH_AUTH_SOCK``); empty when there is none."""
    try:
        return list(paramiko.Agent().get_keys())
    except paramiko.SSHException:
        return []


def attempts(host: Any, material: Callable[[Any], Any]) -> Iterator[Attempt]:
    """ssh-agent keys first when ``ssh_agent`` is true, then every SSH credential in order."""
    creds = [c for c in host.credentials if c.kind in SSH_KINDS]
    if host.vars.get("ssh_agent"):
        users = list(dict.fromkeys([str(host.vars.get("ssh_user", ""))] + [c.user for c in creds]))
        for user in [u for u in users if u]:
            for key in agent_keys():
                yield Attempt("ssh-agent", user, "agent", agent_key=key)
    for cred in creds:
        mat = material(cred)
        method = "publickey" if mat.key is not None else "password"
        yield Attempt(cred.name, mat.user, method, material=mat)
