"""SSH fan-out benchmark: ``agent_status`` on 1,000 SSH addresses, rmmkit vs ansible, one run.

Workload: one anyip host answers for 10.88.0.0/16 with one sshd (a local
route for the block; nothing leaves the lab's namespaces).  Both tools log in
with the same key as the same user, check host keys against the same
known_hosts (one ``10.88.*.*`` line) and run the agent check once per address:

* rmmkit: ``rmmkit run`` of a one-task playbook (``agent_status``), ``--forks`` N;
* ansible: ``ansible all -m command -a '<agent check>' --forks 50`` (ansible-core).

Prints hosts/s for each, and as last line
``ssh_fanout: rmmkit X hosts/s, ansible Y hosts/s, ratio X/Y``.  Target: ratio ≥ 10.
Run as root: ``python bench/ssh_fanout.py [--hosts 1000] [--forks 50] [--skip-ansible]``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rmmkit.lab import Lab

LAB_NAME = "rmkhbench"
BLOCK = "10.88.0.0/16"
TOPOLOGY = {
    "name": LAB_NAME,
    "segments": [{"name": "lan", "subnet": "10.77.1.0/24", "scanner": "10.77.1.1"}],
    "hosts": [
        {
            "name": "anyip",
            "kind": "anyip",
            "address": "10.77.1.250",
            "block": BLOCK,
            "users": [
                {"name": "admin", "password": "Bench-Adm1n-Pass", "sudo": "password", "key": True}
            ],
        }
    ],
}
CHECK = "/opt/rmmagent/bin/rmmagent --version"
ANSIBLE_CHECK = f"sh -c 'test -x /opt/rmmagent/bin/rmmagent && {CHECK} || echo not_installed'"


def addresses(count: int) -> list[str]:
    net = ipaddress.IPv4Network(BLOCK)
    return [str(net.network_address + 1 + i) for i in range(count)]


def write_rmmkit(work: Path, lab: Lab, hosts: list[str]) -> Path:
    lines = "\n".join(f"  - {{name: h{i}, address: {a}}}" for i, a in enumerate(hosts))
    (work / "inventory.yml").write_text(f"""\
credentials:
  - {{name: bench-key, kind: ssh_key, user: admin, key_file: {lab.ssh_key}}}
agents:
  - name: rmmagent
    version: "3.2.0"
    installers: [{{os: linux, path: none.sh, sha256: "{"0" * 64}"}}]
    commands: {{install: "true"}}
    detect: {{file: /opt/rmmagent/bin/rmmagent, version_command: "{CHECK}"}}
sites:
  - {{name: bench, ranges: ["{BLOCK}"], credentials: [bench-key]}}
hosts:
{lines}
""")
    shutil.copy(lab.known_hosts, work / "known_hosts")
    playbook = work / "status.yml"
    playbook.write_text(
        "name: fanout\ninventory: inventory.yml\ntargets: {sites: [bench]}\n"
        "tasks:\n  - {name: agent status, action: agent_status}\n"
    )
    return playbook


def run_rmmkit(lab: Lab, playbook: Path, forks: int) -> tuple[float, int]:
    argv = [
        "ip",
        "netns",
        "exec",
        lab.scanner_ns,
        sys.executable,
        "-m",
        "rmmkit.cli.main",
        "run",
        str(playbook),
        "--no-store",
        "-y",
        "-o",
        "json",
        "--forks",
        str(forks),
    ]
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800, cwd=playbook.parent)
    took = time.monotonic() - start
    try:
        ok = json.loads(proc.stdout)["counts"]["ok"]
    except (ValueError, KeyError):
        print(proc.stderr[-2000:], file=sys.stderr)
        ok = 0
    return took, ok


def run_ansible(lab: Lab, work: Path, hosts: list[str], forks: int) -> tuple[float, int]:
    inv = work / "ansible_hosts"
    inv.write_text(
        "[all]\n" + "\n".join(hosts) + "\n\n[all:vars]\nansible_user=admin\n"
        f"ansible_ssh_private_key_file={lab.ssh_key}\n"
        "ansible_python_interpreter=/usr/bin/python3\n"
        f"ansible_ssh_common_args='-o UserKnownHostsFile={work / 'known_hosts'} "
        "-o StrictHostKeyChecking=yes'\n"
    )
    env = {
        **os.environ,
        "ANSIBLE_LOCAL_TEMP": str(work / "ansible-local"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(work / "cp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "oneline",
    }
    argv = [
        "ip",
        "netns",
        "exec",
        lab.scanner_ns,
        "ansible",
        "all",
        "-i",
        str(inv),
        "-m",
        "command",
        "-a",
        ANSIBLE_CHECK,
        "--forks",
        str(forks),
    ]
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=3600, env=env, cwd=work)
    took = time.monotonic() - start
    ok = sum(
        1 for line in proc.stdout.splitlines() if "| CHANGED |" in line or "| SUCCESS |" in line
    )
    if ok == 0:
        print(proc.stdout[-1500:], proc.stderr[-1500:], file=sys.stderr)
    return took, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=50, help="rmmkit's --forks")
    parser.add_argument("--ansible-forks", type=int, default=50)
    parser.add_argument("--skip-ansible", action="store_true")
    args = parser.parse_args()
    hosts = addresses(args.hosts)
    t0 = time.monotonic()
    lab = Lab.up(TOPOLOGY, name=LAB_NAME)
    work = Path(tempfile.mkdtemp(prefix="rmkh-fanout-"))
    try:
        print(f"ssh_fanout: lab up in {time.monotonic() - t0:.1f}s; {len(hosts)} addresses")
        playbook = write_rmmkit(work, lab, hosts)
        took, ok = run_rmmkit(lab, playbook, args.forks)
        ours = ok / took
        print(
            f"ssh_fanout: rmmkit  {ok}/{len(hosts)} ok in {took:.1f}s "
            f"(forks {args.forks}): {ours:.1f} hosts/s"
        )
        theirs = 0.0
        if not args.skip_ansible:
            took_a, ok_a = run_ansible(lab, work, hosts, args.ansible_forks)
            theirs = ok_a / took_a
            print(
                f"ssh_fanout: ansible {ok_a}/{len(hosts)} ok in {took_a:.1f}s "
                f"(forks {args.ansible_forks}): {theirs:.1f} hosts/s"
            )
        ratio = ours / theirs if theirs else float("nan")
        print(
            f"ssh_fanout: rmmkit {ours:.1f} hosts/s, ansible {theirs:.1f} hosts/s, "
            f"ratio {ratio:.1f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lab.down()


if __name__ == "__main__":
    main()
