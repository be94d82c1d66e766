"""``GET /api/Health``: 200 while the service answers (smart-me's probe for Kubernetes); no
credentials needed."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import PlainTextResponse

from homecloud.core.unit_of_work import units_router


def router() -> APIRouter:
    routes = units_router(tags=["Health"])

    @routes.get(
        "/api/health",
        summary="Liveness probe",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
        openapi_extra={"security": []},
    )
    async def health() -> PlainTextResponse:
        return PlainTextResponse("Healthy")

    return routes
