"""Hostile files as metrics, logs and settings: one line naming the file, exit 2, bounded.

Each test plants a hostile input in a throwaway git repository and runs the real CLI in its own
process (``tests.launch``): its timeout is the hang detector, its peak RSS the memory bound. Small
seeds live in ``corpus/files``; the deep, long and special files (FIFOs, devices, sockets) are
made here.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git_env
from tests.launch import run_cmlreport

CORPUS = Path(__file__).resolve().parent / "corpus" / "files"
HANG_GUARD = 60  # seconds; every case here finishes in about one
PEAK_RSS_BOUND = 1024 * 1024 * 1024  # bytes; the worst files within the size limits take ~500 MB
GOOD_METRICS = '{"eval": {"accuracy": 0.9}}\n'


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path) -> Result:
    env = {k: v for k, v in git_env().items() if not k.startswith(("GITHUB_", "GITLAB_", "CI"))}
    env["MPLBACKEND"] = "Agg"
    try:
        done = run_cmlreport(*args, cwd=cwd, env=env, timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cmlreport {' '.join(args)[:200]} hung for {HANG_GUARD} s")
    assert done.peak_rss < PEAK_RSS_BOUND, f"the run reached {done.peak_rss / 2**20:,.0f} MiB"
    return Result(done.code, done.stdout, done.stderr)


def assert_one_line_error(result: Result, *words: str) -> str:
    """Exit 2, and stderr is exactly one ``cmlreport: error:`` line holding every word."""
    assert result.code == 2, (result.code, result.stderr[-2000:])
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    (line,) = lines
    assert line.startswith("cmlreport: error: "), line
    assert "Traceback" not in result.stderr and "internal error" not in line
    assert len(line) < 400, line  # one readable line, even for a 5,000-digit number
    for word in words:
        assert word in line, (word, line)
    return line


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    project = GitRepo.init(tmp_path / "project")
    project.write("good.json", GOOD_METRICS)
    project.commit("base run")
    project.branch("feature")
    project.checkout("feature")
    yield project


# --- files whose bytes are hostile (they can also be committed at the base revision) ---------


def _deep_json() -> bytes:
    return b'{"a": ' * 100_000 + b"1" + b"}" * 100_000


def _deep_list_json() -> bytes:
    return b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _deep_yaml() -> bytes:
    return b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"


def _deep_block_yaml() -> bytes:
    return b"a:\n  " + b"- " * 5_000 + b"1\n"


def _deep_toml() -> bytes:
    return b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"


def _deep_keys_json() -> bytes:
    # 500 levels: within what the JSON decoder takes, far over what a metric name needs.
    return b'{"k": ' * 500 + b"1" + b"}" * 500


DIGITS = b"9" * 5_000

BYTES: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    # name: (content, words the error line must hold besides the file name)
    "deep.json": (_deep_json, ("nested too deeply",)),
    "deep-list.json": (_deep_list_json, ("nested too deeply",)),
    "deep.yaml": (_deep_yaml, ("nesting depth",)),
    "deep-block.yaml": (_deep_block_yaml, ("nesting depth",)),
    "deep.toml": (_deep_toml, ("nested too deeply",)),
    "deep-keys.json": (_deep_keys_json, ("nested more than 64 levels",)),
    "bigint.json": (lambda: b'{"eval": {"count": ' + DIGITS + b"}}", ("eval.count", "5,000")),
    "bigint.yaml": (lambda: b"eval:\n  count: " + DIGITS + b"\n", ("eval.count", "5,000")),
    "bigint.toml": (lambda: b"[eval]\ncount = " + DIGITS + b"\n", ("line 2", "5,000")),
    "bigint.csv": (lambda: b"count,f1\n" + DIGITS + b",0.5\n", ("line 2", "count", "5,000")),
    # Under Python's 4,300-digit limit, so it parses: but no float holds it, and diffs,
    # gates and formatting would all overflow.
    "int1000.json": (lambda: b'{"n": ' + b"7" * 1_000 + b"}", ("key 'n'", "1,000 digits")),
    "int1000-row.json": (
        lambda: b'[{"label": "a", "f1": ' + b"7" * 1_000 + b'}, {"label": "b", "f1": 1}]',
        ("row 1", "f1", "1,000 digits"),
    ),
    "alias-bomb.yaml": (lambda: (CORPUS / "alias-bomb.yaml").read_bytes(), ("200,000 values",)),
    "alias-bomb-records.yaml": (
        lambda: (CORPUS / "alias-bomb-records.yaml").read_bytes(),
        ("200,000 values",),
    ),
    "python-object.yaml": (
        lambda: (CORPUS / "python-object.yaml").read_bytes(),
        ("line 2", "python/object"),
    ),
    "custom-tag.yaml": (lambda: (CORPUS / "custom-tag.yaml").read_bytes(), ("!secret",)),
    "bad-timestamp.yaml": (
        lambda: (CORPUS / "bad-timestamp.yaml").read_bytes(),
        ("line 3", "timestamp"),
    ),
    "bad-bool.yaml": (lambda: (CORPUS / "bad-bool.yaml").read_bytes(), ("line 3", "bool")),
    "utf16.json": (lambda: (CORPUS / "utf16.json").read_bytes(), ("UTF-16",)),
    "utf32.json": (lambda: (CORPUS / "utf32.json").read_bytes(), ("UTF-32",)),
    "latin1.csv": (lambda: (CORPUS / "latin1.csv").read_bytes(), ("not UTF-8", "0xe9")),
    "nul.json": (lambda: (CORPUS / "nul.json").read_bytes(), ("NUL",)),
    "junk.json": (lambda: (CORPUS / "junk.json").read_bytes(), ("not UTF-8",)),
    "wide.csv": (
        lambda: (
            ",".join(f"c{i}" for i in range(1_000_001)) + "\n" + "1," * 1_000_000 + "1\n"
        ).encode(),
        ("2,000,000 values",),
    ),
    # Ten million empty lists in 30 MiB would take ~800 MB once decoded: refused before.
    "many-lists.json": (lambda: b"[" + b"[]," * 10_000_000 + b"[]]", ("1,000,000 lists",)),
    "long-field.csv": (
        lambda: b'label,f1\n"' + b"x" * 10_000_000 + b'",0.5\n',
        ("line 2", "field larger than field limit"),
    ),
}


def _write_bytes(path: Path, name: str) -> None:
    path.write_bytes(BYTES[name][0]())


# --- files that are hostile by what they are: made in place, never committed ------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # nobody ever writes: a blocking open() would wait forever


def _socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    return server


SPECIAL: dict[str, tuple[str, str]] = {
    # name: (how to make it, what the error line calls it)
    "fifo.json": ("fifo", "named pipe"),
    "zero.json": ("/dev/zero", "a device"),
    "urandom.csv": ("/dev/urandom", "a device"),
    "socket.json": ("socket", "a socket"),
    "folder.json": ("dir", "is a directory"),
    "link-to-folder.yaml": ("link-dir", "is a directory"),
    "link-to-fifo.json": ("link-fifo", "named pipe"),
    "oversize.json": ("sparse:33", "over the 32.0 MiB limit"),
    "oversize.yaml": ("sparse:1.5", "over the 1.0 MiB limit"),
}


def _make_special(root: Path, name: str, sockets: list[socket.socket]) -> None:
    how = SPECIAL[name][0]
    path = root / name
    if how == "fifo":
        _fifo(path)
    elif how.startswith("/dev/"):
        path.symlink_to(how)
    elif how == "socket":
        sockets.append(_socket(path))
    elif how == "dir":
        path.mkdir()
        (path / "metrics.json").write_text(GOOD_METRICS)
    elif how == "link-dir":
        (root / "real-folder").mkdir()
        path.symlink_to(root / "real-folder")
    elif how == "link-fifo":
        _fifo(root / "real-fifo")
        path.symlink_to(root / "real-fifo")
    else:  # a sparse file: huge on paper, nothing on disk
        with open(path, "wb") as f:
            f.write(b'{"a": "')
            f.truncate(int(float(how.split(":")[1]) * 1024 * 1024))


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    made: list[socket.socket] = []
    yield made
    for s in made:
        s.close()


COMMANDS = [
    pytest.param(("report", "--no-base", "-o", "report.md"), id="report"),
    pytest.param(("diff", "--no-base"), id="diff"),
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(BYTES))
def test_hostile_bytes_as_a_metrics_file(
    repo: GitRepo, name: str, command: tuple[str, ...]
) -> None:
    _write_bytes(repo.path / name, name)
    result = run_cli(*command, name, cwd=repo.path)
    assert_one_line_error(result, name, *BYTES[name][1])
    assert result.stdout == ""
    assert not (repo.path / "report.md").exists()  # never a half-written report


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_file_as_a_metrics_file(
    repo: GitRepo, name: str, command: tuple[str, ...], sockets: list[socket.socket]
) -> None:
    _make_special(repo.path, name, sockets)
    result = run_cli(*command, "-m", name, cwd=repo.path)
    assert_one_line_error(result, name, SPECIAL[name][1])
    assert not (repo.path / "report.md").exists()


@pytest.mark.parametrize("name", ["deep.json", "bigint.json", "alias-bomb.yaml", "utf16.json"])
def test_hostile_file_at_head_and_at_base_fails_on_head(repo: GitRepo, name: str) -> None:
    repo.checkout("main")
    _write_bytes(repo.path / name, name)
    repo.commit("hostile metrics at base")
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    result = run_cli("report", "--base", "main", name, cwd=repo.path)
    assert_one_line_error(result, name, *BYTES[name][1])


BASE_CASES = [
    "deep.json",
    "deep.yaml",
    "bigint.json",
    "bigint.toml",
    "int1000.json",
    "alias-bomb.yaml",
    "python-object.yaml",
    "utf16.json",
    "nul.json",
    "junk.json",
    "wide.csv",
]


@pytest.mark.parametrize("name", BASE_CASES)
def test_hostile_file_only_at_base_is_a_note(repo: GitRepo, name: str) -> None:
    """Read with git cat-file, bounded the same way; a broken base is a note, not a failure
    (the pull request may be the fix), as for any malformed base file."""
    repo.checkout("main")
    _write_bytes(repo.path / name, name)
    repo.commit("hostile metrics at base")
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    good = b"label,f1\na,0.5\nb,0.6\n" if name.endswith(".csv") else None
    head = good or (b"eval:\n  accuracy: 0.9\n" if name.endswith(".yaml") else None)
    head = head or (b"[eval]\naccuracy = 0.9\n" if name.endswith(".toml") else None)
    (repo.path / name).write_bytes(head or GOOD_METRICS.encode())
    result = run_cli("report", "--base", "main", name, cwd=repo.path)
    assert result.code == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = (repo.path / "report.md").read_text()
    assert (
        f"{name} at base" in report
        and "cannot be read" in report
        and "treated as missing" in report
    )
    diff = run_cli("diff", "--base", "main", name, cwd=repo.path)
    assert diff.code == 0 and f"{name} at base" in diff.stderr


def test_oversize_file_at_base_is_not_read_whole(repo: GitRepo) -> None:
    repo.checkout("main")
    with open(repo.path / "big.json", "wb") as f:
        f.write(b'{"a": "')
        f.truncate(33 * 1024 * 1024)
    repo.commit("a 33 MiB metrics file at base")
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    (repo.path / "big.json").write_text(GOOD_METRICS)
    result = run_cli("report", "--base", "main", "big.json", cwd=repo.path)
    assert result.code == 0, result.stderr
    report = (repo.path / "report.md").read_text()
    assert "big.json at base" in report and "33.0 MiB, over the 32.0 MiB limit" in report


def test_symlink_committed_at_base_is_not_followed(repo: GitRepo) -> None:
    repo.checkout("main")
    (repo.path / "m.json").symlink_to("/dev/zero")
    repo.commit("metrics as a link to a device")
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    (repo.path / "m.json").unlink()
    (repo.path / "m.json").write_text(GOOD_METRICS)
    result = run_cli("report", "--base", "main", "m.json", cwd=repo.path)
    assert result.code == 0, result.stderr
    assert "m.json at base" in (repo.path / "report.md").read_text()


# --- settings files ----------------------------------------------------------------------------

SETTINGS: dict[str, tuple[str, bytes | str, tuple[str, ...]]] = {
    # case: (file, content or how to make it, words of the error line)
    "yaml-fifo": (".cmlreport.yaml", "fifo", ("named pipe",)),
    "yaml-device": (".cmlreport.yaml", "/dev/zero", ("a device",)),
    "yaml-folder": (".cmlreport.yaml", "dir", ("is a directory",)),
    "yaml-oversize": (".cmlreport.yaml", "sparse:1.5", ("over the 1.0 MiB limit",)),
    "yaml-deep": (".cmlreport.yaml", b"top: " + b"[" * 100_000 + b"]" * 100_000, ("depth",)),
    "yaml-bomb": (
        ".cmlreport.yaml",
        (CORPUS / "alias-bomb.yaml").read_bytes() + b"fail_if: *a9\n",
        ("a0",),
    ),
    "yaml-bigint": (".cmlreport.yaml", b"top: " + DIGITS + b"\n", ("'top'", "5,000 digits")),
    "yaml-precision": (".cmlreport.yaml", b"precision: 1000000000\n", ("'precision'", "1 and 12")),
    "yaml-nan": (".cmlreport.yaml", b"min_support: .nan\n", ("'min_support'",)),
    "yaml-tag": (".cmlreport.yaml", b"title: !!python/name:os.system\n", ("python/name",)),
    "yaml-utf16": (".cmlreport.yaml", "top: 3\n".encode("utf-16"), ("UTF-16",)),
    "toml-deep": ("pyproject.toml", b"x = " + b"[" * 100_000 + b"]" * 100_000, ("nested too",)),
    "toml-bigint": (
        "pyproject.toml",
        b"[tool.cmlreport]\ntop = " + DIGITS + b"\n",
        ("line 2", "5,000 digits"),
    ),
    "toml-int1000": (
        "pyproject.toml",
        b"[tool.cmlreport]\ntop = " + b"7" * 1_000 + b"\n",
        ("'top'", "1,000 digits"),
    ),
    "toml-fifo": ("pyproject.toml", "fifo", ("named pipe",)),
    "toml-device": ("pyproject.toml", "/dev/urandom", ("a device",)),
    "toml-nul": ("pyproject.toml", b"[tool.cmlreport]\x00\n", ("NUL",)),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_hostile_settings_file(repo: GitRepo, case: str, command: tuple[str, ...]) -> None:
    name, content, words = SETTINGS[case]
    path = repo.path / name
    if content == "fifo":
        _fifo(path)
    elif content == "dir":
        path.mkdir()
    elif isinstance(content, str) and content.startswith("/dev/"):
        path.symlink_to(content)
    elif isinstance(content, str):
        with open(path, "wb") as f:
            f.truncate(int(float(content.split(":")[1]) * 1024 * 1024))
    else:
        path.write_bytes(content)
    result = run_cli(*command, "good.json", cwd=repo.path)
    assert_one_line_error(result, name, *words)
    assert not (repo.path / "report.md").exists()


# --- gates and huge literals on the command line ----------------------------------------------


@pytest.mark.parametrize(
    "gate",
    [
        "eval.accuracy > 1e99999",
        "eval.accuracy < -1e400",
        "eval.accuracy > " + "9" * 5_000,
        "eval.accuracy > " + "9" * 100_000 + ".5",
    ],
)
def test_gate_with_an_out_of_range_target(repo: GitRepo, gate: str) -> None:
    result = run_cli("report", "--no-base", "good.json", "--fail-if", gate, cwd=repo.path)
    assert_one_line_error(result, "--fail-if", "out of range")


def test_regression_gate_with_an_infinite_tolerance(repo: GitRepo) -> None:
    result = run_cli(
        "report", "--no-base", "good.json", "--fail-on-regression", "eval.*:1e999", cwd=repo.path
    )
    assert_one_line_error(result, "--fail-on-regression", "out of range")


def test_a_diff_of_the_largest_integers_allowed_works(repo: GitRepo) -> None:
    """Integers just under the bound still diff, gate and format: the bound is where they stop."""
    repo.checkout("main")
    repo.write("n.json", '{"n": ' + "9" * 300 + "}\n")
    repo.commit("big counter")
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.write("n.json", '{"n": -' + "9" * 300 + "}\n")
    result = run_cli("diff", "--base", "main", "--format", "json", "n.json", cwd=repo.path)
    assert result.code == 0, result.stderr
    gated = run_cli("report", "--base", "main", "n.json", "--fail-if", "n < 0", cwd=repo.path)
    assert gated.code == 1, gated.stderr  # the gate fails, as it should, and nothing crashes


# --- plot inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "name", "words"),
    [
        (("curves", "fifo.csv", "-o", "out.png"), "fifo.csv", ("named pipe",)),
        (("curves", "zero.csv", "--no-base", "-o", "out.png"), "zero.csv", ("a device",)),
        (("confusion", "deep.json", "-o", "out.png"), "deep.json", ("nested too deeply",)),
        (("drift", "deep.json", "good.json", "-o", "out.png"), "deep.json", ("nested too",)),
        (("curves", "utf16.json", "--no-base", "-o", "out.png"), "utf16.json", ("UTF-16",)),
        (("curves", "oversize.json", "--no-base", "-o", "out.png"), "oversize.json", ("over",)),
    ],
)
def test_hostile_plot_inputs(
    repo: GitRepo, args: tuple[str, ...], name: str, words: tuple[str, ...]
) -> None:
    _fifo(repo.path / "fifo.csv")
    (repo.path / "zero.csv").symlink_to("/dev/zero")
    _write_bytes(repo.path / "deep.json", "deep.json")
    _write_bytes(repo.path / "utf16.json", "utf16.json")
    _make_special(repo.path, "oversize.json", [])
    result = run_cli("plot", *args, cwd=repo.path)
    assert_one_line_error(result, name, *words)
    assert not (repo.path / "out.png").exists()


def test_corpus_seeds_are_the_small_ones() -> None:
    """The committed corpus stays small: what is big or special is made by the tests."""
    seeds = sorted(p.name for p in CORPUS.iterdir())
    assert seeds and all((CORPUS / s).stat().st_size < 4096 for s in seeds)
