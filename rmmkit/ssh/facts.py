"""Facts collected over SSH in one round trip: OS, users, disks, SMART, updates, processes, load.

Why one script with ``@@section`` markers: each fact is a cheap command, and
a host answers all of them in one ``exec``; parsing is pure Python over the
text, tested without a network.  Commands missing on a host (smartctl,
``last``, a package manager) leave their section empty, never fail.
"""

from __future__ import annotations

import itertools
import shlex
from typing import Any

FACTS_SCRIPT = """\
echo @@uname; uname -srm
echo @@os_release; cat /etc/os-release 2>/dev/null
echo @@sw_vers; command -v sw_vers >/dev/null 2>&1 && sw_vers
echo @@hostname; hostname
echo @@who; who 2>/dev/null
echo @@last; last -n 10 2>/dev/null | grep -v -e '^$' -e '^wtmp' -e '^reboot' | head -n 10
echo @@df; df -Pk 2>/dev/null
echo @@smart
if command -v smartctl >/dev/null 2>&1; then
  echo AVAILABLE
  for d in $(sudo -n smartctl --scan 2>/dev/null | awk '{{print $1}}'); do
    printf 'DEV %s %s\\n' "$d" "$(sudo -n smartctl -H "$d" 2>/dev/null | \
      grep -Ei 'overall-health|SMART Health Status' | sed 's/.*: *//')"
  done
fi
echo @@updates
if command -v apt-get >/dev/null 2>&1; then echo MANAGER apt
  apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | awk '/^Inst /{{print "PKG", $2}}'
elif command -v dnf >/dev/null 2>&1; then echo MANAGER dnf
  dnf -q check-update 2>/dev/null | awk 'NF==3 && $1 ~ /\\./ {{print "PKG", $1}}'
elif command -v softwareupdate >/dev/null 2>&1; then echo MANAGER softwareupdate
  softwareupdate -l 2>/dev/null | sed -n 's/^ *\\* *\\(Label: *\\)\\{{0,1\\}}/PKG /p'
fi
echo @@ps_cpu
ps -eo pid=,user=,pcpu=,pmem=,comm= --sort=-pcpu 2>/dev/null | head -n {top} || \
  ps -A -r -o pid=,user=,%cpu=,%mem=,comm= | head -n {top}
echo @@ps_mem
ps -eo pid=,user=,pcpu=,pmem=,comm= --sort=-pmem 2>/dev/null | head -n {top} || \
  ps -A -m -o pid=,user=,%cpu=,%mem=,comm= | head -n {top}
echo @@loadavg; cat /proc/loadavg 2>/dev/null || sysctl -n vm.loadavg
echo @@samples
i=0
while [ $i -lt {samples} ]; do
  echo "CPU $(head -n 1 /proc/stat 2>/dev/null)"
  echo "MEM $(grep -E '^(MemTotal|MemAvailable):' /proc/meminfo 2>/dev/null | \
    awk '{{printf "%s ", $2}}')"
  i=$((i+1)); [ $i -lt {samples} ] && sleep {interval}
done
echo @@end
"""


def facts_script(samples: int = 3, interval: float = 0.5, top: int = 5) -> str:
    return FACTS_SCRIPT.format(
        samples=int(samples), interval=shlex.quote(f"{interval:g}"), top=int(top)
    )


def split_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("@@"):
            current = line[2:].strip()
            sections.setdefault(current, [])
        elif current:
            sections[current].append(line)
    return sections


def _os(sec: dict[str, list[str]]) -> dict[str, Any]:
    uname = (sec.get("uname") or [""])[0].split()
    info: dict[str, Any] = {
        "kernel": " ".join(uname[:2]),
        "arch": uname[2] if len(uname) > 2 else "",
    }
    release = dict(line.split("=", 1) for line in sec.get("os_release", []) if "=" in line)
    release = {k: v.strip().strip('"') for k, v in release.items()}
    if release:
        info.update(
            name=release.get("NAME", ""),
            version=release.get("VERSION_ID", ""),
            pretty=release.get("PRETTY_NAME", ""),
        )
    sw = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in sec.get("sw_vers", []))}
    if sw.get("ProductName"):
        info.update(
            name=sw["ProductName"],
            version=sw.get("ProductVersion", ""),
            pretty=f"{sw['ProductName']} {sw.get('ProductVersion', '')}".strip(),
        )
    return info


