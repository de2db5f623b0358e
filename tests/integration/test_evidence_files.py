"""Evidence files: checked by content, stored under a random name outside static/, downloaded only by those allowed."""

import hashlib
import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import ActionEvent, ActionEvidence
from provider_monitor.services import evidence
from tests import factories
from tests.helpers import error_summary, field_error, page, table_rows

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def evidence_dir(app) -> Path:
    return Path(app.config["EVIDENCE_DIR"])


def _files(directory: Path) -> set[str]:
    return set(os.listdir(directory)) if directory.exists() else set()


def _upload(client, action, content: bytes, filename: str = "audit.pdf", note: str = ""):
    action_id = action if isinstance(action, int) else action.id
    # Encoded in memory: the test client spools big bodies to a temporary file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename), "evidence_note": note})
    return client.post(
        f"/actions/{action_id}/evidence", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _own_action(login_as, **kwargs):
    provider = factories.ProviderFactory(name="Own Care Ltd")
    action = factories.ActionFactory(service=factories.ServiceFactory(provider=provider), **kwargs)
    user = login_as(Role.PROVIDER, provider=provider, name="Pat Provider")
    return action, user


def test_a_provider_user_uploads_evidence_and_downloads_it_as_an_attachment(client, login_as, evidence_dir):
    action, user = _own_action(login_as)
    before = _files(evidence_dir)

    response = _upload(client, action, PDF, "../../Medication audit.pdf", note="May audit")

    assert response.status_code == 302
    record = db.session.scalars(sa.select(ActionEvidence)).one()
    assert record.filename == "Medication audit.pdf"
    assert (record.content_type, record.size_bytes) == ("application/pdf", len(PDF))
    assert record.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (record.uploaded_by_id, record.uploaded_by_label) == (user.id, "Pat Provider (Provider user)")
    assert _files(evidence_dir) - before == {record.stored_name}
    assert (evidence_dir / record.stored_name).read_bytes() == PDF
    assert "Medication audit" not in record.stored_name
    event = db.session.scalars(sa.select(ActionEvent)).one()
    assert event.note == "Evidence added: Medication audit.pdf. May audit"

    soup = page(client.get(f"/actions/{action.id}"))
    assert table_rows(soup, "[data-testid=evidence]")[0][0] == "Medication audit.pdf"

    download = client.get(f"/evidence/{record.id}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200
    assert body == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Medication" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_may_add_evidence_on_the_providers_behalf_and_download_it(client, login_as):
    login_as(Role.CONTRACT_MANAGER)
    action = factories.ActionFactory()
    assert _upload(client, action, b"date,result\n2026-05-01,pass\n", "audit.csv").status_code == 302
    record = db.session.scalars(sa.select(ActionEvidence)).one()
    assert record.content_type == "text/csv; charset=utf-8"
    download = client.get(f"/evidence/{record.id}")
    download.close()
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "evil.pdf", evidence.TYPE_MESSAGE),
        (b"MZ\x90\x00\x03", "tool.exe", evidence.TYPE_MESSAGE),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
)
def test_files_of_the_wrong_type_are_refused_next_to_the_field(
    client, login_as, evidence_dir, content, filename, message
):
    action, _ = _own_action(login_as)
    before = _files(evidence_dir)
    response = _upload(client, action, content, filename)
    soup = page(response)
    assert response.status_code == 400
    assert soup.title.string.startswith("Error: ")
    assert error_summary(soup) == [(message, "#file")]
    assert field_error(soup, "file") == message
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 0
    assert _files(evidence_dir) == before


def test_no_file_chosen(client, login_as):
    action, _ = _own_action(login_as)
    response = client.post(f"/actions/{action.id}/evidence", data={"evidence_note": "x"})
    assert response.status_code == 400
    assert field_error(page(response), "file") == "Select a file"


def test_a_file_over_the_evidence_limit_is_refused(client, login_as, app, evidence_dir):
    action, _ = _own_action(login_as)
    before = _files(evidence_dir)
    too_big = PDF + b"0" * app.config["EVIDENCE_MAX_BYTES"]
    response = _upload(client, action, too_big)
    assert response.status_code == 400
    assert field_error(page(response), "file") == "The selected file must be smaller than 8MB"
    assert _files(evidence_dir) == before


