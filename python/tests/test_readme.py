"""The README's Python examples run as written."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS, ids=range(len(BLOCKS)))
def test_a_readme_example_runs(code, tmp_path):
    needs = re.match(r"# needs: (\S+)", code)
    if needs and importlib.util.find_spec(needs.group(1)) is None:
        pytest.skip(f"the example needs {needs.group(1)}")
    for module in re.findall(r"^import (\w+)", code, re.M):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the example needs {module}")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {})
    finally:
        os.chdir(cwd)
    # What a `print(...)  # text` line says it prints, it prints.
    printed = out.getvalue()
    for said in re.findall(r"^print\(.*\)\s+# (.+)$", code, re.M):
        assert said in printed, (said, printed)


def test_the_docstring_examples_run():
    import doctest

    import segprep

    result = doctest.testmod(segprep)
    assert result.attempted >= 3 and result.failed == 0
