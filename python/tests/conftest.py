"""Shared fixtures: the command line to compare with, and inputs."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]


def find_cli() -> Optional[str]:
    """The `segprep` binary: $SEGPREP_CLI, a build in this repository, or
    one on PATH."""
    if os.environ.get("SEGPREP_CLI"):
        return os.environ["SEGPREP_CLI"]
    for profile in ("release", "debug"):
        path = REPO / "target" / profile / "segprep"
        if path.is_file():
            return str(path)
    return shutil.which("segprep")


@pytest.fixture(scope="session")
def cli() -> str:
    path = find_cli()
    if path is None:
        message = (
            "no segprep binary to compare with: build it (cargo build) or "
            "set SEGPREP_CLI"
        )
        if os.environ.get("SEGPREP_REQUIRE_CLI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_cli(cli: str, *args: str, ok=(0, 1)) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [cli, *args], capture_output=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode in ok, done.stderr.decode()
    return done


def cli_check(cli: str, path: Path, *options: str) -> dict:
    done = run_cli(cli, "check", str(path), "--format", "json", *options)
    return json.loads(done.stdout)


def cli_clean(cli: str, path: Path, out: Path, *options: str) -> dict:
    stats = out.with_name(out.name + ".stats.json")
    run_cli(cli, "clean", str(path), "-o", str(out), "--stats", str(stats),
            "-q", *options, ok=(0,))
    return json.loads(stats.read_text())


def options_to_args(options: dict) -> List[str]:
    """`id_type="gaid"` as `--id-type gaid`."""
    args: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not False:
            args.extend([flag, str(value)])
    return args


def gaid(rng: random.Random) -> str:
    hex32 = f"{rng.getrandbits(128):032x}"
    return "-".join(
        (hex32[:8], hex32[8:12], hex32[12:16], hex32[16:20], hex32[20:])
    )


def messy_ids(n: int, seed: int = 5) -> List[Optional[str]]:
    """`n` values as real exports have them: GAIDs in either case, quoted,
    padded, with Windows line ends, trailing commas, the zero id, junk,
    empty values, nulls, and one in five a repeat of an earlier value."""
    rng = random.Random(seed)
    values: List[Optional[str]] = []
    for i in range(n):
        if i and rng.random() < 0.2:
            values.append(values[rng.randrange(i)])
            continue
        value = gaid(rng)
        kind = rng.random()
        if kind < 0.1:
            value = value.upper()
        elif kind < 0.13:
            value = f'"{value}"'
        elif kind < 0.16:
            value = f" {value}\t"
        elif kind < 0.17:
            value = value + "\r"
        elif kind < 0.18:
            value = value + ","
        elif kind < 0.185:
            value = "00000000-0000-0000-0000-000000000000"
        elif kind < 0.19:
            value = value[:20]
        elif kind < 0.195:
            value = value.replace("-", "#", 1)
        elif kind < 0.197:
            value = ""
        elif kind < 0.2:
            values.append(None)
            continue
        values.append(value)
    return values


def write_lines(path: Path, values: List[Optional[str]]) -> Path:
    """One value a line, a null as an empty line, as an engine exports
    a column."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        for value in values:
            f.write("" if value is None else value)
            f.write("\n")
    return path


def first_occurrences(values) -> List[str]:
    """The non-null values, deduped, in first-occurrence order: what the
    clean file holds."""
    return list(dict.fromkeys(v for v in values if v is not None))
