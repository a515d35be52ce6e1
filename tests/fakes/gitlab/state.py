"""What the fake GitLab holds, and the lookups and changes its routes make.

Nothing here knows about HTTP or JSON; ``bodies.py`` renders the records the way GitLab does,
``seeding.py`` has the helpers tests call to set up a story.
"""

from __future__ import annotations

from tests.fakes.gitlab.records import (
    Clock,
    Commit,
    CommitStatus,
    Issue,
    Job,
    MergeRequest,
    Note,
    Pipeline,
    Project,
    Runner,
    Token,
    Upload,
    User,
    fake_sha,
)
from tests.fakes.served import ForgeState

ProjectRef = Project | str | int


class GitLabState(ForgeState):
    """Everything the fake serves; the server serialises access with ``lock``."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.projects: dict[int, Project] = {}
        self.merge_requests: dict[tuple[int, int], MergeRequest] = {}
        self.issues: dict[tuple[int, int], Issue] = {}
        self.notes: dict[int, Note] = {}
        self.statuses: dict[int, CommitStatus] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self.uploads: dict[int, Upload] = {}
        self.runners: dict[int, Runner] = {}
        self.jobs: dict[int, Job] = {}

    # -- lookups and changes the routes (and seeding) use ---------------------------------------

    def add_user(self, username: str, *, name: str | None = None, bot: bool = False) -> User:
        with self.lock:
            if username not in self.users:
                display = name or username.replace("_", " ").replace("-", " ").title()
                self.users[username] = User(self.next_id(0), username, display, bot)
            return self.users[username]

    def project(self, ref: ProjectRef) -> Project:
        """A seeded project; a KeyError tells the test to add it first."""
        if isinstance(ref, Project):
            return ref
        found = self.find_project(str(ref))
        if found is None:
            raise KeyError(f"add_project({ref!r}) first")
        return found

    def find_project(self, ref: str) -> Project | None:
        """By numeric id or by path (GitLab matches paths case-insensitively)."""
        if ref.isdigit():
            return self.projects.get(int(ref))
        wanted = ref.lower()
        return next(
            (p for p in self.projects.values() if p.path_with_namespace.lower() == wanted), None
        )

    def merge_request(self, project: Project, iid: int) -> MergeRequest:
        try:
            return self.merge_requests[(project.id, iid)]
        except KeyError:
            where = project.path_with_namespace
            raise KeyError(f"add_merge_request({where!r}, iid={iid}) first") from None

    def commit(self, project: Project, ref: str) -> Commit | None:
        """A sha, a unique sha prefix (7+ characters) or a branch name -> the commit."""
        if ref in project.commits:
            return project.commits[ref]
        if ref in project.branches:
            return project.commits.get(project.branches[ref])
        if len(ref) >= 7:
            found = [c for sha, c in project.commits.items() if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def create_note(
        self,
        project: Project,
        noteable: MergeRequest | Issue | Commit,
        body: str,
        author: str,
        *,
        system: bool = False,
        discussion_id: str | None = None,
        individual: bool = True,
    ) -> Note:
        self.add_user(author)
        now = self.clock.now()
        ident = self.next_id(1_000_000)
        if isinstance(noteable, Commit):
            kind, noteable_id, iid, sha = "Commit", None, None, noteable.sha
        else:
            kind = "MergeRequest" if isinstance(noteable, MergeRequest) else "Issue"
            noteable_id, iid, sha = noteable.id, noteable.iid, None
        note = Note(
            id=ident,
            project_id=project.id,
            noteable_type=kind,
            noteable_id=noteable_id,
            noteable_iid=iid,
            commit_id=sha,
            body=body,
            author=author,
            system=system,
            created_at=now,
            updated_at=now,
            discussion_id=discussion_id or fake_sha("discussion", ident),
            individual=individual,
        )
        self.notes[ident] = note
        return note

    def notes_on(self, project: Project, kind: str, key: int | str) -> list[Note]:
        """The notes on one merge request/issue (``key`` = iid) or commit (``key`` = sha)."""
        return [
            n
            for n in self.notes.values()
            if n.project_id == project.id
            and n.noteable_type == kind
            and (n.commit_id if kind == "Commit" else n.noteable_iid) == key
        ]

    def pipeline_for(
        self, project: Project, sha: str, ref: str | None, pipeline_id: int | None
    ) -> Pipeline | None:
        """The pipeline a status posted on ``sha`` joins, as GitLab picks it: the one named
        (None when it is not on that commit), else the newest on the commit (and ref, when
        given), else a new ``external`` pipeline."""
        found = sorted(
            (
                p
                for p in self.pipelines.values()
                if p.project_id == project.id
                and p.sha == sha
                and (ref is None or p.ref == ref)
                and (pipeline_id is None or p.id == pipeline_id)
            ),
            key=lambda p: -p.id,
        )
        if found:
            return found[0]
        made = Pipeline(
            self.next_id(8_000), project.id, sha, ref or project.default_branch, "external"
        )
        self.pipelines[made.id] = made
        return made
