"""``User``, ``AdditionalDeviceInformation``, ``CustomDevice``, ``Folder``,
``MeterFolderInformation`` and ``Health`` on both path styles."""

from __future__ import annotations

import httpx
import pytest

from homecloud.apis.smartme.service import root_folder
from tests.apis.smartme.conftest import UserMaker

PREFIXES = ("/smartme/api", "/smartme")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_user_is_the_callers_account(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user()
    response = await face.get(f"{prefix}/User", headers=ann.basic)
    assert response.status_code == 200
    assert response.json() == {
        "Id": ann.id,
        "IdAsString": str(ann.id),
        "Username": ann.username,
        "Email": ann.email,
        "IsAdmin": False,
        "Permissions": [],
        "ChildUsers": [],
    }


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_additional_device_information(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user("three_phase", "charging_station")
    guid = ann.meter("three_phase").guid
    response = await face.get(f"{prefix}/AdditionalDeviceInformation/{guid}", headers=ann.basic)
    assert response.status_code == 200
    assert response.json() == {
        "ID": guid,
        "HardwareVersion": 3,
        "FirmwareVersion": 131,
        "NetworkConnection": 0,  # wifi, as an integer like every enum
        "NetworkConnectionRSSI": 70,
    }
    station = ann.meter("charging_station").guid
    other = await face.get(f"{prefix}/additionaldeviceinformation/{station}", headers=ann.basic)
    assert other.json()["NetworkConnection"] == 2  # ltecatm1


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_custom_devices_are_made_listed_and_updated(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user("water")
    made = await face.post(
        f"{prefix}/CustomDevice",
        headers=ann.basic,
        json={
            "Name": "Heat pump",
            "Serial": 4242,
            "ValueDate": "2026-07-25T12:00:00.1234567Z",
            "Values": [{"Name": "Flow temperature", "Value": 35.5}, {"Name": "COP", "Value": 4}],
        },
    )
    assert made.status_code == 200, made.text
    device = made.json()
    assert device["Name"] == "Heat pump"
    assert device["Serial"] == 4242
    assert device["ValueDate"] == "2026-07-25T12:00:00.1234560Z"
    assert device["Values"] == [
        {"Name": "Flow temperature", "Value": 35.5},
        {"Name": "COP", "Value": 4.0},
    ]
    listed = (await face.get(f"{prefix}/CustomDevice", headers=ann.basic)).json()
    assert listed == [device]
    one = await face.get(f"{prefix}/CustomDevice/{device['Id']}", headers=ann.basic)
    assert one.json() == device
    # It is a device too, of type MeterTypeCustomDevice (10).
    as_device = (await face.get(f"{prefix}/Devices/{device['Id']}", headers=ann.basic)).json()
    assert as_device["DeviceEnergyType"] == 10
    updated = await face.post(
        f"{prefix}/CustomDevice",
        headers=ann.basic,
        json={"id": device["Id"], "values": [{"name": "COP", "value": 3.5}]},
    )
    assert updated.json()["Values"] == [{"Name": "COP", "Value": 3.5}]
    assert updated.json()["Name"] == "Heat pump"
    meter = await face.get(f"{prefix}/CustomDevice/{ann.meter('water').guid}", headers=ann.basic)
    assert meter.status_code == 404
    not_custom = await face.post(
        f"{prefix}/CustomDevice", headers=ann.basic, json={"Id": ann.meter("water").guid}
    )
    assert not_custom.status_code == 400
    for body, words in (
        ({}, "body is required"),
        ({"Values": "many"}, "Values must be a list"),
        ({"Values": [{"Name": "x"}]}, "Value must be a number"),
        ({"Values": [{"Value": 1}]}, "Name must be text"),
        ({"Values": [3]}, "Each value"),
        ({"Serial": "12a"}, "Serial"),
        ({"Id": ""}, "not a GUID"),
    ):
        response = await face.post(f"{prefix}/CustomDevice", headers=ann.basic, json=body)
        assert response.status_code == 400, body
        assert words in response.json()["Message"], (body, response.json())


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_folder_sums_the_users_meters_or_one_meter(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user("three_phase", "single_phase", "water", "gas")
    devices = {d["Id"]: d for d in (await face.get(f"{prefix}/Devices", headers=ann.basic)).json()}
    house, boiler = devices[ann.meter("three_phase").guid], devices[ann.meter("single_phase").guid]
    folder = await face.get(f"{prefix}/Folder/{root_folder(ann.id)}", headers=ann.basic)
    assert folder.status_code == 200
    body = folder.json()
    assert body["ElectricityCounterValue"] == pytest.approx(
        house["CounterReading"] + boiler["CounterReading"]
    )
    assert body["ElectricityPower"] == pytest.approx(house["ActivePower"] + boiler["ActivePower"])
    assert body["WaterCounterValue"] == devices[ann.meter("water").guid]["CounterReading"]
    assert body["GasCounterValue"] == devices[ann.meter("gas").guid]["CounterReading"]
    assert body["HeatCounterValue"] == 0.0
    one = (await face.get(f"{prefix}/Folder/{ann.meter('water').guid}", headers=ann.basic)).json()
    assert one["WaterCounterValue"] == body["WaterCounterValue"]
    assert one["ElectricityCounterValue"] == 0.0
    # Another user's root folder is nobody's folder for ann.
    bob = await make_user()
    foreign = await face.get(f"{prefix}/Folder/{root_folder(bob.id)}", headers=ann.basic)
    assert foreign.status_code == 404


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_meter_folder_information_describes_and_renames_a_folder_or_a_meter(
    face: httpx.AsyncClient, make_user: UserMaker, prefix: str
) -> None:
    ann = await make_user("three_phase", "water")
    folder_id = root_folder(ann.id)
    url = f"{prefix}/MeterFolderInformation"
    folder = await face.get(f"{url}/{folder_id}", headers=ann.basic)
    assert folder.status_code == 200
    assert folder.json() == {
        "Name": "All meters",
        "IsFolder": True,
        "InputInformations": [],
        "OutputInformations": [],
    }
    house_id = ann.meter("three_phase").guid
    house = (await face.get(f"{url}/{house_id}", headers=ann.basic)).json()
    assert house["IsFolder"] is False
    assert house["HardwareVersion"] == 3
    assert house["FirmwareVersion"] == 131
    assert "CommunicationModuleFirmwareVersion" not in house
    actions = (await face.get(f"{prefix}/Actions/{house_id}", headers=ann.basic)).json()
    assert [output.pop("Number") for output in house["OutputInformations"]] == list(
        range(1, len(actions) + 1)
    )
    assert house["OutputInformations"] == actions
    water = (await face.get(f"{url}/{ann.meter('water').guid}", headers=ann.basic)).json()
    assert water["OutputInformations"] == []

    # Renaming: 204, then the new name everywhere the meter or folder is shown.
    for target, name in ((folder_id, "Flat 3"), (house_id, "House"), (folder_id, "Flat 4")):
        renamed = await face.post(url, headers=ann.basic, json={"id": str(target), "name": name})
        assert renamed.status_code == 204, renamed.text
    assert (await face.get(f"{url}/{folder_id}", headers=ann.basic)).json()["Name"] == "Flat 4"
    assert (await face.get(f"{prefix}/Devices/{house_id}", headers=ann.basic)).json()[
        "Name"
    ] == "House"
    form = await face.post(url, headers=ann.basic, data={"Id": house_id, "Name": "  Home "})
    assert form.status_code == 204
    assert (await face.get(f"{url}/{house_id}", headers=ann.basic)).json()["Name"] == "Home"

    # Another user's folder and meter are nobody's for ann; reading needs no write scope,
    # renaming does.
    bob = await make_user("water")
    for foreign in (root_folder(bob.id), bob.meter("water").guid):
        assert (await face.get(f"{url}/{foreign}", headers=ann.basic)).status_code == 404
        refused = await face.post(url, headers=ann.basic, json={"Id": str(foreign), "Name": "x"})
        assert refused.status_code == 404
    assert (await face.get(f"{url}/{root_folder(bob.id)}", headers=bob.basic)).json()[
        "Name"
    ] == "All meters"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"Name": "x"}, "Id is required"),
        ({"Id": "not-a-guid", "Name": "x"}, "not a GUID"),
        ({"Id": 5, "Name": "x"}, "Id must be text"),
        ({"Id": "3f1e8c1a-0000-4000-8000-000000000000"}, "Name is required"),
        ({"Id": "3f1e8c1a-0000-4000-8000-000000000000", "Name": "   "}, "Name is required"),
        ({"Id": "3f1e8c1a-0000-4000-8000-000000000000", "Name": "n" * 201}, "at most 200"),
        ({"Id": "3f1e8c1a-0000-4000-8000-000000000000", "Name": ["x"]}, "Name must be text"),
    ],
)
async def test_a_bad_rename_is_a_400_in_smart_mes_words(
    face: httpx.AsyncClient, make_user: UserMaker, body: dict[str, object], words: str
) -> None:
    ann = await make_user()
    response = await face.post("/smartme/api/MeterFolderInformation", headers=ann.basic, json=body)
    assert response.status_code == 400
    assert words in response.json()["Message"]


