"""The `segprep` command the package installs is the command line: the
same output, messages, files and exit status as the binary that cargo
builds, and the same clean-up when interrupted."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

from conftest import gaid, messy_ids, write_lines

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def script() -> str:
    """The `segprep` script installed beside this interpreter."""
    path = BIN / "segprep"
    if not path.is_file():
        pytest.skip("the package's segprep script is not installed here")
    return str(path)


def inputs(folder: Path) -> None:
    """The files every command runs on, made the same in each folder."""
    folder.mkdir()
    (folder / "ok.csv").write_text("u1\nu2\n")
    write_lines(folder / "messy.csv", messy_ids(3000))
    (folder / "export.csv").write_bytes(
        b"\xef\xbb\xbfuser_id;name\r\nU1;Jos\xc3\xa9\r\n U2 ;x\r\nU1;y\r\n"
    )
    (folder / "utf16.txt").write_bytes("id\tcity\r\n1\tK\u00f6ln\r\n"
                                       .encode("utf-16"))
    (folder / "ids.csv.gz").write_bytes(gzip.compress(b"a\nb\na\n", mtime=0))


CASES: List[List[str]] = [
    ["--version"],
    ["--help"],
    ["check", "--help"],
    ["check", "-h"],
    ["clean", "--help"],
    # One subcommand per operation, each with its own help.
    ["request", "--help"],
    ["request", "add", "--help"],
    ["request"],
    [],
    ["check"],
    ["check", "ok.csv"],
    ["check", "messy.csv", "--id-type", "gaid"],
    ["check", "messy.csv", "--format", "json", "--max-diagnostics", "0"],
    ["check", "ok.csv", "messy.csv", "missing.csv"],
    ["check", "export.csv", "--column", "user_id", "--delimiter", "auto"],
    ["check", "export.csv", "--column", "gaid", "--delimiter", ";"],
    ["check", "utf16.txt", "--column", "2", "--delimiter", "tab"],
    ["check", "ids.csv.gz", "--max-input-bytes", "3"],
    ["check", "missing.csv"],
    ["check", "ok.csv", "--id-type", "guid"],
    ["check", "ok.csv", "--delimiter", "ab"],
    ["check", "-q", "messy.csv"],
    ["clean", "ok.csv", "-o", "out.csv"],
    ["clean", "messy.csv", "-o", "out.csv", "--rejects", "rejects.csv",
     "--stats", "stats.json", "--id-type", "gaid"],
    ["clean", "messy.csv", "-o", "-", "--id-type", "gaid", "--sort"],
    ["clean", "messy.csv", "-o", "out.csv", "--fail-on-reject",
     "--split-values", "500"],
    ["clean", "export.csv", "-o", "out.csv", "--column", "user_id",
     "--delimiter", ";", "--stats", "-"],
    ["clean", "ok.csv", "-o", "ok.csv"],
    ["clean", "ok.csv", "-o", "no-such-dir/out.csv"],
    ["clean", "ok.csv"],
    ["completions", "bash"],
]

ENV = {**os.environ, "NO_COLOR": "1", "LC_ALL": "C"}


def run(command: List[str], args: List[str], cwd: Path,
        **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command + args, cwd=cwd, capture_output=True,
                          env=ENV, timeout=300, **kwargs)


def files(folder: Path) -> Dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a) or "-" for a in CASES])
def test_the_script_is_the_binary(cli, script, tmp_path, args):
    inputs(tmp_path / "bin")
    inputs(tmp_path / "py")
    want = run([cli], args, tmp_path / "bin")
    got = run([script], args, tmp_path / "py")
    assert got.returncode == want.returncode
    assert got.stdout == want.stdout
    assert got.stderr == want.stderr
    assert files(tmp_path / "py") == files(tmp_path / "bin")


def test_the_cases_cover_every_exit_status(cli, tmp_path):
    inputs(tmp_path / "bin")
    statuses = {run([cli], args, tmp_path / "bin").returncode
                for args in CASES}
    assert statuses == {0, 1, 2}


def test_python_m_segprep_is_the_command(cli, script, tmp_path):
    inputs(tmp_path / "bin")
    inputs(tmp_path / "py")
    for args in (["--version"], ["check", "--help"], ["check", "messy.csv"]):
        want = run([cli], args, tmp_path / "bin")
        got = run([sys.executable, "-m", "segprep"], args, tmp_path / "py")
        assert (got.returncode, got.stdout, got.stderr) == (
            want.returncode, want.stdout, want.stderr
        )


def close(fd: int) -> Callable[[], None]:
    return lambda: os.close(fd)


@pytest.mark.parametrize(
    "args, fd",
    [
        (["--version"], 1),  # closed at start: an error, as a write fails
        (["check", "ok.csv"], 1),
        (["check", "-"], 0),  # closed standard input reads as empty
        (["clean", "-", "-o", "out.csv"], 0),
        (["check", "missing.csv"], 2),
    ],
)
def test_closed_standard_streams(cli, script, tmp_path, args, fd):
    inputs(tmp_path / "bin")
    inputs(tmp_path / "py")
    # The stream is closed in the child, so capture only the others.
    streams = {0: "stdin", 1: "stdout", 2: "stderr"}
    pipes = {name: subprocess.PIPE for n, name in streams.items()
             if n != fd and n != 0}
    done = []
    for command, folder in (([cli], "bin"), ([script], "py")):
        done.append(subprocess.run(
            command + args, cwd=tmp_path / folder, env=ENV, timeout=60,
            preexec_fn=close(fd), **pipes,
        ))
    want, got = done
    assert (got.returncode, got.stdout, got.stderr) == (
        want.returncode, want.stdout, want.stderr
    )
    assert files(tmp_path / "py") == files(tmp_path / "bin")


def big_input(path: Path, megabytes: int) -> None:
    """Distinct GAIDs in mixed case, some junk: work for every step."""
    rng = random.Random(7)
    with open(path, "w") as f:
        written = 0
        while written < megabytes << 20:
            lines = []
            for _ in range(10_000):
                value = gaid(rng)
                lines.append(value.upper() if rng.random() < 0.5 else value)
            lines.append("not-a-gaid")
            block = "\n".join(lines) + "\n"
            f.write(block)
            written += len(block)


def interrupt(command: List[str], folder: Path) -> subprocess.CompletedProcess:
    """Runs a clean, sends SIGINT once its temporary files exist, and
    returns how it ended."""
    proc = subprocess.Popen(
        command + ["clean", "big.csv", "-o", "out.csv", "--rejects",
                   "rejects.csv", "--id-type", "gaid", "--sort"],
        cwd=folder, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    seen: Optional[List[str]] = None
    while proc.poll() is None and time.monotonic() < deadline:
        temps = [n for n in os.listdir(folder) if n.startswith(".segprep-")]
        if temps:
            seen = temps
            proc.send_signal(signal.SIGINT)
            break
    stdout, stderr = proc.communicate(timeout=300)
    assert seen, "the run ended before its temporary files were seen"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout,
                                       stderr)


def test_sigint_mid_run_leaves_no_temporary_file(cli, script, tmp_path):
    (tmp_path / "bin").mkdir()
    big_input(tmp_path / "bin" / "big.csv", 60)
    (tmp_path / "py").mkdir()
    shutil.copy(tmp_path / "bin" / "big.csv", tmp_path / "py" / "big.csv")
    ended = {}
    for command, folder in (([cli], "bin"), ([script], "py")):
        done = interrupt(command, tmp_path / folder)
        assert done.returncode == 128 + signal.SIGINT, done.stderr
        assert sorted(os.listdir(tmp_path / folder)) == ["big.csv"]
        ended[folder] = done.stderr
    assert ended["py"] == ended["bin"]
    assert ended["py"].startswith(b"segprep: interrupted (SIGINT); removed ")
