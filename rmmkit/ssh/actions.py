"""Action ``collect_facts``: OS, users, disks, SMART, updates, processes and load over SSH.

Why one script per host: every fact comes from one round trip (a POSIX shell
script whose sections :func:`rmmkit.ssh.facts.parse_facts` splits), so a
thousand hosts cost a thousand commands, not tens of thousands.
"""

from __future__ import annotations

from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.results import Outcome
from rmmkit.ssh.facts import facts_script, parse_facts


class CollectFactsAction(Action):
    """OS, users, disks, SMART, pending updates, top processes and load → the store's facts."""

    name = "collect_facts"
    description = "collect OS, users, disks, SMART, updates, processes and load samples"
    supports_check = True
    transport = "ssh"
    args_schema = {
        "type": "object",
        "properties": {
            "samples": {"type": "integer", "minimum": 1, "maximum": 60},
            "interval": {"type": "number", "minimum": 0, "maximum": 10},
            "top": {"type": "integer", "minimum": 1, "maximum": 50},
        },
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        conn = ctx.connection()
        script = facts_script(args.get("samples", 3), args.get("interval", 0.5), args.get("top", 5))
        data = parse_facts(conn.run(script, timeout=max(60.0, 2.0 * args.get("samples", 3))).out)
        ctx.record_facts("ssh", data)
        root = next((d for d in data["disks"] if d["mount"] == "/"), None)
        msg = (
            f"{data['os'].get('pretty') or data['os'].get('kernel', '?')}; "
            f"{len(data['users']['logged_on'])} user(s) logged on; "
            f"updates pending: {data['updates']['pending']}"
            + (f"; / {root['use_percent']}% used" if root else "")
        )
        return Outcome(msg=msg, data={"ssh_facts": data})
