"""What a lab host kind or test peer needs installed, declared as data the doctor checks.

Why data next to the code that runs the binary: the bug this prevents is a
package that was on the developer's machine but in no install script, found
only as a ``CalledProcessError`` deep in a fixture.  Each requirement names
the Debian package (or pip distribution) that provides it, so ``rmmkit lab
doctor`` says what to install in one line, and a test checks every name
against ``dpkg -S``.  Adding one is one line on the kind's ``requires``::

    Binary("chromium", apt="chromium", why="browser tests")

Where the checks look (:class:`Where`) can be pointed at an empty PATH or a
fake root, so tests prove a missing piece is found without uninstalling it.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from dataclasses import KW_ONLY, dataclass, field
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from typing import ClassVar

# Where Debian puts programs: a binary found here but not on PATH is a PATH problem, not a package.
STANDARD_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
PROBE_DIR = Path(__file__).resolve().parent


def _default_path() -> tuple[str, ...]:
    """``$PATH`` plus the interpreter's own bin directory (pip's console scripts live there)."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    own = str(Path(sys.executable).parent)
    return (*dirs, own) if own not in dirs else tuple(dirs)


@dataclass(frozen=True)
class Where:
    """Where the checks look: this machine by default; tests pass an empty PATH or a fake root."""

    root: Path = Path("/")
    path: tuple[str, ...] = field(default_factory=_default_path)
    python_path: tuple[str, ...] = field(default_factory=lambda: tuple(sys.path))
    interpreter: str = sys.executable  # named in messages about Python modules

    def at(self, absolute: str) -> Path:
        """``absolute`` inside :attr:`root` (the path itself when the root is ``/``)."""
        if not absolute:
            absolute = os.getcwd()  # a "" entry of sys.path is the current directory
        return self.root / absolute.lstrip("/")


@dataclass(frozen=True)
class Missing:
    """One thing not found: what, and the one command that brings it."""

    detail: str
    fix: str
    package: str = ""
    source: str = "apt"  # apt | pip | path


@dataclass(frozen=True)
class Requirement:
    """A thing to find (``target``) and the package that installs it (``apt`` or ``pip``)."""

    target: str
    _: KW_ONLY
    apt: str = ""
    pip: str = ""
    extra: str = ""  # the rmmkit extra that pulls the pip package (lab, postgres …)
    why: str = ""  # what fails without it; starts the doctor's line
    is_probe: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if bool(self.apt) == bool(self.pip):
            raise ValueError(f"{self.target}: name exactly one of apt= or pip=")

    @property
    def package(self) -> str:
        return self.apt or self.pip

    @property
    def source(self) -> str:
        return "apt" if self.apt else "pip"

    def missing(self, detail: str, package: str = "") -> Missing:
        package = package or self.package
        if self.apt or package != self.package:
            return Missing(detail, f"apt-get install {package}", package, "apt")
        extra = f" (extra: rmmkit[{self.extra}])" if self.extra else ""
        return Missing(detail, f"pip install {package}{extra}", package, "pip")

    def check(self, where: Where) -> list[Missing]:
        raise NotImplementedError


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


@dataclass(frozen=True)
class Binary(Requirement):
    """A program: an absolute path (run as such) or a name looked up on PATH."""

    def check(self, where: Where) -> list[Missing]:
        if self.target.startswith("/"):
            found = _executable(where.at(self.target))
            return [] if found else [self.missing(f"{self.target} missing")]
        if any(_executable(where.at(d) / self.target) for d in where.path):
            return []
        for directory in STANDARD_DIRS:
            if _executable(where.at(directory) / self.target):
                return [
                    Missing(
                        f"{self.target} is in {directory} but not on PATH",
                        f"add {directory} to PATH",
                        source="path",
                    )
                ]
        return [self.missing(f"{self.target} not found on PATH")]


@dataclass(frozen=True)
class File(Requirement):
    """A data file or library; ``*`` matches the architecture or ABI part of a name."""

    def check(self, where: Where) -> list[Missing]:
        if glob.glob(str(where.at(self.target))):
            return []
        return [self.missing(f"{self.target} missing")]


def find_module(name: str, where: Where) -> ModuleSpec | None:
    """The spec of a (dotted) module on ``where.python_path``, without importing it."""
    locations: list[str] | None = [str(where.at(p)) for p in where.python_path]
    spec = None
    parts = name.split(".")
    for i in range(len(parts)):
        if locations is None:
            return None
        spec = PathFinder.find_spec(".".join(parts[: i + 1]), locations)
        if spec is None:
            return None
        locations = list(spec.submodule_search_locations or []) or None
    return spec


@dataclass(frozen=True)
class Module(Requirement):
    """A Python module rmmkit's interpreter must import (found, not imported: stays cheap)."""

    def check(self, where: Where) -> list[Missing]:
        if find_module(self.target, where) is not None:
            return []
        return [self.missing(f"python module {self.target} not found by {where.interpreter}")]


@dataclass(frozen=True)
class ModuleData(Requirement):
    """A file shipped inside a Python package (an snmpsim-data recording …)."""

    inner: str

    def check(self, where: Where) -> list[Missing]:
        spec = find_module(self.target, where)
        if spec is None:  # the same line as the Module requirement: the doctor prints it once
            return [self.missing(f"python module {self.target} not found by {where.interpreter}")]
        for base in spec.submodule_search_locations or []:
            if glob.glob(str(Path(base) / self.inner)):
                return []
        return [self.missing(f"{self.target}/{self.inner} missing")]


@dataclass(frozen=True)
class Probe(Requirement):
    """Run a small script that asks the real software whether it can work here.

    ``target`` is a script next to this module, run by this machine's
    ``interpreter`` with the root as its argument (the software says where its
    files are; the script looks for them under the root); it prints one
    ``package<TAB>what is wrong`` line per problem.  The doctor runs a probe
    only when the static checks of its unit passed, so one missing package is
    reported once.
    """

    interpreter: str = "/usr/bin/python3"
    timeout: float = 30.0
    is_probe: ClassVar[bool] = True

    def check(self, where: Where) -> list[Missing]:
        argv = [self.interpreter, "-I", str(PROBE_DIR / self.target)]
        try:
            proc = subprocess.run(
                [*argv, str(where.root)],
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [self.missing(f"probe {self.target} could not run: {exc}")]
        found = [
            self.missing(detail.strip(), package.strip())
            for package, sep, detail in (ln.partition("\t") for ln in proc.stdout.splitlines())
            if sep
        ]
        if proc.returncode != 0 and not found:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            found.append(self.missing(f"probe {self.target} failed: {tail[:200]}"))
        return found
