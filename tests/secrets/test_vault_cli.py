"""``rmmkit vault`` edge cases: one clear line and a documented exit code, never a traceback."""

from __future__ import annotations

import sys

import pytest
from secrets_helpers import run_cli

from rmmkit.errors import EXIT_INVALID_INPUT, EXIT_SECRET
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault

PASS = "cli test passphrase"


@pytest.fixture
def vault_env(tmp_path):
    pw = tmp_path / "pw"
    pw.write_text(PASS + "\n")
    vault = Vault.new(tmp_path / "t.vault", Secret(PASS))
    vault.set("db", "hunter2-value")
    vault.save()
    return {"RMMKIT_VAULT": str(vault.path), "RMMKIT_VAULT_PASSWORD_FILE": str(pw)}


def _check(proc, code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert text in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2


def test_create_prompts_twice_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "new.vault"
    proc = run_cli(["vault", "create", "--vault", str(target)], stdin="typed pass\ntyped pass\n")
    assert proc.returncode == 0, proc.stderr
    assert Vault.open(target, Secret("typed pass")).path == target
    again = run_cli(["vault", "create", "--vault", str(target)], stdin="x\nx\n")
    _check(again, EXIT_INVALID_INPUT, "already exists")
    mismatch = run_cli(["vault", "create", "--vault", str(tmp_path / "m.vault")], stdin="a\nb\n")
    assert mismatch.returncode != 0 and not (tmp_path / "m.vault").exists()


def test_missing_password_file_tampered_vault_and_unknown_record(tmp_path, vault_env):
    missing = run_cli(
        ["vault", "list"], env_extra={**vault_env, "RMMKIT_VAULT_PASSWORD_FILE": "/nonexistent/pw"}
    )
    _check(missing, EXIT_SECRET, "vault password file /nonexistent/pw does not exist")
    unknown = run_cli(["vault", "view", "--show", "nope"], env_extra=vault_env)
    _check(unknown, EXIT_SECRET, "no record 'nope'")
    path = tmp_path / "t.vault"
    data = bytearray(path.read_bytes())
    data[-10] = ord("A") if data[-10] != ord("A") else ord("B")
    path.write_bytes(bytes(data))
    tampered = run_cli(["vault", "list"], env_extra=vault_env)
    _check(tampered, EXIT_SECRET, "integrity check failed")


@pytest.mark.parametrize(
    ("script", "code", "text"),
    [
        (
            "open(p, 'w').write('db: [unclosed hunter2-value\\n')",
            EXIT_INVALID_INPUT,
            "invalid YAML at line",
        ),
        ("open(p, 'w').write('- hunter2-value\\n')", EXIT_INVALID_INPUT, "not a mapping"),
        ("raise SystemExit(1)", EXIT_SECRET, "the editor exited with status 1; nothing was saved"),
    ],
)
def test_edit_failures_save_nothing_and_quote_nothing(tmp_path, vault_env, script, code, text):
    before = (tmp_path / "t.vault").read_bytes()
    editor = tmp_path / "ed.py"
    editor.write_text(f"import sys\np = sys.argv[-1]\n{script}\n")
    proc = run_cli(
        ["vault", "edit"],
        env_extra={**vault_env, "EDITOR": f"{sys.executable} {editor}", "VISUAL": ""},
    )
    _check(proc, code, text)
    assert "hunter2" not in proc.stderr + proc.stdout
    assert (tmp_path / "t.vault").read_bytes() == before


def test_set_reads_stdin_and_never_takes_the_value_from_argv(tmp_path, vault_env):
    proc = run_cli(["vault", "set", "db", "value-in-argv"], env_extra=vault_env)
    assert proc.returncode == EXIT_INVALID_INPUT  # click: unexpected extra argument
    ok = run_cli(["vault", "set", "api"], stdin="from-stdin\n", env_extra=vault_env)
    assert ok.returncode == 0, ok.stderr
    assert Vault.open(tmp_path / "t.vault", Secret(PASS)).get("api").reveal() == "from-stdin"
    deleted = run_cli(["vault", "delete", "api"], env_extra=vault_env)
    assert deleted.returncode == 0 and "api" not in Vault.open(tmp_path / "t.vault", Secret(PASS))


def test_edit_saves_values_exactly_as_typed(tmp_path, vault_env):
    # YAML 1.1 would read these as 83, 750, True and 31: a secret is kept as typed.
    typed = {"pin": "0123", "pw": "12:30", "flag": "yes", "hex": "0x1F"}
    editor = tmp_path / "ed.py"
    lines = "".join(f"{k}: {v}\n" for k, v in typed.items())
    editor.write_text(f"import sys\nopen(sys.argv[-1], 'w').write({lines!r})\n")
    proc = run_cli(
        ["vault", "edit"],
        env_extra={**vault_env, "EDITOR": f"{sys.executable} {editor}", "VISUAL": ""},
    )
    assert proc.returncode == 0, proc.stderr
    vault = Vault.open(tmp_path / "t.vault", Secret(PASS))
    assert {name: vault.get(name).reveal() for name in typed} == typed
