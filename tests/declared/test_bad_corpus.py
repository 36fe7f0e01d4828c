"""Every malformed file under bad/ is refused the same way: exit 3, one line, file:line:column.

Each file says what it expects on its first line (``# expect: <substring>``),
optionally a value that must never be printed (``# never: <secret>``), and
marks the line the error must point at with a trailing ``# <-``.  A few are
hostile on purpose (alias bombs, 5,000 nested brackets, Latin-1, UTF-16, NUL):
``test_hostile_yaml.py`` also bounds their time and memory.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rmmkit.cli.main import load_commands
from rmmkit.errors import EXIT_INVALID_INPUT

BAD = Path(__file__).parent / "bad"
FILES = sorted(BAD.glob("*.yml"))
LOCATION = re.compile(r"(\S+\.yml):(\d+):(\d+): ")


def text_of(path: Path) -> str:
    """The file as text, whatever its encoding (some bad files are Latin-1 or UTF-16 on purpose)."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="replace")


def header(path: Path, key: str) -> str | None:
    for line in text_of(path).splitlines()[:3]:
        if line.startswith(f"# {key}: "):
            return line.split(": ", 1)[1]
    return None


def marked_line(path: Path) -> int | None:
    for number, line in enumerate(text_of(path).splitlines(), 1):
        if line.rstrip().endswith("# <-"):
            return number
    return None


def test_corpus_is_large_enough() -> None:
    inventories = [f for f in FILES if f.name.startswith("inv-")]
    playbooks = [f for f in FILES if f.name.startswith("pb-")]
    assert len(FILES) >= 100 and inventories and playbooks
    assert all(header(f, "expect") for f in FILES), "every bad file needs '# expect: …'"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    load_commands()
    return CliRunner()


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_bad_file_is_refused_on_one_line(runner: CliRunner, path: Path) -> None:
    from rmmkit.cli.groups import cli

    result = runner.invoke(cli, ["validate", str(path)])
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert result.exit_code == EXIT_INVALID_INPUT, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output
    line = lines[0]
    assert line.startswith("rmmkit: error: ")
    assert header(path, "expect") in line
    match = LOCATION.search(line)
    assert match, f"no file:line:column in {line!r}"
    if marked_line(path) is not None and Path(match.group(1)).name == path.name:
        assert int(match.group(2)) == marked_line(path), line
    never = header(path, "never")
    if never:
        assert never not in line
