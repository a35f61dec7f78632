"""Error and logout records keep bounded text, whatever a request carried."""

from ostiary.models.interactions import MAX_DESCRIPTION, MAX_URI, ErrorRecord, LogoutRecord, bounded


def test_short_text_is_kept_as_it_is():
    assert bounded("invalid_request", 64) == "invalid_request"
    assert bounded(None, 64) is None


def test_long_text_is_cut_to_the_bound_and_shows_it_was_cut():
    cut = bounded("a" * 100, 10)
    assert len(cut) == 10 and cut.endswith("\u2026")


def test_an_error_record_of_a_huge_request_stays_small():
    record = ErrorRecord("x" * 10_000, "d" * 10_000, client_id="c" * 10_000, redirect_uri="r" * 10_000)
    assert len(record.error) <= 64 and len(record.client_id) <= 255
    assert len(record.description) == MAX_DESCRIPTION and len(record.redirect_uri) == MAX_URI


def test_a_logout_record_of_a_huge_request_stays_small():
    record = LogoutRecord(
        client_id="c" * 10_000, state="s" * 10_000, ui_locales="de " * 10_000, sid="i" * 10_000, subject="u" * 10_000
    )
    assert max(len(record.client_id), len(record.sid), len(record.subject)) <= 255
    assert len(record.state) <= 2048 and len(record.ui_locales) <= 100
