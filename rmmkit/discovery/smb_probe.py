"""SMB identity without credentials: negotiate, then read the NTLM challenge.

Why stop half-way through a session setup: the server's NTLMSSP CHALLENGE
carries its NetBIOS name, domain, DNS names and OS version, and it arrives
before any credential is sent.  We send the anonymous NEGOTIATE token, read
the CHALLENGE, and hang up: nothing logs in, nothing appears in the
server's logon audit as a failed login.
"""

from __future__ import annotations

import contextlib
import struct
from typing import Any

from impacket import ntlm
from impacket.smb3 import WIN_VERSIONS
from impacket.smb3structs import (
    SMB2_NEGOTIATE_SIGNING_ENABLED,
    SMB2_SESSION_SETUP,
    SMB2SessionSetup,
    SMB2SessionSetup_Response,
)
from impacket.smbconnection import SMBConnection
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

_AV_FIELDS = {
    ntlm.NTLMSSP_AV_HOSTNAME: "server_name",
    ntlm.NTLMSSP_AV_DOMAINNAME: "domain",
    ntlm.NTLMSSP_AV_DNS_HOSTNAME: "dns_hostname",
    ntlm.NTLMSSP_AV_DNS_DOMAINNAME: "dns_domain",
}


def windows_name(major: int, minor: int, build: int) -> str:
    """A human OS name from the NTLM version triple (impacket's build table first)."""
    if build in WIN_VERSIONS:
        return f"{WIN_VERSIONS[build]} Build {build}"
    return f"Windows {major}.{minor} Build {build}"


def smb_identity(ip: str, *, port: int = 445, timeout: float = 2.0) -> dict[str, Any]:
    """Negotiate SMB and read the NTLM challenge; never authenticates.

    Returns keys among ``dialect``, ``server_name``, ``domain``, ``dns_hostname``,
    ``dns_domain``, ``os``, ``os_build``, ``signing_required``.  Raises
    ``OSError``/impacket errors when the host does not speak SMB.
    """
    conn = SMBConnection(ip, ip, sess_port=port, timeout=timeout)
    try:
        info: dict[str, Any] = {
            "dialect": hex(conn.getDialect()),
            "signing_required": bool(conn.isSigningRequired()),
        }
        server = conn.getSMBServer()
        if not hasattr(server, "SMB_PACKET"):  # SMBv1 only: the negotiate reply names the server
            info["server_name"] = server.get_server_name() or ""
            info["domain"] = server.get_server_domain() or ""
            info["os"] = server.get_server_os() or ""
            return {k: v for k, v in info.items() if v not in ("", None)}
        info.update(_challenge(server))
        return info
    finally:
        with contextlib.suppress(Exception):  # the server may have hung up already
            conn.close()


def _challenge(server: Any) -> dict[str, Any]:
    """Send an anonymous NTLM NEGOTIATE in a session setup; parse the CHALLENGE answer."""
    blob = SPNEGO_NegTokenInit()
    blob["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
    blob["MechToken"] = ntlm.getNTLMSSPType1("", "", False).getData()
    setup = SMB2SessionSetup()
    setup["SecurityMode"] = SMB2_NEGOTIATE_SIGNING_ENABLED
    setup["Flags"] = 0
    setup["SecurityBufferLength"] = len(blob)
    setup["Buffer"] = blob.getData()
    packet = server.SMB_PACKET()
    packet["Command"] = SMB2_SESSION_SETUP
    packet["Data"] = setup
    answer = server.recvSMB(server.sendSMB(packet))
    response = SMB2SessionSetup_Response(answer["Data"])
    token = SPNEGO_NegTokenResp(response["Buffer"])["ResponseToken"]
    challenge = ntlm.NTLMAuthChallenge(token)
    out: dict[str, Any] = {}
    length = challenge["TargetInfoFields_len"]
    if length:
        pairs = ntlm.AV_PAIRS(challenge["TargetInfoFields"][:length])
        for av_id, key in _AV_FIELDS.items():
            if pairs[av_id] is not None:
                out[key] = pairs[av_id][1].decode("utf-16le", "replace")
    version = challenge.fields.get("Version") if hasattr(challenge, "fields") else None
    if version and len(version) >= 4:
        major, minor, build = version[0], version[1], struct.unpack("<H", version[2:4])[0]
        out["os_version"] = f"{major}.{minor}.{build}"
        out["os_build"] = build
        out["os"] = windows_name(major, minor, build)
    return out
