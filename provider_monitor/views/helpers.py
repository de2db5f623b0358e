"""Small helpers shared by views."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Response, abort, request, stream_with_context

from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.services import exports
from provider_monitor.services.exceptions import EditConflict, FieldError, NotFound


def or_404(load, *args, **kwargs):
    """Call a service loader; a missing or forbidden object is the same 404."""
    try:
        return load(*args, **kwargs)
    except NotFound:
        abort(404)


def add_field_error(form, field_name: str, message: str) -> None:
    field = getattr(form, field_name, None)
    if field is None:
        form.form_errors.append(message)
        return
    field.errors = [*list(field.errors or []), message]


def save_or_report(form, action) -> tuple[object | None, str | None]:
    """Run a service action and commit; on a domain error roll back and report it on the form.

    Returns (result, conflict message). Field errors are attached to the form's fields.
    """
    try:
        result = action()
        db.session.commit()
        return result, None
    except FieldError as error:
        db.session.rollback()
        add_field_error(form, error.field, str(error))
        return None, None
    except EditConflict as error:
        db.session.rollback()
        return None, str(error)


def page_number() -> int:
    """The ?page= number, 1 when absent; a bad value is a 400 with a clear message."""
    raw = request.args.get("page", "1")
    # isdigit() alone accepts '²' and '٣', which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or int(raw) > 100000:
        abort(400, description="The page number must be a whole number from 1")
    return int(raw)


def is_safe_next(target: str | None) -> bool:
    """Only redirect to paths on this site after sign-in: never to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _shown(value) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(getattr(value, "label", value))


def conflict_rows(form, saved, data: dict) -> list[tuple[str, str, str]]:
    """(field label, saved value, the editor's value) for each field the two disagree on."""
    rows = []
    for name, yours in data.items():
        field = getattr(form, name)
        labels = {str(choice.value): choice.label for choice in getattr(field, "choices", None) or []}

        def show(value, labels=labels):
            return labels.get(str(getattr(value, "value", value))) or _shown(value)

        current = getattr(saved, name)
        if show(current) != show(yours):
            rows.append((field.label.text, show(current), show(yours)))
    return rows


@dataclass
class Edit:
    """What became of a submitted edit form."""

    record: object
    saved: bool = False
    conflict: str | None = None
    conflict_rows: list = field(default_factory=list)

    @property
    def status(self) -> int:
        return 409 if self.conflict else 200


def submit_edit(form, record, *, update, data, reload) -> Edit:
    """Validate and save an edit carrying the version the editor saw; on a clash keep their input.

    update(record, data, expected_version) saves; data() reads the form; reload() fetches the record anew.
    """
    if not form.validate_on_submit():
        return Edit(record)
    raw = form.version_id.data or ""
    expected = int(raw) if raw.isascii() and raw.isdigit() else None
    saved, conflict = save_or_report(form, lambda: update(record, data(), expected))
    if saved is not None:
        return Edit(saved, saved=True)
    if not conflict:
        return Edit(record)
    current = reload()
    # The next save is made knowingly over the current version.
    rows = conflict_rows(form, current, data())
    form.version_id.data = current.version_id
    return Edit(current, conflict=conflict, conflict_rows=rows)


def send_download(fmt: str, name: str, header: list[str], rows, *, date_text=None) -> Response:
    """A list's export as CSV (streamed, within the request's context) or XLSX, as an attachment."""
    file = exports.download(fmt, name, header, rows, date_text=date_text)
    return Response(stream_with_context(file.body), mimetype=file.mimetype, headers=file.headers)


def validate_or_400(form) -> None:
    """An export's filters must be valid: there is no page to show errors on, so the 400 says them."""
    if not form.validate():
        abort(400, description="; ".join(item["text"] for item in error_summary(form)["errorList"]))
