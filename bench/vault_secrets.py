"""Vault and resolver cost: what a run pays for its secrets.

Measures, with the default Argon2id cost (19 MiB, t=2, p=1): creating and
saving a vault of N records, opening it (one key derivation), resolving
every record through the resolver (first fetch, then cached), and
materializing N password credentials.

Usage: ``python bench/vault_secrets.py [--records 1000]``.
The last line is ``vault_secrets: open X ms, resolve N Y ms (cached Z ms), save W ms``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rmmkit.declared.models import Credential, SecretRef
from rmmkit.plugin.manager import load_plugins
from rmmkit.secrets.credentials import materialize
from rmmkit.secrets.resolver import SecretResolver
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    passphrase = Secret("benchmark passphrase")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.vault"
        pwfile = Path(tmp) / "pw"
        pwfile.write_text("benchmark passphrase\n")
        t = time.perf_counter()
        vault = Vault.new(path, passphrase)
        for i in range(args.records):
            vault.set(f"rec-{i}", f"value-{i:06d}-" + "x" * 24)
        vault.save()
        save_ms = _ms(t)
        t = time.perf_counter()
        Vault.open(path, passphrase)
        open_ms = _ms(t)
        sources = load_plugins(entry_points=False).secret_sources
        resolver = SecretResolver(sources, vault_path=path, vault_password_file=pwfile, env={})
        creds = [
            Credential(f"c{i}", "password", user=f"u{i}", secret=SecretRef("vault", f"rec-{i}"))
            for i in range(args.records)
        ]
        t = time.perf_counter()
        for cred in creds:
            materialize(cred, resolver)
        first_ms = _ms(t)
        t = time.perf_counter()
        for cred in creds:
            materialize(cred, resolver)
        cached_ms = _ms(t)
    print(f"records: {args.records}, file {path.name}")
    print(
        f"vault_secrets: open {open_ms:.0f} ms, resolve {args.records} {first_ms:.0f} ms "
        f"(cached {cached_ms:.0f} ms), save {save_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
