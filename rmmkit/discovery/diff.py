"""New, gone and changed hosts between two scans of a site.

Why only online rows count as present: every address has a row in every
scan, so "gone" means "was online, is now offline or not scanned".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmmkit.errors import InputError

if TYPE_CHECKING:
    from rmmkit.store import Store

COMPARED = ("hostname", "mac", "os", "resource_type", "agent_status")


def pick_scans(store: Store, site: str | None, ids: tuple[str, ...] | list[str]) -> tuple[str, str]:
    """(older, newer): the given ids or unique prefixes, else the site's two latest finished."""
    if ids:
        known = {s["scan_id"]: s for s in store.scans(site=site)}
        full = [store.resolve_scan_id(given) for given in ids]  # a unique prefix is enough
        for given, scan_id in zip(ids, full, strict=True):
            if scan_id not in known:
                raise InputError(
                    f"scan {given!r} is not a scan of site {site!r}",
                    expected="two scans of the site, or no --site",
                )
        first, second = (known[i] for i in full)
        ordered = sorted((first, second), key=lambda s: s["started"])
        return ordered[0]["scan_id"], ordered[1]["scan_id"]
    if not site:
        raise InputError(
            "scan diff needs two scan ids or --site", expected="SCAN_A SCAN_B or --site S"
        )
    finished = [s for s in store.scans(site=site) if s["status"] == "finished"]
    if len(finished) < 2:
        raise InputError(
            f"site {site!r} has {len(finished)} finished scan(s); a diff needs two",
            expected="two scans of the site (run `rmmkit scan --site` again)",
        )
    return finished[1]["scan_id"], finished[0]["scan_id"]


def _online(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["ip"]: r for r in rows if r.get("machine_status") == "online"}


def diff_scans(older: list[dict[str, Any]], newer: list[dict[str, Any]]) -> dict[str, list[Any]]:
    before, after = _online(older), _online(newer)
    new = [after[ip] for ip in after if ip not in before]
    gone = [before[ip] for ip in before if ip not in after]
    changed = []
    for ip in after:
        if ip in before:
            fields = {
                k: (before[ip].get(k) or "", after[ip].get(k) or "")
                for k in COMPARED
                if (before[ip].get(k) or "") != (after[ip].get(k) or "")
            }
            if fields:
                changed.append({"ip": ip, "fields": fields})
    return {"new": new, "gone": gone, "changed": changed}
