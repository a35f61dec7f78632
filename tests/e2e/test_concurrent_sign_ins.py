"""Sixteen browsers signing in at once, with login and consent on every
flow, against etc/production.ini as shipped (granian, two workers) on
RelStorage and on ZEO; and the metrics of both workers added up at one scrape.

Every flow is a fresh browser (no SSO cookie) that does not let its consent
be remembered, so each one writes a session, an interaction record, a
consent answer, a code and a token family: whatever every sign-in writes
must not sit on one hot object, or conflicts pile up past the retries and
flows fail with 500. The conflict retries pyramid_retry makes are logged
(``ostiary.retry``, INFO) and counted here.
"""

from __future__ import annotations

import configparser
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from storage_servers import OstiaryProcess, free_port, ostiary_command, postgresql, zeo_server  # noqa: F401
from test_shared_storage import DEMO_TOML, Browser, production_uri, redeem, retarget, write_ini

pytestmark = [pytest.mark.servers, pytest.mark.slow]

BROWSERS = 16
FLOWS = 256


def add_observability(ini: Path, metrics_port: int) -> None:
    """The metrics listener on, and the conflict retries logged."""
    config = configparser.RawConfigParser()
    config.read(ini)
    config["app:main"]["ostiary.metrics_listen"] = f"127.0.0.1:{metrics_port}"
    config["loggers"]["keys"] = config["loggers"]["keys"] + ", retry"
    config["logger_retry"] = {"level": "INFO", "handlers": "console", "qualname": "ostiary.retry", "propagate": "0"}
    with open(ini, "w") as stream:
        config.write(stream)


@pytest.fixture(scope="module", params=[pytest.param("relstorage", marks=pytest.mark.postgres), "zeo"])
def server(request, tmp_path_factory):
    """etc/production.ini's granian server (two workers) on RelStorage or ZEO."""
    directory = tmp_path_factory.mktemp(request.param)
    if request.param == "relstorage":
        cluster = request.getfixturevalue("postgresql")
        netloc = f"{cluster.user}:{cluster.password}@{cluster.host}:{cluster.port}"
        uri = retarget(production_uri("postgres"), netloc, "/" + cluster.create_database())
    else:
        zeo = request.getfixturevalue("zeo_server")
        uri = retarget(production_uri("zeo"), f"127.0.0.1:{zeo.port}")
    ini = write_ini(directory, uri)
    metrics_port = free_port()
    add_observability(ini, metrics_port)
    multiproc = directory / "metrics"
    multiproc.mkdir()
    ostiary_command(ini, "init")
    ostiary_command(ini, "load", str(DEMO_TOML))
    process = OstiaryProcess(ini, "granian")
    # The runner makes a directory of its own unless the environment names one:
    # naming it lets the test read each worker's files.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiproc))
        process.start()
    try:
        process.wait_until_serving(60)
        process.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        process.multiproc = multiproc
        yield process
    finally:
        process.stop()


def test_sixteen_browsers_with_consent_on_every_flow_never_fail(server):
    outcomes, lock = [], threading.Lock()
    remaining = iter(range(FLOWS))

    def browse():
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            browser = Browser(server, remember_consent=False)
            try:
                received, verifier = browser.sign_in()
                status = redeem(server, received["code"], verifier).status_code
                pages = {(method, page) for _, method, page in browser.visited}
                consented = ("POST", "/consent") in pages and ("POST", "/account/login") in pages
                outcomes.append(status if consented else "no login and consent")
            except (AssertionError, requests.RequestException) as exc:
                outcomes.append(str(exc)[:300])

    started = time.monotonic()
    threads = [threading.Thread(target=browse) for _ in range(BROWSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    elapsed = time.monotonic() - started
    log = server.log_text()
    retries = log.count("conflict on ")
    failed = [outcome for outcome in outcomes if outcome != 200]
    assert len(outcomes) == FLOWS
    assert not failed, f"{len(failed)} of {FLOWS} flows failed: {failed[:5]}\n{log[-3000:]}"
    assert "Traceback" not in log, log[-5000:]
    # A handful of retries is normal; one per flow would mean a hot object.
    assert retries < FLOWS // 16, (
        f"{retries} conflict retries in {FLOWS} flows ({elapsed:.0f} s):\n"
        + "\n".join(line for line in log.splitlines() if "conflict on " in line)[-3000:]
    )


def metric_sum(text: str, name: str, **labels) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def per_worker(directory: Path, metric: str, **labels) -> dict[str, float]:
    """Each worker's own count of ``metric``, from its file in the
    multi-process directory (``counter_<pid>.db``)."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        total = 0.0
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _family, name, key_labels, _help = json.loads(key)
            if name == metric and all(key_labels.get(k) == v for k, v in labels.items()):
                total += value
        counts[path.stem.removeprefix("counter_")] = total
    return counts


def test_one_scrape_adds_up_both_workers_metrics(server):
    def scrape() -> str:
        answer = requests.get(server.metrics_url, timeout=10)
        assert answer.status_code == 200
        return answer.text

    token_answers = {"route": "token", "method": "POST", "status": "200"}
    before = metric_sum(scrape(), "ostiary_http_requests_total", **token_answers)
    sent = 0
    for _ in range(60):
        # New connections, so granian hands them to both workers.
        answer = requests.post(
            server.url + "/connect/token",
            data={"grant_type": "client_credentials", "scope": "api"},
            auth=("demo-rp", "demo-secret"),
            headers={"Connection": "close"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        sent += 1
    text = scrape()
    assert metric_sum(text, "ostiary_http_requests_total", **token_answers) == before + sent
    workers = {
        pid: count
        for pid, count in per_worker(server.multiproc, "ostiary_http_requests_total", **token_answers).items()
        if count
    }
    assert len(workers) == 2, workers  # both workers answered, and the scrape counted both
    assert sum(workers.values()) == before + sent
