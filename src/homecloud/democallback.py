"""The demo clients' redirect page, ``/demo/callback/<face>``: it shows the authorization code
that the face's sign-in sent back and the ready-made token request to make with it, so that a
newcomer can follow a code flow with nothing listening on their own machine.

The page only echoes what the browser brought (escaped) and never exchanges the code itself:
the demo client's secret is stored hashed, so the command names it as ``$CLIENT_SECRET``, the
secret ``homecloud serve --demo`` printed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from homecloud.demo import callback_uri
from homecloud.faces import Face, demo_client_id
from homecloud.identity.web import page_environment

templates = page_environment(Path(__file__).parent / "templates")

# The page shows a code: keep it out of caches and of other sites' Referer headers.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def demo_callback_page(
    base_url: str, faces: list[Face]
) -> Callable[[Request], Awaitable[Response]]:
    """The page's endpoint for the mounted ``faces``."""
    by_name = {face.name: face for face in faces}

    async def page(request: Request) -> Response:
        face = by_name.get(request.path_params["face"])
        if face is None:
            return HTMLResponse(
                templates.get_template("demo_callback.html").render(
                    title="demo", face=None, known=sorted(by_name)
                ),
                status_code=404,
                headers=HEADERS,
            )
        query = request.query_params
        code = query.get("code", "")
        client_id = demo_client_id(face.name)
        redirect_uri = callback_uri(base_url, face.name)
        command = face.try_it.code_exchange(base_url, client_id, code, redirect_uri) if code else ""
        html = templates.get_template("demo_callback.html").render(
            title=face.title,
            face=face,
            client_id=client_id,
            code=code,
            command=command,
            error=query.get("error", ""),
            error_description=query.get("error_description", ""),
            minutes=face.issuer.code_lifetime // 60,
            start=face.try_it.authorize_url(base_url, client_id, redirect_uri),
        )
        status = 200 if code else 400
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    return page