def test_a_body_over_the_request_limit_gets_the_same_clear_message(client, login_as, app):
    action, _ = _own_action(login_as)
    response = _upload(client, action, PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code == 413
    assert field_error(page(response), "file") == "The selected file must be smaller than 8MB"
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 0


def test_a_provider_user_gets_404_for_another_providers_evidence(client, login_as, evidence_dir):
    other = factories.ActionEvidenceFactory(filename="secret-other.pdf")
    before = _files(evidence_dir)
    login_as(Role.PROVIDER)
    for response in (client.get(f"/evidence/{other.id}"), _upload(client, other.action_id, PDF)):
        assert response.status_code == 404
        assert "secret-other" not in response.get_data(as_text=True)
    assert client.get("/evidence/999999").status_code == 404
    assert _files(evidence_dir) == before
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 1


def test_evidence_whose_file_is_missing_is_not_found(client, login_as):
    login_as(Role.OFFICER)
    record = factories.ActionEvidenceFactory()
    assert client.get(f"/evidence/{record.id}").status_code == 404


def test_admins_and_verified_actions_take_no_evidence(client, login_as):
    action = factories.ActionFactory(status="verified")
    login_as(Role.CONTRACT_MANAGER)
    assert page(client.get(f"/actions/{action.id}")).select_one("[data-testid=evidence-form]") is None
    response = _upload(client, action, PDF)
    assert response.status_code == 400
    assert "evidence can no longer be added" in page(response).select_one(".govuk-error-summary").get_text()
    login_as(Role.ADMIN)
    open_action = factories.ActionFactory()
    assert _upload(client, open_action, PDF).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 0


def test_a_failed_flush_leaves_no_file_behind(app_ctx, app, evidence_dir, monkeypatch):
    action = factories.ActionFactory()
    user = factories.UserFactory(role=Role.OFFICER)
    checked = evidence.check_upload(io.BytesIO(PDF), "audit.pdf", max_bytes=1024)
    before = _files(evidence_dir)

    def refuse():
        raise IntegrityError("INSERT", {}, Exception("disk quota"))

    monkeypatch.setattr(db.session, "flush", refuse)
    with pytest.raises(IntegrityError):
        evidence.add_evidence(db.session, action, checked, by=user, note=None, directory=evidence_dir)
    monkeypatch.undo()
    db.session.rollback()
    assert _files(evidence_dir) == before


def test_a_failed_commit_leaves_no_file_behind(client, login_as, evidence_dir, monkeypatch):
    action, _ = _own_action(login_as)
    before = _files(evidence_dir)
    real_commit = db.session.commit

    def failing_commit():
        if any(isinstance(o, ActionEvidence) for o in db.session):
            raise IntegrityError("COMMIT", {}, Exception("connection lost"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = _upload(client, action, PDF)
    monkeypatch.undo()
    assert response.status_code == 500
    assert _files(evidence_dir) == before


def test_the_action_page_forms_work_with_csrf_protection_on(app, client, login_as, monkeypatch):
    action, _ = _own_action(login_as)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    soup = page(client.get(f"/actions/{action.id}"))
    token = soup.select_one("[data-testid=evidence-form] input[name=csrf_token]")["value"]
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(PDF), "audit.pdf"), "csrf_token": token})
    url = f"/actions/{action.id}/evidence"
    assert client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}").status_code == 302
    assert _upload(client, action, PDF).status_code == 400  # no token
    move = soup.select_one("[data-testid=move-form] input[name=csrf_token]")["value"]
    data = {"csrf_token": move, "status": "in_progress", "version_id": action.version_id}
    assert client.post(f"/actions/{action.id}/status", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 1


def test_a_full_disk_is_reported_and_nothing_is_recorded(client, login_as, evidence_dir, monkeypatch):
    action, _ = _own_action(login_as)
    before = _files(evidence_dir)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence.os, "fsync", full)
    response = _upload(client, action, PDF)
    assert response.status_code == 503
    assert field_error(page(response), "file") == "The file could not be saved. Try again later"
    assert _files(evidence_dir) == before
    assert db.session.scalar(sa.select(sa.func.count(ActionEvidence.id))) == 0
