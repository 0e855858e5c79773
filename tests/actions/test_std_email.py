"""std.email against a real SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import datetime
import email
import ssl
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mistral import exceptions as exc
from mistral.actions.std_email import SendEmailAction
from tests.actions.conftest import action_context
from tests.server import free_port


class Inbox:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return '250 OK'

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ('robot@example.org', 's3cret'))


def _self_signed(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    inbox.address = f'127.0.0.1:{controller.port}'
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_tls(tmp_path):
    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port(),
                            tls_context=_self_signed(tmp_path),
                            require_starttls=True,
                            authenticator=inbox.authenticate,
                            auth_required=True)
    controller.start()
    inbox.address = f'127.0.0.1:{controller.port}'
    yield inbox
    controller.stop()


def _subject(message) -> str:
    return str(make_header(decode_header(message['Subject'])))


def test_plain_message_with_cc_and_bcc(smtp):
    result = SendEmailAction(
        from_addr='mistral@example.org', to_addrs=['a@example.org'],
        cc_addrs=['c@example.org'], bcc_addrs=['hidden@example.org'],
        reply_to=['r@example.org'], subject='Täst', body='Hello there',
        smtp_server=smtp.address).run(action_context())
    assert result is None
    [envelope] = smtp.envelopes
    assert envelope.mail_from == 'mistral@example.org'
    assert sorted(envelope.rcpt_tos) == ['a@example.org', 'c@example.org',
                                         'hidden@example.org']
    message = email.message_from_bytes(envelope.content)
    assert _subject(message) == 'Täst'
    assert message['To'] == 'a@example.org'
    assert message['Cc'] == 'c@example.org'
    assert message['Reply-To'] == 'r@example.org'
    assert 'hidden@example.org' not in envelope.content.decode()
    assert message.get_content_type() == 'text/plain'
    assert message.get_payload(decode=True).decode() == 'Hello there'


def test_html_body_makes_a_multipart_alternative(smtp):
    SendEmailAction(from_addr='mistral@example.org',
                    to_addrs=['a@example.org', 'b@example.org'],
                    smtp_server=smtp.address, body='plain text',
                    html_body='<p>rich</p>').run(action_context())
    [envelope] = smtp.envelopes
    assert sorted(envelope.rcpt_tos) == ['a@example.org', 'b@example.org']
    message = email.message_from_bytes(envelope.content)
    assert message.get_content_type() == 'multipart/alternative'
    parts = {p.get_content_type(): p.get_payload(decode=True).decode()
             for p in message.get_payload()}
    assert parts == {'text/plain': 'plain text', 'text/html': '<p>rich</p>'}
    assert _subject(message) == '<No subject>'


def test_password_means_starttls_and_login(smtp_tls):
    SendEmailAction(from_addr='robot@example.org',
                    to_addrs=['a@example.org'], smtp_server=smtp_tls.address,
                    smtp_password='s3cret', body='secure').run(
        action_context())
    assert smtp_tls.logins == [('robot@example.org', 's3cret')]
    assert len(smtp_tls.envelopes) == 1
    # Without a password there is no STARTTLS, which this server requires.
    with pytest.raises(exc.ActionError,
                       match='Failed to send an email message'):
        SendEmailAction(from_addr='robot@example.org',
                        to_addrs=['a@example.org'],
                        smtp_server=smtp_tls.address).run(action_context())
    assert len(smtp_tls.envelopes) == 1


def test_unreachable_server_fails_clearly():
    with pytest.raises(exc.ActionError,
                       match='Failed to send an email message'):
        SendEmailAction(from_addr='m@example.org', to_addrs=['a@example.org'],
                        smtp_server=f'127.0.0.1:{free_port()}').run(
            action_context())
