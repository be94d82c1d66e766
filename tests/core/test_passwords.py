from __future__ import annotations

from argon2 import Parameters, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from homecloud.core import passwords


def test_the_service_hashes_with_argon2id_at_rfc_9106_strength() -> None:
    # The suite swaps in cheap parameters (conftest); the service's own hasher is kept here.
    strong = passwords.production_hasher.hash("correct horse battery staple")  # type: ignore[attr-defined]
    parameters: Parameters = extract_parameters(strong)
    assert strong.startswith("$argon2id$")
    assert parameters.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert parameters.time_cost >= RFC_9106_LOW_MEMORY.time_cost


def test_verify_and_md5_form() -> None:
    stored = passwords.hash_password("s3cret-pass")
    assert passwords.verify_password(stored, "s3cret-pass")
    assert not passwords.verify_password(stored, "s3cret-Pass")
    assert not passwords.verify_password("not a hash", "s3cret-pass")
    md5_form = passwords.hash_md5_of_password("s3cret-pass")
    assert passwords.verify_password(md5_form, passwords.md5_hex("s3cret-pass"))
    assert not passwords.verify_password(md5_form, "s3cret-pass")
    assert passwords.md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72"
