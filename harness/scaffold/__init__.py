"""``parity init``: write a working Parity skeleton into an existing project.

``init_project(root)`` writes, from the templates in ``harness/templates/init/``:

- ``pytest.ini`` (``pythonpath``, ``testpaths``, the ``integration`` marker, ``addopts``,
  ``parity_target``, the programs budget, ``parity_found_dir``); when the project already
  has a pytest configuration (``pytest.ini``, ``pytest.toml``, ``[tool.pytest...]`` in
  ``pyproject.toml``, ``[pytest]`` in ``tox.ini``, ``[tool:pytest]`` in ``setup.cfg``) it
  is left alone and the result carries the exact lines to add (status 2), unless it
  already names a ``parity_target`` (or ``force`` is set and it is ``pytest.ini``);
- the target module (``parity_target.py``, or ``--target-module``) and an example case
  module next to it (``parity_cases.py``), with every place to fill in marked
  ``# TODO(parity):``;
- the contract test module ``tests/test_parity_contract.py``;
- ``tox.ini`` with a ``parity`` env (an existing ``tox.ini`` is never rewritten: the env
  to add is returned instead);
- ``.github/workflows/parity.yml``;
- the ``.gitignore`` lines ``reports/*`` and ``!reports/baselines/`` (appended if missing).

Existing files are never overwritten without ``force``; skipped files are listed.
"""

from __future__ import annotations

import configparser
import keyword
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from harness.explained import Explained

OK, CONFLICT = 0, 2
TEMPLATES = ("templates", "init")
TEST_FILE = "tests/test_parity_contract.py"
WORKFLOW_FILE = ".github/workflows/parity.yml"
GITIGNORE_LINES = ("reports/*", "!reports/baselines/")
PROGRAMS_INTEGRATION = "20"
MARKER = "integration: Parity's contract suite on real MySQL and DynamoDB servers"
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_PLACEHOLDER = re.compile(r"%%[A-Z_]+%%")


class InitError(Explained):
    """``parity init`` cannot go on: what it expected, what it observed, and a hint."""

    prefix = "parity init"


@dataclass(frozen=True)
class Action:
    """What ``parity init`` did with one file."""

    verb: str
    """``wrote``, ``overwrote``, ``appended``, ``skipped`` or ``unchanged``."""
    path: str
    """Relative to the project root, with ``/``."""
    note: str = ""


@dataclass(frozen=True)
class ToAdd:
    """Lines the user has to add to a file ``parity init`` does not rewrite."""

    path: str
    section: str
    lines: str
    why: str
    error: bool
    """True when the skeleton cannot run until they are added (exit status 2)."""


@dataclass
class InitResult:
    """Everything ``init_project`` did, and what is left to the user."""

    root: Path
    target_file: str
    cases_file: str
    actions: list[Action] = field(default_factory=list)
    to_add: list[ToAdd] = field(default_factory=list)

    @property
    def status(self) -> int:
        """0 when the skeleton is complete, 2 when lines must still be added by hand."""
        return CONFLICT if any(item.error for item in self.to_add) else OK

    def files(self, *verbs: str) -> list[str]:
        """The paths of the actions with one of ``verbs``."""
        return [a.path for a in self.actions if a.verb in verbs]


@dataclass(frozen=True)
class Layout:
    """Where the skeleton's files go and the names they refer to each other by."""

    root: Path
    target_module: str
    cases_module: str
    target_file: str
    cases_file: str
    pythonpath: str
    project: str

    @property
    def target_spec(self) -> str:
        """The ``parity_target`` value."""
        return f"{self.target_module}:TARGET"


def layout_for(root: Path, target_module: str = "parity_target") -> Layout:
    """Check the module name and work out the skeleton's paths under ``root``."""
    name = target_module.strip()
    if name.endswith(".py") or "/" in name or "\\" in name:
        raise InitError(
            "--target-module takes a module name, not a file",
            expected="a dotted module name such as parity_target or mypackage.parity_target",
            observed=repr(target_module),
            hint=f"use --target-module {_as_module(name)}",
        )
    parts = name.split(".")
    if not _MODULE.fullmatch(name) or any(keyword.iskeyword(p) for p in parts):
        raise InitError(
            "--target-module is not a valid module name",
            expected="dotted Python identifiers, e.g. parity_target or mypackage.parity_target",
            observed=repr(target_module),
            hint="use letters, digits and underscores, not starting with a digit",
        )
    if parts[-1] == "parity_cases" or name in ("harness", "tests") or parts[0] == "harness":
        raise InitError(
            "--target-module would clash with a module the skeleton or Parity uses",
            expected="a name other than parity_cases, tests and harness(.*)",
            observed=repr(target_module),
            hint="use --target-module parity_target (the default) or mypackage.parity_target",
        )
    # a src layout: mypackage lives in src/mypackage, so the target goes there too
    in_src = (
        len(parts) > 1 and (root / "src" / parts[0]).is_dir() and not (root / parts[0]).exists()
    )
    base = "src/" if in_src else ""
    package = parts[:-1]
    cases_module = ".".join([*package, "parity_cases"])
    return Layout(
        root=root,
        target_module=name,
        cases_module=cases_module,
        target_file=base + "/".join(parts) + ".py",
        cases_file=base + "/".join([*package, "parity_cases"]) + ".py",
        pythonpath="src" if in_src else ".",
        project=_project_name(root),
    )


