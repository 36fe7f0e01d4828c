"""The built-in ``discover`` action: scan a site, once per site, into the store.

Why ``per = "site"``: a scan covers a site's ranges, not one host; after the
segment the runner re-reads the site's live hosts from the store, so the
following per-host tasks (agent status, deployment) see what was just found.
"""

from __future__ import annotations

from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.errors import InputError
from rmmkit.results import Outcome


class DiscoverAction(Action):
    name = "discover"
    description = "scan the site's ranges (ICMP, TCP, identity) and store one row per address"
    supports_check = True
    transport = None
    per = "site"
    args_schema = {
        "type": "object",
        "properties": {
            "ranges": {"type": "array", "items": {"type": "string"}},
            "excludes": {"type": "array", "items": {"type": "string"}},
            "ports": {
                "oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "string"}]
            },
            "max_rate": {"type": "number", "minimum": 1},
            "retries": {"type": "integer", "minimum": 0, "maximum": 10},
            "timeout": {"type": "number", "minimum": 0.05},
            "identity_timeout": {"type": "number", "minimum": 0.1},
            "ping_only": {"type": "boolean"},
            "rdns": {"type": "boolean"},
            "dns": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        from rmmkit.discovery.api import ScanRequest, execute

        site = ctx.host.site or ctx.host.name
        if not site:
            raise InputError(
                "discover runs per site, but this target has no site",
                expected="targets: sites: [...] in the playbook",
            )
        request = ScanRequest(
            ranges=list(args.get("ranges", ())),
            excludes=list(args.get("excludes", ())),
            site=site,
            inventory=ctx.session.inventory,
            secrets=ctx.session.secrets,
            ports=args.get("ports"),
            max_rate=float(args.get("max_rate", 5000.0)),
            retries=int(args.get("retries", 1)),
            timeout=float(args.get("timeout", 1.0)),
            identity_timeout=float(args.get("identity_timeout", 2.0)),
            ping_only=bool(args.get("ping_only", False)),
            rdns=bool(args.get("rdns", True)),
            dns_servers=list(args["dns"]) if "dns" in args else None,
        )
        scope, site_name, prepared = request.prepare()
        if ctx.check:
            return Outcome(
                msg=f"would scan {len(scope)} addresses of site {site_name}",
                data={"targets": len(scope)},
            )
        outcome = execute(
            prepared, scope, store=ctx.session.store, site=site_name, run_id=ctx.run_id or None
        )
        return Outcome(
            msg=f"{outcome.alive_count} online of {len(outcome.targets)} addresses",
            data={
                "scan_id": outcome.scan_id,
                "online": outcome.alive_count,
                "targets": len(outcome.targets),
                "packets": outcome.result.sweep.packets,
                "resolvers": outcome.result.resolvers,
                "notes": [*prepared.notes, *outcome.result.notes],
            },
        )
