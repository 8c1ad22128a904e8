from mailman.domain import api_keys


def test_minted_key_is_well_formed_and_prefixed() -> None:
    minted = api_keys.mint()

    assert minted.secret.startswith("mm_live_")
    assert len(minted.secret) == api_keys.KEY_LENGTH
    assert api_keys.is_well_formed(minted.secret)
    assert minted.prefix == minted.secret[:16]


def test_minted_keys_differ() -> None:
    assert api_keys.mint().secret != api_keys.mint().secret


def test_only_the_hash_identifies_a_key() -> None:
    minted = api_keys.mint()

    assert minted.hash == api_keys.hash_key(minted.secret)
    assert minted.secret not in minted.hash


def test_key_with_one_character_changed_fails_its_checksum() -> None:
    secret = api_keys.mint().secret
    position = 20
    replacement = "A" if secret[position] != "A" else "B"
    tampered = secret[:position] + replacement + secret[position + 1 :]

    assert not api_keys.is_well_formed(tampered)


def test_keys_of_the_wrong_shape_are_refused() -> None:
    secret = api_keys.mint().secret

    assert not api_keys.is_well_formed("")
    assert not api_keys.is_well_formed(secret[:-1])
    assert not api_keys.is_well_formed("mm_test_" + secret[8:])
    assert not api_keys.is_well_formed(secret[:-6] + "!!!!!!")
    assert not api_keys.is_well_formed(secret[:-1] + "é")
