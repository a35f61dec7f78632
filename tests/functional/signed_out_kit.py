"""Reading the signed-out page's front-channel frames as a browser would:
each is a sandboxed iframe whose ``srcdoc`` holds the <object> that loads
the client's front-channel logout URI (``signed_out.pt`` says why)."""

from __future__ import annotations

from bs4 import BeautifulSoup


def frame_wrappers(soup) -> list:
    """The wrapper iframes, in page order."""
    return soup.find_all("iframe", class_="frontchannel-logout")


def frame_urls(soup) -> list[str]:
    """The front-channel logout URL of each frame: the ``data`` of the
    <object> in the wrapper's ``srcdoc`` (BeautifulSoup undoes the
    attribute's escaping, then parsing the srcdoc the markup's own)."""
    urls = []
    for wrapper in frame_wrappers(soup):
        inner = BeautifulSoup(wrapper["srcdoc"], "html.parser").find("object", attrs={"type": "text/html"})
        assert inner is not None, f"no <object> in the wrapper {wrapper!r}"
        urls.append(inner["data"])
    return urls
