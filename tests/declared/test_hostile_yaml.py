"""Hostile YAML is refused quickly and cheaply by every reader; anchors people use keep working.

The resource bound is a correctness check, not a timing test: each hostile
file runs through ``rmmkit validate`` in a child with a hard address-space cap
(``RLIMIT_AS``, 100 MB) and a CPU cap (``RLIMIT_CPU``); before the limits the
alias bombs needed 40+ s of CPU and ~1 GB, so either cap kills them and the
test fails.  The wall-clock timeout is only a generous safety net.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rmmkit import hookimpl
from rmmkit.cli.main import main
from rmmkit.cli.run import _load_vars_file
from rmmkit.declared.loader import load_inventory
from rmmkit.declared.marked_yaml import load_yaml
from rmmkit.declared.schedule_block import read_schedule_block
from rmmkit.declared.yaml_limits import ALIAS_FLOOR, MAX_DEPTH, decode_yaml, load_limited
from rmmkit.errors import EXIT_INVALID_INPUT, DuplicateName, InputError, YamlSyntaxError
from rmmkit.lab import topology
from rmmkit.plugin.manager import load_plugins
from rmmkit.snmp.classify import ruleset_from_plugins
from rmmkit.windows.errors import error_table

BAD = Path(__file__).parent / "bad"
HOSTILE = sorted(
    p
    for p in BAD.glob("inv-yaml-*.yml")
    if re.match(r"inv-yaml-(alias-|deep-|latin1|utf16|nul)", p.name)
)
MEMORY_CAP = 100 * 2**20  # bytes of address space: the whole CLI process, Python included
CPU_CAP = 20  # seconds of CPU; a refusal needs well under 1 s
LOCATION = re.compile(r"\S+:(\d+):(\d+): ")
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
SITE = "sites:\n  - {name: hq, ranges: [10.0.0.0/24]}\n"


def _limits() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_CAP, CPU_CAP))


def validate_capped(path: Path, scratch: Path) -> tuple[int, str, float, float]:
    """``rmmkit validate PATH`` under the caps: exit code, stderr, wall seconds, peak RSS in MB."""
    peak = scratch / "peak-kb.txt"
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(peak), "validate", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
        timeout=120,  # a safety net only: the CPU cap is the check
        check=False,
    )
    wall = time.monotonic() - started
    rss = int(peak.read_text()) / 1024 if peak.exists() else float("inf")
    return child.returncode, child.stderr.decode(errors="replace"), wall, rss


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_file_is_refused_within_the_caps(path: Path, tmp_path: Path) -> None:
    code, stderr, wall, rss = validate_capped(path, tmp_path)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == EXIT_INVALID_INPUT, stderr
    assert len(lines) == 1 and lines[0].startswith("rmmkit: error: "), stderr
    assert LOCATION.search(lines[0]), lines[0]
    assert rss < MEMORY_CAP / 2**20, f"{path.name}: peak RSS {rss:.0f} MB"
    print(f"{path.name}: {wall:.2f} s, peak RSS {rss:.0f} MB")


def test_the_hostile_corpus_covers_every_shape() -> None:
    names = {p.name for p in HOSTILE}
    for shape in ("alias-bomb-lists", "alias-bomb-merge", "alias-bomb-chain", "deep-flow-seq"):
        assert f"inv-yaml-{shape}.yml" in names
    for shape in ("deep-flow-map", "deep-block-indent", "latin1", "utf16-bom", "nul-byte"):
        assert f"inv-yaml-{shape}.yml" in names


@pytest.mark.parametrize(
    "body",
    [
        "sites: " + "x" * 10_000_000 + "\n",  # 10 MB of one scalar where a list belongs
        "sites: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n",  # segfaulted libyaml's composer
    ],
    ids=["10MB-scalar", "1M-brackets"],
)
def test_huge_files_stay_within_the_caps(tmp_path: Path, body: str) -> None:
    path = tmp_path / "huge.yml"
    path.write_text(body)
    code, stderr, _, rss = validate_capped(path, tmp_path)
    assert code == EXIT_INVALID_INPUT, stderr[:300]
    assert len(stderr) < 300 and stderr.count("\n") == 1, stderr[:300]  # the value is not echoed
    assert LOCATION.search(stderr), stderr
    assert rss < MEMORY_CAP / 2**20


# --- the limits themselves, at their edges ---------------------------------------------

LOADERS = {
    "libyaml": lambda text: load_yaml(text, "f.yml"),
    "pure-python": lambda text: load_limited(text, yaml.SafeLoader, "f.yml"),
}


def nested(levels: int, kind: str) -> str:
    """``levels`` collections inside each other, the innermost holding one scalar."""
    if kind == "flow":
        return "[" * levels + "x" + "]" * levels
    return "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "end\n"


@pytest.mark.parametrize("loader", LOADERS, ids=list(LOADERS))
@pytest.mark.parametrize("kind", ["flow", "block"])
def test_depth_limit_is_exact(loader: str, kind: str) -> None:
    load = LOADERS[loader]
    assert load(nested(MAX_DEPTH, kind)) is not None  # 100 collections inside each other: fine
    with pytest.raises(YamlSyntaxError, match=f"nested deeper than {MAX_DEPTH} levels") as err:
        load(nested(MAX_DEPTH + 1, kind))
    location = err.value.location
    assert location is not None
    if kind == "flow":  # the 101st '[' (1-based column 101) holds something
        assert (location.line, location.column) == (1, MAX_DEPTH + 1)
    else:  # the 101st mapping starts with the key k100
        assert (location.line, location.column) == (MAX_DEPTH + 1, MAX_DEPTH + 1)


@pytest.mark.parametrize("loader", LOADERS, ids=list(LOADERS))
def test_alias_budget_refuses_a_bomb_and_names_the_anchor(loader: str) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.process_time()
    with pytest.raises(YamlSyntaxError, match="aliases expand this document") as err:
        LOADERS[loader]("\n".join(lines))
    assert time.process_time() - started < 5  # generous: the walk stops at the budget
    assert err.value.location is not None and err.value.location.line == 8  # h, used 9 times


def test_alias_budget_allows_the_floor_and_scales_with_the_file() -> None:
    per = 9  # nodes in the repeated mapping: itself plus 4 keys and 4 values
    block = "d: &d {a: 1, b: 2, c: 3, e: 4}\n"
    fits = block + "x: [" + ", ".join(["*d"] * (ALIAS_FLOOR // per - 100)) + "]\n"
    assert len(load_yaml(fits, "f.yml")["x"]) == ALIAS_FLOOR // per - 100
    hosts = "".join(f"  - {{name: h{i}, os: linux, <<: *d}}\n" for i in range(12_000))
    big = block + "hosts:\n" + hosts  # 6 written + 9 merged nodes a host: past the floor, < 10x
    assert load_yaml(big, "f.yml")["hosts"][-1] == {
        "name": "h11999",
        "os": "linux",
        "a": 1,
        **{"b": 2, "c": 3, "e": 4},
    }
    with pytest.raises(YamlSyntaxError, match="aliases expand"):
        load_yaml(block + "x: [" + ", ".join(["*d"] * (ALIAS_FLOOR // per + 100)) + "]\n", "f")


def test_self_reference_is_refused_at_the_anchor() -> None:
    with pytest.raises(YamlSyntaxError, match="alias to itself") as err:
        load_yaml("a: 1\nloop: &loop {next: *loop}\n", "f.yml")
    assert str(err.value.location) == "f.yml:2:7"


# --- anchors and merge keys people really write ----------------------------------------


def test_defaults_anchor_and_merge_keys_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "inv.yml"
    path.write_text(
        SITE + "hosts:\n"
        "  - name: h1\n    address: 10.0.0.5\n    vars: &defaults {os: linux, tier: gold}\n"
        "  - name: h2\n    address: 10.0.0.6\n    vars:\n      <<: *defaults\n      tier: silver\n"
        "  - name: h3\n    address: 10.0.0.7\n    vars: *defaults\n"
    )
    hosts = load_inventory(path, load_plugins(entry_points=False)).hosts
    assert dict(hosts["h1"].vars) == {"os": "linux", "tier": "gold"}
    assert dict(hosts["h2"].vars) == {"os": "linux", "tier": "silver"}  # written key wins
    assert dict(hosts["h3"].vars) == {"os": "linux", "tier": "gold"}


def test_merge_order_and_duplicates_follow_yaml() -> None:
    text = (
        "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\n"
        "m:\n  <<: [*a, *b]\n  z: 3\n"  # the first source wins over later ones, written over all
    )
    data = load_yaml(text, "f.yml")
    assert data["m"] == {"x": 1, "y": 1, "z": 3}
    assert data["m"].key_marks["z"] == (5, 3) and data["m"].value_marks["y"] == (1, 17)
    with pytest.raises(DuplicateName, match="duplicate key 'y'") as err:
        load_yaml("a: &a {x: 1}\nm:\n  <<: *a\n  y: 1\n  y: 2\n", "f.yml")
    assert str(err.value.location) == "f.yml:5:3"


# --- encodings ----------------------------------------------------------------------------


def test_decode_points_at_the_first_bad_byte_in_characters() -> None:
    data = "a: ü\nb: café\n".encode().replace("é".encode(), b"\xe9")
    with pytest.raises(YamlSyntaxError, match=r"not UTF-8: byte 0xE9") as err:
        decode_yaml(data, "f.yml")
    assert str(err.value.location) == "f.yml:2:7" and err.value.expected == "a UTF-8 YAML file"
    assert decode_yaml("\ufeffa: 1\n".encode(), "f.yml") == "\ufeffa: 1\n"  # a UTF-8 BOM is fine


def test_control_character_is_located() -> None:
    with pytest.raises(YamlSyntaxError, match=r"U\+0007 is not allowed") as err:
        load_yaml("a: 1\nb: x\ay\n", "f.yml")
    assert str(err.value.location) == "f.yml:2:5"


# --- every other reader goes through the same limits -----------------------------------

BOMB = BAD / "inv-yaml-alias-bomb-lists.yml"
DEEP = BAD / "inv-yaml-deep-flow-seq.yml"
LATIN1 = BAD / "inv-yaml-latin1.yml"


def _refused(call: Any, path: Path, what: str) -> None:
    started = time.process_time()
    with pytest.raises(InputError, match=what) as err:
        call(path)
    assert time.process_time() - started < 5
    assert str(err.value).startswith(f"{path}:"), err.value  # file:line:column first
    assert "\n" not in str(err.value)


READERS: dict[str, Callable[[Path], Any]] = {
    "schedule-block": read_schedule_block,
    "lab-topology": topology.load,
    "run-vars-file": lambda p: _load_vars_file(str(p)),
    "snmp-plugin-rules": lambda p: ruleset_from_plugins(
        load_plugins(extra=[_Answer("snmp", p)], entry_points=False)
    ),
    "windows-plugin-table": lambda p: error_table(
        load_plugins(extra=[_Answer("windows", p)], entry_points=False).pm
    ),
}


class _Answer:
    """A plugin that hands in one data file (SNMP rules or a Windows error table)."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind, self.path = kind, str(path)

    @hookimpl
    def rmmkit_snmp_classification_rules(self) -> list[str]:
        return [self.path] if self.kind == "snmp" else []

    @hookimpl
    def rmmkit_windows_error_table(self) -> list[str]:
        return [self.path] if self.kind == "windows" else []


