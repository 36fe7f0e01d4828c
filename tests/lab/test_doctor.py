"""``rmmkit lab doctor``: finds what is missing, names the package that brings it.

Nothing is uninstalled here: the checker looks in an emptied PATH, a fake
root or a fake ``sys.path`` (``Where``).  The package names themselves are
checked against the real package database (``dpkg -S``) and against what
scripts/bootstrap.sh installs, so a wrong or forgotten name fails here, not
on the next fresh machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rmmkit.errors import EXIT_INVALID_INPUT, EXIT_LAB, LabError
from rmmkit.lab import Lab, doctor, topology
from rmmkit.lab.fixtures import require
from rmmkit.lab.kinds.linux_ssh import LinuxSsh
from rmmkit.lab.kinds.snmp import Snmp
from rmmkit.lab.peers import AdDc, Namespaces
from rmmkit.lab.requirements import (
    PROBE_DIR,
    Binary,
    File,
    Module,
    ModuleData,
    Probe,
    Requirement,
    Where,
)

REPO = Path(__file__).resolve().parents[2]


def rmmkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1", **(env or {})},
    )


def all_requirements() -> list[tuple[str, Requirement]]:
    return [(u.name, r) for u in doctor.units() for r in u.requires]


def executable(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)


# --- finding what is missing ---------------------------------------------------------------


def test_an_emptied_path_and_root_miss_every_binary_and_name_its_package(tmp_path: Path) -> None:
    report = doctor.check(doctor.units(["namespaces"]), Where(root=tmp_path, path=()))
    assert [p.missing.detail for p in report.problems] == [
        f"{r.target} not found on PATH" for r in Namespaces.requires
    ]
    assert [p.missing.fix for p in report.problems] == [
        f"apt-get install {r.apt}" for r in Namespaces.requires
    ]
    assert report.lines()[0] == "lab (namespaces): ip not found on PATH — apt-get install iproute2"


def test_a_binary_installed_but_off_path_is_a_path_problem_not_a_package() -> None:
    report = doctor.check([doctor.Unit("t", "t", (Binary("mount", apt="mount"),))], Where(path=()))
    assert report.lines() == ["t: mount is in /usr/bin but not on PATH — add /usr/bin to PATH"]
    assert report.install() == {"apt": [], "pip": []}


def test_an_absolute_binary_is_looked_up_under_the_root(tmp_path: Path) -> None:
    sshd = Binary("/usr/sbin/sshd", apt="openssh-server")
    where = Where(root=tmp_path)
    assert [m.fix for m in sshd.check(where)] == ["apt-get install openssh-server"]
    (tmp_path / "usr/sbin").mkdir(parents=True)
    (tmp_path / "usr/sbin/sshd").write_text("not executable")
    assert sshd.check(where), "a file that is not executable is no binary"
    executable(tmp_path / "usr/sbin/sshd")
    assert sshd.check(where) == []


def test_a_file_pattern_matches_any_architecture(tmp_path: Path) -> None:
    secrets = File("/usr/lib/*/samba/ldb/samba_secrets.so", apt="samba-dsdb-modules")
    where = Where(root=tmp_path)
    assert secrets.check(where)[0].detail == "/usr/lib/*/samba/ldb/samba_secrets.so missing"
    (tmp_path / "usr/lib/aarch64-linux-gnu/samba/ldb").mkdir(parents=True)
    (tmp_path / "usr/lib/aarch64-linux-gnu/samba/ldb/samba_secrets.so").write_bytes(b"")
    assert secrets.check(where) == []


def test_python_modules_and_their_data_are_found_on_the_given_sys_path(tmp_path: Path) -> None:
    where = Where(python_path=(str(tmp_path),), interpreter="/x/python")
    recording = ModuleData("snmpsim_data", "data/UPS/apc-8641.snmprec*", pip="snmpsim-data")
    missing = Module("snmpsim_data", pip="snmpsim-data", extra="lab").check(where)
    assert [(m.detail, m.fix) for m in missing] == [
        (
            "python module snmpsim_data not found by /x/python",
            "pip install snmpsim-data (extra: rmmkit[lab])",
        )
    ]
    assert recording.check(where)[0].detail == missing[0].detail  # printed once by the doctor
    report = doctor.check([doctor.Unit("snmp", "snmp", Snmp.requires)], where)
    assert report.install() == {"apt": [], "pip": ["snmpsim-data"]}
    (tmp_path / "snmpsim_data/data/UPS").mkdir(parents=True)
    (tmp_path / "snmpsim_data/__init__.py").write_text("")
    assert Module("snmpsim_data", pip="snmpsim-data").check(where) == []
    assert recording.check(where)[0].detail == "snmpsim_data/data/UPS/apc-8641.snmprec* missing"
    (tmp_path / "snmpsim_data/data/UPS/apc-8641.snmprec.bz2").write_bytes(b"")
    assert recording.check(where) == []


def test_the_samba_probe_asks_samba_and_names_each_package(tmp_path: Path) -> None:
    """Samba's own answers (setup dir, default schema) and a real ldb load, under an empty root."""
    if not Path("/usr/bin/python3").exists():
        pytest.fail("/usr/bin/python3 missing: scripts/bootstrap.sh installs Samba and it")
    probe = next(r for r in AdDc.requires if isinstance(r, Probe))
    found = probe.check(Where(root=tmp_path))
    assert [(m.package, m.fix) for m in found] == [
        ("samba-ad-provision", "apt-get install samba-ad-provision"),
        ("samba-vfs-modules", "apt-get install samba-vfs-modules"),
        ("samba-dsdb-modules", "apt-get install samba-dsdb-modules"),
    ]
    assert f"{tmp_path}/usr/share/samba/setup/provision.ldif missing" in found[0].detail
    assert found[1].detail.endswith("/samba/vfs/acl_xattr.so missing")
    assert found[2].detail.endswith("/samba/ldb/samba_secrets.so missing")
    assert probe.check(Where()) == []  # and the real machine passes


