"""Our JWS serialization (:class:`ostiary.protocol.signing.Signer`) gives
the tokens joserfc would give: the same bytes for RS256 (deterministic),
the same header and claims, verified by joserfc, for ES256."""

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from ostiary.protocol.signing import Signer

CLAIMS = {
    "iss": "https://id.example",
    "sub": "jürgen",  # non-ASCII stays UTF-8 in the payload, as joserfc writes it
    "aud": ["https://api.example", "demo-rp"],
    "iat": 1700000000,
    "exp": 1700003600,
    "amr": ["pwd"],
    "cnf": {"jkt": "abc"},
    "nested": {"quote": 'a "b" \\ c', "none": None, "flag": True},
}


@pytest.fixture(scope="module")
def rsa_key():
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})


@pytest.fixture(scope="module")
def ec_key():
    return ECKey.generate_key("P-256", parameters={"kid": "ec-1"})


@pytest.mark.parametrize("typ", [None, "at+jwt", "logout+jwt"])
def test_rs256_tokens_are_the_bytes_joserfc_writes(rsa_key, typ):
    header = {"alg": "RS256", "kid": "rsa-1", **({"typ": typ} if typ else {})}
    expected = jwt.encode(header, dict(CLAIMS), rsa_key, algorithms=["RS256"])
    assert Signer("RS256", rsa_key).jwt(dict(CLAIMS), typ) == expected


@pytest.mark.parametrize("typ", [None, "at+jwt"])
def test_es256_tokens_verify_with_joserfc(ec_key, typ):
    token = Signer("ES256", ec_key).jwt(dict(CLAIMS), typ)
    decoded = jwt.decode(token, ec_key, algorithms=["ES256"])
    assert decoded.header == {"typ": typ or "JWT", "alg": "ES256", "kid": "ec-1"}
    assert decoded.claims == CLAIMS
    # The same header segment joserfc writes; the signature is raw r || s.
    reference = jwt.encode({"alg": "ES256", "kid": "ec-1", **({"typ": typ} if typ else {})}, CLAIMS, ec_key)
    assert token.split(".")[:2] == reference.split(".")[:2]
    assert len(token.split(".")[2]) == 86  # 64 bytes, base64url


def test_an_unknown_algorithm_is_refused(rsa_key):
    with pytest.raises(ValueError):
        Signer("PS256", rsa_key)