@pytest.mark.parametrize("reader", READERS, ids=list(READERS))
@pytest.mark.parametrize(
    ("path", "what"),
    [(BOMB, "aliases expand"), (DEEP, "nested deeper"), (LATIN1, "not UTF-8: byte 0xE9")],
    ids=["bomb", "deep", "latin1"],
)
def test_every_reader_refuses_hostile_yaml(reader: str, path: Path, what: str) -> None:
    _refused(READERS[reader], path, what)


@pytest.mark.parametrize(("path", "what"), [(BOMB, "aliases expand"), (LATIN1, "not UTF-8")])
def test_extra_vars_file_of_validate_is_limited(
    path: Path, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = Path(__file__).parent / "fixtures" / "inventory.yml"
    with pytest.raises(SystemExit) as stop:
        main(["validate", str(inventory), "-e", f"@{path}"])
    stderr = capsys.readouterr().err
    assert stop.value.code == EXIT_INVALID_INPUT, stderr
    assert stderr.startswith(f"rmmkit: error: {path}:") and what in stderr


def test_edited_vault_text_is_limited() -> None:
    from rmmkit.cli.vault import _load_edited

    with pytest.raises(InputError, match=r"nested deeper.*nothing was saved") as err:
        _load_edited(DEEP.read_bytes())
    assert str(err.value).startswith("edited vault:5:")
    with pytest.raises(InputError, match="aliases expand"):
        _load_edited(BOMB.read_bytes())


def test_limit_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    from rmmkit.run.options import expand_limit

    names = tmp_path / "names.txt"
    names.write_bytes(b"hq-fw\ncaf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8: byte 0xE9") as err:
        expand_limit([f"@{names}"])
    assert str(err.value.location) == f"{names}:2:4"