def init_project(
    root: Path, *, target_module: str = "parity_target", force: bool = False
) -> InitResult:
    """Write the skeleton into ``root`` (an existing directory); see the module docstring."""
    if not root.exists():
        raise InitError(
            "the project directory does not exist",
            expected="an existing directory: the root of the project to adopt Parity in",
            observed=f"{root}: no such directory",
            hint="create it first, or run `parity init` from inside your project",
        )
    if not root.is_dir():
        raise InitError(
            "the project path is not a directory",
            expected="the root directory of your project",
            observed=f"{root} is a file",
            hint="pass the directory that holds it: `parity init DIR`",
        )
    layout = layout_for(root, target_module)
    result = InitResult(root=root, target_file=layout.target_file, cases_file=layout.cases_file)
    values = _values(layout)
    _pytest_config(result, layout, values, force)
    _write(result, layout.target_file, render("parity_target.py.tmpl", values), force)
    _write(result, layout.cases_file, render("parity_cases.py.tmpl", values), force)
    _write(result, TEST_FILE, render("test_parity_contract.py.tmpl", values), force)
    _tox(result, values)
    _write(result, WORKFLOW_FILE, render("parity.yml.tmpl", values), force)
    _gitignore(result)
    return result


def render(template: str, values: Mapping[str, str]) -> str:
    """Template ``template`` of ``harness/templates/init`` with its ``%%NAME%%`` filled in."""
    text = resources.files("harness").joinpath(*TEMPLATES, template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"%%{name}%%", value)
    left = _PLACEHOLDER.findall(text)
    if left:
        raise RuntimeError(f"template {template}: no value for {sorted(set(left))}")
    return text


def pytest_ini_lines(layout: Layout) -> list[tuple[str, str]]:
    """The pytest settings the skeleton needs, as (key, INI value) pairs."""
    return [
        ("pythonpath", layout.pythonpath),
        ("testpaths", "tests"),
        ("markers", f"\n    {MARKER}"),
        ("addopts", "--strict-markers -ra"),
        ("parity_target", layout.target_spec),
        ("parity_programs_integration", PROGRAMS_INTEGRATION),
        ("parity_found_dir", "tests/parity_found"),
    ]


def _values(layout: Layout) -> dict[str, str]:
    root = layout.root
    has_package = any((root / name).is_file() for name in ("pyproject.toml", "setup.py"))
    requirements = (root / "requirements.txt").is_file()
    install = ""
    if requirements:
        install += "          python -m pip install -r requirements.txt\n"
    if has_package:
        install += "          python -m pip install .\n"
    if not install:
        install = (
            "          # TODO(parity): install your project's own dependencies here too,\n"
            "          # e.g. python -m pip install -r requirements.txt\n"
        )
    values = {
        "PROJECT": layout.project,
        "TARGET_MODULE": layout.target_module,
        "TARGET_SPEC": layout.target_spec,
        "TARGET_FILE": layout.target_file,
        "CASES_MODULE": layout.cases_module,
        "CASES_FILE": layout.cases_file,
        "PYTHONPATH": layout.pythonpath,
        "TEST_FILE": TEST_FILE,
        "PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
        "INSTALL_PROJECT": install,
        # without packaging metadata there is nothing for tox to build and install
        "TOX_INSTALL": "" if has_package else "skip_install = true\n",
        "TOX_DEPS": (
            "    -r requirements.txt\n"
            if requirements
            else "# TODO(parity): your data layer's own dependencies (or -r requirements.txt)\n"
        ),
    }
    values["TOX_ENV"] = render("tox_env.ini.tmpl", values).rstrip("\n")
    return values


def _write(result: InitResult, relative: str, text: str, force: bool) -> None:
    path = result.root / relative
    if path.exists():
        if not force:
            result.actions.append(Action("skipped", relative, "exists; --force overwrites it"))
            return
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
            result.actions.append(Action("unchanged", relative))
            return
    verb = "overwrote" if path.exists() else "wrote"
    _save(path, text)
    result.actions.append(Action(verb, relative))


