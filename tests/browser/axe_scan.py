"""Running axe-core (from the npm registry) in a page and reading its verdict.

Ostiary's pages forbid injected scripts (``script-src 'self' 'nonce-…'``, or
``'none'`` in the gallery), so a page scanned here must come from a browser
context made with ``bypass_csp=True``: for the scan only, never for tests
of the pages' behaviour.
"""

from __future__ import annotations

#: The impacts that fail a test.
BLOCKING = ("serious", "critical")

# iframes: false: a front-channel iframe belongs to the client, not to the
# page, and axe would wait for an answer from a frame it was not injected into.
_RUN = """async () => {
  const r = await axe.run(document, {iframes: false, resultTypes: ['violations']});
  return {version: r.testEngine.version, passes: r.passes.length, violations: r.violations};
}"""


def scan(page, axe_js: str) -> dict:
    """Inject axe-core into ``page`` and run it: ``{url, version, passes, violations}``."""
    page.add_script_tag(path=axe_js)
    return {"url": page.url, **page.evaluate(_RUN)}


def blocking(result: dict) -> list:
    """The serious and critical violations of a scan."""
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations) -> str:
    """One line per violation: impact, rule, help and where."""
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)
