"""The ``segprep`` command: the command line, compiled into the engine.

The package's ``segprep`` script (and ``python -m segprep``) runs it in
the interpreter's process, with the options, outputs, messages and exit
statuses of the binary that ``cargo install`` builds.
"""

from __future__ import annotations

import os
import sys

from . import _native


def _open_standard_streams() -> None:
    # As the Rust runtime does before a binary's main: a closed standard
    # stream becomes /dev/null, so that no file segprep opens takes its
    # number and gets what was meant for it. (Whether standard output
    # was closed was noted when the engine was loaded, as in the binary.)
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


def main() -> None:
    """The ``segprep`` script: runs the command line on this process's
    arguments and exits with its status. Not for use inside a program:
    the command line takes over SIGINT and SIGTERM, which then end the
    process."""
    _open_standard_streams()
    # "segprep", not sys.argv[0], so that usage lines name the command
    # as the binary does, under `python -m segprep` too.
    sys.exit(_native.main(["segprep", *sys.argv[1:]]))
