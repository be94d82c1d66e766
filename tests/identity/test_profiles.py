from __future__ import annotations

import pytest

from homecloud.apis import ISSUERS


@pytest.mark.parametrize("face", sorted(ISSUERS))
def test_every_scope_is_described_in_words(face: str) -> None:
    """The consent page tells a person what each scope allows, not only its id."""
    profile = ISSUERS[face]
    assert set(profile.scopes) == set(profile.scopes_supported)
    for scope in profile.scopes_supported:
        description = profile.describe(scope)
        assert description != scope
        assert description[0].isupper()
    assert profile.describe("no-such-scope") == "no-such-scope"
