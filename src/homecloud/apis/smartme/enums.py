"""smart-me's enums. The API writes them as integers (the capture from api.smart-me.com) and
takes them by name or by number; the numbers are the positions in the vendor's newest
Swagger (SW2), which is what the captured ``FamilyType: 12`` fits."""

from __future__ import annotations

from enum import IntEnum


class DeviceEnergyType(IntEnum):
    MeterTypeUnknown = 0
    MeterTypeElectricity = 1
    MeterTypeWater = 2
    MeterTypeGas = 3
    MeterTypeHeat = 4
    MeterTypeHCA = 5
    MeterTypeAllMeters = 6
    MeterTypeTemperature = 7
    MeterTypeMBusGateway = 8
    MeterTypeRS485Gateway = 9
    MeterTypeCustomDevice = 10
    MeterTypeCompressedAir = 11
    MeterTypeSolarLog = 12
    MeterTypeVirtualMeter = 13
    MeterTypeWMBusGateway = 14


class MeterSubType(IntEnum):
    MeterSubTypeUnknown = 0
    MeterSubTypeCold = 1
    MeterSubTypeHeat = 2
    MeterSubTypeChargingStation = 3
    MeterSubTypeElectricity = 4
    MeterSubTypeWater = 5
    MeterSubTypeGas = 6
    MeterSubTypeElectricityHeat = 7
    MeterSubTypeTemperature = 8
    MeterSubTypeVirtualBattery = 9


class FamilyType(IntEnum):
    # "Familiy" is smart-me's own spelling.
    MeterFamilyTypeUnknown = 0
    MeterFamilyTypeSmartMeConnectV1 = 1
    MeterFamiliyTypeSmartMeMeter = 2
    MeterFamiliyTypeSmartMeMeterWithSwitch = 3
    MeterFamilyTypeMBusGatewayV1 = 4
    MeterFamilyTypeRS485GatewayV1 = 5
    MeterFamilyTypeKamstrupModule = 6
    MeterFamilyTypeSmartMe3PhaseMeter80A = 7
    MeterFamilyTypeSmartMe3PhaseMeter32A = 8
    MeterFamilyTypeSmartMe3PhaseTelstarTransformer = 9
    MeterFamilyTypeLandisGyrModule = 10
    MeterFamilyTypeFnnOpticalModule = 11
    MeterFamilyTypeSmartMe3PhaseTelstar80AWiFi = 12
    MeterFamilyTypeSmartMe3PhaseTelstar80AMobile = 13
    MeterFamilyTypeSmartMe1PhaseMeter80AV2WiFi = 14
    MeterFamilyTypeSmartMe1PhaseMeter32AV2WiFi = 15
    MeterFamilyTypeSmartMe1PhaseMeter80AGprs = 16
    MeterFamilyTypeSmartMe1PhaseMeter32AGprs = 17
    MeterFamilyTypeWMBusGatewayV1 = 18
    MeterFamilyTypeMithralHallV1 = 19
    MeterFamilyTypeRestApiMeter = 20
    MeterFamilyTypeVirtualBillingMeter = 21


class ChargingStationState(IntEnum):
    Booting = 0
    ReadyNoCarConnected = 1
    ReadyCarConnected = 2
    StartedWaitForCar = 3
    Charging = 4
    Offline = 5


class ActionType(IntEnum):
    OnOffAction = 0
    AnalogAction = 1


class NetworkConnection(IntEnum):
    wifi = 0
    gprs = 1
    ltecatm1 = 2
    ltenbiot = 3
    meshmobile = 4
    meshwifi = 5