@pytest.mark.parametrize("path", ["/smartme/api/Health", "/smartme/health"])
async def test_health_needs_no_credentials(face: httpx.AsyncClient, path: str) -> None:
    response = await face.get(path)
    assert response.status_code == 200
    assert response.text == "Healthy"


async def test_swagger_ui_and_document(face: httpx.AsyncClient) -> None:
    page = await face.get("/smartme/swagger")
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert (await face.get("/smartme/swagger/index.html")).status_code == 302
    document = (await face.get("/smartme/swagger/v1/swagger.json")).json()
    paths = set(document["paths"])
    for path in (
        "/api/Devices",
        "/api/Devices/{id}",
        "/api/DeviceBySerial",
        "/api/DevicesByEnergy",
        "/api/DevicesBySubType",
        "/api/Values/{id}",
        "/api/ValuesInPast/{id}",
        "/api/ValuesInPastMultiple/{id}",
        "/api/MeterValues/{id}",
        "/api/Actions/{id}",
        "/api/Actions",
        "/api/User",
        "/api/AccessToken",
        "/api/AdditionalDeviceInformation/{id}",
        "/api/CustomDevice",
        "/api/CustomDevice/{id}",
        "/api/Folder/{id}",
        "/api/MeterFolderInformation/{id}",
        "/api/MeterFolderInformation",
        "/api/FastSendDeviceValues/{id}",
        "/api/Health",
    ):
        assert path in paths, path
    # Every resource is spelled as smart-me spells it, none left in the routes' lower case.
    for path in paths:
        names = [part for part in path.split("/") if part and part != "api" and "{" not in part]
        assert all(name[0].isupper() for name in names), path
    schemes = document["components"]["securitySchemes"]
    assert {"oauth2", "Bearer", "Basic", "ApiKey"} <= set(schemes)
    assert document["paths"]["/api/Health"]["get"]["security"] == []
