"""The lab's state file: every namespace, mount, file and daemon PID it created.

Why write it before each creation step: ``lab down`` (even after a crash
halfway through ``up``) removes exactly what this lab made and nothing of
anyone else's, so the record must exist before the object does.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from rmmkit.errors import InputError, LabError

LAB_ROOT = Path(os.environ.get("RMMKIT_LAB_ROOT", "/run/rmmkit-lab"))
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,9}$")
PREFIX = "rmk"


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise InputError(
            f"invalid lab name {name!r}",
            expected="1-10 lowercase letters/digits, starting with a letter",
        )
    return name


def lab_dir(name: str) -> Path:
    return LAB_ROOT / check_name(name)


def netns_name(lab: str, what: str) -> str:
    """``rmk-<lab>-<host>``: our prefix, so no other engineer's namespace ever matches."""
    return f"{PREFIX}-{lab}-{what}"


class StateFile:
    """Thread-safe, atomically rewritten JSON record of one lab."""

    def __init__(self, directory: Path, data: dict[str, Any] | None = None) -> None:
        self.dir = directory
        self.path = directory / "state.json"
        self.data: dict[str, Any] = data or {}
        self._lock = threading.Lock()

    @classmethod
    def create(cls, name: str) -> StateFile:
        directory = lab_dir(name)
        LAB_ROOT.mkdir(parents=True, exist_ok=True)
        try:
            directory.mkdir(mode=0o755)  # daemons impersonating users must traverse it
        except FileExistsError as exc:
            raise LabError(
                f"lab {name!r} is already up (or was not torn down)",
                causes=[f"run `rmmkit lab down --name {name}`"],
            ) from exc
        state = cls(directory, {"name": name, "netns": [], "mounts": [], "paths": [], "hosts": {}})
        state.save()
        return state

    @classmethod
    def open(cls, name: str) -> StateFile:
        directory = lab_dir(name)
        try:
            data = json.loads((directory / "state.json").read_text())
        except FileNotFoundError as exc:
            raise LabError(
                f"lab {name!r} is not up", causes=["start it with `rmmkit lab up`"]
            ) from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise LabError(
                f"lab {name!r}: unreadable state file {directory / 'state.json'}"
            ) from exc
        return cls(directory, data)

    def save(self) -> None:
        with self._lock:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True, default=str))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)

    def record(self, key: str, value: Any) -> None:
        """Append to a list (netns, mounts, paths) and save at once."""
        with self._lock:
            self.data.setdefault(key, []).append(value)
        self.save()

    def set_host(self, name: str, info: dict[str, Any]) -> None:
        with self._lock:
            self.data["hosts"][name] = info
        self.save()


def running_labs() -> list[str]:
    if not LAB_ROOT.is_dir():
        return []
    return sorted(p.name for p in LAB_ROOT.iterdir() if (p / "state.json").is_file())
