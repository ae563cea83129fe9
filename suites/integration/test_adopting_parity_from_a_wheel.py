"""Adopting Parity from its wheel, as a team would: install, ``parity init``, fill in, run.

The test builds Parity's wheel from this checkout, installs it with its extras into a
fresh virtualenv (non-editable, from the default index), and in an empty project runs
``parity init``, copies in a small data layer of its own (``adoption_project/``: a
lending library's members and books on MySQL and on DynamoDB, nothing of the shop) with
the target filled in, and runs the generated contract test with the venv's pytest on
real servers that the installed Parity provisions (a local mariadbd or Docker, moto's
server). It records the first baseline the way docs/adopt.md says, then checks that the
gate passes a clean run and fails a run with a planted bug (``LIBRARY_PLANT``: DynamoDB's
``books.lend`` forgets its stock check), naming the method. In the same venv a project
that never configured Parity sees no Parity output, fixtures or files.

The measured figures (wheel size, packages, venv size, the time from installing to the
first report, each phase) are printed (``-s``) and written to
``reports/adoption/figures.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PROJECT_FILES = Path(__file__).parent / "adoption_project"
COPIED = ("library", "parity_target.py", "parity_cases.py")
"""What the test copies over the skeleton: the data layer and the filled-in target."""
EXTRAS = "mysql,dynamodb,moto"
PLANT = {"LIBRARY_PLANT": "lend-past-last-copy"}
PLANTED_METHOD = "books.lend"
CONTRACT_TEST = "tests/test_parity_contract.py"
REPORT = "reports/integration/compatibility.json"
SERVER_CHOICE = (
    "PARITY_MYSQL_URL",
    "PARITY_MYSQL_IMAGE",
    "PARITY_DYNAMODB_ENDPOINT",
    "PARITY_DYNAMODB_IMAGE",
    "PARITY_DYNAMODB_TABLE_PREFIX",
)
"""The outer run's server choice, passed on on purpose (a CI without a local mariadbd
names its servers); every other PARITY_* variable is dropped."""
DROPPED = ("PYTEST_", "PARITY_", "COV_CORE_", "LIBRARY_")
DROPPED_NAMES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "GITHUB_STEP_SUMMARY",
    "PIP_REQUIRE_VIRTUALENV",
    "PIP_USER",
)
WHEEL_SOURCES = ("pyproject.toml", "README.md", "MANIFEST.in", "LICENSE", "LICENSE.txt")
UNRELATED_TEST = "def test_one():\n    assert 1 + 1 == 2\n"


class Phases:
    """Runs the commands of the adoption and times each phase."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.seconds: dict[str, float] = {}

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The outer environment without anything of the outer run (see DROPPED)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key in SERVER_CHOICE or not (key.startswith(DROPPED) or key in DROPPED_NAMES)
        }
        env["VIRTUAL_ENV"] = str(self.venv)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env.update(extra or {})
        return env

    def start(
        self, command: Sequence[str], cwd: Path, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """Start ``command`` in the background (``finish`` waits for it)."""
        return subprocess.Popen(  # noqa: S603 (commands of this test only)
            list(command),
            cwd=cwd,
            env=self.env(extra_env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(
        self, phase: str, process: subprocess.Popen[str], started: float, expect: int = 0
    ) -> str:
        """Wait for a started command; fail with its output unless it exits ``expect``."""
        command = process.args if isinstance(process.args, list) else [process.args]
        try:
            out, err = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        self.seconds[phase] = round(time.monotonic() - started, 2)
        if process.returncode != expect:
            pytest.fail(
                f"{phase}: expected exit {expect}, observed {process.returncode} from "
                f"{' '.join(map(str, command))}\n--- stdout\n{out[-6000:]}\n"
                f"--- stderr\n{err[-6000:]}",
                pytrace=False,
            )
        return out

    def run(
        self,
        phase: str,
        command: Sequence[str],
        cwd: Path,
        *,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 300,
        expect: int | None = 0,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command``; fail with its output unless it exits ``expect``."""
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 (commands of this test only)
            list(command),
            cwd=cwd,
            env=self.env(extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.seconds[phase] = round(self.seconds.get(phase, 0) + time.monotonic() - started, 2)
        if expect is not None and result.returncode != expect:
            pytest.fail(
                f"{phase}: expected exit {expect}, observed {result.returncode} from "
                f"{' '.join(command)} (in {cwd})\n--- stdout\n{result.stdout[-6000:]}\n"
                f"--- stderr\n{result.stderr[-6000:]}",
                pytrace=False,
            )
        return result


def _copy_wheel_sources(root: Path, into: Path) -> Path:
    """What building the wheel reads, copied (building writes build/ and egg-info)."""
    source = into / "parity-source"
    source.mkdir()
    for name in WHEEL_SOURCES:
        if (root / name).is_file():
            shutil.copy2(root / name, source / name)
    shutil.copytree(
        root / "harness", source / "harness", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return source


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _report(project: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((project / REPORT).read_text(encoding="utf-8"))
    return report


def _figures_path(config: pytest.Config) -> Path:
    reports = Path(str(config.getoption("parity_reports", default="reports") or "reports"))
    if not reports.is_absolute():
        reports = config.rootpath / reports
    return reports / "adoption" / "figures.json"


def test_a_project_adopts_parity_from_its_wheel(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    started = time.monotonic()
    work = tmp_path_factory.mktemp("adoption")
    phases = Phases(work / "venv")
    figures: dict[str, Any] = {"python": sys.version.split()[0], "extras": EXTRAS}

    # -- the wheel and a fresh virtualenv with it installed ------------------------------
    source = _copy_wheel_sources(request.config.rootpath, work)
    creating = time.monotonic()  # the venv is made while the wheel builds
    venv = phases.start([sys.executable, "-m", "venv", str(phases.venv)], work)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist")]
    phases.run("build the wheel", [*build, str(source)], work, timeout=300)
    (wheel,) = sorted((work / "dist").glob("parity-*.whl"))
    figures["wheel"] = wheel.name
    figures["wheel_bytes"] = wheel.stat().st_size
    phases.finish("create the venv (alongside the build)", venv, creating)
    pip = [phases.python, "-m", "pip"]
    before = json.loads(phases.run("pip list", [*pip, "list", "--format=json"], work).stdout)
    installing = time.monotonic()
    phases.run(
        "pip install",
        [*pip, "install", "-q", "--progress-bar", "off", f"{wheel}[{EXTRAS}]"],
        work,
        timeout=900,
    )
    listed = json.loads(phases.run("pip list", [*pip, "list", "--format=json"], work).stdout)
    site_packages = next((phases.venv / "lib").glob("python3*/site-packages"))
    figures["packages_in_venv"] = len(listed)
    figures["packages_installed"] = len(listed) - len(before)
    figures["site_packages_bytes"] = _size(site_packages)
    figures["venv_bytes"] = _size(phases.venv)
    where = phases.run(
        "check the install",
        [phases.python, "-c", "import harness, sys; print(harness.__file__)"],
        work,
    ).stdout.strip()
    assert Path(where).is_relative_to(site_packages), f"harness imported from {where}"

    # -- an empty project adopts it --------------------------------------------------------
    project = work / "project"
    project.mkdir()
    init = phases.run("parity init", [str(phases.venv / "bin" / "parity"), "init"], project)
    for written in ("pytest.ini", "parity_target.py", "parity_cases.py", CONTRACT_TEST):
        assert written in init.stdout and (project / written).is_file(), init.stdout
    assert (project / "tox.ini").is_file() and (project / ".github/workflows/parity.yml").is_file()
    assert "TODO(parity)" in (project / "parity_target.py").read_text(encoding="utf-8")
    generated_test = (project / CONTRACT_TEST).read_text(encoding="utf-8")
    for name in COPIED:
        if (PROJECT_FILES / name).is_dir():
            shutil.copytree(
                PROJECT_FILES / name, project / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(PROJECT_FILES / name, project / name)
    contract = [phases.python, "-m", "pytest", "-m", "integration", CONTRACT_TEST]
    gate = [phases.python, "-m", "harness", "gate", "--report", REPORT]

    # 1. the first report and baseline, in the one command docs/adopt.md gives
    first = phases.run(
        "first run (records the baseline)", [*contract, "--parity-update-baseline"], project
    )
    assert (project / REPORT).is_file(), first.stdout
    figures["install_to_first_report_seconds"] = round(time.monotonic() - installing, 2)
    assert (project / "reports/baselines/integration.json").is_file()
    assert "parity provisioning" in first.stdout

    # 2. a clean run passes the gate, and 3. a planted incompatibility fails it, naming
    # the method. The two run at once, each in its own copy of the project (with its own
    # servers), while the unrelated project below is checked.
    planted_project = work / "project-planted"
    shutil.copytree(project, planted_project)
    concurrently = time.monotonic()
    clean_run = phases.start(contract, project)
    # the planted bug is found by its case; the generated programs, which the first run
    # shows find nothing on a correct layer, are left out (shrinking what they find would
    # double this run's time)
    planted_run = phases.start([*contract, "--parity-programs", "0"], planted_project, PLANT)

    # -- meanwhile, in the same venv, a project that never configured Parity -------------
    unrelated = work / "unrelated"
    unrelated.mkdir()
    (unrelated / "test_one.py").write_text(UNRELATED_TEST, encoding="utf-8")
    quiet = ["-p", "no:cacheprovider"]
    one = phases.run("unrelated project", [phases.python, "-m", "pytest", *quiet], unrelated)
    assert "1 passed" in one.stdout, one.stdout
    # pytest's own header lists installed plugin distributions ("plugins: parity-0.1.0")
    # and the rootdir: those lines are pytest's, not Parity's output
    ours = [
        line
        for line in (one.stdout + one.stderr).splitlines()
        if not line.startswith(("plugins:", "rootdir:"))
    ]
    assert "parity" not in "\n".join(ours).lower(), one.stdout
    fixtures = phases.run(
        "unrelated project's fixtures",
        [phases.python, "-m", "pytest", "--fixtures", *quiet],
        unrelated,
    )
    names = [
        line.split()[0]
        for line in fixtures.stdout.splitlines()
        if line
        and not line.startswith((" ", "-", "="))
        and not line.startswith(("plugins:", "rootdir:"))
    ]
    assert "capsys" in names, fixtures.stdout
    assert [n for n in names if n.startswith(("parity_", "mysql_", "dynamodb_"))] == []
    assert sorted(p.name for p in unrelated.iterdir()) == ["test_one.py"]

    phases.finish("clean run (at the same time)", clean_run, concurrently)
    clean = phases.run("gate (clean)", gate, project)
    assert "PASS (exit 0)" in clean.stdout, clean.stdout
    summary = _report(project)["summary"]
    assert summary["match"] >= 6 and summary["mismatch"] == 0, summary

    phases.finish("planted run (at the same time)", planted_run, concurrently, expect=1)
    planted = phases.run("gate (planted)", gate, planted_project, expect=1)
    assert "lending-the-last-copy-leaves-none-to-lend" in planted.stdout, planted.stdout
    assert f"changed in {PLANTED_METHOD}" in planted.stdout, planted.stdout
    cases = _report(planted_project)["cases"]
    mismatches = [c["id"] for c in cases if c["status"] == "mismatch"]
    assert mismatches, planted.stdout
    assert all(case_id.startswith(f"{PLANTED_METHOD}:") for case_id in mismatches), mismatches
    assert (project / CONTRACT_TEST).read_text(encoding="utf-8") == generated_test

    figures["seconds"] = phases.seconds
    figures["total_seconds"] = round(time.monotonic() - started, 2)
    path = _figures_path(request.config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\nadopting parity from its wheel ({path}):")
    print(f"  wheel {figures['wheel']}: {figures['wheel_bytes']:,} bytes")
    print(
        f"  venv: {figures['packages_in_venv']} packages ({figures['packages_installed']} "
        f"installed with parity[{EXTRAS}]), site-packages {figures['site_packages_bytes']:,} "
        f"bytes, venv {figures['venv_bytes']:,} bytes"
    )
    print(f"  from pip install to the first report: {figures['install_to_first_report_seconds']} s")
    for phase, seconds in phases.seconds.items():
        print(f"    {phase:<36} {seconds:>6.2f} s")
    print(f"  total: {figures['total_seconds']} s")
    shutil.rmtree(phases.venv, ignore_errors=True)  # 330 MB; kept only when the test fails
