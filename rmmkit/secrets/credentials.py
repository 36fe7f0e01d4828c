"""Typed credential material for the transports: :func:`materialize` turns a
declared :class:`~rmmkit.declared.models.Credential` into a :class:`Material`.

Why here and not in each transport: the SSH, Windows and SNMP transports all
need the same parsing (``DOMAIN/USER``, ``LM:NT``, protocol names, loading a
private key from memory) and the same guarantee that the values stay wrapped
until the library call.  ``Material`` masks every secret in repr and str.

How ``Credential`` fields are read, per kind (``extra`` entries that are
references are ``{source, key, …options}`` mappings or SecretRefs):

==============  =========================  ==========================================
kind            ``secret``                 ``extra``
==============  =========================  ==========================================
password        the password               —
ntlm_hash       ``LM:NT`` or ``NT`` (hex)  —
kerberos        (or ``ccache``) the cache  ``ccache`` ref (bytes), ``spn`` (optional)
ssh_key         the key's passphrase       ``key`` (ref to key text) or ``key_file``
snmp_community  the community              —
snmp_v3         the auth key               ``priv_secret``, ``auth_protocol``,
                                           ``priv_protocol``, ``engine_id``
==============  =========================  ==========================================
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, fields
from typing import Any

from rmmkit.declared.models import NOWHERE, Credential, SecretRef
from rmmkit.errors import InputError, Location, SecretError
from rmmkit.secrets.resolver import SecretResolver, as_ref
from rmmkit.secrets.values import MASK, Secret

KINDS = ("password", "ntlm_hash", "kerberos", "ssh_key", "snmp_community", "snmp_v3")
AUTH_PROTOCOLS = ("none", "md5", "sha", "sha224", "sha256", "sha384", "sha512")
PRIV_PROTOCOLS = ("none", "des", "3des", "aes", "aes128", "aes192", "aes256")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_SECRET_FIELDS = ("password", "nt_hash", "lm_hash", "ccache", "key", "key_passphrase",
                  "community", "auth_key", "priv_key")  # fmt: skip


@dataclass(frozen=True, repr=False)
class Material:
    """Everything a transport needs to authenticate with one credential."""

    credential: str
    kind: str
    user: str = ""
    domain: str = ""
    password: Secret | None = None
    nt_hash: Secret | None = None
    lm_hash: Secret | None = None
    ccache: Secret | None = None  # raw ccache bytes: parse with :func:`impacket_ccache`
    key: Any = None  # a paramiko PKey, decrypted in memory
    key_passphrase: Secret | None = None
    community: Secret | None = None
    auth_key: Secret | None = None
    priv_key: Secret | None = None
    auth_protocol: str = "none"
    priv_protocol: str = "none"
    options: dict[str, Any] = field(default_factory=dict)  # non-secret extras (spn, engine_id)

    def __repr__(self) -> str:
        parts = [f"credential={self.credential!r}", f"kind={self.kind!r}"]
        parts += [f"user={self.user!r}", f"domain={self.domain!r}"]
        for f in fields(self):
            if f.name in _SECRET_FIELDS and getattr(self, f.name) is not None:
                parts.append(f"{f.name}={MASK}")
        if self.kind == "snmp_v3":
            parts += [
                f"auth_protocol={self.auth_protocol!r}",
                f"priv_protocol={self.priv_protocol!r}",
            ]
        return f"Material({', '.join(parts)})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("credential material cannot be pickled")


def _where(cred: Credential) -> Location | None:
    return None if cred.location == NOWHERE else cred.location


def split_user(user: str, domain: str) -> tuple[str, str]:
    """``DOMAIN/USER`` or ``DOMAIN\\USER`` → (user, domain) unless a domain is given."""
    if not domain:
        for sep in ("/", "\\"):
            if sep in user:
                domain, user = user.split(sep, 1)
                break
    return user, domain


def materialize(cred: Credential, resolver: SecretResolver) -> Material:
    """Resolve ``cred``'s secrets and shape them for its kind (errors name the credential)."""
    if cred.kind not in KINDS:
        raise InputError(
            f"credential {cred.name!r}: unknown kind {cred.kind!r}",
            location=_where(cred),
            expected="one of " + ", ".join(KINDS),
        )
    user, domain = split_user(cred.user, cred.domain)
    base = {"credential": cred.name, "kind": cred.kind, "user": user, "domain": domain}
    secret = resolver.resolve(cred.secret, credential=cred) if cred.secret is not None else None
    maker = _MAKERS[cred.kind]
    return maker(cred, resolver, secret, base)


