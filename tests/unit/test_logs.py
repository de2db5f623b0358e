"""Logs are JSON lines: one record a line whatever the input, and never a password."""

import json
import logging

from provider_monitor.logs import JsonFormatter


def test_a_newline_in_a_value_cannot_forge_a_second_log_line():
    record = logging.makeLogRecord({"msg": "sign_in_failed", "levelname": "INFO", "email": "x@y\r\nFAKE ENTRY"})
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["email"] == "x@y\r\nFAKE ENTRY"


def test_a_failed_sign_in_never_logs_the_password(app, client, caplog):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        client.post("/sign-in", data={"email": "who@x.example", "password": "my secret passphrase"})
    assert "sign_in_failed" in caplog.text
    assert "my secret passphrase" not in caplog.text
