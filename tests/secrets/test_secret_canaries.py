"""100 canary secrets through every path we can reach, with 0 hits where they must not be.

Paths: every source (vault, inline string, env, file, keyring) → resolver →
materialize → logs at DEBUG; exception str/repr/args/tracebacks; the
outputs' JSON; the store's SQLite file; ``rmmkit -vvv vault …`` output; child
argv and environment (real peers: ``test_secret_canary_peers.py``).  Each
check has a positive control where one is possible, so a broken scanner
cannot make the test pass.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from secrets_helpers import FAST_KDF, MemoryKeyring, exception_texts, openssh_key, run_cli

from rmmkit.declared.models import Credential, SecretRef
from rmmkit.errors import RmmkitError
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl
from rmmkit.results import Status, TaskResult
from rmmkit.secrets.canary import assert_no_canary
from rmmkit.secrets.credentials import materialize
from rmmkit.secrets.resolver import SecretResolver
from rmmkit.secrets.sources import SecretSource, child_env
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault, decrypt_string, encrypt_string

# canary index ranges: where each one is kept
VAULT, INLINE, ENV, FILE, KEYRING = (
    range(0, 20),
    range(20, 30),
    range(30, 50),
    range(50, 65),
    range(65, 75),
)


@pytest.fixture
def world(tmp_path, canaries, plugins, monkeypatch):
    """Credentials cred-0 ... cred-74 whose passwords are canaries 0-74, spread over all sources."""
    passphrase = Secret(canaries[99])
    vault = Vault.new(tmp_path / "c.vault", passphrase, kdf=FAST_KDF)
    creds: dict[str, Credential] = {}
    for i in VAULT:
        vault.set(f"rec-{i}", canaries[i])
        creds[f"cred-{i}"] = Credential(
            f"cred-{i}", "password", user=f"ACME/u{i}", secret=SecretRef("vault", f"rec-{i}")
        )
    vault.save()
    for i in INLINE:
        token = encrypt_string(f"s-{i}", Secret(canaries[i]), passphrase, kdf=FAST_KDF)
        creds[f"cred-{i}"] = Credential(
            f"cred-{i}",
            "password",
            user=f"u{i}",
            secret=SecretRef("vault", f"s-{i}", {"ciphertext": token}),
        )
    for i in ENV:
        monkeypatch.setenv(f"RMMKIT_CANARY_{i}", canaries[i])
        creds[f"cred-{i}"] = Credential(
            f"cred-{i}", "password", user=f"u{i}", secret=SecretRef("env", f"RMMKIT_CANARY_{i}")
        )
    for i in FILE:
        path = tmp_path / f"pw-{i}"
        path.write_text(canaries[i] + "\n")
        path.chmod(0o600)
        creds[f"cred-{i}"] = Credential(
            f"cred-{i}", "password", user=f"u{i}", secret=SecretRef("file", path.name)
        )
    keyring = pytest.importorskip("keyring")

    _, backend = MemoryKeyring.make()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    for i in KEYRING:
        keyring.set_password("rmmkit", f"k-{i}", canaries[i])
        creds[f"cred-{i}"] = Credential(
            f"cred-{i}", "password", user=f"u{i}", secret=SecretRef("keyring", f"k-{i}")
        )
    pwfile = tmp_path / "vault-pass"
    pwfile.write_text(canaries[99] + "\n")
    pwfile.chmod(0o600)
    resolver = SecretResolver(
        plugins.secret_sources, vault_path=vault.path, vault_password_file=pwfile, base_dir=tmp_path
    )
    yield resolver, creds
    keyring.set_keyring(previous)


def test_every_source_resolves_and_nothing_leaks_into_logs_repr_or_json(world, canaries, caplog):
    resolver, creds = world
    caplog.set_level(logging.DEBUG)
    seen = []
    for cred in creds.values():
        material = materialize(cred, resolver)
        seen.append(material.password.reveal())
        logging.getLogger("rmmkit.test").debug(
            "material %s %r secret %s", material, material, material.password
        )
        assert_no_canary(repr(material) + str(material) + f"{material.password}", canaries)
        assert_no_canary(json.dumps({"m": material, "s": material.password}, default=str), canaries)
    assert sorted(seen) == sorted(canaries[i] for i in range(75))  # every value arrived intact
    assert len(caplog.records) >= 75
    assert_no_canary(caplog.text, canaries, where="debug log")
    assert canaries.scan(canaries[3])  # positive control: the scanner sees a raw canary


def test_failure_paths_raise_errors_without_the_value(world, canaries, tmp_path, plugins):
    resolver, _ = world
    errors: list[BaseException] = []

    def expect(call):
        with pytest.raises(RmmkitError) as info:
            call()
        errors.append(info.value)

    env = {"BAD_HASH": canaries[80], "SHORT": "short", "AUTHC": canaries[81]}
    bad = SecretResolver(plugins.secret_sources, env=env, base_dir=tmp_path)
    expect(
        lambda: materialize(
            Credential("h", "ntlm_hash", user="u", secret=SecretRef("env", "BAD_HASH")), bad
        )
    )
    expect(
        lambda: materialize(
            Credential(
                "v3",
                "snmp_v3",
                user="u",
                secret=SecretRef("env", "AUTHC"),
                extra={"auth_protocol": canaries[82]},
            ),
            bad,
        )
    )
    key = openssh_key(canaries[83])
    env_key = {"KEY": key, "KP": canaries[84]}
    expect(
        lambda: materialize(
            Credential(
                "k",
                "ssh_key",
                user="u",
                secret=SecretRef("env", "KP"),
                extra={"key": {"source": "env", "key": "KEY"}},
            ),
            SecretResolver(plugins.secret_sources, env=env_key),
        )
    )
    token = encrypt_string("right", Secret(canaries[85]), Secret(canaries[86]), kdf=FAST_KDF)
    expect(lambda: decrypt_string("wrong", token, Secret(canaries[86])))
    expect(lambda: decrypt_string("right", token, Secret(canaries[87])))
    expect(lambda: Vault.open(resolver.vault_path, Secret(canaries[88])))

    class Leaky(SecretSource):
        name = "leaky"

        def fetch(self, ref):
            raise RuntimeError(f"backend dump: {canaries[89]}")

    class Plugin:
        @hookimpl
        def rmmkit_register_secret_sources(self, register):
            register("leaky", Leaky)

    leaky = SecretResolver(
        load_plugins(extra=[Plugin()], entry_points=False).secret_sources, env={}
    )
    expect(lambda: leaky.resolve(SecretRef("leaky", "k"), credential="c"))
    assert len(errors) == 7
    for exc in errors:
        assert_no_canary(exception_texts(exc), canaries, where=f"{type(exc).__name__} text")
    assert canaries.scan(exception_texts(RuntimeError(canaries[89])))  # positive control


def test_outputs_and_store_never_hold_a_secret(world, canaries, tmp_path):
    resolver, creds = world
    materials = [materialize(c, resolver) for c in creds.values()]
    results = [
        TaskResult(
            host=f"h{i}",
            task="login",
            action="agent_status",
            status=Status.FAILED,
            msg=f"credential {m.credential!r} refused",
            data={"password": m.password, "material": m, "nested": [{"s": m.password}]},
        )
        for i, m in enumerate(materials)
    ]
    plugins = load_plugins(entry_points=False)
    rendered = []
    for name in ("jsonl", "json"):
        if name not in plugins.outputs:
            pytest.fail(f"output {name!r} is not registered: the leak check would be empty")
        stream = io.StringIO()
        output = plugins.outputs.get(name)(stream, {})
        output.start("run-1", "pb.yml", [r.host for r in results], False)
        for r in results:
            output.task_result(r)
        from rmmkit.results import HostResult, RunResult

        run = RunResult("run-1", "pb.yml", hosts={r.host: HostResult(r.host, [r]) for r in results})
        output.finish(run)
        rendered.append(stream.getvalue())
    assert all("cred-" in text for text in rendered)  # the results really went through
    assert_no_canary("\n".join(rendered), canaries, where="json/jsonl outputs")

    from rmmkit.store import open_store

    db = tmp_path / "store.db"
    store = open_store(str(db))
    try:
        run_id = store.begin_run("pb.yml", ["hq"], False, len(results))
        store.record_task_results(run_id, results)
        store.finish_run(run_id, "failed", {"failed": len(results)})
        stored = store.task_results(run_id)
    finally:
        store.close()
    assert len(stored) == len(results)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert b"cred-7" in blob  # positive control: the rows are in the bytes we scan
    assert_no_canary(blob, canaries, where="the SQLite store")


def test_cli_at_highest_verbosity_prints_no_secret_except_view_show(tmp_path, canaries):
    pw, newpw = tmp_path / "pw", tmp_path / "newpw"
    pw.write_text(canaries[96] + "\n")
    newpw.write_text(canaries[97] + "\n")
    wrong = tmp_path / "wrong"
    wrong.write_text(canaries[98] + "\n")
    v = ["--vault", str(tmp_path / "cli.vault")]
    outputs = []
    steps = [
        (["create", *v, "--vault-password-file", str(pw)], "", 0),
        (["set", *v, "--vault-password-file", str(pw), "db"], canaries[60] + "\n", 0),
        (["set", *v, "--vault-password-file", str(pw), "snmp"], canaries[61], 0),
        (["list", *v, "--vault-password-file", str(pw)], "", 0),
        (["view", *v, "--vault-password-file", str(pw)], "", 0),
        (["encrypt-string", "--vault-password-file", str(pw), "inline"], canaries[62], 0),
        (
            [
                "rekey",
                *v,
                "--vault-password-file",
                str(pw),
                "--new-vault-password-file",
                str(newpw),
            ],
            "",
            0,
        ),
        (["list", *v, "--vault-password-file", str(wrong)], "", 6),
        (["list", *v, "--vault-password-file", str(pw)], "", 6),
    ]
    for args, stdin, code in steps:
        proc = run_cli(["-vvv", "vault", *args], stdin=stdin)
        assert proc.returncode == code, (args[0], proc.stderr[-300:])
        assert "Traceback" not in proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    assert "wrong vault passphrase" in outputs[-1]
    assert "db\nsnmp" in outputs[3]
    assert_no_canary("\n".join(outputs), canaries, where="rmmkit -vvv vault output")
    shown = run_cli(["vault", "view", "--show", *v, "--vault-password-file", str(newpw)])
    assert {h.index for h in canaries.scan(shown.stdout)} == {60, 61}  # positive control
    snippet = yaml.safe_load(_yaml_part(outputs[5]))
    token = snippet["secret"]["options"]["ciphertext"]
    assert decrypt_string("inline", token, Secret(canaries[96])).reveal() == canaries[62]


def _yaml_part(text: str) -> str:
    """stdout and stderr were joined; the snippet is the lines from ``secret:`` on."""
    lines = text.splitlines()
    start = lines.index("secret:")
    return "\n".join(line for line in lines[start:] if line.startswith(("secret:", " ")))


EDITOR = r"""
import os, sys, stat
path = sys.argv[-1]
capture = os.environ["CAPTURE"]
with open(capture, "wb") as out:
    out.write(open("/proc/self/cmdline", "rb").read() + b"\n--env--\n")
    out.write(open("/proc/self/environ", "rb").read() + b"\n--parent--\n")
    ppid = os.getppid()
    out.write(open(f"/proc/{ppid}/cmdline", "rb").read() + b"\n--modes--\n")
    out.write(f"{stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode):o} "
              f"{stat.S_IMODE(os.stat(path).st_mode):o} {path}".encode())
