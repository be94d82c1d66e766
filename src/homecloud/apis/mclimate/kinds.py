"""The device types this face serves, by the vendor's ``type`` name."""

from __future__ import annotations

from homecloud.apis.mclimate.bobbie import Bobbie
from homecloud.apis.mclimate.device_types import DeviceType
from homecloud.apis.mclimate.melissa import Melissa
from homecloud.apis.mclimate.smart_plug import SmartPlug
from homecloud.apis.mclimate.vicki import Vicki

KINDS: dict[str, DeviceType] = {
    kind.name: kind for kind in (Melissa(), Bobbie(), SmartPlug(), Vicki())
}
