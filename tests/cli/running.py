from __future__ import annotations

from prototyper import cli


def run(capsys, *argv):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
