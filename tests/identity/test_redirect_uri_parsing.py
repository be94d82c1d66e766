"""A redirect URI that urlsplit cannot even split is a ClientError (every surface answers it
with 400), never a ValueError that ends in a 500."""

from __future__ import annotations

import pytest

from homecloud.identity.clients import ClientError, validate_redirect_uri


@pytest.mark.parametrize("uri", ["http://[", "https://[::1", "http://host]/cb"])
def test_an_unsplittable_uri_is_a_client_error(uri: str) -> None:
    with pytest.raises(ClientError, match="is not a URI"):
        validate_redirect_uri(uri)


def test_a_good_uri_passes() -> None:
    assert validate_redirect_uri("https://[::1]/cb") == "https://[::1]/cb"
