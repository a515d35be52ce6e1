"""Token shapes are masked even where no secret was registered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cmlreport import redact


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_every_token_shape_starts_with_a_prefix_mask_looks_for_first(data: st.DataObject) -> None:
    # mask() runs its regex only when a prefix is in the text: a shape without one would leak.
    for shape in redact._TOKEN_SHAPES:
        token = data.draw(st.from_regex(shape.removeprefix(r"\b"), fullmatch=True))
        assert redact.mask(f"x {token} y") == f"x {redact.MASK} y"
