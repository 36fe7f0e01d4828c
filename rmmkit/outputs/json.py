"""The whole run as one JSON document, written at the end.

Why a separate output from ``jsonl``: scripts that want the final state read
one document; consumers that want progress read the event stream.
"""

from __future__ import annotations

import json
from typing import Any

from rmmkit.outputs.base import FILE_OPTION, Output
from rmmkit.results import RunResult

FORMAT_VERSION = 1


def run_to_dict(result: RunResult) -> dict[str, Any]:
    return {
        "v": FORMAT_VERSION,
        "run_id": result.run_id,
        "playbook": result.playbook,
        "check": result.check,
        "started": result.started,
        "ended": result.ended,
        "counts": result.counts(),
        "hosts": {
            name: {
                "status": hr.status.value,
                "results": [r.to_dict() for r in hr.results],
            }
            for name, hr in result.hosts.items()
        },
    }


class JsonOutput(Output):
    name = "json"
    description = "the whole run as one JSON document at the end"
    options_schema = {
        "type": "object",
        "properties": {"file": FILE_OPTION, "indent": {"type": ["integer", "null"]}},
        "additionalProperties": False,
    }

    def finish(self, result: RunResult) -> None:
        json.dump(
            run_to_dict(result), self.stream, indent=self.options.get("indent", 2), default=str
        )
        self.stream.write("\n")
        self.stream.flush()
