"""Git objects as git itself hashes them, so shas from the fake match ``git hash-object``.

Content addressing is what the assets-branch feature relies on (the same image twice is the same
blob), so the fake computes real object ids: sha1 of ``<type> <size>\\0<payload>``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

# API mode -> the mode git writes in a tree object (no leading zero for directories).
TREE_MODES = {
    "100644": "100644",
    "100755": "100755",
    "120000": "120000",
    "040000": "40000",
    "160000": "160000",
}
TYPE_OF_MODE = {
    "100644": "blob",
    "100755": "blob",
    "120000": "blob",
    "040000": "tree",
    "160000": "commit",
}


@dataclass(frozen=True)
class Blob:
    content: bytes

    kind = "blob"

    def payload(self) -> bytes:
        return self.content


@dataclass(frozen=True)
class TreeEntry:
    name: str
    mode: str  # as the API spells it: "100644", "040000"...
    sha: str

    @property
    def type(self) -> str:
        return TYPE_OF_MODE[self.mode]


@dataclass(frozen=True)
class Tree:
    entries: tuple[TreeEntry, ...]

    kind = "tree"

    def payload(self) -> bytes:
        out = b""
        for entry in sorted(self.entries, key=_git_tree_order):
            out += f"{TREE_MODES[entry.mode]} {entry.name}".encode() + b"\0"
            out += bytes.fromhex(entry.sha)
        return out


@dataclass(frozen=True)
class Signature:
    name: str
    email: str
    date: datetime  # timezone-aware

    def git_line(self) -> str:
        offset = self.date.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, mins = divmod(abs(minutes), 60)
        when = f"{int(self.date.timestamp())} {sign}{hours:02d}{mins:02d}"
        return f"{self.name} <{self.email}> {when}"


@dataclass(frozen=True)
class Commit:
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str

    kind = "commit"

    def payload(self) -> bytes:
        lines = [f"tree {self.tree}"]
        lines += [f"parent {p}" for p in self.parents]
        lines += [f"author {self.author.git_line()}", f"committer {self.committer.git_line()}"]
        # The message is stored as given: GitHub adds no trailing newline.
        return ("\n".join(lines) + "\n\n" + self.message).encode()


GitObject = Blob | Tree | Commit
_Dir = dict[str, "TreeEntry | _Dir"]


def object_sha(obj: GitObject) -> str:
    payload = obj.payload()
    return hashlib.sha1(f"{obj.kind} {len(payload)}".encode() + b"\0" + payload).hexdigest()


def _git_tree_order(entry: TreeEntry) -> bytes:
    # git sorts a directory as if its name ended with "/".
    suffix = "/" if entry.mode == "040000" else ""
    return (entry.name + suffix).encode()


@dataclass(frozen=True)
class TreeEdit:
    """One element of a create-tree request, already checked: ``sha=None`` deletes the path."""

    path: str
    mode: str
    sha: str | None


class ObjectStore:
    """One repository's objects by sha."""

    def __init__(self) -> None:
        self.objects: dict[str, GitObject] = {}

    def put(self, obj: GitObject) -> str:
        sha = object_sha(obj)
        self.objects[sha] = obj
        return sha

    def get(self, sha: str) -> GitObject | None:
        return self.objects.get(sha)

    def write_tree(self, edits: list[TreeEdit], base: Tree | None) -> str:
        """Apply ``edits`` (paths may be nested, ``a/b/c.png``) on ``base``; the new root's sha."""
        root: _Dir = self._expand(base) if base is not None else {}
        for edit in edits:
            *dirs, name = edit.path.split("/")
            node = root
            for part in dirs:
                child = node.get(part)
                if isinstance(child, TreeEntry):
                    child = self._expand(self._subtree(child))
                elif child is None:
                    child = {}
                node[part] = child
                node = child
            if edit.sha is None:
                node.pop(name, None)
            else:
                node[name] = TreeEntry(name=name, mode=edit.mode, sha=edit.sha)
        return self._collapse(root)

    def _subtree(self, entry: TreeEntry) -> Tree:
        tree = self.objects.get(entry.sha)
        if not isinstance(tree, Tree):
            raise KeyError(f"{entry.name} is not a directory")
        return tree

    @staticmethod
    def _expand(tree: Tree) -> _Dir:
        # Subtrees stay as entries (their sha is reused as is) until an edit goes into them.
        return {entry.name: entry for entry in tree.entries}

    def _collapse(self, node: _Dir) -> str:
        entries = []
        for name, child in node.items():
            if isinstance(child, TreeEntry):
                entries.append(child)
            elif child:  # git has no empty directories
                entries.append(TreeEntry(name=name, mode="040000", sha=self._collapse(child)))
        return self.put(Tree(tuple(entries)))

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        seen: set[str] = set()
        pending = [descendant]
        while pending:
            sha = pending.pop()
            if sha == ancestor:
                return True
            if sha in seen:
                continue
            seen.add(sha)
            obj = self.objects.get(sha)
            if isinstance(obj, Commit):
                pending.extend(obj.parents)
        return False
