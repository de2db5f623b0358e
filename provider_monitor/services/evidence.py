"""Evidence files on actions: checked by their content, stored under a random name, served only when allowed."""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.models.action import Action, ActionEvidence
from provider_monitor.models.user import User
from provider_monitor.services import action_rules, actions
from provider_monitor.services.exceptions import FieldError, NotFound

TYPE_MESSAGE = "The selected file must be a PDF, Word, Excel, PNG, JPEG, CSV or text file"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each allowed extension must turn out to be, by its content.
EXTENSION_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "docx": DOCX,
    "xlsx": XLSX, "txt": "text/plain", "csv": "text/csv",
}  # fmt: skip
# A text file that is really a web page must not pass as plain text.
MARKUP_START = re.compile(rb"^\s*<(!doctype|html|script|svg|\?xml|iframe|body)", re.IGNORECASE)
OFFICE_MAIN_PARTS = {DOCX: b"wordprocessingml.document.main+xml", XLSX: b"spreadsheetml.sheet.main+xml"}


def size_message(max_bytes: int) -> str:
    return f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB"


def _office_type(content: bytes) -> str | None:
    """DOCX or XLSX: a zip whose [Content_Types].xml names the right main part."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:  # a real one is a few kB; refuse a zip bomb
                return None
            manifest = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    return next((kind for kind, part in OFFICE_MAIN_PARTS.items() if part in manifest), None)


def _is_text(content: bytes) -> bool:
    if b"\x00" in content or MARKUP_START.match(content.removeprefix(b"\xef\xbb\xbf")):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(content: bytes, extension: str) -> str | None:
    """The content type the file really is, when it is one we accept and matches its extension."""
    expected = EXTENSION_TYPES.get(extension)
    if expected is None:
        return None
    if content.startswith(b"%PDF-"):
        found = "application/pdf"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        found = "image/jpeg"
    elif content.startswith(b"PK\x03\x04"):
        found = _office_type(content)
    elif _is_text(content):
        found = expected if expected in ("text/plain", "text/csv") else None
    else:
        found = None
    return found if found == expected else None


def clean_filename(raw: str | None) -> str:
    """The name to show: its last path part, printable, at most 255 characters. Never a path."""
    name = re.split(r"[/\\]", raw or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 254 - len(extension)] + dot + extension) if dot and len(extension) < 10 else name[:255]
    return name or "evidence"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


@dataclass(frozen=True)
class Checked:
    """An upload that passed the checks, still in memory."""

    filename: str
    content: bytes
    content_type: str


def check_upload(stream: BinaryIO | None, filename: str | None, *, max_bytes: int) -> Checked:
    """Read at most max_bytes + 1 bytes and refuse what is missing, empty, too big or not an allowed type."""
    if stream is None or not filename:
        raise FieldError("file", "Select a file")
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise FieldError("file", size_message(max_bytes))
    if not content:
        raise FieldError("file", "The selected file is empty")
    name = clean_filename(filename)
    kind = sniff(content, _extension(name))
    if kind is None:
        raise FieldError("file", TYPE_MESSAGE)
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    return Checked(filename=name, content=content, content_type=kind)


def _write(directory: Path, content: bytes) -> str:
    """Write under a fresh random name (temporary file, fsync, rename): a half-written file never has the name."""
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    temporary = directory / f".{stored_name}.part"
    try:
        with open(temporary, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, directory / stored_name)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return stored_name


def stored_path(directory: str | Path, evidence: ActionEvidence) -> Path:
    """Where the file is kept; stored names are ours (hex), never the uploader's."""
    if not re.fullmatch(r"[0-9a-f]{32}", evidence.stored_name):
        raise NotFound("evidence")
    return Path(directory) / evidence.stored_name


def remove_file(directory: str | Path, evidence: ActionEvidence) -> None:
    """Take away a file whose database row did not survive (a failed flush or commit)."""
    (Path(directory) / evidence.stored_name).unlink(missing_ok=True)


def add_evidence(
    session: Session, action: Action, upload: Checked, *, by: User, note: str | None, directory: str | Path
) -> ActionEvidence:
    """Store the file and its record, with a timeline entry; if the row cannot be flushed the file goes too."""
    if by.role not in action_rules.ACTION_WORKERS:
        raise FieldError("file", "Your role cannot add evidence to an action")
    actions.require_open_for_evidence(action)
    stored_name = _write(Path(directory), upload.content)
    evidence = ActionEvidence(
        action_id=action.id, filename=upload.filename, stored_name=stored_name, content_type=upload.content_type,
        size_bytes=len(upload.content), sha256=hashlib.sha256(upload.content).hexdigest(), uploaded_by_id=by.id,
        uploaded_by_label=actions.actor_label(by),
    )  # fmt: skip
    try:
        session.add(evidence)
        text = f"Evidence added: {upload.filename}" + (f". {note.strip()}" if note and note.strip() else "")
        actions.add_note(session, action, by=by, note=text)
        session.flush()
    except Exception:
        remove_file(directory, evidence)
        raise
    return evidence


def get_evidence(session: Session, viewer: User, evidence_id: int) -> ActionEvidence:
    """An evidence record on an action the viewer may see; otherwise NotFound."""
    stmt = sa.select(ActionEvidence).where(
        ActionEvidence.id == evidence_id, ActionEvidence.action_id.in_(actions.visible_action_ids(viewer))
    )
    evidence = session.scalar(stmt)
    if evidence is None:
        raise NotFound("evidence")
    return evidence
