"""Swagger UI in a headless browser, offline: every request that leaves the live server (a
CDN, say) is refused and recorded, since it would fail on a machine without internet."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.async_api import Browser, Page, Route


@dataclass
class SwaggerPage:
    page: Page
    # What the page tried to fetch from anywhere but the live server.
    outside: list[str] = field(default_factory=list)

    async def paths(self) -> list[str]:
        """The operations' paths, once the UI has rendered them."""
        await self.page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        return await self.page.locator(".opblock-summary-path").all_inner_texts()

    async def title(self) -> str:
        return await self.page.locator(".title").first.inner_text()


async def open_swagger_ui(chromium: Browser, server_url: str, path: str) -> SwaggerPage:
    opened = SwaggerPage(await chromium.new_page())

    async def only_local(route: Route) -> None:
        if route.request.url.startswith(server_url):
            await route.continue_()
        else:
            opened.outside.append(route.request.url)
            await route.abort()

    await opened.page.route("**/*", only_local)
    await opened.page.goto(server_url + path)
    return opened
