"""``rmmkit vault`` edge cases: one clear line and a documented exit code, never a traceback."""

from __future__ import annotations

import os
import subprocess
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


# --- the vault file first, like ansible-vault (rule: rmmkit/cli/vault_args.py) ---------


def run_in(cwd, args, *, stdin: str = "", env_extra=None):
    """``run_cli`` in another working directory (bare FILE names are relative to it)."""
    env = {**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1", **(env_extra or {})}
    command = [sys.executable, "-m", "rmmkit.cli.main", *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def _editor(tmp_path, text: str) -> dict[str, str]:
    script = tmp_path / "write.py"
    script.write_text(f"import sys\nopen(sys.argv[-1], 'w').write({text!r})\n")
    return {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}


def test_every_command_takes_the_vault_file_first(tmp_path, vault_env):
    """FILE as the first argument wins over $RMMKIT_VAULT, which stays untouched."""
    env = dict(vault_env)  # RMMKIT_VAULT points at t.vault: the decoy
    decoy = (tmp_path / "t.vault").read_bytes()
    target = str(tmp_path / "prod.vault")
    newpw = tmp_path / "newpw"
    newpw.write_text("second passphrase\n")

    def ok(*args: str, stdin: str = "", extra=None) -> str:
        proc = run_cli(["vault", *args], stdin=stdin, env_extra={**env, **(extra or {})})
        assert proc.returncode == 0, (args, proc.stderr)
        return proc.stdout

    ok("create", target)
    ok("set", target, "api", stdin="api-value\n")
    ok("set", target, "db", stdin="db-value\n")
    assert ok("list", target) == "api\ndb\n"
    assert ok("view", target, "db", "--show") == "db: db-value\n"
    assert ok("view", "--show", target) == "api: api-value\ndb: db-value\n"
    ok("edit", target, extra=_editor(tmp_path, "api: edited\ndb: db-value\nweb: w\n"))
    ok("delete", target, "web")
    snippet = ok("encrypt-string", target, "inline", stdin="inline-value")
    assert "key: inline" in snippet and "$RMMKIT_VAULT_STRING;1;" in snippet
    ok("rekey", target, "--new-vault-password-file", str(newpw))
    opened = Vault.open(target, Secret("second passphrase"))
    assert {n: opened.get(n).reveal() for n in opened} == {"api": "edited", "db": "db-value"}
    assert (tmp_path / "t.vault").read_bytes() == decoy


def test_positional_file_and_vault_option_together(tmp_path, vault_env):
    target = tmp_path / "t.vault"
    before = target.read_bytes()
    same = run_cli(["vault", "view", "--show", "--vault", str(target), str(target), "db"],
                   env_extra=vault_env)  # fmt: skip
    assert same.returncode == 0 and same.stdout == "db: hunter2-value\n", same.stderr
    other = str(tmp_path / "other.vault")
    for args in (
        ["create", "--vault", str(target), other],
        ["list", "--vault", other, str(target)],
        ["view", "--vault", other, str(target), "db"],
        ["set", "--vault", other, str(target), "db"],
        ["delete", "--vault", other, str(target), "db"],
        ["rekey", "--vault", other, str(target)],
        ["edit", "--vault", other, str(target)],
        ["encrypt-string", "--vault", other, str(target), "db"],
    ):
        proc = run_cli(["vault", *args], stdin="x\n", env_extra=vault_env)
        _check(proc, EXIT_INVALID_INPUT, "name different vaults")
        assert proc.stderr.count("\n") == 1, proc.stderr  # one line
    assert target.read_bytes() == before and not (tmp_path / "other.vault").exists()


def test_one_argument_is_the_name_unless_it_looks_like_a_vault_file(tmp_path, vault_env):
    target = tmp_path / "t.vault"
    ok = run_cli(["vault", "set", "web"], stdin="w\n", env_extra=vault_env)  # the $RMMKIT_VAULT
    assert ok.returncode == 0, ok.stderr
    assert Vault.open(target, Secret(PASS)).get("web").reveal() == "w"
    # a lone FILE-looking argument: the NAME is missing, no record is created under that name
    for lone in (str(target), "prod.vault", "dir/x"):
        proc = run_cli(["vault", "set", lone], stdin="v\n", env_extra=vault_env)
        _check(proc, EXIT_INVALID_INPUT, "looks like a vault file but no record NAME follows")
    assert sorted(Vault.open(target, Secret(PASS))) == ["db", "web"]
    # in the working directory: a bare name is FILE only when the file is a vault (armor line)
    (tmp_path / "clientvault").write_bytes(target.read_bytes())
    (tmp_path / "notes").write_text("a plain file, not a vault\n")
    added = run_in(tmp_path, ["vault", "set", "notes"], stdin="n\n", env_extra=vault_env)
    assert added.returncode == 0, added.stderr
    bare = run_in(tmp_path, ["vault", "view", "--show", "clientvault", "web"], env_extra=vault_env)
    assert bare.stdout == "web: w\n", bare.stderr
    named = run_in(tmp_path, ["vault", "view", "--show", "notes"], env_extra=vault_env)
    assert named.stdout == "notes: n\n", named.stderr
    # a record whose name looks like a path is reached with FILE first
    slash = run_cli(["vault", "set", str(target), "a/b"], stdin="s\n", env_extra=vault_env)
    assert slash.returncode == 0, slash.stderr
    shown = run_cli(["vault", "view", "--show", str(target), "a/b"], env_extra=vault_env)
    assert shown.stdout == "a/b: s\n", shown.stderr
    too_many = run_cli(["vault", "delete", str(target), "a/b", "web"], env_extra=vault_env)
    _check(too_many, EXIT_INVALID_INPUT, "takes [FILE] NAME, got 3 argument(s)")


def test_encrypt_string_checks_the_passphrase_against_the_named_vault(tmp_path, vault_env):
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase\n")
    env = {**vault_env, "RMMKIT_VAULT_PASSWORD_FILE": str(wrong)}
    proc = run_cli(["vault", "encrypt-string", str(tmp_path / "t.vault"), "tok"], stdin="v",
                   env_extra=env)  # fmt: skip
    _check(proc, EXIT_SECRET, "wrong vault passphrase")
    assert "$RMMKIT_VAULT_STRING" not in proc.stdout
    missing = run_cli(["vault", "encrypt-string", "--vault", str(tmp_path / "none.vault"), "t"],
                      stdin="v", env_extra=vault_env)  # fmt: skip
    _check(missing, EXIT_SECRET, "no such vault file")
