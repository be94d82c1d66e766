"""The collection parameters of the vendor's list endpoints (node ``qs`` bracket syntax):
``count`` (at most 4000), ``page`` (from 0), ``orderBy``, ``orderDir`` (asc|desc), ``fields``
(repeatable; ``id`` always comes along), ``filter[<field>]`` (different fields AND, a repeated
field OR) and ``embed`` (repeatable or comma-separated). A list answered with any of them
carries ``_meta {count, page, total}``.

Filtering and ordering compare the records as the client reads them (numbers are strings
there), with digit strings ordered as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.datastructures import QueryParams

from homecloud.apis.thingplus.errors import number_error, schema_error
from homecloud.core.parsing import MAX_ID, NumberError, is_integer_text, parse_int

MAX_COUNT: Final = 4000
FILTER_KEY: Final = re.compile(r"^filter\[([^\]]+)\](?:\[\])?$")
COLLECTION_KEYS: Final = frozenset({"count", "page", "orderBy", "orderDir", "fields", "embed"})


@dataclass(frozen=True)
class CollectionQuery:
    count: int = MAX_COUNT
    page: int = 0
    order_by: str | None = None
    descending: bool = False
    fields: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    embed: frozenset[str] = frozenset()
    # Whether the client used any collection parameter (then the answer carries _meta).
    used: bool = False

    def apply(self, records: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
        """The page of ``records`` the query selects, and the ``_meta`` to send (or None)."""
        selected = [record for record in records if self._matches(record)]
        if self.order_by is not None:
            key = self.order_by
            selected.sort(key=lambda record: _order_key(record.get(key)), reverse=self.descending)
        total = len(selected)
        start = self.page * self.count
        page = [self._project(record) for record in selected[start : start + self.count]]
        meta = {"count": len(page), "page": self.page, "total": total} if self.used else None
        return page, meta

    def _matches(self, record: dict[str, Any]) -> bool:
        for name, wanted in self.filters.items():
            value = record.get(name)
            if isinstance(value, list):
                if not any(str(item) in wanted for item in value):
                    return False
            elif value is None or _text(value) not in wanted:
                return False
        return True

    def project(self, record: dict[str, Any]) -> dict[str, Any]:
        """One object, with the fields asked for."""
        return self._project(record)

    def _project(self, record: dict[str, Any]) -> dict[str, Any]:
        if not self.fields:
            return record
        wanted = {*self.fields, "id"}
        return {key: value for key, value in record.items() if key in wanted}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _order_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    text = _text(value)
    if is_integer_text(text):
        return (1, int(text))
    return (2, text)


def parse_collection(
    params: QueryParams, embeddable: Collection[str] = (), nested: Collection[str] = ()
) -> CollectionQuery:
    """The collection parameters of ``params``; a malformed one is 400 SCHEMA_VALIDATE.

    ``nested`` names the embeds whose own options (``series[dataStart]=...``) the endpoint
    reads; options nested under any other embed (``sensors[series][...]`` on a gateway) are
    refused rather than silently ignored.
    """
    filters: dict[str, tuple[str, ...]] = {}
    used = False
    for key in params:
        owner = key.partition("[")[0]
        if owner != key and owner in embeddable and owner not in nested:
            raise schema_error(
                f"should NOT have additional properties: options nested under {owner} are "
                f"not supported here; read the {owner} themselves with their own options",
                "additionalProperties",
                "",
                additionalProperty=key,
            )
        match = FILTER_KEY.match(key)
        if match:
            filters[match.group(1)] = tuple(params.getlist(key))
            used = True
        elif key.removesuffix("[]") in COLLECTION_KEYS:
            used = True
    embed = frozenset(_listed(params, "embed"))
    for name in embed:
        if name not in embeddable:
            raise schema_error(
                "should be equal to one of the allowed values",
                "enum",
                ".embed",
                allowedValues=sorted(embeddable),
            )
    order_dir = params.get("orderDir", "asc")
    if order_dir not in ("asc", "desc"):
        raise schema_error(
            "should be equal to one of the allowed values",
            "enum",
            ".orderDir",
            allowedValues=["asc", "desc"],
        )
    return CollectionQuery(
        count=integer_param(params, "count", MAX_COUNT, 1, MAX_COUNT),
        page=integer_param(params, "page", 0, 0, MAX_ID),
        order_by=params.get("orderBy") or None,
        descending=order_dir == "desc",
        fields=tuple(_listed(params, "fields")),
        filters=filters,
        embed=embed,
        used=used,
    )


# What only a list takes: a read of one object refuses them rather than ignore them (or
# answer a filtered-out object as nothing).
LIST_ONLY_KEYS: Final = frozenset({"count", "page", "orderBy", "orderDir"})


def parse_single(
    params: QueryParams, embeddable: Collection[str] = (), nested: Collection[str] = ()
) -> CollectionQuery:
    """The parameters of a read of one object: ``fields`` and ``embed`` (and the options of
    the ``nested`` embeds); the list parameters are 400."""
    for key in params:
        if key.removesuffix("[]") in LIST_ONLY_KEYS or FILTER_KEY.match(key):
            raise schema_error(
                f"should NOT have additional properties: {key} is for lists, not one object",
                "additionalProperties",
                "",
                additionalProperty=key,
            )
    return parse_collection(params, embeddable, nested)


def _listed(params: QueryParams, name: str) -> list[str]:
    values = [*params.getlist(name), *params.getlist(f"{name}[]")]
    return [part for value in values for part in value.split(",") if part]


def integer_param(
    params: QueryParams, name: str, default: int, minimum: int, maximum: int | None
) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return parse_int(raw, name=name, minimum=minimum, maximum=maximum)
    except NumberError as error:
        raise number_error(error, f".{name}") from None
