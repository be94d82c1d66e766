"""Connection tokens are checked without shared state, so any process may accept the connect."""

from __future__ import annotations

import pytest

from homecloud.realtime.signalr.connection_tokens import (
    ConnectionRefused,
    ConnectionTokens,
    connection_id_of,
)


def refusal(tokens: ConnectionTokens, token: str, owner_id: int) -> int:
    with pytest.raises(ConnectionRefused) as refused:
        tokens.claim(token, owner_id)
    return refused.value.status


def test_a_token_negotiated_in_one_process_connects_in_another() -> None:
    negotiating, connecting = ConnectionTokens(), ConnectionTokens()
    token = negotiating.issue(1)
    connecting.claim(token, 1)
    assert refusal(connecting, token, 1) == 409  # in use here
    connecting.release(token)
    assert refusal(connecting, token, 1) == 404  # finished here


def test_tokens_belong_to_their_user_and_expire() -> None:
    tokens = ConnectionTokens()
    token = tokens.issue(1)
    assert refusal(tokens, token, 2) == 404
    body, digest = token.split(".")
    assert refusal(tokens, f"{body}.{digest[::-1]}", 1) == 404
    assert refusal(tokens, "no-dot-at-all", 1) == 404
    assert refusal(tokens, "!!.??", 1) == 404
    assert refusal(ConnectionTokens(ttl=0), token, 1) == 404


def test_connection_ids_are_public_names_of_tokens() -> None:
    tokens = ConnectionTokens()
    first, second = tokens.issue(1), tokens.issue(1)
    assert first != second
    assert connection_id_of(first) == connection_id_of(first)
    assert connection_id_of(first) not in (first, connection_id_of(second))
