"""Links from the HTML report to the cases' source files, that still work where the page is read.

A case's ``source`` is ``path:line``; the path is often absolute (the function's
``co_filename``), which is dead anywhere but the machine that ran the suite. The page links
instead to:

- the file on GitHub, ``{GITHUB_SERVER_URL}/{GITHUB_REPOSITORY}/blob/{GITHUB_SHA}/{path}#L{line}``,
  when those three variables are set (a CI run on GitHub Actions; ``GITHUB_WORKSPACE``, when
  set too, says where the checkout is, for a project below the repository's root);
- otherwise the file relative to the report's own directory (the report is written to
  ``reports/<tier>/``, so ``suites/contract/cases_users.py`` is
  ``../../suites/contract/cases_users.py``): it works from the checkout, and from a CI
  artifact unpacked into one.

A source outside the project's root gets no link. No link is ever an absolute local path.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath
from urllib.parse import quote

GITHUB_VARIABLES = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")


@dataclass(frozen=True)
class Source:
    """A case's source as a path relative to the project's root, and its line if known."""

    path: str
    line: int | None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SourceLinks:
    """How the page links to sources: the project's root, the report's directory in it, and
    the GitHub blob URL prefix when the run was on GitHub Actions."""

    root: Path
    report_dir: PurePosixPath
    """Relative to ``root``, or absolute."""
    github: str | None = None

    def source(self, source: object) -> Source | None:
        """``source`` (``path:line``) relative to the root; None when it is not below it."""
        if not isinstance(source, str) or not source:
            return None
        path, _, line = source.rpartition(":")
        if not path or not line.isdigit():
            path, line = source, ""
        relative = _below(self.root, path)
        if relative is None:
            return None
        return Source(relative, int(line) if line else None)

    def href(self, source: object) -> str | None:
        """The link for ``source``: on GitHub, or relative to the report's directory."""
        found = self.source(source)
        if found is None:
            return None
        if self.github is not None:
            anchor = f"#L{found.line}" if found.line is not None else ""
            return f"{self.github}{quote(found.path)}{anchor}"
        start = posixpath.join(self.root.as_posix(), self.report_dir.as_posix())
        target = posixpath.join(self.root.as_posix(), found.path)
        return quote(posixpath.relpath(target, start))


def source_links(
    root: Path,
    report_dir: str | PurePath,
    environ: Mapping[str, str],
) -> SourceLinks:
    """The links for a report written to ``report_dir`` (relative to ``root``, or absolute)."""
    root = root.absolute()
    directory = PurePosixPath(PurePath(report_dir).as_posix())  # an absolute one stays so
    return SourceLinks(root, directory, _github(root, environ))


def _github(root: Path, environ: Mapping[str, str]) -> str | None:
    server, repository, sha = (str(environ.get(k) or "").strip() for k in GITHUB_VARIABLES)
    if not (server and repository and sha):
        return None
    prefix = f"{server.rstrip('/')}/{repository.strip('/')}/blob/{sha}/"
    workspace = str(environ.get("GITHUB_WORKSPACE") or "").strip()
    if workspace:
        below = _below(Path(workspace), str(root))
        if below and below != ".":
            prefix += quote(below) + "/"
    return prefix


def _below(root: Path, path: str) -> str | None:
    """``path`` relative to ``root`` (POSIX separators), or None when it is outside it."""
    candidate = PurePath(path)
    if not candidate.is_absolute():
        normal = posixpath.normpath(candidate.as_posix())
        return None if normal == ".." or normal.startswith("../") else normal
    # as given first (no file system access), then resolved: a symlinked checkout, /tmp
    for base, file in ((root, Path(candidate)), (_resolved(root), _resolved(Path(candidate)))):
        try:
            return file.relative_to(base).as_posix()
        except ValueError:
            continue
    return None


@lru_cache(maxsize=256)
def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path
