"""Transport ``ssh``: connect, pin the host key, then log in with the declared credentials.

Why paramiko's ``Transport`` and not ``SSHClient``: the order matters and is
ours to guarantee: TCP → key exchange → host key checked against the pinned
known_hosts → only then any authentication.  A host whose key is unknown or
changed never receives a password or a signature.  Credentials (password,
key, ssh-agent) are tried in declared order (the site's "additional
credentials"); OpenSSH refuses a change of user on one connection, so a
credential with another user gets a fresh connection (same host key check).

Which first-contact keys are recorded is declared: ``ssh_host_keys: strict |
accept_new`` on the site, overridden on a host, or ``--accept-new-host-keys``
for one run (:func:`host_key_rule`); every key recorded becomes a notice in
the result of the task that connected (message, ``data["notices"]``, store).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import paramiko

from rmmkit.errors import AuthenticationError, ProtocolError, UnreachableError
from rmmkit.ssh.auth import Attempt, attempts
from rmmkit.ssh.connection import Login, SshConnection
from rmmkit.ssh.errors import HostKeyError
from rmmkit.ssh.knownhosts import ADDED, KnownHosts, fingerprint
from rmmkit.transports.base import Notice, Transport, notify

if TYPE_CHECKING:
    from rmmkit.run.session import Session


def known_hosts_path(session: Session) -> Path:
    """``settings["known_hosts"]``, else beside the inventory, else in the project folder."""
    if session.settings.get("known_hosts"):
        return Path(session.settings["known_hosts"])
    inventory = session.inventory
    if inventory is not None and inventory.path:
        return Path(inventory.path).resolve().parent / "known_hosts"
    return Path(session.project_dir) / "known_hosts"


ACCEPT_NEW, STRICT = "accept_new", "strict"
DEFAULT_RULE_SOURCE = "the default"


@dataclass(frozen=True)
class HostKeyRule:
    """The ``ssh_host_keys`` policy that applies to one host, and what declared it."""

    mode: str  # strict | accept_new
    source: str  # "site hq, inventories/x.yml:4:5", "host web1, …", "--accept-new-host-keys"

    @property
    def accept_new(self) -> bool:
        return self.mode == ACCEPT_NEW


def host_key_rule(session: Session, host: Any) -> HostKeyRule:
    """``--accept-new-host-keys`` (wins for its run) > the host's ``ssh_host_keys`` > its site's.

    Discovered hosts have no declaration of their own: their site's policy applies.
    """
    if session.settings.get("accept_new_host_keys"):
        return HostKeyRule(ACCEPT_NEW, "--accept-new-host-keys")
    inventory = session.inventory
    if inventory is not None:
        declared = None if host.discovered else inventory.hosts.get(host.name)
        if declared is not None and declared.ssh_host_keys is not None:
            policy = declared.ssh_host_keys
            return HostKeyRule(policy.mode, f"host {declared.name}, {policy.location}")
        site = inventory.sites.get(host.site)
        if site is not None and site.ssh_host_keys is not None:
            policy = site.ssh_host_keys
            return HostKeyRule(policy.mode, f"site {site.name}, {policy.location}")
    return HostKeyRule(STRICT, DEFAULT_RULE_SOURCE)


def host_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def accepted_notice(host: Any, port: int, key: Any, rule: HostKeyRule, path: Path) -> Notice:
    """What the run shows and stores for one first-contact key recorded in ``path``."""
    keytype, print_ = key.get_name(), fingerprint(key)
    where = host_port(host.address, port)
    return Notice(
        "host_key_accepted",
        f"accepted new host key {keytype} {print_} for {where} "
        f"(policy {rule.mode} from {rule.source})",
        {
            "host": host.name,
            "address": host.address,
            "port": port,
            "key_type": keytype,
            "fingerprint": print_,
            "policy": rule.mode,
            "policy_from": rule.source,
            "known_hosts": str(path),
        },
    )


def _unreachable(host: Any, port: int, exc: BaseException) -> UnreachableError:
    name = f"{host.name} ({host.address}:{port})"
    if isinstance(exc, socket.timeout | TimeoutError):
        return UnreachableError(f"{name}: connection timed out", host=host.name, code="timeout")
    if isinstance(exc, ConnectionRefusedError):
        return UnreachableError(
            f"{name}: connection refused", host=host.name, code="connection_refused"
        )
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return UnreachableError(f"{name}: {reason}", host=host.name, code="no_route")


class SshTransport(Transport):
    """One per session: the pinned host keys and resolved credentials are shared by all hosts."""

    name = "ssh"
    description = "OpenSSH servers (Linux, macOS): commands, sudo, SFTP"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._lock = threading.Lock()
        self._known: KnownHosts | None = None
        self._materials: dict[str, Any] = {}

    @property
    def known_hosts(self) -> KnownHosts:
        """The pinned keys; whether a new one is recorded is each host's rule (``verify``)."""
        if self._known is None:
            with self._lock:
                if self._known is None:
                    self._known = KnownHosts(known_hosts_path(self.session))
        return self._known

    def material(self, credential: Any) -> Any:
        """The credential's material, resolved once per session (key files parsed once)."""
        found = self._materials.get(credential.name)
        if found is None:
            from rmmkit.secrets.credentials import materialize

            found = materialize(credential, self.session.secrets)
            with self._lock:
                self._materials[credential.name] = found
        return found

    # --- connecting ------------------------------------------------------------------
    def handshake(self, host: Any, port: int, timeout: float) -> paramiko.Transport:
        """TCP connect and key exchange, then the host key check; no authentication yet."""
        try:
            sock = socket.create_connection((host.address, port), timeout=timeout)
        except OSError as exc:
            raise _unreachable(host, port, exc) from None
        t = paramiko.Transport(sock)
        t.banner_timeout = t.auth_timeout = timeout
        self._prefer_pinned_key_types(t, host.address, port)
        try:
            t.start_client(timeout=timeout)
            key = t.get_remote_server_key()
        except (paramiko.SSHException, EOFError, OSError) as exc:
            t.close()
            text = str(exc)
            if isinstance(exc, OSError | EOFError) or "banner" in text or "timed out" in text:
                raise UnreachableError(
                    f"{host.name} ({host.address}:{port}): no SSH greeting "
                    f"({text or type(exc).__name__})",
                    host=host.name,
                    code="timeout",
                ) from None
            raise ProtocolError(
                f"{host.name}: SSH negotiation failed: {text}",
                host=host.name,
                code="ssh_negotiation",
            ) from None
        rule = host_key_rule(self.session, host)
        try:
            got = self.known_hosts.verify(
                host.address, port, key, host.name, accept_new=rule.accept_new
            )
        except HostKeyError as exc:
            t.close()
            if exc.code == "host_key_unknown" and rule.source != DEFAULT_RULE_SOURCE:
                declared = f"ssh_host_keys: {rule.mode} is declared for it ({rule.source})"
                exc.causes = (declared, *exc.causes)
            raise
        except Exception:
            t.close()
            raise
        if got == ADDED:  # the task that connected shows it; the store keeps it with the result
            notify(accepted_notice(host, port, key, rule, self.known_hosts.path))
        return t

    def _prefer_pinned_key_types(self, t: paramiko.Transport, address: str, port: int) -> None:
        from rmmkit.ssh.knownhosts import lookup_name

        pinned = [
            e.keytype
            for e in self.known_hosts.entries_for(lookup_name(address, port))
            if not e.marker
        ]
        if not pinned:
            return
        opts = t.get_security_options()
        offered = list(opts.key_types)
        wanted = []
        for keytype in pinned:
            rsa = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
            names = rsa if keytype == "ssh-rsa" else [keytype]
            wanted += [n for n in names if n in offered and n not in wanted]
        opts.key_types = wanted + [k for k in offered if k not in wanted]

    def open(self, host: Any, *, timeout: float) -> SshConnection:
        port = int(host.vars.get("ssh_port", 22))
        tried: list[str] = []
        t: paramiko.Transport | None = None
        user: str | None = None
        try:
            for attempt in self._attempts(host):
                if t is None or not t.is_active() or (user is not None and attempt.user != user):
                    if t is not None:
                        t.close()
                    t = self.handshake(host, port, timeout)
                user = attempt.user
                try:
                    attempt.authenticate(t)
                except paramiko.AuthenticationException:
                    tried.append(attempt.label)
                    continue
                except (paramiko.SSHException, EOFError, OSError):
                    tried.append(attempt.label)  # the server hung up (too many failures)
                    t.close()
                    continue
                if t.is_authenticated():
                    conn = SshConnection(
                        t,
                        host,
                        Login(attempt.credential, attempt.user, attempt.method, attempt.material),
                        timeout,
                    )
                    t = None
                    return conn
                tried.append(attempt.label)
        finally:
            if t is not None:
                t.close()
        if not tried:
            raise AuthenticationError(
                f"{host.name}: no SSH credential declared (kinds password or ssh_key, or var "
                "ssh_agent: true)",
                host=host.name,
                code="no_credential",
                causes=("declare a credential for the site or host (additional credentials)",),
            )
        raise AuthenticationError(
            f"{host.name}: SSH login refused for {', '.join(tried)}",
            host=host.name,
            code="auth_failed",
        )

    def _attempts(self, host: Any) -> Iterator[Attempt]:
        yield from attempts(host, self.material)
