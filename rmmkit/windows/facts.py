r"""Windows facts over WMI, with registry fallbacks where WMI is blocked.

Why fallbacks: the seed's hosts often have WMI firewalled while the Remote
Registry answers; OS name and build, the last logged-on user and hotfixes
live in the registry too.  Every fact says where it came from (``wmi``,
``registry`` or ``unavailable``), which the store keeps as the fact's source.
"""

from __future__ import annotations

from typing import Any

from rmmkit.errors import TransportError

CURRENT_VERSION = (
    r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion",
)
LOGON_UI = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\LogonUI"
WQL = {
    "os": (
        "//./root/cimv2",
        "SELECT Caption, Version, BuildNumber, OSArchitecture FROM Win32_OperatingSystem",
    ),
    "user": ("//./root/cimv2", "SELECT UserName FROM Win32_ComputerSystem"),
    "disks": (
        "//./root/cimv2",
        "SELECT DeviceID, Size, FreeSpace, FileSystem FROM Win32_LogicalDisk WHERE DriveType = 3",
    ),
    "antivirus": (
        "//./root/SecurityCenter2",
        "SELECT displayName, productState FROM AntiVirusProduct",
    ),
    "smart": (
        "//./root/wmi",
        "SELECT InstanceName, PredictFailure, Reason FROM MSStorageDriver_FailurePredictStatus",
    ),
    "hotfixes": ("//./root/cimv2", "SELECT HotFixID, InstalledOn FROM Win32_QuickFixEngineering"),
}


def antivirus_state(product_state: int) -> dict[str, Any]:
    """Decode SecurityCenter2's productState: 0x1000 set = enabled, 0x10 clear = up to date."""
    return {"enabled": bool(product_state & 0x1000), "up_to_date": (product_state & 0x10) == 0}


def _wmi_rows(conn: Any, kind: str) -> list[dict[str, Any]] | None:
    from rmmkit.windows.wmi import Wmi

    namespace, wql = WQL[kind]
    wmi = (
        conn.wmi
        if namespace == "//./root/cimv2"
        else Wmi(
            conn.smb.host,
            conn.smb.address,
            conn.smb.material,
            timeout=conn.smb.timeout,
            namespace=namespace,
            table=conn.smb.table,
        )
    )
    try:
        return wmi.query(wql)
    except TransportError:
        return None
    finally:
        if wmi is not conn.wmi:
            wmi.close()


def _registry_os(conn: Any) -> dict[str, Any] | None:
    merged: dict[str, Any] = {}
    try:
        for key in CURRENT_VERSION:
            for name, value in conn.registry.values(key).items():
                merged.setdefault(name, value)
    except TransportError:
        return None
    if not merged.get("ProductName"):
        return None
    return {
        "caption": merged["ProductName"],
        "version": merged.get("CurrentVersion"),
        "build": merged.get("CurrentBuild") or merged.get("CurrentBuildNumber"),
    }


def collect(conn: Any, *, use_wmi: bool = True) -> dict[str, Any]:
    """All facts of one host; WMI first (unless ``use_wmi`` is false), then the registry."""
    facts: dict[str, Any] = {"sources": {}}
    wmi_ok = use_wmi and _wmi_rows(conn, "os") is not None

    def take(kind: str, shape: Any, fallback: Any = None) -> None:
        rows = _wmi_rows(conn, kind) if wmi_ok else None
        if rows is not None:
            facts[kind], facts["sources"][kind] = shape(rows), "wmi"
            return
        value = fallback() if fallback else None
        facts[kind], facts["sources"][kind] = (
            value,
            "registry" if value is not None else "unavailable",
        )

    take(
        "os",
        lambda r: (
            {
                "caption": r[0].get("Caption"),
                "version": r[0].get("Version"),
                "build": r[0].get("BuildNumber"),
                "arch": r[0].get("OSArchitecture"),
            }
            if r
            else None
        ),
        lambda: _registry_os(conn),
    )
    take(
        "user",
        lambda r: {"logged_on": r[0].get("UserName") if r else None},
        lambda: _last_user(conn),
    )
    take(
        "disks",
        lambda r: [
            {
                "device": d.get("DeviceID"),
                "size": _int(d.get("Size")),
                "free": _int(d.get("FreeSpace")),
                "fs": d.get("FileSystem"),
            }
            for d in r
        ],
    )
    take(
        "antivirus",
        lambda r: [
            {"name": a.get("displayName"), **antivirus_state(_int(a.get("productState")))}
            for a in r
        ],
    )
    take(
        "smart",
        lambda r: [
            {
                "disk": s.get("InstanceName"),
                "predict_failure": bool(s.get("PredictFailure")),
                "reason": s.get("Reason"),
            }
            for s in r
        ],
    )
    take(
        "hotfixes",
        lambda r: [{"id": h.get("HotFixID"), "installed_on": h.get("InstalledOn")} for h in r],
    )
    return facts


def _last_user(conn: Any) -> dict[str, Any] | None:
    try:
        user = conn.registry.read(LOGON_UI, "LastLoggedOnUser")
    except TransportError:
        return None
    return None if user is None else {"last_logged_on": user}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
