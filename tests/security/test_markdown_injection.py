"""Metric names, labels, file names and values that try to ping, cross-link, hide, or rewrite
the report: what cmlreport writes (report.md, report.full.md, the job summary, `diff --format md`)
and what it posts to GitHub and GitLab must show them as plain text and nothing else.

The corpus (corpus/names/) holds the hostile strings as JSON keys, string values and CSV labels;
plot files are named after them here, newlines included. Each markdown file is checked twice:
as bytes (no HTML comment, no raw control or invisible character) and as GitHub renders it
(cmark-gfm, the library github.com uses), walking the HTML the way the forges' mention and
reference filters do: text outside ``code``, ``pre`` and ``a``, entities decoded.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from PIL import Image

from tests.e2e.conftest import Result, clean_env
from tests.e2e.test_send_comment import HEAD_SHA, REPO, TOKEN, Job, comments_on_7
from tests.e2e.test_send_comment_gitlab import TOKEN as GITLAB_TOKEN
from tests.e2e.test_send_comment_gitlab import notes
from tests.e2e.test_send_comment_gitlab import start as start_pipeline
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo
from tests.launch import run_cmlreport

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

CORPUS = Path(__file__).resolve().parent / "corpus" / "names"
HOSTILE: list[str] = json.loads((CORPUS / "hostile.json").read_text(encoding="utf-8"))
MENTIONS = HOSTILE[3]  # "cc @octocat and @octo-org/reviewers and @all"
REFERENCES = HOSTILE[4]  # "fixes #1, octo/model#2, GH-3, octo/model@ec26c3e"
TITLE = "Report for @octocat <!-- cmlreport:title --> #5 \u202eevil"
PER_CLASS = "per_class @octocat #9 ~x.csv"  # its name is the slice table's name
EXTRA_FILE = "m @octocat #77 !3 <!-- cmlreport:file -->.json"  # new at head: named in a note

# ---------------------------------------------------------------------------------------------
# What the forges would find in the rendered text


# GitHub (html-pipeline's MentionFilter, issue and team references, GH-123, autolinked URLs and
# bare domains) and GitLab (Banzai reference filters: the sigils ~!@#$%&^, [type:id],
# group/project>, *iteration:), each anchored on a name character right after the sigil.
REFERENCE_PATTERNS = {
    "mention": re.compile(r"(?:^|\W)@[A-Za-z0-9_]"),
    "issue": re.compile(r"#\d|#\w"),
    "GH-": re.compile(r"(?i)\bGH-\d"),
    "gitlab sigil": re.compile(r'[!~%&$^][\w"]'),
    "gitlab [type:id]": re.compile(r"\[[A-Za-z_]+:"),
    "gitlab project": re.compile(r"[\w.-]+/[\w.-]+>"),
    "gitlab iteration": re.compile(r"\*iteration:"),
    "url": re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|(?i:\bwww)\."),
}
IGNORED_PARENTS = {"code", "pre", "a", "style", "script"}  # where no filter looks
INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
BLANK_LETTERS = "\u115f\u1160\u3164\uffa0"  # Hangul fillers: letters that draw nothing


@dataclass
class Rendered:
    """The HTML of a markdown document as a tree walker sees it."""

    tags: list[str] = field(default_factory=list)
    attrs: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    free_text: list[str] = field(default_factory=list)  # outside code/pre/a
    cells: list[list[str]] = field(default_factory=list)  # table rows, cell texts
    comments: list[str] = field(default_factory=list)


class _Walker(HTMLParser):
    def __init__(self, out: Rendered) -> None:
        super().__init__(convert_charrefs=True)
        self.out = out
        self.stack: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.tags.append(tag)
        self.out.attrs.append((tag, dict(attrs)))
        if tag == "tr":
            self.out.cells.append([])
        if tag in ("td", "th"):
            self.cell = []
        if tag not in ("img", "br", "hr", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.out.cells[-1].append("".join(self.cell))
            self.cell = None
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if not IGNORED_PARENTS & set(self.stack):
            self.out.free_text.append(data)

    def handle_comment(self, data: str) -> None:
        self.out.comments.append(data)


def render(md: str) -> Rendered:
    html = cmarkgfm.github_flavored_markdown_to_html(
        md, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_HARDBREAKS
    )
    out = Rendered()
    _Walker(out).feed(html)
    return out


def shown(text: str) -> str:
    """How a hostile string must read in the report: invisible characters spelled out as
    Python does, blanks collapsed to one line."""
    spelled = "".join(
        ascii(ch)[1:-1]
        if (unicodedata.category(ch) in INVISIBLE or ch in BLANK_LETTERS) and ch not in "\t\n\r\f\v"
        else ch
        for ch in text
    )
    return " ".join(re.split(r"[ \t\n\r\f\v]+", spelled)).strip()


def assert_inert(md: str, *, where: str) -> Rendered:
    """Nothing in ``md`` opens an HTML comment, pings, cross-links or hides characters."""
    # Bytes: the only HTML comment is cmlreport's own gates marker; no sticky marker at all.
    assert "<!-- cmlreport:" not in md.lower(), where
    assert md.count("<!--") == len(re.findall(r"<!-- cmlreport-gates: [^<>]* -->", md)), where
    for line in md.splitlines():
        if "-->" in line:
            assert line.startswith("<!-- cmlreport-gates:") or re.match(
                r"    [xy]-axis .*\d -->", line
            ), (where, line)
    hidden = sorted(
        {f"U+{ord(c):04X}" for c in md if unicodedata.category(c) in INVISIBLE and c != "\n"}
    )
    assert not hidden, (where, hidden)
    # As rendered: no raw HTML from input, no link at all but the CI run, nothing to ping.
    doc = render(md)
    assert all(re.fullmatch(r" cmlreport-gates: passed=\d+ failed=\d+ ", c) for c in doc.comments)
    assert "script" not in doc.tags, where
    assert not {"ul", "ol", "li", "h1", "h4", "input", "iframe"} & set(doc.tags), (where, doc.tags)
    for tag, attrs in doc.attrs:
        if tag == "a":
            assert attrs == {"href": "https://github.example/octo/model/actions/runs/99"}, attrs
        if tag == "img":
            assert (attrs.get("src") or "").startswith("plots/"), attrs
    # The forges scan each text node; a zero-width space between sigil and name is what stops
    # them, so judge the nodes as they are.
    for name, pattern in REFERENCE_PATTERNS.items():
        found = [m[0] for node in doc.free_text for m in [pattern.search(node)] if m]
        assert not found, (where, name, found)
    return doc


# ---------------------------------------------------------------------------------------------
# The hostile project


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def plot_name(text: str) -> str:
    return text.replace("/", "∕")[:120] + ".png"


@pytest.fixture
def hostile(tmp_path: Path) -> GitRepo:
    """main has the base run; `feature` the head run, hostile names everywhere."""
    repo = GitRepo.init(tmp_path / "project")
    repo.write("metrics.json", (CORPUS / "metrics.base.json").read_text(encoding="utf-8"))
    repo.write(PER_CLASS, (CORPUS / "per_class.base.csv").read_text(encoding="utf-8"))
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("metrics.json", (CORPUS / "metrics.head.json").read_text(encoding="utf-8"))
    repo.write(PER_CLASS, (CORPUS / "per_class.head.csv").read_text(encoding="utf-8"))
    (repo.path / EXTRA_FILE).write_text('{"extra": 1}\n', encoding="utf-8")
    plots = repo.path / "plots"
    plots.mkdir()
    for text in HOSTILE:
        (plots / plot_name(text)).write_bytes(png())
    repo.commit("head run")
    return repo


def cli(*args: str, cwd: Path, **env: str) -> Result:
    done = run_cmlreport(*args, cwd=cwd, env=clean_env(**env))
    return Result(done.code, done.stdout, done.stderr)


def actions_env(root: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "99",
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
    }


def build_report(repo: GitRepo, *extra: str, plots: bool = True) -> Result:
    args = ["report", "-m", "metrics.json", "-m", PER_CLASS, "-m", EXTRA_FILE]
    args += ["--base", "main", "--charts", "mermaid", "--title", TITLE]
    args += ["--fail-if", f"{MENTIONS} > 1000", "--fail-on-regression", REFERENCES]
    args += ["--plot", "plots"] if plots else []
    return cli(*args, *extra, cwd=repo.path, **actions_env(repo.path))


# ---------------------------------------------------------------------------------------------
# report


def test_hostile_names_reach_the_report_as_plain_text(hostile: GitRepo) -> None:
    result = build_report(hostile)
    assert result.code == 0, result.stderr
    md = (hostile.path / "report.md").read_text(encoding="utf-8")
    doc = assert_inert(md, where="report.md")
    assert_inert((hostile.path / "summary.md").read_text(encoding="utf-8"), where="summary")

    # Structure: one title, the four sections, the notes quote, one chart, and three folds: the
    # slices' improvements, the plots after the first, and every metric (more than the headline
    # holds). Hostile text inside a summary must not open a fold of its own.
    assert doc.tags.count("h2") == 1 and doc.tags.count("h3") == 4, doc.tags
    assert doc.tags.count("details") == 3 and doc.tags.count("blockquote") == 1
    folds = re.findall(r"^<details><summary>(.*?)</summary>", md, flags=re.MULTILINE)
    assert [f.split(" ", 2)[:2] for f in folds] == [
        ["Top", "9"],
        ["18", "more:"],
        ["All", "metrics"],
    ]
    assert doc.tags.count("img") == len(HOSTILE)
    assert md.count("```mermaid") == 2  # the headline changes and the per-class histogram
    # Every table row has the cells of its header, and each name reads as written.
    assert all(len(row) in (3, 4, 5, 6) for row in doc.cells), doc.cells
    metric_cells = {row[0].replace("\u200b", "") for row in doc.cells if len(row) == 6}
    label_cells = {row[0].replace("\u200b", "") for row in doc.cells if len(row) == 5}
    for text in HOSTILE:
        assert shown(text) in metric_cells, shown(text)
    assert {shown(t) for t in HOSTILE[1::2]} <= label_cells  # the odd ones improved
    value_row = next(row for row in doc.cells if row[0] == "model.name")
    assert value_row[2].replace("\u200b", "") == shown(
        "@octocat <!-- cmlreport:value --> #4 \u202e"
    )
    gate_cells = {row[1].replace("\u200b", "") for row in doc.cells if len(row) == 3}
    assert f"{shown(MENTIONS)} > 1000" in gate_cells and REFERENCES in gate_cells
    plain = "".join(doc.free_text).replace("\u200b", "")
    assert shown(TITLE) in plain and EXTRA_FILE in plain
    assert all(shown(t) in plain for t in HOSTILE)  # the plot captions


def test_the_mermaid_chart_keeps_hostile_labels_inside_their_quotes(hostile: GitRepo) -> None:
    assert build_report(hostile).code == 0
    md = (hostile.path / "report.md").read_text(encoding="utf-8")
    block = md.split("```mermaid\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    assert [line.split()[0] for line in lines] == [
        "xychart-beta",
        "title",
        "x-axis",
        "y-axis",
        "bar",
    ]
    labels = re.fullmatch(r"    x-axis \[(.*)\]", lines[2])
    assert labels is not None
    assert len(re.findall(r'"[^"]*"', labels[1])) == len(re.findall(r"[\d.-]+", lines[4][8:]))
    assert "%%" not in block and "<" not in block and ">" not in block.replace(" --> ", "")


def test_a_report_cut_to_the_budget_names_hostile_sections_as_text(hostile: GitRepo) -> None:
    result = build_report(hostile, "--max-chars", "5000")
    assert result.code == 0, result.stderr
    md = (hostile.path / "report.md").read_text(encoding="utf-8")
    notice = next(line for line in md.splitlines() if "✂️ Cut to fit the 5,000-character" in line)
    assert "slices per\\_class @&#8203;octocat \\#&#8203;9 \\~&#8203;x" in notice, notice
    assert_inert(md, where="cut report.md")
    assert_inert((hostile.path / "report.full.md").read_text(encoding="utf-8"), where="full")


def test_diff_as_markdown_shows_hostile_names_as_text(hostile: GitRepo) -> None:
    result = cli("diff", "metrics.json", "--base", "main", "--format", "md", cwd=hostile.path)
    assert result.code == 0, result.stderr
    doc = assert_inert(result.stdout, where="diff --format md")
    assert {shown(t) for t in HOSTILE} <= {row[0].replace("\u200b", "") for row in doc.cells}
    assert all(len(row) == 6 for row in doc.cells)


# ---------------------------------------------------------------------------------------------
# send-comment: what the forges hold


def own_marker_only(body: str, marker: str) -> None:
    assert body.startswith(marker + "\n")
    assert body.lower().count("<!-- cmlreport:") == 1
    assert_inert(body[len(marker) + 1 :], where="posted body")


def test_posted_to_github_the_only_marker_is_cmlreports(
    hostile: GitRepo, github_server: FakeGitHub, run_job_root: Path
) -> None:
    assert build_report(hostile, plots=False).code == 0
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    job = Job(run_job_root, github_server)
    (job.root / "report.md").write_text(
        (hostile.path / "report.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = cli("send-comment", "report.md", cwd=job.root, **_env_of(job))
    assert result.code == 0, result.stderr
    (comment,) = comments_on_7(github_server)
    own_marker_only(comment.body, "<!-- cmlreport:train/report -->")


def test_posted_to_gitlab_the_only_marker_is_cmlreports(
    hostile: GitRepo, gitlab_server: FakeGitLab, run_job_root: Path
) -> None:
    assert build_report(hostile, plots=False).code == 0
    pipe = start_pipeline(gitlab_server, run_job_root)
    (pipe.root / "report.md").write_text(
        (hostile.path / "report.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    env = {k: v for k, v in pipe.env().items() if k.startswith(("CI_", "GITLAB_"))}
    result = cli("send-comment", "report.md", cwd=pipe.root, **env)
    assert result.code == 0, result.stderr
    assert GITLAB_TOKEN not in result.stdout + result.stderr
    (body,) = notes(gitlab_server)
    own_marker_only(body, "<!-- cmlreport:report -->")


@pytest.fixture
def run_job_root(tmp_path: Path) -> Path:
    return tmp_path / "job"


def _env_of(job: Job) -> dict[str, str]:
    return {k: v for k, v in job.env().items() if k.startswith("GITHUB_")}
