"""Built-in policy types: ``devices/remote_access`` (consent, auto-update, tray icon).

Why a plugin like any other: policy types are registered through
``rmmkit_register_policy_types`` so a third party can add its own typed
settings; each class's ``settings_schema`` validates the policies of its type
and its ``default`` values fill what a policy leaves out.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rmmkit.plugin.spec import Register, hookimpl


class PolicyType:
    """Base class: ``name`` is ``category/type``; ``settings_schema`` types the settings."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    settings_schema: ClassVar[dict[str, Any]] = {"type": "object"}


class RemoteAccessPolicy(PolicyType):
    """Remote-access agent settings; the defaults are the vendor's (seed 001)."""

    name = "devices/remote_access"
    description = "remote access: whether consent may be required, agent auto-update, tray icon"
    settings_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "require_consent": {
                "type": "boolean",
                "default": True,
                "description": "Users may be asked for consent before a session (per endpoint).",
            },
            "auto_update": {
                "type": "boolean",
                "default": True,
                "description": "Keep the access agent up to date (outdated agents fail).",
            },
            "show_tray_icon": {
                "type": "boolean",
                "default": False,
                "description": "Show the system tray icon / notification balloon on the endpoint.",
            },
        },
    }


BUILTIN_POLICY_TYPES: tuple[type[PolicyType], ...] = (RemoteAccessPolicy,)


@hookimpl
def rmmkit_register_policy_types(register: Register) -> None:
    for cls in BUILTIN_POLICY_TYPES:
        register(cls.name, cls)