def test_the_samba_probe_really_loads_ldb_modules() -> None:
    """The load that failed with "Module [samba_secrets] not found": real, not a file check."""
    code = (
        f"import sys; sys.path.insert(0, {str(PROBE_DIR)!r}); import samba_dc_probe as p; "
        "import ldb, samba, samba.param, os; d = os.path.join(samba.param.modules_dir(), 'ldb'); "
        "print(p.can_load(ldb, samba, d, 'samba_secrets'), p.can_load(ldb, samba, d, 'rmk_none'))"
    )
    proc = subprocess.run(["/usr/bin/python3", "-I", "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["True", "False"], proc.stderr


def test_a_probe_that_crashes_is_reported_with_its_last_line(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text("import sys\nprint('boom: no samba', file=sys.stderr)\nsys.exit(3)\n")
    probe = Probe(str(script), interpreter=sys.executable, apt="python3-samba")
    assert [(m.detail, m.package) for m in probe.check(Where())] == [
        (f"probe {script} failed: boom: no samba", "python3-samba")
    ]


def test_probes_wait_until_the_static_checks_pass(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text("print('samba-dsdb-modules\\tprobe says no')\n")
    probe = Probe(str(script), interpreter=sys.executable, apt="python3-samba")
    unit = doctor.Unit("u", "u", (probe, File("/nowhere/at/all", apt="samba-ad-provision")))
    assert [p.missing.package for p in doctor.check([unit]).problems] == ["samba-ad-provision"]
    alone = doctor.Unit("u", "u", (probe,))
    assert doctor.check([alone]).lines() == [
        "u: probe says no — apt-get install samba-dsdb-modules"
    ]


def test_a_requirement_names_exactly_one_package_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Binary("x")
    with pytest.raises(ValueError, match="exactly one"):
        Binary("x", apt="a", pip="b")


# --- the command line -------------------------------------------------------------------------


def test_cli_exits_8_with_one_line_per_problem(tmp_path: Path) -> None:
    proc = rmmkit("lab", "doctor", "--kind", "linux-ssh", "--root", str(tmp_path))
    assert proc.returncode == EXIT_LAB, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(LinuxSsh.requires)
    assert lines[0] == "linux-ssh: /usr/sbin/sshd missing — apt-get install openssh-server"
    assert all(line.startswith("linux-ssh: ") and " — apt-get install " in line for line in lines)
    assert proc.stderr.strip() == (
        "rmmkit: error: lab doctor: 5 problems in 1 of 1 unit; "
        "to fix: apt-get install openssh-server openssh-client passwd sudo"
    )


def test_cli_json_lists_problems_and_packages(tmp_path: Path) -> None:
    proc = rmmkit("lab", "doctor", "--kind", "ad-dc", "--root", str(tmp_path), "--format", "json")
    assert proc.returncode == EXIT_LAB
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["units"][0]["name"] == "ad-dc"
    assert {"samba-ad-provision", "samba-dsdb-modules", "krb5-user"} <= set(data["install"]["apt"])
    first = data["problems"][0]
    assert set(first) >= {"unit", "title", "detail", "package", "source", "fix", "line"}


def test_cli_refuses_an_unknown_kind() -> None:
    proc = rmmkit("lab", "doctor", "--kind", "no-such-kind")
    assert proc.returncode == EXIT_INVALID_INPUT
    assert "unknown lab doctor kind 'no-such-kind'" in proc.stderr and "ad-dc" in proc.stderr


def test_a_topology_needs_the_lab_and_the_kinds_it_uses(tmp_path: Path) -> None:
    topo = tmp_path / "t.yml"
    topo.write_text(
        "segments:\n  - {name: lan, subnet: 10.77.9.0/24, scanner: 10.77.9.1}\n"
        "hosts:\n  - {name: d1, kind: dead, address: 10.77.9.40}\n"
        "  - {name: s1, kind: linux-ssh, address: 10.77.9.10, users: [{name: a, password: x}]}\n"
    )
    units = doctor.topology_units(topology.load(topo), ["tools"])
    assert [u.name for u in units] == ["namespaces", "dead", "linux-ssh", "tools"]
    proc = rmmkit(
        "lab", "doctor", "--topology", str(topo), "--root", str(tmp_path), "--format", "json"
    )
    assert proc.returncode == EXIT_LAB
    data = json.loads(proc.stdout)
    assert [(u["name"], u["ok"]) for u in data["units"]] == [
        ("namespaces", False),
        ("dead", True),  # needs nothing
        ("linux-ssh", False),
    ]


def test_every_host_kind_and_peer_is_a_unit() -> None:
    from rmmkit.lab.kinds import kind_names

    names = doctor.unit_names()
    assert set(kind_names()) <= set(names)
    assert {"namespaces", "tools", "ad-dc", "postgresql", "discovery-minilab"} <= set(names)
    assert len(names) == len(set(names))


# --- where it runs: fixtures and Lab.up ------------------------------------------------------


def test_the_fixture_check_fails_the_test_with_the_doctor_lines() -> None:
    missing = Binary("/nonexistent/rmmkit-test-tool", apt="rmmkit-test-pkg", why="a test")
    with pytest.raises(pytest.fail.Exception) as failed:
        require(extra=[missing], title="tests/lab")
    assert str(failed.value).splitlines()[0] == (
        "tests/lab: a test: /nonexistent/rmmkit-test-tool missing — apt-get install rmmkit-test-pkg"
    )


def test_lab_up_refuses_before_creating_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    before = Lab.running()
    with pytest.raises(LabError) as err:
        Lab.up(None, name="rmkdoc")
    assert err.value.message.startswith("lab rmkdoc cannot be built: lab doctor: ")
    assert "lab (namespaces): ip is in " in err.value.causes[0]
    assert Lab.running() == before


# --- this machine, and the names themselves -------------------------------------------------


def test_everything_is_present_on_this_machine_after_bootstrap() -> None:
    report = doctor.check(doctor.units())
    assert report.lines() == [], "run scripts/bootstrap.sh (or add the package there)"
    proc = rmmkit("lab", "doctor")
    assert proc.returncode == 0 and proc.stdout.startswith("lab doctor: all "), proc.stdout


def _owners(paths: list[str]) -> dict[str, set[str]]:
    """``dpkg -S`` in one call: path → owning packages (diversion lines ignored)."""
    proc = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True)
    owners: dict[str, set[str]] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("diversion "):
            continue
        packages, _, path = line.rpartition(": ")
        owners.setdefault(path, set()).update(p.split(":")[0] for p in packages.split(", "))
    return owners


def _candidates(path: str) -> set[str]:
    """The path, where it really is, and their pre-usrmerge names (/usr/bin/x ↔ /bin/x)."""
    out = {path, os.path.realpath(path)}
    return out | {p.removeprefix("/usr") for p in out if p.startswith(("/usr/bin/", "/usr/sbin/"))}


def _wrong_package_names(requirements: list[tuple[str, Requirement]]) -> list[str]:
    """Each Debian requirement whose file ``dpkg -S`` says belongs to another package."""
    wanted: list[tuple[str, str, str]] = []  # (unit, package, path on this machine)
    for unit, req in requirements:
        if not req.apt or isinstance(req, Probe):
            continue
        if isinstance(req, Binary):
            path = req.target if req.target.startswith("/") else shutil.which(req.target)
            found = [path] if path and os.path.exists(path) else []
        else:
            found = [str(p) for p in sorted(Path("/").glob(req.target.lstrip("/")))]
        assert found, f"{unit}: {req.target} is not on this machine (run scripts/bootstrap.sh)"
        wanted.append((unit, req.apt, found[0]))
    owners = _owners(sorted({c for _, _, path in wanted for c in _candidates(path)}))
    return [
        f"{unit}: {path} is owned by {sorted(got) or 'no package'}, not {package}"
        for unit, package, path in wanted
        if package not in (got := set().union(*(owners.get(c, set()) for c in _candidates(path))))
    ]


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs the Debian package database")
def test_every_declared_debian_package_owns_what_it_is_declared_for() -> None:
    """A typo or a wrong package name in the data fails here, checked by dpkg itself."""
    requirements = all_requirements()
    assert len([r for _, r in requirements if r.apt]) > 40
    assert _wrong_package_names(requirements) == []


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs the Debian package database")
def test_the_dpkg_check_catches_a_wrong_name() -> None:
    wrong = [
        ("t", Binary("/usr/sbin/sshd", apt="openssh-client")),
        ("t", Binary("ip", apt="iproute")),
        ("t", Binary("sh", apt="dash")),  # right, through a dpkg diversion and usrmerge
    ]
    assert _wrong_package_names(wrong) == [
        "t: /usr/sbin/sshd is owned by ['openssh-server'], not openssh-client",
        f"t: {shutil.which('ip')} is owned by ['iproute2'], not iproute",
    ]


def test_the_samba_probe_names_only_packages_the_ad_dc_declares() -> None:
    script = (PROBE_DIR / "samba_dc_probe.py").read_text()
    named = set(re.findall(r'report\(\s*"([a-z0-9.+-]+)"', script))
    declared = {r.apt for r in AdDc.requires if r.apt}
    assert named == {
        "python3-samba",
        "samba-ad-provision",
        "samba-dsdb-modules",
        "samba-vfs-modules",
    }
    assert named <= declared


def _bootstrap_packages() -> list[str]:
    """The words of the ``APT_PACKAGES=( … )`` array, comments dropped."""
    lines = (REPO / "scripts/bootstrap.sh").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("APT_PACKAGES=("))
    words: list[str] = []
    for line in [lines[start].removeprefix("APT_PACKAGES=("), *lines[start + 1 :]]:
        code = line.split("#", 1)[0]
        words += code.split(")", 1)[0].split()
        if ")" in code:
            return words
    raise AssertionError("scripts/bootstrap.sh: APT_PACKAGES=( is never closed")


def _installed_closure(roots: list[str]) -> set[str]:
    """``roots`` plus everything they depend on, and the required/important base system."""
    fmt = "${Package}\t${Priority}\t${Depends}, ${Pre-Depends}\t${db:Status-Status}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True).stdout
    deps: dict[str, set[str]] = {}
    closure: set[str] = set()
    for line in out.splitlines():
        name, priority, depends, status = line.split("\t")
        if status != "installed":
            continue
        names = re.findall(r"(?:^|[,|]\s*)([a-z0-9][a-z0-9.+-]+)", depends)
        deps[name] = {n.split(":")[0] for n in names}
        if priority in ("required", "important"):
            closure.add(name)
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in closure:
            closure.add(name)
            todo.extend(deps.get(name, ()))
    return closure


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs the Debian package database")
def test_bootstrap_installs_every_package_the_doctor_asks_for() -> None:
    """The bug of issue 13: a package the lab needs, missing from scripts/bootstrap.sh."""
    listed = _bootstrap_packages()
    closure = _installed_closure(listed)
    apt = sorted({r.apt for _, r in all_requirements() if r.apt})
    assert [p for p in apt if p not in closure] == []
    for needed in ("samba-ad-provision", "samba-dsdb-modules", "samba-vfs-modules"):  # recommends
        assert needed in listed


def test_every_pip_requirement_comes_with_the_dev_install_and_its_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = {
        name: {re.split(r"[\[<>=]", spec)[0].lower() for spec in specs}
        for name, specs in project["optional-dependencies"].items()
    }
    for unit, req in all_requirements():
        if not req.pip or req.pip == "rmmkit":
            continue
        assert req.pip in extras["dev"], f"{unit}: {req.pip} is not in .[dev] (bootstrap)"
        assert req.extra and req.pip in extras[req.extra], f"{unit}: {req.pip} not in [{req.extra}]"
