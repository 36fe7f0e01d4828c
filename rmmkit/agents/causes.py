"""Failure → one-line description + likely causes (the seed's error/possible-cause table).

Why keyed by ``code``: transports and the lifecycle raise errors carrying a
stable code; this table turns it into words for the Description column, the
deployment events and ``rmmkit_explain_error``, so every transport's
failures read the same way.
"""

from __future__ import annotations

from typing import Any

CAUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth_failed": (
        "Authentication failed",
        (
            "incorrect login credentials are configured",
            "the account is locked, expired or not allowed to log in remotely",
            "password authentication is disabled on the host (key only)",
            "add the working account as an additional credential of the site",
        ),
    ),
    "host_key_changed": (
        "Host key changed",
        (
            "the host was re-installed or its SSH keys were regenerated",
            "another machine now answers at this address (DHCP reassignment)",
            "a man-in-the-middle is intercepting the connection",
        ),
    ),
    "host_key_unknown": (
        "Unknown host key",
        ("the host was never contacted before: run with --accept-new-host-keys once",),
    ),
    "sudo_refused": (
        "Sudo refused",
        (
            "the user is not allowed to run commands as root (not in the sudoers file)",
            "sudo needs a password the credential does not provide",
        ),
    ),
    "disk_full": (
        "Not enough disk space on the target",
        (
            "the staging folder (agent_staging_dir, default /tmp) is full or too small",
            "clean up the disk or point agent_staging_dir at a larger file system",
        ),
    ),
    "checksum_mismatch": (
        "Installer checksum mismatch",
        (
            "the installer file differs from the sha256 declared in the inventory",
            "the copy was corrupted or altered in transit or on the target",
        ),
    ),
    "timeout": (
        "Timed out",
        (
            "the host or the network is too slow for the configured timeout",
            "a firewall silently drops the connection",
        ),
    ),
    "connection_refused": (
        "Connection refused",
        (
            "the SSH service (Remote Login on a Mac) is not running",
            "a firewall rejects the port",
        ),
    ),
    "no_route": (
        "No route to the host",
        ("the host is off or on a network the scanner cannot reach",),
    ),
    "install_failed": (
        "The installer failed",
        (
            "the installer does not support this OS version or architecture",
            "a previous installation is broken: uninstall it first",
        ),
    ),
    "no_installer": (
        "No installer for this platform",
        ("the inventory declares no installer for the host's OS and architecture",),
    ),
    "copy_failed": (
        "Could not copy the installer",
        ("the staging folder is not writable by the login user",),
    ),
    "verify_failed": (
        "Agent not detected after the installation",
        (
            "the installer exited 0 but did not install the declared version",
            "the detection rules (detect: file, service, version_command) do not match the agent",
        ),
    ),
    "scheduled_failed": (
        "The scheduled installation did not install the agent",
        (
            "the scheduled command ran at the logon but failed (check the installer on the host)",
            "the staged installer was removed before the next logon",
        ),
    ),
    "busy": (
        "Another deployment is in progress",
        ("a deployment started by another run has not finished on this host",),
    ),
    "no_credential": (
        "No credential",
        (
            "no credential this transport can use (SSH: password or ssh_key; Windows: password, "
            "ntlm_hash or kerberos) is declared for the host or its site",
        ),
    ),
    "no_method": (
        "No deploy method is available",
        ("WMI, the service manager and the remote registry all refused or are blocked",),
    ),
}


def describe(error: BaseException) -> tuple[str, tuple[str, ...]]:
    """(description, likely causes) for ``error``.

    A classified Windows error (``.failure``, :mod:`rmmkit.windows.errors`)
    brings the seed's error-table text and causes; other errors are looked
    up by their ``code``.
    """
    failure = getattr(error, "failure", None)
    if getattr(failure, "message", None):
        own = tuple(getattr(failure, "causes", ()) or getattr(error, "causes", ()) or ())
        return str(failure.message), own
    code = getattr(error, "code", None) or ""
    if code in CAUSES:
        return CAUSES[code]
    if isinstance(error, TimeoutError):
        return CAUSES["timeout"]
    if isinstance(error, ConnectionRefusedError):
        return CAUSES["connection_refused"]
    return type(error).__name__, tuple(getattr(error, "causes", ()) or ())


def explain(error: BaseException) -> list[str] | None:
    """The table's causes for an error carrying a known ``code`` and no causes of its own."""
    code: Any = getattr(error, "code", None)
    if code in CAUSES and not getattr(error, "causes", ()):  # the error's own are more precise
        return list(CAUSES[code][1])
    return None
