"""M-Bus telegrams for tests: RSP_UD long frames (EN 13757-2) with a long header
(EN 13757-3) around data records, length and checksum computed, as a meter sends them."""

from __future__ import annotations

# smart-me's documented example: water meter 12345678 of "PAD", 12.565 m3.
EXAMPLE = (
    "68 1F 1F 68 08 02 72 78 56 34 12 24 40 01 07 55 00 00 00 03 13 15 31 00 DA 02 3B 13 01 "
    "8B 60 04 37 18 02 18 16"
)
WATER = 0x07


def bcd(number: int, size: int) -> bytes:
    """``number`` (>= 0) as ``size`` bytes of BCD, least significant byte first."""
    digits = f"{number:0{2 * size}d}"
    assert len(digits) == 2 * size
    return bytes.fromhex(digits)[::-1]


def manufacturer_code(letters: str) -> bytes:
    first, second, third = (ord(letter) - 64 for letter in letters)
    return ((first << 10) | (second << 5) | third).to_bytes(2, "little")


def header(
    identification: int = 12345678,
    manufacturer: str = "ABC",
    medium: int = WATER,
    *,
    version: int = 1,
    access: int = 0x2A,
    status: int = 0x00,
    signature: bytes = b"\x00\x00",
) -> bytes:
    """The twelve bytes of a long header: the secondary address, access number, status and
    signature."""
    return (
        bcd(identification, 4)
        + manufacturer_code(manufacturer)
        + bytes([version, medium, access, status])
        + signature
    )


def wrap(user_data: bytes, *, c_field: int = 0x08, address: int = 0x01, ci: int = 0x72) -> bytes:
    """``68 L L 68 C A CI <user data> CS 16``, with L and the checksum computed."""
    body = bytes([c_field, address, ci]) + user_data
    assert len(body) <= 255
    return bytes([0x68, len(body), len(body), 0x68]) + body + bytes([sum(body) & 0xFF, 0x16])


def meter_frame(
    identification: int,
    manufacturer: str,
    medium: int,
    records: bytes,
    *,
    signature: bytes = b"\x00\x00",
) -> str:
    """The telegram of meter ``identification`` holding ``records``, spelt as smart-me's
    example is (hex bytes with spaces)."""
    raw = wrap(header(identification, manufacturer, medium, signature=signature) + records)
    return " ".join(f"{byte:02X}" for byte in raw)
