"""The type stubs match the module and catch misspelled options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="the stub checks need mypy")

PACKAGE = Path(__file__).resolve().parents[1]

USE = '''
import segprep

report: segprep.Report = segprep.check(
    "ids.csv", id_type="gaid", header="no", max_diagnostics=0
)
found: int = report.values_found
first: segprep.Diagnostic = report.diagnostics[0]
line: int = first.line
stats: segprep.Stats = segprep.clean(b"a\\n", "clean.csv", threads=2)
values, rules = segprep.normalize(["a", None], case="lower")
export: segprep.Report = segprep.check(
    b"id;x\\n1;2\\n", column="id", delimiter="auto", encoding="utf-16le",
    max_input_bytes=0,
)
phones = segprep.clean("p.csv", "o.csv", id_type="phone", default_region="US")
picked = segprep.normalize(["1;a"], column=1, delimiter=";")
'''


def mypy(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True,
        cwd=cwd,
    )


def test_stubs_match_the_runtime(tmp_path):
    # From elsewhere, so that the installed package is the one checked.
    done = mypy("mypy.stubtest", "segprep", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_package_type_checks_strictly():
    done = mypy("mypy", "--strict", "segprep", cwd=PACKAGE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_stubs_type_a_caller(tmp_path):
    (tmp_path / "use.py").write_text(USE)
    done = mypy("mypy", "--strict", "use.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "bad.py").write_text(
        'import segprep\nsegprep.check("ids.csv", id_type="guid")\n'
        'segprep.clean("ids.csv", "out.csv", max_diagnostics=3)\n'
        'segprep.check("ids.csv", encoding="utf8")\n'
        'segprep.normalize(["a"], column="user_id")\n'
    )
    done = mypy("mypy", "--strict", "bad.py", cwd=tmp_path)
    assert done.returncode == 1
    assert 'bad.py:2: error: Argument "id_type" to "check"' in done.stdout
    assert 'bad.py:3: error: Unexpected keyword argument "max_diagnostics"' in (
        done.stdout
    )
    assert 'bad.py:4: error: Argument "encoding" to "check"' in done.stdout
    assert 'bad.py:5: error: Argument "column" to "normalize"' in done.stdout
