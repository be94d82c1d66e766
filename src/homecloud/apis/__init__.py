"""One package per vendor API, and the one list of them.

Adding a face touches its own package and the one line below; everything else (the app, the
CLI, the demo, the schema, the settings and the banner) iterates :data:`FACES`.
"""

from __future__ import annotations

from homecloud.apis import ckw, mclimate, nuheat, smartme, thingplus
from homecloud.faces import Face
from homecloud.identity.profiles import IssuerProfile

# In the order of the README's table.
FACES: tuple[Face, ...] = (nuheat.FACE, mclimate.FACE, thingplus.FACE, ckw.FACE, smartme.FACE)
# Each face's token service, by face name.
ISSUERS: dict[str, IssuerProfile] = {face.name: face.issuer for face in FACES}
