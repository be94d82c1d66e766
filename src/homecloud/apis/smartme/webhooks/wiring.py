"""How the smart-me face starts the realtime webhooks: the registration rules' needs and the
delivery worker as the face's background work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks.receivers import AddressPolicy
from homecloud.apis.smartme.webhooks.registrations import Realtime
from homecloud.apis.smartme.webhooks.secrets import SecretBox, key_from_file, parse_key
from homecloud.apis.smartme.webhooks.worker import DeliveryWorker
from homecloud.services import Services
from homecloud.settings import Settings


def secret_box(settings: Settings) -> SecretBox:
    """The box sealing receivers' passwords: the configured key, else the data directory's."""
    configured = settings.face_settings(SmartMeSettings).webhook_secret_key
    if configured is not None:
        return SecretBox(parse_key(configured.get_secret_value()))
    return SecretBox(key_from_file(settings.data_dir))


def realtime_of(services: Services) -> Realtime:
    face = services.settings.face_settings(SmartMeSettings)
    return Realtime(
        settings=face,
        policy=AddressPolicy(allow_private=face.webhook_allow_private),
        secrets=secret_box(services.settings),
    )


def delivery_background(
    services: Services, realtime: Realtime
) -> tuple[Callable[[], Awaitable[None]], ...]:
    """The delivery worker, unless this process was told to leave delivery to others."""
    if not realtime.settings.webhook_delivery:
        return ()
    worker = DeliveryWorker(
        services.database,
        services.events,
        realtime.settings,
        realtime.secrets,
        policy=realtime.policy,
    )
    return (worker.run,)
