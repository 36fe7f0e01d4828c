"""JSON encoding for the store's JSON columns.

Why a custom encoder: task data may carry anything an action returned —
datetimes, sets, paths, enums, and (by mistake) a :class:`~rmmkit.secrets.Secret`.
A Secret serialises as ``***`` so a secret value can never reach the store;
anything else unknown becomes its ``str()`` rather than failing the write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from pathlib import PurePath
from typing import Any

from rmmkit.secrets.values import MASK, Secret


def _default(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return MASK
    json_hook = getattr(type(obj), "__json__", None)
    if json_hook is not None:
        return json_hook(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.hex()
    if isinstance(obj, PurePath):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # not asdict(): it deep-copies, and a Secret refuses to be copied
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return str(obj)


def dumps(value: Any) -> str:
    """Compact JSON; never raises on odd types, never reveals a Secret."""
    return json.dumps(value, default=_default, separators=(",", ":"), ensure_ascii=False)


_PLAIN = (str, int, float, bool, type(None))


def _is_plain(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if type(value) is dict:
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    if type(value) is list:
        return all(_is_plain(v) for v in value)
    return False


def clean(value: Any) -> Any:
    """``value`` as plain JSON types (a Secret becomes ``***``) before it is merged or stored."""
    return value if _is_plain(value) else json.loads(dumps(value))