def _need(cred: Credential, secret: Secret | None, what: str) -> Secret:
    if secret is None or not secret:
        raise SecretError(f"credential {cred.name!r} ({cred.kind}) needs a secret: {what}")
    return secret


def _password(cred: Credential, _r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    return Material(**base, password=_need(cred, secret, "the password"))


def _ntlm(cred: Credential, _r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    text = _need(cred, secret, "the NTLM hash").reveal_str().strip()
    lm, _, nt = text.rpartition(":")
    if not _HEX32.fullmatch(nt) or (lm and not _HEX32.fullmatch(lm)):
        raise SecretError(
            f"credential {cred.name!r}: the NTLM hash is malformed "
            "(expected 32 hex digits, or LM:NT as 32:32 hex digits)"
        )
    return Material(**base, nt_hash=Secret(nt.lower()), lm_hash=Secret(lm.lower()) if lm else None)


def _kerberos(cred: Credential, r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    ref = as_ref(cred.extra.get("ccache"))
    if ref is not None:
        secret = r.resolve(ref, credential=cred)
    value = _need(cred, secret, "the Kerberos ticket cache (ccache: {source: file, key: PATH})")
    raw = value.reveal()
    data = raw if isinstance(raw, bytes) else raw.encode("latin-1")
    options = {"spn": cred.extra.get("spn", ""), "kdc": cred.extra.get("kdc", "")}
    material = Material(**base, ccache=Secret(data), options=options)
    cache = impacket_ccache(material)
    if not base["user"] and cache.principal is not None:
        principal = cache.principal.prettyPrint().decode("utf-8", "replace")
        user, _, realm = principal.partition("@")
        base = {**base, "user": user, "domain": base["domain"] or realm}
        material = Material(**base, ccache=material.ccache, options=material.options)
    return material


def _ssh_key(cred: Credential, r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    ref = as_ref(cred.extra.get("key"))
    if ref is None and cred.extra.get("key_file"):
        ref = SecretRef("file", str(cred.extra["key_file"]))
    if ref is None:
        raise InputError(
            f"credential {cred.name!r}: an ssh_key credential needs a private key",
            location=_where(cred),
            expected="extra 'key: {source, key}' or 'key_file: PATH'",
        )
    text = r.resolve(ref, credential=cred)
    return Material(**base, key=load_private_key(cred.name, text, secret), key_passphrase=secret)


def _community(cred: Credential, _r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    return Material(**base, community=_need(cred, secret, "the SNMP community"))


def _snmp_v3(cred: Credential, r: SecretResolver, secret: Secret | None, base: dict) -> Material:
    auth_p = str(cred.extra.get("auth_protocol", "sha" if secret else "none")).lower()
    priv_ref = as_ref(cred.extra.get("priv_secret"))
    priv_p = str(cred.extra.get("priv_protocol", "aes" if priv_ref else "none")).lower()
    for label, value, allowed in (("auth_protocol", auth_p, AUTH_PROTOCOLS),
                                  ("priv_protocol", priv_p, PRIV_PROTOCOLS)):  # fmt: skip
        if value not in allowed:
            raise InputError(  # the value is not echoed: it may be a key typed in the wrong field
                f"credential {cred.name!r}: unknown {label}",
                location=_where(cred),
                expected="one of " + ", ".join(allowed),
            )
    if not base["user"]:
        raise InputError(f"credential {cred.name!r}: snmp_v3 needs a user", location=_where(cred))
    auth = _need(cred, secret, "the auth key") if auth_p != "none" else None
    priv = (
        r.resolve(priv_ref, credential=cred) if priv_ref is not None and priv_p != "none" else None
    )
    if priv_p != "none" and (priv is None or auth is None):
        raise SecretError(
            f"credential {cred.name!r}: privacy needs both an auth key and a priv_secret"
        )
    for label, key in (("auth key", auth), ("priv key", priv)):
        if key is not None and len(key) < 8:
            raise SecretError(f"credential {cred.name!r}: the {label} is shorter than 8 characters")
    options = {"engine_id": cred.extra["engine_id"]} if cred.extra.get("engine_id") else {}
    return Material(**base, auth_key=auth, priv_key=priv, auth_protocol=auth_p,
                    priv_protocol=priv_p, options=options)  # fmt: skip


_MAKERS = {"password": _password, "ntlm_hash": _ntlm, "kerberos": _kerberos,
           "ssh_key": _ssh_key, "snmp_community": _community, "snmp_v3": _snmp_v3}  # fmt: skip


def load_private_key(credential: str, text: Secret, passphrase: Secret | None) -> Any:
    """A paramiko PKey from key text in memory (OpenSSH or PEM; RSA, ECDSA, Ed25519)."""
    import paramiko
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    raw = text.reveal()
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    pw_bytes = passphrase.reveal_str().encode("utf-8") if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=pw_bytes)
        except ValueError:
            loaded = serialization.load_pem_private_key(data, password=pw_bytes)
    except TypeError:  # encrypted without passphrase, or passphrase given for a plain key
        raise SecretError(
            f"credential {credential!r}: the SSH key passphrase is missing or not needed"
        ) from None
    except ValueError:
        raise SecretError(
            f"credential {credential!r}: the SSH key cannot be loaded "
            "(wrong passphrase, or not a private key)"
        ) from None
    classes = (
        (rsa.RSAPrivateKey, paramiko.RSAKey),
        (ed25519.Ed25519PrivateKey, paramiko.Ed25519Key),
        (ec.EllipticCurvePrivateKey, paramiko.ECDSAKey),
    )
    # re-encode as unencrypted OpenSSH text, in memory only: paramiko reads that for every type
    plain = loaded.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption())  # fmt: skip
    for crypto_cls, key_cls in classes:
        if isinstance(loaded, crypto_cls):
            try:
                return key_cls.from_private_key(io.StringIO(plain.decode("ascii")))
            except (paramiko.SSHException, ValueError):
                raise SecretError(
                    f"credential {credential!r}: paramiko cannot load this SSH key"
                ) from None
    raise SecretError(f"credential {credential!r}: paramiko cannot load this SSH key") from None
    raise SecretError(
        f"credential {credential!r}: unsupported SSH key type (expected RSA, ECDSA or Ed25519)"
    )


def impacket_ccache(material: Material) -> Any:
    """impacket's CCache parsed from memory; hand ``tgt``/``tgs`` to ``kerberosLogin(TGT=…)``."""
    from impacket.krb5.ccache import CCache

    if material.ccache is None:
        raise SecretError(f"credential {material.credential!r} has no Kerberos ticket cache")
    try:
        return CCache(material.ccache.reveal())
    except Exception:
        raise SecretError(
            f"credential {material.credential!r}: the Kerberos ticket cache is malformed"
        ) from None


def kerberos_tickets(material: Material, spn: str | None = None) -> dict[str, Any]:
    """``{"TGT": …, "TGS": …}`` for impacket's ``kerberosLogin`` from the in-memory ccache.

    Why: impacket's ``useCache=True`` reads ``KRB5CCNAME`` from the
    environment; passing the tickets directly keeps the cache out of every
    environment and off the disk.
    """
    cache = impacket_ccache(material)
    realm = material.domain.upper()
    out: dict[str, Any] = {"TGT": None, "TGS": None}
    creds = cache.getCredential(f"krbtgt/{realm}@{realm}", anySPN=False) if realm else None
    if creds is not None:
        out["TGT"] = creds.toTGT()
    target = material.options.get("spn", "") if spn is None else spn  # "": the TGT only
    if target:
        tgs = cache.getCredential(f"{target}@{realm}" if realm else target)
        if tgs is not None:
            out["TGS"] = tgs.toTGS(target)
    if out["TGT"] is None and out["TGS"] is None:
        raise SecretError(
            f"credential {material.credential!r}: no usable ticket in the Kerberos cache"
        )
    return out