text = open(path).read()
open(path + ".swp", "w").write(text)  # like vim's swap file: must be shredded too
with open(path, "w") as fh:
    fh.write(text.replace("old", "new") + "added: " + os.environ["ADDED"] + "\n")
"""


def test_vault_edit_child_argv_and_environment_hold_no_secret(tmp_path, canaries, monkeypatch):
    pw = tmp_path / "pw"
    pw.write_text(canaries[96] + "\n")
    vault = Vault.new(tmp_path / "e.vault", Secret(canaries[96]))
    vault.set("old", canaries[70])
    vault.save()
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    capture = tmp_path / "capture"
    env = {
        "EDITOR": f"{sys.executable} {editor}",
        "VISUAL": "",
        "CAPTURE": str(capture),
        "ADDED": "not-a-secret-value",
        "RMMKIT_VAULT_PASSWORD_FILE": str(pw),
    }
    proc = run_cli(["-vvv", "vault", "edit", "--vault", str(tmp_path / "e.vault")], env_extra=env)
    assert proc.returncode == 0, proc.stderr[-300:]
    data = capture.read_bytes()
    assert b"--parent--" in data and b"rmmkit.cli.main" in data  # we did read the parent's argv
    assert_no_canary(data, canaries, where="$EDITOR argv/environment and rmmkit's argv")
    assert_no_canary(proc.stdout + proc.stderr, canaries, where="vault edit output")
    modes, temp_path = (
        data.rsplit(b"--modes--\n", 1)[1].decode().split(" ", 2)[:2],
        data.rsplit(b" ", 1)[1],
    )
    assert modes == ["700", "600"]
    assert not Path(temp_path.decode()).exists() and not Path(temp_path.decode()).parent.exists()
    edited = Vault.open(tmp_path / "e.vault", Secret(canaries[96]))
    assert list(edited) == ["added", "new"] and edited.get("new").reveal() == canaries[70]


def test_child_env_drops_variables_a_secret_came_from(world, canaries):
    resolver, creds = world
    for i in ENV:
        resolver.resolve(creds[f"cred-{i}"].secret)

    def child_environ(env) -> bytes:
        child = subprocess.Popen(["sleep", "5"], env=env)
        proc = Path(f"/proc/{child.pid}")
        try:
            deadline = time.monotonic() + 5
            while not (proc / "cmdline").read_bytes().startswith(b"sleep"):  # wait for exec
                assert time.monotonic() < deadline
                time.sleep(0.01)
            return (proc / "environ").read_bytes() + (proc / "cmdline").read_bytes()
        finally:
            child.kill()
            child.wait()

    assert canaries.scan(child_environ(None))  # positive control: plain inheritance leaks
    assert_no_canary(child_environ(child_env()), canaries, where="a child's environment")
    assert "PATH" in child_env()