def _save(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InitError(
            f"could not write {path.name}",
            expected=f"a writable file at {path}",
            observed=f"{type(error).__name__}: {error}",
            hint="check the permissions (and that no directory has that name); files "
            "written before this one are listed by running parity init again",
        ) from None


# -- pytest's configuration ---------------------------------------------------------------


@dataclass(frozen=True)
class _Config:
    """An existing pytest configuration in the project root."""

    path: str
    section: str
    style: str
    """``ini`` (INI syntax), ``toml-ini`` (``[tool.pytest.ini_options]``) or ``toml``."""
    keys: frozenset[str]


def existing_pytest_configs(root: Path) -> list[_Config]:
    """The pytest configurations in ``root``, in pytest's order of precedence."""
    found: list[_Config] = []
    for name in ("pytest.toml", ".pytest.toml"):
        document = _toml(root / name)
        if document is not None:
            table = document.get("pytest", {})
            found.append(_Config(name, "[pytest]", "toml", _keys(table)))
    for name in ("pytest.ini", ".pytest.ini"):
        if (root / name).is_file():
            sections = _ini(root / name)
            found.append(_Config(name, "[pytest]", "ini", sections.get("pytest", frozenset())))
    document = _toml(root / "pyproject.toml")
    tool = document.get("tool", {}) if document is not None else {}
    pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
    if isinstance(pytest_table, dict):
        ini_options = pytest_table.get("ini_options")
        native = {k: v for k, v in pytest_table.items() if k != "ini_options"}
        if isinstance(ini_options, dict) and not native:
            keys = _keys(ini_options)
            found.append(_Config("pyproject.toml", "[tool.pytest.ini_options]", "toml-ini", keys))
        else:
            found.append(_Config("pyproject.toml", "[tool.pytest]", "toml", _keys(native)))
    if (root / "tox.ini").is_file():
        sections = _ini(root / "tox.ini")
        if "pytest" in sections:
            found.append(_Config("tox.ini", "[pytest]", "ini", sections["pytest"]))
    if (root / "setup.cfg").is_file():
        sections = _ini(root / "setup.cfg")
        for section in ("tool:pytest", "pytest"):
            if section in sections:
                found.append(_Config("setup.cfg", "[tool:pytest]", "ini", sections[section]))
                break
    return found


def _pytest_config(
    result: InitResult, layout: Layout, values: Mapping[str, str], force: bool
) -> None:
    configs = existing_pytest_configs(result.root)
    used = configs[0] if configs else None
    if used is None or (force and used.path == "pytest.ini"):
        _write(result, "pytest.ini", render("pytest.ini.tmpl", values), force=True)
        return
    if "parity_target" in used.keys:
        result.actions.append(
            Action("skipped", used.path, f"its {used.section} already names a parity_target")
        )
        return
    settings = pytest_ini_lines(layout)
    clash = sorted(key for key, _ in settings if key in used.keys)
    why = (
        f"{used.path} already configures pytest ({used.section}), so parity init leaves it "
        "alone (a new pytest.ini would replace it)"
    )
    if clash:
        why += f"; merge the values of {', '.join(clash)} into the ones set there"
    if used.path == "pytest.ini":
        why += "; or run again with --force to overwrite pytest.ini"
    section = used.section
    result.to_add.append(
        ToAdd(used.path, section, _format_settings(settings, used.style), why, error=True)
    )
    result.actions.append(Action("skipped", used.path, "a pytest configuration: lines to add"))


def _format_settings(settings: list[tuple[str, str]], style: str) -> str:
    if style == "ini":
        return "\n".join(
            f"{key} ={value}" if value.startswith("\n") else f"{key} = {value}"
            for key, value in settings
        )
    lines = []
    for key, value in settings:
        if key == "markers":
            lines.append(f"markers = [{_toml_string(MARKER)}]")
        elif key in ("pythonpath", "testpaths"):
            lines.append(f"{key} = [{', '.join(_toml_string(v) for v in value.split())}]")
        elif key == "addopts" and style == "toml":
            lines.append(f"addopts = [{', '.join(_toml_string(v) for v in value.split())}]")
        else:
            lines.append(f"{key} = {_toml_string(value)}")
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml(path: Path) -> dict[str, object] | None:
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InitError(
            f"{path.name} cannot be read",
            expected="valid TOML (parity init looks for a pytest configuration in it)",
            observed=f"{path}: {error}",
            hint=f"fix {path.name} first, then run parity init again",
        ) from None


def _ini(path: Path) -> dict[str, frozenset[str]]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as error:
        raise InitError(
            f"{path.name} cannot be read",
            expected="a valid INI file (parity init looks for a pytest configuration in it)",
            observed=f"{path}: {str(error).splitlines()[0]}",
            hint=f"fix {path.name} first, then run parity init again",
        ) from None
    return {name: frozenset(parser[name]) for name in parser.sections()}


def _keys(table: object) -> frozenset[str]:
    return frozenset(table) if isinstance(table, dict) else frozenset()


# -- tox and .gitignore -------------------------------------------------------------------


def _tox(result: InitResult, values: Mapping[str, str]) -> None:
    path = result.root / "tox.ini"
    if not path.exists():
        _write(result, "tox.ini", render("tox.ini.tmpl", values), force=False)
        return
    if "testenv:parity" in _ini(path):
        result.actions.append(Action("skipped", "tox.ini", "already has [testenv:parity]"))
        return
    result.actions.append(Action("skipped", "tox.ini", "exists: the env to add is below"))
    result.to_add.append(
        ToAdd(
            "tox.ini",
            "[testenv:parity]",
            values["TOX_ENV"],
            "tox.ini exists, so parity init does not rewrite it; add the parity env "
            "(and parity to envlist if you keep one)",
            error=False,
        )
    )


def _gitignore(result: InitResult) -> None:
    path = result.root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    note = ""
    if present & {"reports", "reports/", "/reports", "/reports/"}:
        note = (
            "it ignores reports/ as a whole, so reports/baselines/ cannot be committed: "
            "replace that line with reports/*"
        )
    if not missing:
        result.actions.append(Action("unchanged", ".gitignore", note))
        return
    comment = (
        ["# Parity's reports (reports/baselines/ is committed)"]
        if missing == list(GITIGNORE_LINES)
        else []
    )
    addition = "\n".join([*comment, *missing]) + "\n"
    if text and not text.endswith("\n"):
        addition = "\n" + addition
    _save(path, text + addition)
    verb = "appended" if text else "wrote"
    result.actions.append(Action(verb, ".gitignore", note or ", ".join(missing)))


# -- what is printed ----------------------------------------------------------------------


def render_result(result: InitResult) -> str:
    """What ``parity init`` prints: each file, the lines to add, and the next steps."""
    lines = [f"parity init: {result.root.resolve()}"]
    width = max((len(a.verb) for a in result.actions), default=0)
    for action in result.actions:
        note = f"  ({action.note})" if action.note else ""
        lines.append(f"  {action.verb:<{width}}  {action.path}{note}")
    for item in result.to_add:
        if not item.error:
            lines += ["", f"add to {item.path} ({item.why}):", "", _indent(item.lines)]
    lines += ["", "next steps:", *_next_steps(result)]
    return "\n".join(lines) + "\n"


def render_conflict(result: InitResult) -> str:
    """The error for a pytest configuration parity init could not write (exit status 2)."""
    blocks = []
    for item in result.to_add:
        if item.error:
            error = InitError(
                "the pytest configuration was not written",
                expected="no pytest configuration yet, or one that names a parity_target",
                observed=item.why,
                hint=f"add these lines to {item.section} in {item.path}, "
                "then run parity init again:",
            )
            blocks.append(error.render() + "\n\n" + _indent(item.lines) + "\n")
    return "\n".join(blocks)


def _next_steps(result: InitResult) -> list[str]:
    candidates = [result.target_file, result.cases_file, "tox.ini", WORKFLOW_FILE]
    written = set(result.files("wrote", "overwrote"))
    files = " ".join(
        dict.fromkeys(
            name
            for name in candidates
            if name in (result.target_file, result.cases_file)
            or (name in written and "TODO(parity)" in _text(result.root / name))
        )
    )
    steps = []
    if result.status == CONFLICT:
        steps.append("add the pytest settings shown above")
    steps += [
        f'fill in every "# TODO(parity):" (grep -n "TODO(parity)" {files})',
        'install Parity if not yet: pip install "parity[mysql,dynamodb,moto]"',
        f"record the first baseline: pytest -m integration {TEST_FILE} --parity-update-baseline",
        "review and commit reports/baselines/ (and the files above)",
        f"from then on (and in CI): pytest -m integration {TEST_FILE}, then "
        "python -m harness gate --report reports/integration/compatibility.json "
        "(or tox -e parity)",
    ]
    return [f"  {number}. {step}" for number, step in enumerate(steps, 1)]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def _as_module(name: str) -> str:
    stem = name.removesuffix(".py").replace("\\", "/").strip("/")
    return stem.replace("/", ".") or "parity_target"


def _project_name(root: Path) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", root.resolve().name.lower()).strip("-")
    return name[:40].strip("-") or "my-project"


__all__ = [
    "CONFLICT",
    "OK",
    "Action",
    "InitError",
    "InitResult",
    "Layout",
    "ToAdd",
    "existing_pytest_configs",
    "init_project",
    "layout_for",
    "pytest_ini_lines",
    "render",
    "render_conflict",
    "render_result",
]
