"""No `mature` command prints a traceback: every command that takes a file is tried with a path that cannot be
used (no such folder, not a file of the right kind), and an unreachable database; each ends with one clear line
and a non-zero exit status. Also `mature --version`.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from app import __version__
from app.cli import main
from tests.conftest import run_cli

MISSING = "/nonexistent/folder/file.zip"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def _invocation(words: tuple[str, ...], command: click.Command, bad: click.Parameter) -> list[str]:
    """The command with `bad` given a path that cannot be used and every other required parameter filled."""
    args = list(words)
    for param in command.params:
        value = MISSING if param is bad else "x"
        if isinstance(param, click.Argument):
            args.append(value)
        elif param is bad or param.required:
            args += [param.opts[0], value]
    if words == ("dump",):
        args.append("--all")
    return args


def _assert_clear(result: click.testing.Result, args: list[str]) -> None:
    assert result.exit_code in (1, 2), (args, result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), (args, repr(result.exception))  # not an unhandled error
    assert "Traceback" not in result.output and "Error: " in result.output, (args, result.output)


def test_every_command_refuses_a_path_it_cannot_use_in_one_line(env, tmp_path):
    assert run_cli("db", "upgrade").exit_code == 0
    tried = []
    for words, command in _commands(main):
        for param in command.params:
            if isinstance(param.type, click.Path):
                args = _invocation(words, command, param)
                _assert_clear(run_cli(*args), args)
                tried.append(" ".join(args))
    assert any(line.startswith("backup") for line in tried) and any("restore" in line for line in tried)
    backup = run_cli("backup", MISSING)
    assert backup.exit_code == 1 and "there is no folder /nonexistent/folder" in backup.output

    garbage = tmp_path / "not-a-backup.zip"
    garbage.write_bytes(b"this is not a zip file")
    for args in (["restore", str(garbage)], ["topics", "import", str(garbage)],
                 ["import", "mediawiki", str(garbage), "--space", "nowhere"], ["restore", str(tmp_path)]):
        _assert_clear(run_cli(*args), args)


def test_an_unreachable_database_is_one_line(env, monkeypatch):
    monkeypatch.setenv("MATURE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    for args in (["recompute"], ["db", "upgrade"], ["backup", "x.zip"]):
        result = run_cli(*args)
        _assert_clear(result, args)
        assert result.exit_code == 1 and "MATURE_DATABASE_URL" in result.output


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = run_cli(flag)
    assert result.exit_code == 0 and result.output.strip() == f"mature {__version__}"
