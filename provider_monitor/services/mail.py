"""Sending one e-mail through the council's SMTP relay, with the settings in config."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage

# to, subject, body: returns when the server accepted the message, raises otherwise.
Sender = Callable[[str, str, str], None]


def _setting(config, name: str):
    """A setting from app.config (a mapping) or from a Config class."""
    return config[name] if isinstance(config, Mapping) else getattr(config, name)


def smtp_sender_from_config(config) -> Sender:
    """A sender that opens an SMTP connection per message: STARTTLS and login when configured."""
    host = _setting(config, "SMTP_HOST")
    port = int(_setting(config, "SMTP_PORT"))
    timeout = float(_setting(config, "SMTP_TIMEOUT"))
    starttls = bool(_setting(config, "SMTP_STARTTLS"))
    username = _setting(config, "SMTP_USERNAME") or ""
    password = _setting(config, "SMTP_PASSWORD") or ""
    mail_from = _setting(config, "MAIL_FROM")

    def send(to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                # Raises when the server does not offer STARTTLS: never send a password in clear.
                smtp.starttls(context=ssl.create_default_context())
            if username:
                smtp.login(username, password)
            refused = smtp.send_message(message)
        # send_message raises when every recipient is refused; with one recipient this is belt and braces.
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    return send
