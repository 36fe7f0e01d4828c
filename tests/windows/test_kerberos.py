"""Kerberos ticket caches against a real KDC: Samba's AD domain controller in the lab.

The cache is made the way an administrator makes one (MIT ``kinit`` and
``kvno``), read by rmmkit through a secret source, and handed to impacket in
memory.  What impacket 0.13 cannot do against a Samba KDC (send a TGS-REQ
that Samba accepts: KRB_AP_ERR_INAPP_CKSUM, fortra/impacket#2211) is shown
to fail with the table's description and the way out (a service ticket in
the cache).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rmmkit.errors import AuthenticationError
from rmmkit.lab import Lab
from rmmkit.secrets.credentials import Material
from rmmkit.secrets.values import Secret
from rmmkit.windows.rrp import RemoteRegistry
from rmmkit.windows.scmr import ServiceManager
from rmmkit.windows.smb import SmbSession

from .addc import DC_NAME, DC_PASSWORD, REALM, DomainController
from .test_cli import rmmkit

pytestmark = pytest.mark.lab

SPN = f"cifs/{DC_NAME}"


def kerberos(cache: Path, dc: DomainController, spn: str = SPN) -> Material:
    return Material(
        credential="dc-kerberos",
        kind="kerberos",
        user="administrator",
        domain=REALM,
        ccache=Secret(cache.read_bytes()),
        options={"spn": spn, "kdc": dc.address},
    )


def test_ticket_cache_logs_in_and_drives_smb_svcctl_winreg(
    addc: DomainController, winlab: Lab, tmp_path: Path
) -> None:
    cache = addc.ticket_cache(tmp_path / "cc", SPN)
    with winlab.scanner():
        smb = SmbSession.login(DC_NAME, addc.address, [kerberos(cache, addc)], timeout=10)
        try:
            shares = {s.name.lower() for s in smb.shares()}
            scm = ServiceManager(smb)
            services = {s.name for s in scm.services()}
            scm.close()
            reg = RemoteRegistry(smb)
            reg.write(r"HKLM\SOFTWARE\RMMKit\Kerberos", "Checked", "over kerberos")
            written = reg.read(r"HKLM\SOFTWARE\RMMKit\Kerberos", "Checked")
            reg.close()
        finally:
            smb.close()
    assert smb.credential == "dc-kerberos"
    assert {"sysvol", "netlogon"} <= shares  # the shares only a domain controller has
    assert services, "svcctl answered over the Kerberos-authenticated session"
    assert written == "over kerberos"  # winreg wrote and read back as the domain admin


def test_tgt_only_cache_fails_with_description_and_way_out(
    addc: DomainController, winlab: Lab, tmp_path: Path
) -> None:
    cache = addc.ticket_cache(tmp_path / "cc-tgt")  # no kvno: impacket must ask the KDC
    with pytest.raises(AuthenticationError) as info, winlab.scanner():
        SmbSession.login(DC_NAME, addc.address, [kerberos(cache, addc)], timeout=10)
    failure = info.value.failure  # type: ignore[attr-defined]
    assert failure.kind == "krb" and failure.entry == "kerberos_no_service_ticket"
    assert failure.code_name == "KRB_AP_ERR_INAPP_CKSUM"  # Samba's KDC, impacket 0.13
    assert any("kvno cifs/HOST" in cause for cause in info.value.causes)
    assert DC_PASSWORD not in f"{info.value}{info.value.causes}"


def test_inventory_kerberos_credential_through_the_cli(
    addc: DomainController, winlab: Lab, tmp_path: Path
) -> None:
    """YAML → file secret source (binary) → materialised ccache → impacket, from the CLI."""
    cache = addc.ticket_cache(tmp_path / "krb5cc_admin", SPN)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(f"""\
credentials:
  - name: dc-kerberos
    kind: kerberos
    user: {REALM}/administrator
    ccache: {{source: file, key: {cache}, options: {{binary: true}}}}
    spn: {SPN}
    kdc: {addc.address}
sites:
  - name: ad
    ranges: [{addc.address}]
    credentials: [dc-kerberos]
""")
    out = rmmkit(
        winlab,
        "windows",
        "preflight",
        addc.address,
        "--credential",
        "dc-kerberos",
        "-i",
        str(inventory),
        "--format",
        "json",
    )
    assert out.stdout, out.stderr
    (result,) = json.loads(out.stdout)
    steps = {step["step"]: step for step in result["steps"]}
    assert result["credential"] == "dc-kerberos"
    assert steps["smb_login"]["status"] == "ok", steps["smb_login"]
    assert steps["svcctl"]["status"] == "ok", steps["svcctl"]
    # A Samba DC has no ADMIN$ and no WMI: the verdict blames the host, not the credential.
    assert result["verdict"] == "host_config" and "admin_share_missing" in result["problems"]
    assert out.returncode != 0
    assert cache.read_bytes().hex()[:64] not in out.stdout + out.stderr


def test_which_tickets_and_name_each_protocol_uses(addc: DomainController, tmp_path: Path) -> None:
    """SMB takes the credential's cifs/ ticket; DCOM (``spn=""``) only the TGT; names, not IPs."""
    from rmmkit.secrets.adapters import impacket_server_name
    from rmmkit.secrets.credentials import kerberos_tickets

    material = kerberos(addc.ticket_cache(tmp_path / "cc", SPN), addc)
    smb = kerberos_tickets(material)
    dcom = kerberos_tickets(material, "")
    assert smb["TGT"] is not None and smb["TGS"] is not None
    assert dcom["TGT"] is not None and dcom["TGS"] is None
    assert impacket_server_name(material, "inventory-name", addc.address) == DC_NAME
    no_spn = kerberos(tmp_path / "cc", addc, spn="")
    assert impacket_server_name(no_spn, "inventory-name", addc.address) == "inventory-name"
    ntlm = Material(credential="n", kind="password", user="u", password=Secret("x"))
    assert impacket_server_name(ntlm, "inventory-name", addc.address) == addc.address
