"""The lazy command table in cli/main.py must name the module that defines each command."""

from __future__ import annotations

import subprocess
import sys

from rmmkit.cli import main as cli_main
from rmmkit.cli.groups import cli, report


def test_every_top_level_command_is_routed_to_its_module():
    cli_main.load_commands()
    builtin = {name: cmd for name, cmd in cli.commands.items() if name != "report"}
    for name, cmd in builtin.items():
        owner = (cmd.callback.__module__ if cmd.callback else None) or ""
        assert name in cli_main.COMMANDS, f"command {name!r} is missing from COMMANDS"
        assert cli_main.COMMANDS[name] == owner, f"{name!r} is defined in {owner}"


def test_every_report_is_routed_to_its_module():
    cli_main.load_commands()
    for name, cmd in report.commands.items():
        assert cli_main.REPORTS.get(name) == cmd.callback.__module__, name


def test_a_routed_command_imports_only_its_module():
    code = (
        "import sys; from rmmkit.cli import main as m; m.load_for(['-v', 'validate', 'x']);"
        "print(sorted(k for k in sys.modules if k.startswith('rmmkit.cli.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # a printed list of module names
    assert "rmmkit.cli.declared" in loaded
    assert "rmmkit.cli.scan" not in loaded and "rmmkit.cli.vault" not in loaded


def test_unknown_command_still_gets_a_usage_error():
    proc = subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 3
    assert "No such command" in proc.stderr and "Traceback" not in proc.stderr
