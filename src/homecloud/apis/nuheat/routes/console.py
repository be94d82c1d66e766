"""The console's Nuheat settings page (``/nuheat/console/settings``): what the vendor's own
web site lets a person set for their account: the temperature scale and clock the Account
resource reports, and what the energy log estimates kWh and cost from.

It works on the shared browser session: a visitor who is not signed in is sent to the face's
sign-in page and comes back here. The form is protected by the sign-in pages' CSRF double
submit, and a saved change is announced to the account's SignalR subscribers (type 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homecloud.apis.nuheat import ISSUER, service
from homecloud.apis.nuheat.preferences import (
    NUMBERS,
    TEMPERATURE_SCALES,
    PreferenceError,
    preferences_of,
)
from homecloud.core.models import User
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.identity.web import (
    CSRF_FIELD,
    csrf_valid,
    current_session,
    form_page,
    page_environment,
    with_query,
)
from homecloud.services import Services

SETTINGS = "/console/settings"
SETTINGS_PATH = "/nuheat" + SETTINGS
SIGN_IN = ISSUER.issuer_path + ISSUER.provider.login
SIGN_OUT = ISSUER.issuer_path + ISSUER.provider.logout
TITLE = "Nuheat"

_pages = page_environment(Path(__file__).parent.parent / "templates")


def console_router(services: Services) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    identity, database, bus = services.identity, services.database, services.events

    @router.get(SETTINGS)
    async def settings_page(request: Request, saved: str = "") -> Response:
        signed_in = await current_session(identity, request)
        if signed_in is None:
            return RedirectResponse(with_query(SIGN_IN, ReturnUrl=SETTINGS_PATH), 302)
        values = _form_values(preferences_of(signed_in.user))
        return _settings_page(request, signed_in.user, values, saved=saved == "1")

    @router.post(SETTINGS)
    async def save_settings(request: Request) -> Response:
        signed_in = await current_session(identity, request)
        if signed_in is None:
            return RedirectResponse(with_query(SIGN_IN, ReturnUrl=SETTINGS_PATH), 303)
        form = await request.form()
        submitted = {key: str(value) for key, value in form.items()}
        if not csrf_valid(request, submitted.get(CSRF_FIELD)):
            problems = ["The form expired. Please try again."]
            return _settings_page(request, signed_in.user, submitted, problems=problems)
        try:
            async with UnitOfWork.begin(database, bus) as work:
                await service.save_preferences(work, signed_in.user.id, _changes(form))
        except PreferenceError as error:
            return _settings_page(request, signed_in.user, submitted, problems=error.problems)
        return RedirectResponse(with_query(SETTINGS_PATH, saved="1"), 303)

    return router


def _changes(form: FormData) -> dict[str, Any]:
    """The form as settings: a blank number clears it; text that is not a number stays text,
    for :func:`~homecloud.apis.nuheat.preferences.checked` to name."""
    changes: dict[str, Any] = {"temperatureScale": str(form.get("temperatureScale", ""))}
    for key in NUMBERS:
        text = str(form.get(key, "")).strip()
        try:
            changes[key] = float(text) if text else None
        except ValueError:
            changes[key] = text
    # An unticked checkbox is not sent at all.
    changes["use12Hour"] = form.get("use12Hour") == "on"
    changes["mondayIsFirstDay"] = form.get("weekStart", "Monday") == "Monday"
    return changes


def _form_values(stored: dict[str, Any]) -> dict[str, str]:
    values = {key: _number_text(stored.get(key)) for key in NUMBERS}
    values["temperatureScale"] = str(stored.get("temperatureScale", "Celsius"))
    values["use12Hour"] = "on" if stored.get("use12Hour") else ""
    values["weekStart"] = "Monday" if stored.get("mondayIsFirstDay", True) else "Sunday"
    return values


def _number_text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _settings_page(
    request: Request,
    user: User,
    values: dict[str, str],
    *,
    saved: bool = False,
    problems: list[str] | None = None,
) -> Response:
    return form_page(
        request,
        "settings.html",
        400 if problems else 200,
        environment=_pages,
        title=TITLE,
        user=user,
        values=values,
        numbers=NUMBERS,
        scales=TEMPERATURE_SCALES,
        saved=saved,
        problems=problems or [],
        sign_out=SIGN_OUT,
    )
