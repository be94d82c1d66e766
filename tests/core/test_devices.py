"""The registry cannot hand one owner another owner's device."""

from __future__ import annotations

import pytest

from homecloud.core.database import Database
from homecloud.core.devices import DeviceError, DeviceRegistry, owner_of
from homecloud.core.users import create_user


async def two_owners(database: Database) -> tuple[int, int]:
    async with database.session(write=True) as session:
        ann = await create_user(session, "ann@example.com", "password-1")
        bob = await create_user(session, "bob@example.com", "password-2")
        return ann.id, bob.id


async def test_owner_sees_only_own_devices(database: Database) -> None:
    ann, bob = await two_owners(database)
    async with database.session(write=True) as session:
        await DeviceRegistry(session, ann).add("nuheat", "thermostat", "1001", name="Bath")
        await DeviceRegistry(session, bob).add("nuheat", "thermostat", "2002", name="Kitchen")
        await DeviceRegistry(session, bob).add("smartme", "meter", "3003")
    async with database.session() as session:
        anns = DeviceRegistry(session, ann)
        bobs = DeviceRegistry(session, bob)
        assert [d.serial for d in await anns.list()] == ["1001"]
        assert [d.serial for d in await bobs.list(face="nuheat")] == ["2002"]
        assert [d.serial for d in await bobs.list(kind="meter")] == ["3003"]
        assert await anns.get("nuheat", "2002") is None
        kitchen = await bobs.get("nuheat", "2002")
        assert kitchen is not None
        assert await anns.get_by_id(kitchen.id) is None
        assert await owner_of(session, "nuheat", "2002") == bob
        assert await owner_of(session, "nuheat", "9999") is None


async def test_serial_is_unique_per_face_across_owners(database: Database) -> None:
    ann, bob = await two_owners(database)
    async with database.session(write=True) as session:
        await DeviceRegistry(session, ann).add("nuheat", "thermostat", "1001")
        # The same serial under another face is another device.
        await DeviceRegistry(session, bob).add("thingplus", "gateway", "1001")
    with pytest.raises(DeviceError, match="registered already"):
        async with database.session(write=True) as session:
            await DeviceRegistry(session, bob).add("nuheat", "thermostat", "1001")


async def test_update_merges_attributes_and_refuses_foreign_devices(database: Database) -> None:
    ann, bob = await two_owners(database)
    async with database.session(write=True) as session:
        device = await DeviceRegistry(session, ann).add(
            "nuheat", "thermostat", "1001", attributes={"setPointTemp": 2100, "groupId": "7"}
        )
        await DeviceRegistry(session, ann).update(
            device, name="Bathroom", attributes={"setPointTemp": 2300}
        )
        with pytest.raises(DeviceError):
            await DeviceRegistry(session, bob).update(device, name="Stolen")
    async with database.session() as session:
        stored = await DeviceRegistry(session, ann).get("nuheat", "1001")
        assert stored is not None
        assert stored.name == "Bathroom"
        assert stored.attributes == {"setPointTemp": 2300, "groupId": "7"}


async def test_remove_is_scoped_to_the_owner(database: Database) -> None:
    ann, bob = await two_owners(database)
    async with database.session(write=True) as session:
        await DeviceRegistry(session, ann).add("nuheat", "thermostat", "1001")
    async with database.session(write=True) as session:
        assert await DeviceRegistry(session, bob).remove("nuheat", "1001") is False
    async with database.session(write=True) as session:
        assert await DeviceRegistry(session, ann).remove("nuheat", "1001") is True
        assert await owner_of(session, "nuheat", "1001") is None
