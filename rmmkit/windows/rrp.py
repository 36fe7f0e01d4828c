r"""MS-RRP over ``\pipe\winreg``: read and write registry values (agent version, RunOnce).

Why over the SMB session: the Remote Registry service answers on a named
pipe of IPC$, so it needs no port besides 445 — but it must be running,
which is exactly what the preflight's last rung checks.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rmmkit.errors import InputError, TransportError
from rmmkit.windows.errors import windows_error
from rmmkit.windows.smb import SmbSession

RUN_ONCE = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce"
_HIVES = {"HKLM": "hOpenLocalMachine", "HKEY_LOCAL_MACHINE": "hOpenLocalMachine",
          "HKU": "hOpenUsers", "HKEY_USERS": "hOpenUsers",
          "HKCU": "hOpenCurrentUser", "HKEY_CURRENT_USER": "hOpenCurrentUser",
          "HKCR": "hOpenClassesRoot", "HKEY_CLASSES_ROOT": "hOpenClassesRoot"}  # fmt: skip
_NOT_FOUND = {2, 3}  # ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND


def split_key(path: str) -> tuple[str, str]:
    r"""``HKLM\SOFTWARE\X`` → (``HKLM``, ``SOFTWARE\X``); unknown hives are input errors."""
    hive, _, rest = path.replace("/", "\\").partition("\\")
    if hive.upper() not in _HIVES:
        raise InputError(
            f"registry path {path!r} has no known hive",
            expected="HKLM\\…, HKU\\…, HKCU\\… or HKCR\\…",
        )
    return hive.upper(), rest.strip("\\")


def split_value(path: str) -> tuple[str, str]:
    r"""``HKLM\SOFTWARE\X\Version`` → (``HKLM\SOFTWARE\X``, ``Version``)."""
    key, _, name = path.rpartition("\\")
    return key, name


class RemoteRegistry:
    """Registry of one host; the pipe is opened on first use and closed with :meth:`close`."""

    def __init__(self, smb: SmbSession) -> None:
        self.smb = smb
        self._dce: Any = None
        self._hives: dict[str, Any] = {}

    def _bound(self) -> Any:
        if self._dce is None:
            from impacket.dcerpc.v5 import rrp

            self._dce = self.smb.pipe("winreg", rrp.MSRPC_UUID_RRP)
        return self._dce

    def _hive(self, hive: str) -> Any:
        from impacket.dcerpc.v5 import rrp

        if hive not in self._hives:
            self._hives[hive] = getattr(rrp, _HIVES[hive])(self._bound())["phKey"]
        return self._hives[hive]

    def _key(self, path: str, *, create: bool = False) -> Any:
        from impacket.dcerpc.v5 import rrp

        hive, sub = split_key(path)
        root = self._hive(hive)
        if create:
            return rrp.hBaseRegCreateKey(self._bound(), root, sub + "\x00")["phkResult"]
        return rrp.hBaseRegOpenKey(
            self._bound(), root, sub + "\x00", samDesired=rrp.MAXIMUM_ALLOWED
        )["phkResult"]

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (InputError, TransportError):
            raise
        except Exception as exc:
            raise windows_error(
                exc, what, self.smb.host, context="winreg", table=self.smb.table
            ) from None

    def read(self, key: str, name: str) -> Any:
        """The value's data (str for REG_SZ, int for DWORD); None when key or value is missing."""
        from impacket.dcerpc.v5 import rrp

        def go() -> Any:
            try:
                handle = self._key(key)
                try:
                    _kind, data = rrp.hBaseRegQueryValue(self._bound(), handle, name + "\x00")
                finally:
                    rrp.hBaseRegCloseKey(self._bound(), handle)
            except rrp.DCERPCSessionError as exc:
                if exc.get_error_code() in _NOT_FOUND:
                    return None
                raise
            return data.rstrip("\x00") if isinstance(data, str) else data

        return self._call("winreg_read", go)

    def write(self, key: str, name: str, value: str | int) -> None:
        """Set ``name`` under ``key`` (created if missing): REG_SZ for text, REG_DWORD for ints."""
        from impacket.dcerpc.v5 import rrp

        def go() -> None:
            handle = self._key(key, create=True)
            try:
                if isinstance(value, int):
                    rrp.hBaseRegSetValue(self._bound(), handle, name + "\x00", rrp.REG_DWORD, value)
                else:
                    rrp.hBaseRegSetValue(
                        self._bound(), handle, name + "\x00", rrp.REG_SZ, value + "\x00"
                    )
            finally:
                rrp.hBaseRegCloseKey(self._bound(), handle)

        self._call("winreg_write", go)

    def delete_value(self, key: str, name: str) -> bool:
        """Remove a value; False when it was not there."""
        from impacket.dcerpc.v5 import rrp

        def go() -> bool:
            try:
                handle = self._key(key)
                try:
                    rrp.hBaseRegDeleteValue(self._bound(), handle, name + "\x00")
                finally:
                    rrp.hBaseRegCloseKey(self._bound(), handle)
            except rrp.DCERPCSessionError as exc:
                if exc.get_error_code() in _NOT_FOUND:
                    return False
                raise
            return True

        return bool(self._call("winreg_delete", go))

    def values(self, key: str) -> dict[str, Any]:
        """Every value of a key (empty when the key is missing)."""
        from impacket.dcerpc.v5 import rrp

        def go() -> dict[str, Any]:
            out: dict[str, Any] = {}
            try:
                handle = self._key(key)
            except rrp.DCERPCSessionError as exc:
                if exc.get_error_code() in _NOT_FOUND:
                    return out
                raise
            try:
                for i in range(10_000):
                    try:
                        item = rrp.hBaseRegEnumValue(self._bound(), handle, i)
                    except rrp.DCERPCSessionError as exc:
                        if exc.get_error_code() == 259:  # ERROR_NO_MORE_ITEMS
                            break
                        raise
                    name = str(item["lpValueNameOut"]).rstrip("\x00")
                    out[name] = _decode(item["lpType"], b"".join(item["lpData"]))
            finally:
                rrp.hBaseRegCloseKey(self._bound(), handle)
            return out

        return dict(self._call("winreg_values", go))

    def close(self) -> None:
        if self._dce is not None:
            with contextlib.suppress(Exception):  # closing must never turn a result into a failure
                self._dce.disconnect()
            self._dce = None
            self._hives.clear()


def _decode(kind: int, raw: bytes) -> Any:
    from impacket.dcerpc.v5 import rrp

    if kind in (rrp.REG_SZ, rrp.REG_EXPAND_SZ):
        return raw.decode("utf-16-le", "replace").rstrip("\x00")
    if kind == rrp.REG_MULTI_SZ:
        return [s for s in raw.decode("utf-16-le", "replace").split("\x00") if s]
    if kind == rrp.REG_DWORD and len(raw) >= 4:
        return int.from_bytes(raw[:4], "little")
    if kind == rrp.REG_QWORD and len(raw) >= 8:
        return int.from_bytes(raw[:8], "little")
    return raw.hex()
