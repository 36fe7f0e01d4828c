"""The reveal boundary: :class:`Material` → the argument shapes of paramiko, impacket, pysnmp.

Why one module: every ``.reveal()`` of credential material happens here, in
a call that hands the value straight to a library, so a reviewer checks one
file to see where secrets leave their wrapper.  Nothing here logs, stores or
formats a value.

Watch out in callers: pysnmp's *v1arch* ``CommunityData.__repr__`` prints
the community; never log that object (v3arch masks it).
"""

from __future__ import annotations

from typing import Any

from rmmkit.errors import SecretError
from rmmkit.secrets.credentials import Material, kerberos_tickets


def paramiko_kwargs(material: Material) -> dict[str, Any]:
    """Keyword arguments for ``paramiko.SSHClient.connect`` (username plus key or password)."""
    out: dict[str, Any] = {"username": material.user, "allow_agent": False, "look_for_keys": False}
    if material.key is not None:
        out["pkey"] = material.key
    elif material.password is not None:
        out["password"] = material.password.reveal_str()
    else:
        raise SecretError(
            f"credential {material.credential!r} ({material.kind}) cannot log in over SSH"
        )
    return out


def impacket_server_name(material: Material, host: str, address: str) -> str:
    """The name impacket asks a ticket for (``cifs/<this>``, ``host/<this>``).

    Why not the address: a domain controller issues tickets for names
    (cifs/dc1.example.com), not for IPs.  Kerberos takes the host part of the
    credential's ``spn``, else the inventory name; NTLM keeps the address.
    """
    if material.kind != "kerberos":
        return address
    spn = str(material.options.get("spn") or "")
    return spn.split("/", 1)[1] if "/" in spn else host


def impacket_login(conn: Any, material: Material) -> None:
    """Log an impacket ``SMBConnection`` (or DCOM/transport with the same API) in."""
    if material.kind == "kerberos":
        tickets = kerberos_tickets(material)
        kdc_host = material.options.get("kdc") or None  # None: impacket asks DNS for the realm
        conn.kerberosLogin(material.user, "", material.domain, "", "", "", kdc_host,
                           TGT=tickets["TGT"], TGS=tickets["TGS"], useCache=False)  # fmt: skip
        return
    conn.login(material.user, **impacket_credentials(material))


def impacket_credentials(material: Material) -> dict[str, str]:
    """``password``/``domain``/``lmhash``/``nthash`` as impacket's ``login`` and DCERPC
    transports' ``set_credentials`` expect them."""
    if material.kind == "password" and material.password is not None:
        return {"password": material.password.reveal_str(), "domain": material.domain,
                "lmhash": "", "nthash": ""}  # fmt: skip
    if material.kind == "ntlm_hash" and material.nt_hash is not None:
        lm = material.lm_hash.reveal_str() if material.lm_hash is not None else ""
        return {"password": "", "domain": material.domain, "lmhash": lm,
                "nthash": material.nt_hash.reveal_str()}  # fmt: skip
    raise SecretError(
        f"credential {material.credential!r} ({material.kind}) cannot log in over SMB"
    )


_AUTH = {"none": "USM_AUTH_NONE", "md5": "USM_AUTH_HMAC96_MD5", "sha": "USM_AUTH_HMAC96_SHA",
         "sha224": "USM_AUTH_HMAC128_SHA224", "sha256": "USM_AUTH_HMAC192_SHA256",
         "sha384": "USM_AUTH_HMAC256_SHA384", "sha512": "USM_AUTH_HMAC384_SHA512"}  # fmt: skip
_PRIV = {"none": "USM_PRIV_NONE", "des": "USM_PRIV_CBC56_DES", "3des": "USM_PRIV_CBC168_3DES",
         "aes": "USM_PRIV_CFB128_AES", "aes128": "USM_PRIV_CFB128_AES",
         "aes192": "USM_PRIV_CFB192_AES", "aes256": "USM_PRIV_CFB256_AES"}  # fmt: skip


def pysnmp_auth(material: Material, *, mp_model: int = 1) -> Any:
    """pysnmp (v3arch) ``CommunityData`` or ``UsmUserData`` for a community or v3 credential.

    :param mp_model: 0 for SNMPv1, 1 for v2c (communities only).
    """
    from pysnmp.hlapi.v3arch.asyncio import auth

    if material.kind == "snmp_community" and material.community is not None:
        index = f"rmmkit-{material.credential}"
        return auth.CommunityData(index, material.community.reveal_str(), mpModel=mp_model)
    if material.kind == "snmp_v3":
        return auth.UsmUserData(
            material.user,
            authKey=material.auth_key.reveal_str() if material.auth_key is not None else None,
            privKey=material.priv_key.reveal_str() if material.priv_key is not None else None,
            authProtocol=getattr(auth, _AUTH[material.auth_protocol]),
            privProtocol=getattr(auth, _PRIV[material.priv_protocol]),
        )
    raise SecretError(
        f"credential {material.credential!r} ({material.kind}) is not an SNMP credential"
    )
