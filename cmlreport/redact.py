"""Keep secrets out of every byte cmlreport prints or writes.

A secret is registered once, where cmlreport reads or receives it: a forge token from the
environment, a runner's JIT config or registration token from the forge, cloud credentials.
``mask`` replaces each registered value, and the encodings in which it travels inside other
text (base64 at any byte offset, as in ``base64(user:token)`` headers; URL and JSON escaping),
with ``***``. The output layer (``cmlreport.output``) passes every line and file through it.

Nothing here asks the Actions runner to mask anything (``::add-mask::``): the runner already
masks what it passed in (secrets, ``GITHUB_TOKEN``), and an add-mask line is itself the secret
in clear wherever stdout is captured (``> file``, ``$(...)``, ``| tee``).

Pure: no I/O, no environment.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote, quote_plus

MIN_LENGTH = 6  # masking "a" in every message would mangle it and protect nothing
MIN_FRAGMENT = 8  # a shorter base64 fragment would match ordinary words
MIN_GUESSED = 12  # for values registered only because of their variable's name
MASK = "***"

# Tokens recognised by their shape, registered or not (a credential in a git remote that a
# fetch error quotes, a token pasted into a metrics file): GitHub's and GitLab's prefixes.
_TOKEN_SHAPES = (
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",
    r"\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"\bgl(?:pat|rt|dt|cbt|ptt|ft|imt|agent|oas|soat|wt)-[A-Za-z0-9_-]{16,}",
)
# The user-info part of an http(s) URL (https://x-access-token:TOKEN@github.com/o/r).
_URL_CREDENTIALS = re.compile(r"(?i)(\bhttps?://)[^/\s@]+@")

# Names of environment variables whose values are secrets wherever they come from.
_SECRET_ENV = re.compile(
    r"(?i)(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|API_KEY|JITCONFIG)$"
    r"|^(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN)$"
)
# ... except these, which name files or switches rather than hold a secret.
_NOT_SECRET_ENV = frozenset({"AWS_WEB_IDENTITY_TOKEN_FILE", "CMLREPORT_TOKEN_ENV"})


class Secret:
    """A secret value that cannot be printed by accident: ``str``, ``repr`` and f-strings
    show ``***``; ``reveal()`` is the one way to the value, at the place that sends it.

    Making one registers it, so the value is masked from the moment cmlreport holds it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __copy__(self) -> Secret:
        return self  # immutable; and copying must not go through __reduce__ below

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling (multiprocessing, caches) would carry the value out in clear.
        raise TypeError("a Secret cannot be pickled")


_SECRETS: set[str] = set()


def register(secret: str | Secret | None, *, min_length: int = MIN_LENGTH) -> None:
    """Mask ``secret`` (and each of its lines, as the Actions runner does) from now on."""
    value = secret.reveal() if isinstance(secret, Secret) else secret
    if not value:
        return
    parts = [value.strip(), *re.split(r"[\r\n]+", value)]
    added = False
    for part in parts:
        part = part.strip()
        if len(part) >= max(min_length, MIN_LENGTH) and part not in _SECRETS:
            _SECRETS.add(part)
            added = True
    if added:
        _pattern.cache_clear()
        _forms.cache_clear()


def register_environment(env: Mapping[str, str], extra_names: Iterable[str] = ()) -> None:
    """Every value of a variable named like a secret, and of ``extra_names`` (--token-env)."""
    names = set(extra_names)
    for name, value in env.items():
        if name in names:
            register(value)
        elif _SECRET_ENV.search(name) and name not in _NOT_SECRET_ENV:
            # Guessed from the name only: a short value ("enabled") is more likely a word
            # than a credential, and masking it would garble every message holding the word.
            register(value, min_length=MIN_GUESSED)


def register_url_credentials(url: str | None) -> None:
    """The password or token inside a remote URL's user-info (``https://user:TOKEN@host``)."""
    if not url:
        return
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return
    for value in (parts.password, parts.username if parts.password is None else None):
        if value and parts.scheme in ("http", "https"):
            register(unquote(value))


def encodings(secret: str) -> set[str]:
    """The forms ``secret`` takes inside other text, each long enough to match safely."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe="")}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    raw = secret.encode("utf-8")
    for offset in range(3):
        fragment = _base64_fragment(raw, offset)
        if len(fragment) >= MIN_FRAGMENT:
            forms.add(fragment)
            forms.add(fragment.translate(str.maketrans("+/", "-_")))
    return {f for f in forms if len(f) >= MIN_LENGTH}


def _base64_fragment(raw: bytes, offset: int) -> str:
    """The base64 characters that depend on ``raw`` alone when it follows ``offset`` bytes
    (mod 3) of other data: whatever surrounds it, those characters are the same."""
    encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
    first_bit, end_bit = 8 * offset, 8 * (offset + len(raw))
    start = -(-first_bit // 6)  # the first character that starts inside the secret
    end = end_bit // 6  # one past the last character that ends inside it
    return encoded[start:end]


@lru_cache(maxsize=1)
def _forms() -> tuple[str, ...]:
    """Every form of every registered secret (see ``encodings``)."""
    return tuple({form for secret in _SECRETS for form in encodings(secret)})


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    forms = _forms()
    # Longest first, so a secret that contains another is masked whole.
    literal = [re.escape(f) for f in sorted(forms, key=len, reverse=True)]
    return re.compile("|".join([*literal, *_TOKEN_SHAPES]))


# Where a token shape can start (each shape without its ``\b``): one search with a literal
# first character, fifteen times faster over a 4 MB diff than the shapes' alternation.
_TOKEN_START = re.compile(
    r"g(?:h[pousr]_|ithub_pat_|l(?:pat|rt|dt|cbt|ptt|ft|imt|agent|oas|soat|wt)-)"
)


def mask(text: str) -> str:
    # The whole pattern only where it can match: a registered secret's form or a token's start.
    if _TOKEN_START.search(text) or any(form in text for form in _forms()):
        text = _pattern().sub(MASK, text)
    if "@" in text:
        text = _URL_CREDENTIALS.sub(rf"\g<1>{MASK}@", text)
    return text
