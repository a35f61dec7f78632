"""Mail leaves after the commit, in the background: no answer waits for SMTP."""

import threading

import pytest
import transaction
from ostiary_accounts.delivery import Delivery
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import DummyMailer
from pyramid_mailer.message import Message

from ostiary.testing import form_value


class SlowMailServer(DummyMailer):
    """A mail server that takes as long as the test says (the only stand-in:
    SMTP is outside Ostiary)."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def send_immediately(self, message, fail_silently=False):
        assert self.release.wait(10), "the test never released the mail server"
        super().send_immediately(message, fail_silently)


@pytest.fixture
def slow_server(ostiary_app):
    server = SlowMailServer()
    ostiary_app.registry.registerUtility(server, IMailer)
    yield server
    server.release.set()


def _post(app, path, **fields):
    page = app.get(path)
    return app.post(path, dict(fields, csrf_token=form_value(page.text, "csrf_token")))


def test_a_password_reset_answers_before_the_mail_server_has_the_mail(app, ostiary_app, slow_server):
    response = _post(app, "/account/password/forgot", email="alice@example.org")
    assert "If an account uses this address" in response.text
    assert slow_server.outbox == []  # the server is still busy, the person has the answer
    slow_server.release.set()
    assert ostiary_app.registry.ostiary_mail_delivery.flush(10)
    [message] = slow_server.outbox
    assert message.recipients == ["alice@example.org"]


def test_a_registration_answers_before_the_mail_server_has_the_mail(app, ostiary_app, slow_server):
    response = _post(
        app, "/account/register", username="bob", email="bob@example.org", password="correct horse battery staple"
    )
    assert "Check your email" in response.text and slow_server.outbox == []
    slow_server.release.set()
    assert ostiary_app.registry.ostiary_mail_delivery.flush(10)
    assert [m.recipients for m in slow_server.outbox] == [["bob@example.org"]]


def _message():
    return Message(subject="Hello", sender="no-reply@example.org", recipients=["bob@example.org"], body="Hi")


def test_a_rolled_back_transaction_mails_nothing():
    delivery, server, manager = Delivery(), DummyMailer(), transaction.TransactionManager()
    delivery.after_commit(manager.begin(), server, _message())
    manager.abort()
    assert delivery.flush(10) and server.outbox == []


def test_a_committed_transaction_mails_once():
    delivery, server, manager = Delivery(), DummyMailer(), transaction.TransactionManager()
    delivery.after_commit(manager.begin(), server, _message())
    assert delivery.queue.empty()  # nothing leaves before the commit
    manager.commit()
    assert delivery.flush(10) and len(server.outbox) == 1


class RefusingServer(DummyMailer):
    def send_immediately(self, message, fail_silently=False):
        if message.subject == "refused":
            raise ConnectionRefusedError("550 no")
        super().send_immediately(message, fail_silently)


def test_a_refused_mail_does_not_stop_the_next():
    delivery, server = Delivery(), RefusingServer()
    refused = _message()
    refused.subject = "refused"
    delivery.put(server, refused)
    delivery.put(server, _message())
    assert delivery.flush(10)
    assert [m.subject for m in server.outbox] == ["Hello"]
