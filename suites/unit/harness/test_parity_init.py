"""``parity init``: the skeleton it writes, what it refuses to overwrite, what it prints."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from harness import scaffold
from harness.cli import main

pytestmark = pytest.mark.unit

SKELETON = (
    "pytest.ini",
    "parity_target.py",
    "parity_cases.py",
    "tests/test_parity_contract.py",
    "tox.ini",
    ".github/workflows/parity.yml",
    ".gitignore",
)
PYTHON_FILES = ("parity_target.py", "parity_cases.py", "tests/test_parity_contract.py")
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


def init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["init", *args])
    out, err = capsys.readouterr()
    return status, out, err


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_init_writes_a_working_skeleton(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = init(capsys, str(tmp_path))

    assert (status, err) == (0, "")
    for name in SKELETON:
        assert (tmp_path / name).is_file(), name
        assert f"wrote  {name}" in out
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(tmp_path / "pytest.ini", encoding="utf-8")
    pytest_ini = ini["pytest"]
    assert pytest_ini["pythonpath"] == "."
    assert pytest_ini["testpaths"] == "tests"
    assert pytest_ini["parity_target"] == "parity_target:TARGET"
    assert pytest_ini["addopts"] == "--strict-markers -ra"
    assert pytest_ini["parity_programs_integration"] == "20"
    assert "integration:" in pytest_ini["markers"]
    assert "--parity-update-baseline" in out and "reports/baselines/" in out
    assert (
        'grep -n "TODO(parity)" parity_target.py parity_cases.py tox.ini '
        ".github/workflows/parity.yml" in out
    )


def test_the_generated_modules_compile_and_say_what_to_fill_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, str(tmp_path))

    for name in PYTHON_FILES:
        text = read(tmp_path / name)
        compile(text, name, "exec")
        assert "%%" not in text
        assert max(len(line) for line in text.splitlines()) <= 88, name
    target = read(tmp_path / "parity_target.py")
    for todo in ("interfaces", "domain errors", "write methods", "rules", "seed", "snapshot"):
        assert f"# TODO(parity): {todo}" in target
    assert "# TODO(parity): open_backend" in target
    assert "from harness import (" in target
    assert "mysql_backend(resources, schema, build_mysql)" in target
    assert "dynamodb_backend(resources, tables, build_dynamodb)" in target
    assert 'case_modules: tuple[str, ...] = ("parity_cases",)' in target
    cases = read(tmp_path / "parity_cases.py")
    assert "from harness import Run, case" in cases and cases.count("\n@case(") == 1
    test = read(tmp_path / "tests/test_parity_contract.py")
    assert "pytestmark = pytest.mark.integration" in test
    assert 'assert parity_check(parity_case) == "agrees"' in test
    assert 'assert parity_explore(parity_program_batch) == "agrees"' in test


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed here (the lint extra)")
def test_the_generated_modules_are_ruff_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, str(tmp_path))
    assert RUFF is not None
    files = list(PYTHON_FILES)
    rules = "E,F,W,I,B,UP,S,SIM,RUF"  # this repository's selection (assert allowed in tests)
    for command in (
        [RUFF, "check", "--isolated", *files],
        [
            RUFF,
            "check",
            "--isolated",
            "--select",
            rules,
            "--per-file-ignores",
            "tests/*:S101",
            *files,
        ],
        [RUFF, "format", "--isolated", "--check", *files],
    ):
        done = subprocess.run(  # noqa: S603 (ruff on the files just written)
            command, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module", ["parity_target", "mypkg.contract.parity_target"])
def test_the_skeleton_collects_under_pytest(pytester: pytest.Pytester, module: str) -> None:
    assert main(["init", str(pytester.path), "--target-module", module]) == 0

    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:randomly")

    result.stdout.fnmatch_lines(
        [
            "tests/test_parity_contract.py::test_backends_agree[items.get:a-missing-item-is-none]",
            "tests/test_parity_contract.py::test_generated_programs_agree[programs-1-of-4]",
            "*5 tests collected*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK
    assert not (pytester.path / "reports").exists()


def test_a_dotted_target_module_goes_in_its_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = init(capsys, str(tmp_path), "--target-module", "mypkg.parity_target")

    assert status == 0
    assert (tmp_path / "mypkg/parity_target.py").is_file()
    assert (tmp_path / "mypkg/parity_cases.py").is_file()
    assert "parity_target = mypkg.parity_target:TARGET" in read(tmp_path / "pytest.ini")
    assert '("mypkg.parity_cases",)' in read(tmp_path / "mypkg/parity_target.py")
    assert "mypkg/parity_target.py mypkg/parity_cases.py" in out


def test_a_src_layout_puts_the_target_under_src(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src/mypkg").mkdir(parents=True)

    assert init(capsys, str(tmp_path), "--target-module", "mypkg.parity_target")[0] == 0

    assert (tmp_path / "src/mypkg/parity_target.py").is_file()
    assert "pythonpath = src" in read(tmp_path / "pytest.ini")


def test_existing_files_are_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "parity_target.py").write_text("MINE = 1\n", encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_parity_contract.py").write_text("# mine\n", encoding="utf-8")

    status, out, _ = init(capsys, str(tmp_path))

    assert status == 0
    assert read(tmp_path / "parity_target.py") == "MINE = 1\n"
    assert read(tmp_path / "tests/test_parity_contract.py") == "# mine\n"
    assert "skipped  parity_target.py  (exists; --force overwrites it)" in out
    assert "skipped  tests/test_parity_contract.py  (exists; --force overwrites it)" in out
    assert "wrote    parity_cases.py" in out


def test_running_init_twice_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, str(tmp_path))
    before = {name: read(tmp_path / name) for name in SKELETON}

    status, out, _ = init(capsys, str(tmp_path))

    assert status == 0
    assert {name: read(tmp_path / name) for name in SKELETON} == before
    assert "pytest.ini  (its [pytest] already names a parity_target)" in out
    assert "tox.ini  (already has [testenv:parity])" in out
    assert "wrote" not in out


def test_force_overwrites_the_skeleton_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -q\n", encoding="utf-8")
    (tmp_path / "parity_cases.py").write_text("MINE = 1\n", encoding="utf-8")

    status, out, err = init(capsys, str(tmp_path), "--force")

    assert (status, err) == (0, "")
    assert "parity_target = parity_target:TARGET" in read(tmp_path / "pytest.ini")
    assert "@case(" in read(tmp_path / "parity_cases.py")
    assert "overwrote  pytest.ini" in out and "overwrote  parity_cases.py" in out


def test_an_existing_pytest_ini_is_left_alone_and_the_lines_to_add_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = "[pytest]\naddopts = -q\n"
    (tmp_path / "pytest.ini").write_text(original, encoding="utf-8")

    status, out, err = init(capsys, str(tmp_path))

    assert status == 2
    assert read(tmp_path / "pytest.ini") == original
    assert "parity init: the pytest configuration was not written" in err
    assert "expected:" in err and "observed:" in err and "hint:" in err
    assert "--force" in err and "addopts" in err
    for line in (
        "    pythonpath = .",
        "    testpaths = tests",
        "    parity_target = parity_target:TARGET",
        "    addopts = --strict-markers -ra",
        "    parity_programs_integration = 20",
    ):
        assert line in err.splitlines()
    assert (tmp_path / "parity_target.py").is_file()  # the rest is written all the same
    assert "skipped  pytest.ini  (a pytest configuration: lines to add)" in out
    assert "add the pytest settings shown above" in out


CONFIGS = {
    "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q"\n',
    "setup.cfg": "[tool:pytest]\naddopts = -q\n",
    "tox.ini": "[tox]\nenvlist = py\n\n[pytest]\naddopts = -q\n",
    "pytest.toml": '[pytest]\naddopts = ["-q"]\n',
}
"""Other places pytest reads its configuration from, each with one setting."""


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_another_pytest_configuration_gets_the_lines_in_its_own_syntax(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (tmp_path / name).write_text(CONFIGS[name], encoding="utf-8")

    status, _, err = init(capsys, str(tmp_path), "--force")

    assert status == 2  # --force overwrites pytest.ini only: a new one would shadow this
    assert not (tmp_path / "pytest.ini").exists()
    assert read(tmp_path / name) == CONFIGS[name]
    shown = err.split("then run parity init again:\n\n", 1)[1]
    lines = "\n".join(line.removeprefix("    ") for line in shown.splitlines())
    # the lines, added with the existing addopts merged, make a configuration that works
    merged = CONFIGS[name].replace('addopts = "-q"\n', "").replace("addopts = -q\n", "")
    merged = merged.replace('addopts = ["-q"]\n', "")
    (tmp_path / name).write_text(merged + lines + "\n", encoding="utf-8")
    if name.endswith(".toml"):
        document = tomllib.loads(read(tmp_path / name))
        table = document["pytest"] if name == "pytest.toml" else document["tool"]["pytest"]
        table = table.get("ini_options", table)
        assert table["parity_target"] == "parity_target:TARGET"
        assert table["parity_programs_integration"] == "20"
    else:
        ini = configparser.ConfigParser(interpolation=None)
        ini.read(tmp_path / name, encoding="utf-8")
        section = "tool:pytest" if name == "setup.cfg" else "pytest"
        assert ini[section]["parity_target"] == "parity_target:TARGET"
    assert init(capsys, str(tmp_path))[0] == 0  # now it names a target: nothing to add


def test_the_added_pyproject_lines_are_a_configuration_pytest_accepts(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    (pytester.path / "pyproject.toml").write_text("[tool.pytest]\n", encoding="utf-8")
    status, _, err = init(capsys, str(pytester.path))
    assert status == 2
    shown = err.split("then run parity init again:\n\n", 1)[1]
    lines = "\n".join(line.removeprefix("    ") for line in shown.splitlines())
    (pytester.path / "pyproject.toml").write_text(f"[tool.pytest]\n{lines}\n", encoding="utf-8")

    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:randomly")

    result.stdout.fnmatch_lines(["*5 tests collected*"])


def test_gitignore_lines_are_appended_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\nreports/*", encoding="utf-8")

    _, out, _ = init(capsys, str(tmp_path))
    init(capsys, str(tmp_path), "--force")

    assert read(tmp_path / ".gitignore") == "node_modules/\nreports/*\n!reports/baselines/\n"
    assert "appended  .gitignore  (!reports/baselines/)" in out


def test_a_gitignore_that_ignores_all_reports_is_pointed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".gitignore").write_text("reports/\n", encoding="utf-8")

    _, out, _ = init(capsys, str(tmp_path))

    assert "reports/baselines/ cannot be committed" in out


def test_an_existing_tox_ini_gets_the_env_printed_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = "[tox]\nenvlist = py\n"
    (tmp_path / "tox.ini").write_text(original, encoding="utf-8")

    status, out, _ = init(capsys, str(tmp_path), "--force")

    assert status == 0
    assert read(tmp_path / "tox.ini") == original
    env = out.split("add to tox.ini", 1)[1]
    assert "    [testenv:parity]" in env
    assert "    ignore_errors = true" in env
    assert "    pytest -m integration tests/test_parity_contract.py {posargs}" in env
    assert "    python -m harness gate --report reports/integration/compatibility.json" in env


def test_the_tox_env_runs_the_gate_even_after_failing_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("PyMySQL\n", encoding="utf-8")
    init(capsys, str(tmp_path))

    tox = configparser.ConfigParser(interpolation=None)
    tox.read(tmp_path / "tox.ini", encoding="utf-8")
    env = tox["testenv:parity"]
    assert env["ignore_errors"] == "true"
    assert env["skip_install"] == "true"  # no packaging metadata: nothing to install
    assert env["commands"].split("\n")[1:] == [
        "pytest -m integration tests/test_parity_contract.py {posargs}",
        "python -m harness gate --report reports/integration/compatibility.json",
    ]
    assert "-r requirements.txt" in env["deps"]


def test_the_workflow_always_runs_the_gate_and_uploads_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, str(tmp_path))

    workflow = read(tmp_path / ".github/workflows/parity.yml")
    assert 'python -m pip install "parity[mysql,dynamodb,moto]"' in workflow
    assert "run: python -m pytest -m integration tests/test_parity_contract.py" in workflow
    steps = workflow.split("      - ")
    gate = next(s for s in steps if "harness gate" in s)
    upload = next(s for s in steps if "upload-artifact" in s)
    assert "if: always()" in gate and "if: always()" in upload
    assert "path: reports/" in upload
    assert workflow.index("pytest -m integration") < workflow.index("harness gate")


def test_a_missing_directory_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = init(capsys, str(tmp_path / "nowhere"))

    assert (status, out) == (2, "")
    assert "parity init: the project directory does not exist" in err
    assert "expected:" in err and "observed:" in err and "hint:" in err


@pytest.mark.parametrize(
    ("module", "hint"),
    [("parity_target.py", "--target-module parity_target"), ("2fast", "letters, digits")],
)
def test_a_bad_module_name_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], module: str, hint: str
) -> None:
    status, _, err = init(capsys, str(tmp_path), "--target-module", module)

    assert status == 2
    assert hint in err
    assert list(tmp_path.iterdir()) == []


def test_init_defaults_to_the_current_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert init(capsys)[0] == 0
    assert (tmp_path / "parity_target.py").is_file()


def test_unknown_arguments_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = init(capsys, str(tmp_path), "--frce")

    assert status == 3  # a usage error, as for every parity command
    assert "unrecognized arguments: --frce" in err


def test_the_templates_are_package_data() -> None:
    from importlib import resources

    folder = resources.files("harness").joinpath(*scaffold.TEMPLATES)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "parity.yml.tmpl",
        "parity_cases.py.tmpl",
        "parity_target.py.tmpl",
        "pytest.ini.tmpl",
        "test_parity_contract.py.tmpl",
        "tox.ini.tmpl",
        "tox_env.ini.tmpl",
    ]


def test_a_file_that_cannot_be_written_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "parity_cases.py").mkdir()  # a directory where the file would go

    status, _, err = init(capsys, str(tmp_path), "--force")

    assert status == 2
    assert "parity init: could not write parity_cases.py" in err
    assert "expected:" in err and "observed:" in err and "hint:" in err
