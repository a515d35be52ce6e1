"""Inside a DVC project, the metrics files and plots its dvc.yaml declares, found on disk."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cmlreport.errors import GitError, InputError
from cmlreport.files import MAX_MARKUP_BYTES, decode_text, read_text
from cmlreport.metrics.dvcyaml import Declared, declared_outputs
from cmlreport.metrics.formats import decode_yaml
from cmlreport.report.charts import IMAGE_SUFFIXES

# The files of a declared folder that are metrics (dvc reads every file; others would fail
# there too) and the ones the report can show as pictures.
METRICS_SUFFIXES = (".json", ".yaml", ".yml", ".toml", ".csv", ".tsv")
# A declared folder of metrics or plots holds a handful of files; this bounds the walk.
MAX_FOLDER_FILES = 1_000
# A monorepo keeps one dvc.yaml per pipeline: dozens, not thousands.
MAX_DVC_YAMLS = 200


@dataclass(frozen=True)
class DvcProject:
    """What dvc.yaml declares, as paths from the current folder."""

    root: Path  # the repository's real root
    sources: tuple[str, ...]  # the dvc.yaml files read
    metrics: tuple[str, ...]  # declared metrics files that exist here
    gone: tuple[str, ...] = ()  # declared but not here: read at the base revision only
    images: tuple[str, ...] = ()  # declared plots the report can show

    def notes(self) -> list[str]:
        """One line per fact a user should see: which files were taken, and which not."""
        lines = [f"from {', '.join(self.sources)}: metrics {', '.join(self.metrics) or 'none'}"]
        if self.images:
            lines.append(f"from {', '.join(self.sources)}: plots {', '.join(self.images)}")
        if self.gone:
            lines.append(
                f"declared in dvc.yaml but not found (run `dvc repro`?): {', '.join(self.gone)}"
            )
        return lines

    def files_at_base(self, sha: str, cwd: Path) -> tuple[list[str], list[str]]:
        """What to read at ``sha``, as dvc does, from what dvc.yaml declared there: the files
        here it declared (itself or by a folder), and the ones it declared that are not here
        (renamed or dropped since: shown as removed)."""
        declared = [_shown(self.root / p, cwd) for p in _base_declared(self, sha, cwd)]
        folders = tuple(f"{d}/" for d in declared)
        kept = [f for f in self.metrics if f in declared or f.startswith(folders)]
        here = set(self.metrics)
        others = [
            d for d in declared if d not in here and not any(f.startswith(f"{d}/") for f in here)
        ]
        return kept, list(dict.fromkeys(others))


def discover_dvc(cwd: Path) -> DvcProject | None:
    """The metrics and plots of the dvc.yaml files in the repository root, in ``cwd`` and
    anywhere git tracks one (as dvc reads them all); None when there is none. InputError for
    a path that leaves the repository (``..``, absolute, or a symlink out), an unreadable
    dvc.yaml, or when no declared metrics file exists."""
    root, tracked = _root(cwd)
    real_root = Path(os.path.realpath(root))
    # dvclive before 3.0 wrote its own dvclive/dvc.yaml, which dvc reads like any other.
    names = [Path(*parts) for parts in (("dvc.yaml",), ("dvclive", "dvc.yaml"))]
    candidates = [f / n for f in (root, cwd) for n in names] + [root / t for t in tracked]
    found = [p for p in dict.fromkeys(candidates) if p.is_file()]
    if not found:
        return None
    sources: dict[str, None] = {}
    metrics: dict[str, None] = {}
    plots: dict[str, None] = {}
    for path in found:
        folder = _inside(path.parent, real_root, _shown(path, cwd))
        if any(source == _shown(real_root / folder / "dvc.yaml", cwd) for source in sources):
            continue  # the same file by two names (the root is the current folder)
        for name, declared in _declarations(real_root, folder):
            sources[_shown(real_root / name, cwd)] = None
            metrics.update(dict.fromkeys(declared.metrics))
            plots.update(dict.fromkeys(declared.plots))
    where = ", ".join(sources)
    present, gone = _files(metrics, real_root, where, METRICS_SUFFIXES)
    images = _images(plots, real_root, where)
    if not present:
        raise InputError(
            f"{where}: none of the metrics files it declares exists here "
            f"({', '.join(metrics) or 'it declares none'}); run the pipeline (`dvc repro`) "
            "first or pass the files with -m"
        )
    return DvcProject(
        root=real_root,
        sources=tuple(sources),
        metrics=tuple(_shown(real_root / p, cwd) for p in present),
        gone=tuple(_shown(real_root / p, cwd) for p in gone),
        images=tuple(_shown(real_root / p, cwd) for p in images),
    )


def _base_declared(project: DvcProject, sha: str, cwd: Path) -> Iterator[str]:
    """The metrics files the same dvc.yaml files declared at ``sha``, from the root."""
    for source in project.sources:
        name = _from_root(project.root, cwd, source)
        folder = str(PurePosixPath(name).parent)
        try:
            text = _text_at(sha, source, cwd)
            if text is None:
                continue
            params_at = str(PurePosixPath(source).parent / "params.yaml")
            params_text = _text_at(sha, params_at, cwd) if "${" in text else None
            params = decode_yaml(params_at, params_text) if params_text else None
            declared = declared_outputs(text, f"{name} at {sha[:7]}", folder.strip("."), params)
        except InputError:
            continue  # a base that main broke must not block the pull request that fixes it
        yield from declared.metrics


def _text_at(sha: str, path: str, cwd: Path) -> str | None:
    from cmlreport import baseline

    blob = baseline.read_file_at(sha, path, cwd, limit=MAX_MARKUP_BYTES)
    return None if blob is None else decode_text(blob, f"{path} at {sha[:7]}")


def _from_root(root: Path, cwd: Path, shown: str) -> str:
    return Path(os.path.relpath(Path(os.path.realpath(cwd)) / shown, root)).as_posix()


def _root(cwd: Path) -> tuple[Path, list[str]]:
    """The repository's root and the dvc.yaml files git tracks in it (dvc reads every one);
    outside git, ``cwd`` alone."""
    from cmlreport import baseline
    from cmlreport.git.command import run_git

    try:
        root = baseline.repo_root(cwd)
    except GitError:
        return cwd, []
    proc = run_git(["ls-files", "-z", "--", ":(glob)**/dvc.yaml"], root)
    listed = (
        proc.stdout.decode("utf-8", errors="replace").split("\0") if proc.returncode == 0 else []
    )
    tracked = [p for p in listed if p]
    if len(tracked) > MAX_DVC_YAMLS:
        raise InputError(
            f"git tracks {len(tracked):,} dvc.yaml files, more than the {MAX_DVC_YAMLS} a report "
            "reads; pass the metrics files with -m"
        )
    return root, sorted(tracked, key=lambda p: (p.count("/"), p))


def _declarations(root: Path, folder: str) -> Iterator[tuple[str, Declared]]:
    """The dvc.yaml in ``folder`` and the ones dvclive writes in the folders its stages name
    (one level: dvclive's dvc.yaml names no further dvclive folder)."""
    name = str(PurePosixPath(folder, "dvc.yaml"))
    declared = _read(root, folder, name)
    yield name, declared
    for live in declared.live_dirs:
        own = PurePosixPath(live, "dvc.yaml")
        if (root / own).is_file():
            inner = _read(root, live, str(own))
            yield str(own), Declared(inner.metrics, inner.plots)
        else:  # dvclive without its dvc.yaml writes these two
            yield name, Declared((f"{live}/metrics.json",), (f"{live}/plots",))


def _read(root: Path, folder: str, name: str) -> Declared:
    _inside(root / name, root, name)
    text = read_text(root / name, name, limit=MAX_MARKUP_BYTES)
    params = None
    params_path = root / folder / "params.yaml"
    if "${" in text and params_path.is_file():  # dvc's templates read params.yaml first
        shown = str(PurePosixPath(folder, "params.yaml"))
        _inside(params_path, root, shown)
        params = decode_yaml(shown, read_text(params_path, shown, limit=MAX_MARKUP_BYTES))
    return declared_outputs(text, name, "" if folder == "." else folder, params)


def _inside(path: Path, root: Path, name: str) -> str:
    """``path`` from ``root`` where it really leads; InputError when that is outside the
    repository or inside git's own folder."""
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root):
        raise InputError(
            f"{name} leads outside the repository (through a symlink); dvc.yaml outputs are "
            "files inside it"
        )
    rel = real.relative_to(root)
    if ".git" in rel.parts:
        raise InputError(f"{name} is inside git's own folder, never a metrics file")
    return rel.as_posix() or "."


