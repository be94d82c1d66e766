"""The API's query options, as the vendor's documentation describes them:

- ``fields=a,b``: only these fields of each entity;
- ``field=value``: only the entities whose field has the value (collections only);
- ``sort=-created,name``: order by fields, ``-`` for descending, ascending by default;
- ``limit=N``: at most N entities per page (1 to 30, 30 by default);
- ``page=N``: which page, from 1.

All of them combine. Every field named must be a field of the resource's entity, or the
request is refused (400): ``/v1/controllers?foo=bar`` is an error, as the vendor says.

A :class:`Query` is parsed once, against the resource's :class:`Field` table, and then
either applied in Python to a small collection (:func:`apply`) or turned into SQL by the
repository for a large one (the controllers), with the same meaning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from homecloud.core.errors import ApiError
from homecloud.core.parsing import MAX_ID, NumberError, parse_decimal, parse_int

FieldKind = Literal["int", "number", "text", "bool", "datetime", "object"]

PAGE_SIZE = 30
MAX_PAGE = 10_000_000
RESERVED = ("page", "limit", "sort", "fields")
_VENDOR_DATETIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class Field:
    """A field of a resource's entity; ``column`` is its SQL expression where the collection
    is read with SQL (a fixed, known expression: never text from a request)."""

    name: str
    kind: FieldKind
    column: str | None = None


def fields_of(*fields: Field) -> dict[str, Field]:
    return {item.name: item for item in fields}


@dataclass(frozen=True, slots=True)
class Filter:
    field: Field
    # The typed value (None: the field is null); for datetimes the second's start in ms.
    value: Any
    text: str

    def matches(self, item: Mapping[str, Any]) -> bool:
        if self.field.kind == "datetime":
            return item.get(self.field.name) == (self.text if self.value is not None else None)
        actual = item.get(self.field.name)
        if self.value is None or actual is None:
            return actual is None and self.value is None
        return bool(actual == self.value)


@dataclass(frozen=True, slots=True)
class SortKey:
    field: Field
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    fields: tuple[str, ...] | None = None
    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = PAGE_SIZE
    page: int = 1
    # The options as sent, other than ``page``: kept in the paging links.
    options: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def select(self, entity: Any) -> Any:
        """The entity with only the fields asked for (its ``_links`` always stay)."""
        if self.fields is None:
            return entity
        kept = {name: entity[name] for name in self.fields if name in entity}
        if "_links" in entity:
            kept["_links"] = entity["_links"]
        return kept


def bad_option(detail: str) -> ApiError:
    return ApiError.of(400, detail)


def _field(fields: Mapping[str, Field], name: str, resource: str) -> Field:
    found = fields.get(name)
    if found is None:
        raise bad_option(f'"{name}" is not a valid field of the {resource} resource.')
    return found


def _typed(item: Field, text: str) -> Any:
    if text == "null":
        return None
    if item.kind == "int":
        try:
            return parse_int(text, name=item.name, minimum=-MAX_ID, maximum=MAX_ID)
        except NumberError as error:
            raise bad_option(str(error)) from None
    if item.kind == "number":
        number = parse_decimal(text)
        if number is None:
            raise bad_option(f"{item.name} must be a number.")
        return number
    if item.kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad_option(f"{item.name} must be true, false, 1 or 0.")
        return lowered in ("true", "1")
    if item.kind == "datetime":
        try:
            moment = datetime.strptime(text, _VENDOR_DATETIME).replace(tzinfo=UTC)
        except ValueError:
            raise bad_option(f"{item.name} must be written as YYYY-MM-DD HH:MM:SS.") from None
        return int(moment.timestamp()) * 1000
    return text


def parse_query(
    params: Sequence[tuple[str, str]],
    fields: Mapping[str, Field],
    *,
    resource: str,
    collection: bool = True,
) -> Query:
    """The query options of a request to a resource with these ``fields``; 400 for any option
    naming a field the resource does not have, or with a value it cannot take."""
    chosen: tuple[str, ...] | None = None
    filters: list[Filter] = []
    sort: list[SortKey] = []
    limit, page = PAGE_SIZE, 1
    options: list[tuple[str, str]] = []
    for name, value in params:
        if name != "page":
            options.append((name, value))
        if name == "fields":
            names = tuple(part.strip() for part in value.split(",") if part.strip())
            if not names:
                raise bad_option("fields must name at least one field.")
            chosen = tuple(_field(fields, part, resource).name for part in names)
        elif not collection:
            # Filters, sorting and paging are for collections; an entity takes only fields.
            if name in RESERVED or name not in fields:
                raise bad_option(f'"{name}" is not an option of a single {resource}.')
        elif name == "page":
            page = _number(name, value, MAX_PAGE)
        elif name == "limit":
            limit = _number(name, value, PAGE_SIZE)
        elif name == "sort":
            for part in (part.strip() for part in value.split(",")):
                if not part:
                    raise bad_option("sort must name fields, e.g. sort=-created.")
                descending = part.startswith("-")
                item = _field(fields, part.lstrip("-+"), resource)
                if item.kind == "object":
                    raise bad_option(f"{item.name} cannot be sorted by.")
                sort.append(SortKey(item, descending))
        else:
            item = _field(fields, name, resource)
            if item.kind == "object":
                raise bad_option(f"{item.name} cannot be filtered by.")
            filters.append(Filter(item, _typed(item, value), value))
    return Query(chosen, tuple(filters), tuple(sort), limit, page, tuple(options))


def _number(name: str, text: str, maximum: int) -> int:
    try:
        return parse_int(text, name=name, minimum=1, maximum=maximum)
    except NumberError as error:
        raise bad_option(str(error)) from None


def apply(query: Query, items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The page of ``items`` the query asks for, and how many items match in all."""
    matching = [item for item in items if all(f.matches(item) for f in query.filters)]
    for key in reversed(query.sort):
        name = key.field.name
        # Nulls first going up (as SQL's NULLS FIRST), last going down.
        matching.sort(
            key=lambda item: (
                (item.get(name) is not None, item.get(name) or 0)
                if key.field.kind in ("int", "number", "bool")
                else (item.get(name) is not None, str(item.get(name) or ""))
            ),
            reverse=key.descending,
        )
    page = matching[query.offset : query.offset + query.limit]
    return page, len(matching)


def page_links(path: str, query: Query, total: int) -> dict[str, Any]:
    """``_links`` of a collection page: self, first, last, and prev/next where they exist."""

    given = f"{path}?{urlencode(query.options)}&" if query.options else f"{path}?"

    def href(page: int | None) -> str:
        if page is None:
            return given[:-1]
        return f"{given}page={page}"

    last = max(1, math.ceil(total / query.limit))
    links: dict[str, Any] = {
        "self": {"href": href(query.page if query.page != 1 else None)},
        "first": {"href": href(1)},
        "last": {"href": href(last)},
    }
    if 1 < query.page <= last + 1:
        links["prev"] = {"href": href(min(query.page - 1, last))}
    if query.page < last:
        links["next"] = {"href": href(query.page + 1)}
    return links
