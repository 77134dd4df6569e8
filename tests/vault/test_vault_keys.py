"""Keys: Argon2id parameters, their floor and binding, the device secret, and the real parameters.

VK001: production calibration picks m >= 64 MiB and at least 3 passes, and a vault created with the
       real parameters unlocks again (the one test with the real KDF; its timing is in the benchmark).
VK002: a stored parameter set below the floor (or absurdly large) is refused before any derivation.
VK003: the wrapped key is bound to its parameters, slot and vault id: changing any fails to unwrap.
VK004: with a device secret, a PIN is accepted and unlocking needs the same device secret.
VK005: without one, a short PIN is refused with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from vault_support import FAST_KDF, SECRET, edit_key_record, key_record, store_interview

from app.vault import (
    DeviceSecretError,
    KdfParams,
    KdfPolicy,
    UnsafeKdfParametersError,
    Vault,
    WeakSecretError,
    WrongSecretError,
)
from app.vault.keys import derive_kek, new_data_key, unwrap_data_key, wrap_data_key


def _stored_params(vault: Vault) -> dict[str, object]:
    return dict(json.loads(key_record(vault).kdf_params))


def test_vk001_real_parameters(tmp_path: Path) -> None:
    production = KdfPolicy()
    vault = Vault.open(tmp_path / "data")
    try:
        vault.create(SECRET)
        params = KdfParams.from_json(json.dumps(_stored_params(vault)))
        assert params.memory_kib >= 64 * 1024
        assert params.iterations >= production.min_iterations
        production.check(params)
        interview = store_interview(vault, {"q1": "yes"})
        vault.lock()
        vault.unlock(SECRET)
        assert vault.interviews.load(interview).engine_state["answers"] == {"q1": "yes"}
    finally:
        vault.close()


def test_vk002_weak_stored_parameters_are_refused(open_vault: Callable[..., Vault]) -> None:
    weak = open_vault()
    weak.create(SECRET)  # made with the fast test profile
    weak.lock()
    production = open_vault(kdf_policy=KdfPolicy())
    with pytest.raises(UnsafeKdfParametersError):
        production.unlock(SECRET)
    assert production.throttle_seconds() == 0  # refused before counting or deriving anything
    huge = KdfParams(
        memory_kib=64 * 1024 * 1024, iterations=3, lanes=4, salt=b"s" * 16, with_device_secret=False
    )
    with pytest.raises(UnsafeKdfParametersError):
        KdfPolicy().check(huge)


def test_vk003_wrap_is_bound_to_parameters_slot_and_vault() -> None:
    params = FAST_KDF.choose(with_device_secret=False)
    kek = derive_kek(SECRET, params, None)
    data_key = new_data_key()
    wrapped = wrap_data_key(kek, data_key, params, slot="officer", vault_id="v1")
    assert unwrap_data_key(kek, wrapped, params, slot="officer", vault_id="v1") == data_key
    assert unwrap_data_key(kek, wrapped, params, slot="duress", vault_id="v1") is None
    assert unwrap_data_key(kek, wrapped, params, slot="officer", vault_id="v2") is None
    relabelled = replace(params, iterations=params.iterations + 1)
    assert unwrap_data_key(kek, wrapped, relabelled, slot="officer", vault_id="v1") is None


def test_vk003_edited_stored_parameters_do_not_open(open_vault: Callable[..., Vault]) -> None:
    vault = open_vault()
    vault.create(SECRET)
    vault.lock()
    params = _stored_params(vault)
    params["iterations"] = int(str(params["iterations"])) + 1
    edit_key_record(vault, kdf_params=json.dumps(params))
    with pytest.raises(WrongSecretError):
        vault.unlock(SECRET)


def test_vk004_device_secret_and_pin(open_vault: Callable[..., Vault]) -> None:
    device_secret = b"d" * 32
    vault = open_vault()
    vault.create("480913", device_secret=device_secret)
    assert vault.requires_device_secret
    vault.lock()
    with pytest.raises(DeviceSecretError):
        vault.unlock("480913")  # the phone's secure storage did not answer
    with pytest.raises(WrongSecretError):
        vault.unlock("480913", device_secret=b"e" * 32)  # a copied file on another device
    vault.unlock("480913", device_secret=device_secret)
    assert vault.is_unlocked


def test_vk005_short_pin_without_device_secret_is_refused(open_vault: Callable[..., Vault]) -> None:
    vault = open_vault()
    with pytest.raises(WeakSecretError) as raised:
        vault.create("480913")
    assert "passphrase of at least 12 characters" in raised.value.message()
    assert "480913" not in raised.value.message()
    assert not vault.has_secret
    with pytest.raises(DeviceSecretError):
        vault.create("480913", device_secret=b"short")