def _files(
    declared: Iterable[str], root: Path, where: str, suffixes: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """The declared files that exist (a folder stands for its files with ``suffixes``), and
    the declared paths that do not exist."""
    present: dict[str, None] = {}
    gone: list[str] = []
    for path in declared:
        full = root / path
        if not os.path.lexists(full):
            gone.append(path)
            continue
        rel = _inside(full, root, f"{where}: {path}")
        if os.path.isdir(full):
            present.update(dict.fromkeys(_walk(root, rel, where, suffixes)))
        else:
            present[rel] = None
    return list(present), gone


def _walk(root: Path, folder: str, where: str, suffixes: tuple[str, ...]) -> Iterator[str]:
    count = 0
    # Links are not followed into other folders; a linked file is checked like any path.
    for top, dirs, names in os.walk(root / folder):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            count += 1
            if count > MAX_FOLDER_FILES:
                raise InputError(
                    f"{where}: {folder} holds more than {MAX_FOLDER_FILES:,} files; declare "
                    "the metrics files themselves"
                )
            if name.lower().endswith(suffixes):
                full = Path(top, name)
                yield _inside(full, root, f"{where}: {full.relative_to(root).as_posix()}")


def _images(declared: Iterable[str], root: Path, where: str) -> list[str]:
    """The declared plots that are images: the report shows them (plot data, the curves dvc
    draws from CSV/JSON/TSV, is not drawn here)."""
    present, _ = _files(declared, root, where, IMAGE_SUFFIXES)
    return [p for p in present if p.lower().endswith(IMAGE_SUFFIXES)]


def _shown(path: Path, cwd: Path) -> str:
    """``path`` as the user names it from ``cwd`` (the way dvc prints it)."""
    return Path(os.path.relpath(path, os.path.realpath(cwd))).as_posix()
