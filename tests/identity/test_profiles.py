from __future__ import annotations

import pytest
from pydantic import ValidationError

from homecloud.apis import FACES, ISSUERS
from homecloud.faces import Face
from homecloud.identity.profiles import IssuerProfile


@pytest.mark.parametrize("face", sorted(ISSUERS))
def test_every_scope_is_described_in_words(face: str) -> None:
    """The consent page tells a person what each scope allows, not only its id."""
    profile = ISSUERS[face]
    # What a client gets by default is made of scopes the issuer knows and describes.
    assert set(profile.default_client_scope.split()) <= set(profile.scopes)
    for scope in profile.scopes_supported:
        description = profile.describe(scope)
        assert description != scope
        assert description[0].isupper()
    assert profile.describe("no-such-scope") == "no-such-scope"


ENDPOINTS = {
    name: f"/{name}"
    for name in (
        "authorize",
        "token",
        "userinfo",
        "jwks",
        "revocation",
        "introspection",
        "end_session",
        "login",
        "consent",
        "logout",
    )
}


def _table(**changes: object) -> dict[str, object]:
    table: dict[str, object] = {
        "title": "Probe",
        "issuer_path": "/probe",
        "token_format": "opaque",
        "access_token_lifetime": 3600,
        "scopes": {"read": "See your things"},
        "default_client_scope": "read",
    }
    return {key: value for key, value in {**table, **changes}.items() if value is not None}


@pytest.mark.parametrize(
    "table",
    [
        _table(colour="red"),  # a key the profile does not have (a typo of a real one)
        _table(token_format="paseto"),
        _table(access_token_lifetime="an hour"),
        _table(scopes=["read"]),  # scopes without their words
        _table(title=None),  # a required key left out
        _table(endpoints={"token": "/token"}),  # a provider without its other endpoints
        _table(endpoints={**ENDPOINTS, "tokens": "/token"}),  # an endpoint it does not serve
    ],
)
def test_a_manifest_issuer_table_that_is_not_one_is_refused(table: dict[str, object]) -> None:
    """A face's ``[issuer]`` table is checked when the face is read, naming what is wrong,
    not taken as it comes."""
    with pytest.raises(ValidationError, match="IssuerProfile"):
        IssuerProfile.read("probe", table)
    assert IssuerProfile.read("probe", _table()).scopes_supported == ("read",)
    assert IssuerProfile.read("probe", _table(endpoints=ENDPOINTS)).provider.token == "/token"


def test_an_issuer_without_endpoints_serves_no_provider() -> None:
    with pytest.raises(ValueError, match=r"probe issuer has no \[issuer.endpoints\]"):
        _ = IssuerProfile.read("probe", _table()).provider


@pytest.mark.parametrize("face", [face for face in FACES if face.issuer.endpoints is not None])
def test_the_try_it_urls_are_the_providers_own(face: Face) -> None:
    """The banner's token and authorize URLs of a face with an OpenID Connect provider are
    where that provider serves them."""
    provider = face.issuer.provider
    assert face.try_it.token == face.issuer.issuer_path + provider.token
    assert face.try_it.authorize == face.issuer.issuer_path + provider.authorize
