"""std.email: sends a message through an SMTP server."""
from __future__ import annotations

import logging
import smtplib
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from mistral_lib import actions

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)

# An unreachable or silent SMTP server must not hold an executor thread.
SMTP_TIMEOUT_S = 60


def _addresses(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


class SendEmailAction(actions.Action):
    """Sends an email; with html_body the message is multipart/alternative."""

    def __init__(self, from_addr: str, to_addrs: Any, smtp_server: str,
                 reply_to: Any = None, cc_addrs: Any = None,
                 bcc_addrs: Any = None, smtp_password: str | None = None,
                 subject: str | None = None, body: str | None = None,
                 html_body: str | None = None) -> None:
        self.sender = from_addr
        self.to = _addresses(to_addrs)
        self.cc = _addresses(cc_addrs)
        self.bcc = _addresses(bcc_addrs)
        self.reply_to = _addresses(reply_to)
        self.subject = subject or '<No subject>'
        self.body = body or '<No body>'
        self.html_body = html_body
        self.smtp_server = smtp_server
        self.password = smtp_password

    def message(self) -> MIMEText | MIMEMultipart:
        if self.html_body:
            message: MIMEText | MIMEMultipart = MIMEMultipart('alternative')
            message.attach(MIMEText(self.body, 'plain', _charset='utf-8'))
            message.attach(MIMEText(self.html_body, 'html',
                                    _charset='utf-8'))
        else:
            message = MIMEText(self.body, _charset='utf-8')
        message['Subject'] = Header(self.subject, 'utf-8')
        message['From'] = self.sender
        message['To'] = ', '.join(self.to)
        if self.cc:
            message['Cc'] = ', '.join(self.cc)
        if self.reply_to:
            message['Reply-To'] = ', '.join(self.reply_to)
        # Bcc recipients get the message but never appear in it.
        return message

    def run(self, context: Any) -> None:
        if not self.to and not self.cc and not self.bcc:
            raise exc.ActionError('Failed to send an email message: no '
                                  'recipients (to_addrs is empty)')
        LOG.info('Sending email [from=%s, to=%s, cc=%s, bcc=%s, subject=%s, '
                 'smtp=%s]', self.sender, self.to, self.cc, self.bcc,
                 self.subject, self.smtp_server)
        try:
            # smtplib understands "host:port".
            smtp = smtplib.SMTP(self.smtp_server, timeout=SMTP_TIMEOUT_S)
        except (smtplib.SMTPException, OSError) as e:
            raise exc.ActionError(
                f'Failed to send an email message: {e}') from None
        try:
            if self.password is not None:
                # STARTTLS, then log in (RFC 3207).
                smtp.ehlo()
                smtp.starttls()
                smtp.ehlo()
                smtp.login(self.sender, self.password)
            smtp.sendmail(self.sender, self.to + self.cc + self.bcc,
                          self.message().as_string())
        except (smtplib.SMTPException, OSError) as e:
            # After a failure, just hang up: a polite QUIT could wait on a
            # server that no longer answers.
            smtp.close()
            raise exc.ActionError(
                f'Failed to send an email message: {e}') from None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def test(self, context: Any) -> None:
        return None
