"""Authlib's request objects, wrapped for Starlette requests and for faces that adjust a
token request before the exchange."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from starlette.datastructures import Headers

# homecloud runs on home networks and behind TLS-terminating proxies; the transport is the
# operator's choice, so Authlib must not refuse plain-http request URLs.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


class PreparedPayload(OAuth2Payload):
    def __init__(self, datalist: Mapping[str, Sequence[str]]) -> None:
        self._datalist = {key: list(values) for key, values in datalist.items()}
        self._data = {key: values[0] for key, values in self._datalist.items() if values}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class PreparedRequest(OAuth2Request):
    """An OAuth2Request made from a Starlette request whose body was read beforehand."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Mapping[str, Sequence[str]],
        body: Mapping[str, Sequence[str]],
    ) -> None:
        # Authlib reads "Authorization" with its capital; HTTP header names are case-insensitive.
        super().__init__(method=method, uri=uri, headers=Headers(headers=dict(headers)))
        merged: dict[str, list[str]] = {key: list(values) for key, values in query.items()}
        for key, values in body.items():
            merged.setdefault(key, []).extend(values)
        self.payload = PreparedPayload(merged)
        self._query = {key: values[0] for key, values in query.items() if values}
        self._form = {key: values[0] for key, values in body.items() if values}

    def alias(self, vendor_name: str, oauth_name: str) -> None:
        """Treat a vendor's parameter name as the OAuth one, unless both were sent."""
        data = self.payload.datalist
        if vendor_name in data and oauth_name not in data:
            self.payload = PreparedPayload({**data, oauth_name: data[vendor_name]})
            if vendor_name in self._form:
                self._form[oauth_name] = self._form[vendor_name]

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form
