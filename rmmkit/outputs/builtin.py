"""Registers the built-in outputs: ``table``, ``json``, ``jsonl``."""

from __future__ import annotations

from rmmkit.outputs.json import JsonOutput
from rmmkit.outputs.jsonl import JsonlOutput
from rmmkit.outputs.table import TableOutput
from rmmkit.plugin.spec import Register, hookimpl


@hookimpl
def rmmkit_register_outputs(register: Register) -> None:
    for cls in (TableOutput, JsonOutput, JsonlOutput):
        register(cls.name, cls)
