from __future__ import annotations

import subprocess
import sys

from workbench.cli import _commands, build_parser, main


def test_help_lists_every_subcommand_with_an_example():
    text = build_parser().format_help()
    mods = _commands()
    assert mods
    for m in mods:
        assert m.NAME in text
        assert m.EXAMPLE.startswith(f"workbench {m.NAME}")
        assert m.EXAMPLE in text


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: workbench" in capsys.readouterr().out


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "examples:" in out


def test_schema_command_prints_markdown(capsys):
    assert main(["schema"]) == 0
    assert "## orders (required)" in capsys.readouterr().out