def _users(sec: dict[str, list[str]]) -> dict[str, Any]:
    logged = []
    for line in sec.get("who", []):
        parts = line.split()
        if len(parts) >= 2:
            logged.append(
                {
                    "user": parts[0],
                    "tty": parts[1],
                    "since": " ".join(parts[2:4]),
                    "from": parts[4].strip("()") if len(parts) > 4 else "",
                }
            )
    last = []
    for line in sec.get("last", []):
        parts = line.split()
        if len(parts) >= 3:
            last.append({"user": parts[0], "tty": parts[1], "line": " ".join(parts[2:])})
    return {"logged_on": logged, "last_logins": last}


def _disks(lines: list[str]) -> list[dict[str, Any]]:
    disks = []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) < 6 or not parts[1].isdigit() or int(parts[1]) == 0:
            continue
        disks.append(
            {
                "filesystem": parts[0],
                "mount": " ".join(parts[5:]),
                "size_kb": int(parts[1]),
                "used_kb": int(parts[2]),
                "free_kb": int(parts[3]),
                "use_percent": int(parts[4].rstrip("%") or 0),
            }
        )
    return disks


def _processes(lines: list[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[0].isdigit():
            out.append(
                {
                    "pid": int(parts[0]),
                    "user": parts[1],
                    "cpu_percent": float(parts[2]),
                    "mem_percent": float(parts[3]),
                    "command": parts[4],
                }
            )
    return out


def _samples(lines: list[str]) -> dict[str, Any]:
    cpu: list[list[int]] = []
    mem: list[float] = []
    total_kb = 0
    for line in lines:
        if line.startswith("CPU cpu "):
            cpu.append([int(x) for x in line.split()[2:] if x.isdigit()])
        elif line.startswith("MEM "):
            nums = [int(x) for x in line.split()[1:] if x.isdigit()]
            if len(nums) == 2 and nums[0]:
                total_kb = nums[0]
                mem.append(round(100.0 * (nums[0] - nums[1]) / nums[0], 1))
    busy = []
    for a, b in itertools.pairwise(cpu):
        idle = (b[3] + (b[4] if len(b) > 4 else 0)) - (a[3] + (a[4] if len(a) > 4 else 0))
        total = sum(b) - sum(a)
        busy.append(round(100.0 * (total - idle) / total, 1) if total > 0 else 0.0)
    return {
        "cpu_percent_samples": busy,
        "memory_used_percent_samples": mem,
        "memory_total_kb": total_kb,
    }


def parse_facts(text: str) -> dict[str, Any]:
    """The facts script's output → the dict stored with ``store.add_facts(…, "ssh", data)``."""
    sec = split_sections(text)
    smart_lines = sec.get("smart", [])
    updates = sec.get("updates", [])
    manager = next((ln.split()[1] for ln in updates if ln.startswith("MANAGER ")), None)
    packages = [ln[4:].strip() for ln in updates if ln.startswith("PKG ")]
    load = (sec.get("loadavg") or [""])[0].strip("{} ").split()
    return {
        "os": _os(sec),
        "hostname": (sec.get("hostname") or [""])[0].strip(),
        "users": _users(sec),
        "disks": _disks(sec.get("df", [])),
        "smart": {"available": "AVAILABLE" in smart_lines, "devices": _smart(smart_lines)},
        "updates": {
            "manager": manager,
            "pending": len(packages) if manager else None,
            "packages": packages,
        },
        "processes": {
            "top_cpu": _processes(sec.get("ps_cpu", [])),
            "top_memory": _processes(sec.get("ps_mem", [])),
        },
        "load": {
            "loadavg": [float(x) for x in load[:3] if _is_float(x)],
            **_samples(sec.get("samples", [])),
        },
        "complete": "end" in sec,
    }


def _smart(lines: list[str]) -> list[dict[str, Any]]:
    devices = []
    for line in lines:
        parts = line.split()
        if parts[:1] == ["DEV"] and len(parts) > 1:
            devices.append({"device": parts[1], "health": " ".join(parts[2:]) or None})
    return devices


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
