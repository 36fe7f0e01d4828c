"""The error table: seed messages by code, context-only entries, and plugin extensions."""

from __future__ import annotations

from pathlib import Path

import pytest
from impacket.dcerpc.v5 import rpcrt, scmr
from impacket.smbconnection import SessionError

from rmmkit.errors import AuthenticationError, InputError, ProtocolError, UnreachableError
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl
from rmmkit.windows.errors import builtin_table, classify, error_table, windows_error

SEED_MESSAGES = [
    "Access is Denied",
    "The network path was not found",
    "Could not connect to Remote Registry. The RPC server is unavailable",
    "The service cannot be started, either because it is disabled or because it has no enabled "
    "devices associated with it",
    "Not enough server storage is available to process this command",
    "There are currently no logon servers available to service the logon request",
    "The system cannot find the file/path specified",
]


def test_every_seed_message_is_in_the_table() -> None:
    messages = {e["message"] for e in builtin_table().entries.values()}
    assert set(SEED_MESSAGES) <= messages


@pytest.mark.parametrize(
    ("exc", "message", "cls"),
    [
        (SessionError(0xC000006D), "The user name or password is incorrect", AuthenticationError),
        (SessionError(0xC0000022), "Access is Denied", None),
        (
            SessionError(0xC000005E),
            "There are currently no logon servers available to service the logon request",
            None,
        ),
        (
            SessionError(0xC000009A),
            "Not enough server storage is available to process this command",
            None,
        ),
        (scmr.DCERPCSessionError(error_code=1058), SEED_MESSAGES[3], None),
        (rpcrt.DCERPCException(error_code=0x6BA), SEED_MESSAGES[2], None),
        (
            rpcrt.DCERPCException("nca_s_op_rng_error"),
            "The request is not supported by the remote host",
            ProtocolError,
        ),
        (ConnectionRefusedError(), "The network path was not found", UnreachableError),
        (TimeoutError(), "The remote computer did not answer", UnreachableError),
    ],
)
def test_classify_and_error_class(exc: BaseException, message: str, cls: type | None) -> None:
    err = windows_error(exc, "tcp445" if isinstance(exc, OSError) else "smb_login", "h1", port=445)
    assert err.failure.message == message and message in str(err)
    assert err.causes == err.failure.causes and err.causes
    if cls is not None:
        assert type(err) is cls


def test_context_only_entries() -> None:
    missing = SessionError(0xC0000034)
    assert classify(missing, "winreg", context="winreg").entry == "remote_registry_off"
    assert classify(missing, "copy", context="ADMIN$").entry == "file_not_found"


class TablePlugin:
    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def rmmkit_windows_error_table(self) -> list:
        return [
            str(self.path),
            {
                "entries": [
                    {
                        "id": "access_denied",
                        "codes": {"win32": [1260]},
                        "causes": ["AppLocker blocks it."],
                    }
                ]
            },
        ]


def test_plugins_add_and_extend_entries(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yml"
    extra.write_text(
        "entries:\n  - id: edr\n    codes: {win32: [225]}\n    message: Blocked by EDR\n"
        "    category: host_config\n    causes: [An EDR quarantined the installer.]\n"
    )
    table = error_table(load_plugins(extra=[TablePlugin(extra)], entry_points=False).pm)
    assert table.lookup("win32", 225)["message"] == "Blocked by EDR"
    extended = table.lookup("win32", 1260)
    assert extended["id"] == "access_denied" and "AppLocker blocks it." in extended["causes"]
    assert builtin_table().lookup("win32", 225) is None  # the built-in table is not mutated


def test_bad_plugin_table_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("entries:\n  - id: x\n    codes: {ntstatus: [1]}\n")
    with pytest.raises(InputError, match=r"bad\.yml") as info:
        error_table(load_plugins(extra=[TablePlugin(bad)], entry_points=False).pm)
    assert "codes" in str(info.value)


def test_explain_hook_answers_for_raw_impacket_errors() -> None:
    plugins = load_plugins(entry_points=False)
    answers = plugins.hook.rmmkit_explain_error(error=SessionError(0xC00000BE))
    assert [c for a in answers if a for c in a][:2] == [
        "Firewall is ON.",
        "File and Printer sharing is disabled.",
    ]
