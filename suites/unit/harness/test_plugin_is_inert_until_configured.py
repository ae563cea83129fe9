"""Installing Parity changes nothing for a project that does not configure a target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ONE_TEST = """
def test_one():
    assert 1 + 1 == 2
"""

HEAVY = ("pymysql", "boto3", "botocore", "deepdiff", "hypothesis", "jinja2", "moto", "fcntl")


def test_an_unconfigured_project_sees_no_new_output_fixtures_or_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_unrelated.py").write_text(ONE_TEST)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # pytest's own header lists every installed plugin distribution ("plugins: ...,
    # parity-0.1.0"); that line is pytest's, not output of ours.
    lines = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if not line.startswith(("plugins:", "rootdir:"))
    ]
    output = "\n".join(lines).lower()
    assert "parity" not in output
    assert "mysql" not in output and "dynamodb" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_unconfigured_project_gets_no_fixtures_from_the_plugin(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_unrelated=ONE_TEST)
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:randomly")
    listed = [line.split()[0] for line in result.outlines if line and not line.startswith(" ")]
    assert result.ret == pytest.ExitCode.OK
    assert not [name for name in listed if name.startswith(("parity_", "mysql_", "dynamodb_"))]


def test_the_plugin_imports_no_driver_or_heavy_library() -> None:
    code = (
        "import sys, pytest; before = set(sys.modules); import harness.plugin; "
        "import json; print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    output = subprocess.check_output([sys.executable, "-c", code], text=True)  # noqa: S603
    loaded = json.loads(output)
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert heavy == []
    assert [m for m in loaded if m.startswith("harness")] == ["harness", "harness.plugin"]


def test_the_plugin_keeps_its_options_for_help_even_when_unconfigured(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--parity-baseline*"])
