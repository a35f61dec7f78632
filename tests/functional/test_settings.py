"""Start-up refuses bad settings with a message naming them."""

import pytest

from ostiary import SettingsError, main


@pytest.mark.parametrize("key, value, fragment", [
    ("ostiary.issuer", "not a url", "ostiary.issuer"),
    ("ostiary.issuer", "https://id.example.org/?x=1", "no query"),
    ("ostiary.development", "perhaps", "ostiary.development"),
    ("ostiary.code_lifetime", "0", "ostiary.code_lifetime"),
    ("ostiary.signing_alg", "HS256", "ostiary.signing_alg"),
    ("ostiary.key_announcement", "-1", "ostiary.key_announcement = '-1': expected 0 to"),
    ("ostiary.key_announcement", "a day", "expected a whole number of seconds"),
    ("ostiary.theme", "nonexistent", "installed"),
    ("ostiary.plugins", "nonexistent", "no installed plugin"),
    ("ostiary.colour", "blue", "unknown setting"),
    ("ostiary.max_body_size", "0", "ostiary.max_body_size = '0': expected a whole number of at least 1"),
    ("ostiary.max_query_length", "8k", "ostiary.max_query_length = '8k'"),
])
def test_bad_setting_stops_start_up(ostiary_settings, key, value, fragment):
    settings = dict(ostiary_settings, **{key: value})
    with pytest.raises(SettingsError) as excinfo:
        main({}, **settings)
    assert fragment in str(excinfo.value)


def test_missing_issuer_is_named(ostiary_settings):
    settings = dict(ostiary_settings)
    del settings["ostiary.issuer"]
    with pytest.raises(SettingsError, match="ostiary.issuer: required"):
        main({}, **settings)
