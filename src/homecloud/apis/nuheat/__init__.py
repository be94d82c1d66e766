"""Nuheat OpenAPI face: IdentityServer sign-in, thermostats, groups, schedules, energy log,
SignalR change notifications and the thermostats' simulation."""

from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.faces import face_from_manifest

FACE = face_from_manifest(__name__, settings=NuheatSettings)
# How its token service issues tokens (the manifest's ``[issuer]`` table).
ISSUER = FACE.issuer
