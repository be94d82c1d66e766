"""``GET /v2/sites[/{id}]``: the caller's one site (scope ``site-read``)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import SiteReader
from homecloud.apis.thingplus.errors import access_denied, not_found
from homecloud.apis.thingplus.openapi import COLLECTION, answers, operation
from homecloud.apis.thingplus.query import parse_collection
from homecloud.apis.thingplus.records import envelope, site_record
from homecloud.apis.thingplus.schemas import SiteAnswer, SiteList
from homecloud.core.parsing import parse_id
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router()

    def own_site(session: Session, user_id: int) -> dict[str, object]:
        created_at = repository.user_created_at(session, user_id)
        if created_at is None:
            raise not_found(f"user {user_id}")
        return site_record(user_id, created_at)

    @routes.get(
        "/v2/sites",
        responses=answers(200, SiteList),
        openapi_extra=operation(parameters=COLLECTION),
    )
    async def list_sites(request: Request, caller: SiteReader, work: ReadWork) -> Response:
        user_id = user_of(caller)
        query = parse_collection(request.query_params)
        site = await service.run(work, lambda session: own_site(session, user_id))
        data, meta = query.apply([site])
        return envelope(200, data, meta)

    @routes.get("/v2/sites/{site_id}", responses=answers(200, SiteAnswer))
    async def get_site(site_id: str, caller: SiteReader, work: ReadWork) -> Response:
        user_id = user_of(caller)

        def task(session: Session) -> dict[str, object]:
            if site_id != str(user_id):
                number = parse_id(site_id, name="siteId")
                other = number is not None and repository.user_exists(session, number)
                raise access_denied(f"site {site_id}") if other else not_found(f"site {site_id}")
            return own_site(session, user_id)

        return envelope(200, await service.run(work, task))

    return routes
