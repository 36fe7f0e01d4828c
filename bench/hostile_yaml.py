"""Hostile YAML: what refusing each file costs, in the loader and in a whole `rmmkit validate`.

Why: an alias bomb used to take 40 s and ~1 GB, and 5,000 nested brackets an
internal error; the limits of ``rmmkit.declared.yaml_limits`` must answer each
in well under a second and 100 MB.  For every hostile file of the bad-input
corpus (plus a generated 10 MB scalar and 1,000,000 nested brackets) this
prints the in-process refusal time of ``parse_doc`` and the wall time, CPU
time and peak RSS (``os.wait4``) of ``rmmkit validate FILE`` in a child.
Last line: ``hostile_yaml: N files, slowest parse X ms, largest validate RSS Y MB``.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rmmkit.declared.loader import parse_doc
from rmmkit.errors import InputError

CHILD = (  # the CLI, then its own peak RSS (VmHWM: this program only, not the forked parent)
    "import atexit, sys\n"
    "out = sys.argv.pop(1)\n"
    "def peak():\n"
    "    hwm = [x for x in open('/proc/self/status') if x.startswith('VmHWM:')][0]\n"
    "    open(out, 'w').write(hwm.split()[1])\n"
    "atexit.register(peak)\n"
    "from rmmkit.cli.main import main\n"
    "main()\n"
)
BAD = Path(__file__).resolve().parents[1] / "tests" / "declared" / "bad"
HOSTILE = re.compile(r"inv-yaml-(alias-|deep-|latin1|utf16|nul)")


def parse_in_process(path: Path) -> float:
    """Seconds ``parse_doc`` takes to refuse the file (or, the 10 MB scalar, to parse it)."""
    started = time.perf_counter()
    with contextlib.suppress(InputError):
        parse_doc(path)
    return time.perf_counter() - started


def validate_child(path: Path, scratch: Path) -> tuple[int, float, float, float]:
    """Exit code, wall s, CPU s (``os.wait4``), peak RSS MB (VmHWM) of ``rmmkit validate PATH``."""
    peak = scratch / "peak-kb.txt"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(peak), "validate", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return child.returncode, time.perf_counter() - started, cpu, int(peak.read_text()) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(p for p in BAD.glob("*.yml") if HOSTILE.match(p.name))
        scalar = Path(tmp) / "ten-mb-scalar.yml"
        scalar.write_text("sites: " + "x" * 10_000_000 + "\n")
        brackets = Path(tmp) / "million-brackets.yml"
        brackets.write_text("sites: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n")
        files += [scalar, brackets]
        baseline = validate_child(BAD.parent / "fixtures" / "inventory.yml", Path(tmp))
        print(f"{'file':34} {'parse':>8} {'exit':>4} {'wall':>6} {'cpu':>6} {'rss':>7}")
        print(
            f"{'(a good inventory, for scale)':34} {'':>8} {baseline[0]:>4} "
            f"{baseline[1]:>5.2f}s {baseline[2]:>5.2f}s {baseline[3]:>5.0f}MB"
        )
        slowest, largest = 0.0, 0.0
        for path in files:
            refuse = parse_in_process(path)
            code, wall, cpu, rss = validate_child(path, Path(tmp))
            slowest, largest = max(slowest, refuse), max(largest, rss)
            print(
                f"{path.name:34} {refuse * 1000:>6.1f}ms {code:>4} {wall:>5.2f}s "
                f"{cpu:>5.2f}s {rss:>5.0f}MB"
            )
    print(
        f"hostile_yaml: {len(files)} files, slowest parse {slowest * 1000:.0f} ms, "
        f"largest validate RSS {largest:.0f} MB"
    )


if __name__ == "__main__":
    main()
