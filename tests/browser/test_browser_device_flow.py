"""A device (a command-line tool, here a thread) polls the token endpoint
while a person in a real Chromium opens ``verification_uri_complete``,
confirms the code, signs in and consents (RFC 8628)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

from browser_env import new_context

from ostiary.testing import load_data

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _post(url: str, form: dict) -> tuple[int, dict]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class Device(threading.Thread):
    """Polls every ``interval`` seconds, as RFC 8628 section 3.5 asks, and
    keeps every answer."""

    def __init__(self, token_url: str, device_code: str, interval: int):
        super().__init__(daemon=True)
        self.token_url, self.device_code, self.interval = token_url, device_code, interval
        self.answers: list[tuple[int, dict]] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(self.interval):
            status, body = _post(
                self.token_url, {"grant_type": GRANT, "device_code": self.device_code, "client_id": "cli"}
            )
            self.answers.append((status, body))
            if status == 200 or body.get("error") not in ("authorization_pending", "slow_down"):
                return


def test_a_device_gets_tokens_once_the_person_approves_in_chromium(browser, ostiary, artifacts):
    load_data(
        ostiary.app,
        {
            "clients": [
                {
                    "client_id": "cli",
                    "name": "Command-line tool",
                    "token_endpoint_auth_method": "none",
                    "grant_types": [GRANT],
                    "scopes": ["openid", "profile"],
                }
            ]
        },
    )
    status, started = _post(
        ostiary.url + "/connect/device_authorization", {"client_id": "cli", "scope": "openid profile"}
    )
    assert status == 200, started
    device = Device(ostiary.url + "/connect/token", started["device_code"], started["interval"])
    device.start()
    context = new_context(browser)
    page = context.new_page()
    try:
        page.goto(started["verification_uri_complete"])
        assert page.input_value("#user_code") == started["user_code"]
        page.screenshot(path=str(artifacts / "device-01-code.png"))
        page.click("button.primary")
        page.wait_for_url(ostiary.url + "/account/login?*")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")
        page.wait_for_url(ostiary.url + "/consent?*")
        page.click("button[value=allow]")
        page.wait_for_selector("text=is connected")
        page.screenshot(path=str(artifacts / "device-02-connected.png"))
        assert "Command-line tool" in page.inner_text("main")
        device.join(timeout=started["interval"] * 3 + 10)
    finally:
        device.stop.set()
        context.close()
    statuses = [body.get("error", status) for status, body in device.answers]
    assert statuses[-1] == 200, statuses
    assert set(statuses[:-1]) <= {"authorization_pending"}
    assert {"access_token", "id_token"} <= set(device.answers[-1][1])
