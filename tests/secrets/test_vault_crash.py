"""kill -9 in the middle of vault writes leaves the old or the new vault, never a broken one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from secrets_helpers import FAST_KDF

from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault

PASS = Secret("crash-test passphrase")

WRITER = r"""
import sys
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault
from rmmkit.secrets.vault_format import KdfParams

path = sys.argv[1]
vault = Vault.open(path, Secret("crash-test passphrase"), max_kdf=KdfParams(8, 1, 1))
n = int(vault.get("counter").reveal())
print("ready", flush=True)
while True:
    n += 1
    vault.set("counter", str(n))
    vault.set("payload", "x" * 200_000 + str(n))  # a big file: kills land mid-write
    vault.save()
"""


def _counter(path: Path) -> int:
    vault = Vault.open(path, PASS, max_kdf=FAST_KDF)
    value = int(vault.get("counter").reveal())
    assert vault.get("payload").reveal_str().endswith(str(value))
    return value


def test_kill_9_mid_write_never_leaves_a_broken_vault(tmp_path):
    path = tmp_path / "crash.vault"
    vault = Vault.new(path, PASS, kdf=FAST_KDF)
    vault.set("counter", "0")
    vault.set("payload", "x0")
    vault.save()
    rng = random.Random(os.getpid())
    last, kills = 0, 0
    for _ in range(24):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        kills += 1
        now = _counter(path)  # raises VaultError if the file were torn
        assert now >= last
        last = now
    assert kills == 24
    assert last > 0, "the writer never completed a save: the kills did not test anything"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != path.name]
    assert all(n.startswith(".crash.vault.") and n.endswith(".tmp") for n in leftovers)
