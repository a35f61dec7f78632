"""The authorization code flow end to end through WebTest."""

from ostiary.testing import TEST_ISSUER


def test_code_flow_signs_alice_in_and_issues_tokens(app, flow):
    params = flow.code(scope="openid profile email offline_access api")
    assert params["iss"] == TEST_ISSUER
    tokens = flow.exchange(params["code"]).json
    assert {"access_token", "id_token", "refresh_token", "expires_in"} <= set(tokens)
    assert tokens["token_type"] == "Bearer"
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert info["name"] == "Alice Liddell"
    assert info["email"] == "alice@example.org"
