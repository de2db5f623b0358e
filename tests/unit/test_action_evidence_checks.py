"""Evidence files are judged by their content, not their name; sizes and names are checked."""

import io
import zipfile

import pytest

from provider_monitor.services import evidence
from provider_monitor.services.exceptions import FieldError

MAX = 1024


def office_file(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/main.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.{main_part}"/></Types>',
        )
        archive.writestr("main.xml", "<x/>")
    return buffer.getvalue()


DOCX = office_file("wordprocessingml.document.main+xml")
XLSX = office_file("spreadsheetml.sheet.main+xml")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("plan.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("photo.PNG", b"\x89PNG\r\n\x1a\n0000", "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        ("photo.jpeg", b"\xff\xd8\xff\xe1Exif", "image/jpeg"),
        ("policy.docx", DOCX, evidence.DOCX),
        ("rota.xlsx", XLSX, evidence.XLSX),
        ("notes.txt", "Staff trained on 3 May – all 12 attended".encode(), "text/plain; charset=utf-8"),
        ("audit.csv", b"\xef\xbb\xbfdate,result\n2026-05-01,pass\n", "text/csv; charset=utf-8"),
    ],
)
def test_allowed_files_are_recognised(name, content, kind):
    checked = evidence.check_upload(io.BytesIO(content), name, max_bytes=MAX * 64)
    assert checked.content_type == kind
    assert checked.content == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>"),  # a web page called a PDF
        ("evil.txt", b"<!DOCTYPE html><html></html>"),  # a web page called text
        ("photo.png", b"%PDF-1.4 really a pdf"),  # content and name disagree
        ("plan.docx", XLSX),  # a spreadsheet called a Word file
        ("archive.docx", b"PK\x03\x04not really a zip"),
        ("binary.txt", b"abc\x00def"),
        ("latin1.csv", "caf\xe9".encode("latin-1")),
        ("program.exe", b"MZ\x90\x00"),
        ("page.html", b"<p>hello</p>"),
        ("no-extension", b"%PDF-1.7"),
    ],
)
def test_other_files_are_refused_whatever_their_name(name, content):
    with pytest.raises(FieldError) as refused:
        evidence.check_upload(io.BytesIO(content), name, max_bytes=MAX * 64)
    assert str(refused.value) == evidence.TYPE_MESSAGE
    assert refused.value.field == "file"


def test_size_limits_and_missing_files():
    with pytest.raises(FieldError, match="^The selected file must be smaller than 8MB$"):
        evidence.check_upload(io.BytesIO(b"%PDF-" + b"0" * 8 * 1024 * 1024), "big.pdf", max_bytes=8 * 1024 * 1024)
    assert evidence.check_upload(io.BytesIO(b"%PDF-" + b"0" * 1019), "exact.pdf", max_bytes=MAX).content_type
    with pytest.raises(FieldError, match="^Select a file$"):
        evidence.check_upload(None, None, max_bytes=MAX)
    with pytest.raises(FieldError, match="^Select a file$"):
        evidence.check_upload(io.BytesIO(b""), "", max_bytes=MAX)
    with pytest.raises(FieldError, match="^The selected file is empty$"):
        evidence.check_upload(io.BytesIO(b""), "empty.pdf", max_bytes=MAX)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("line\nbreak.pdf", "linebreak.pdf"),
        ("", "evidence"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_the_original_name_is_shown_but_never_a_path(raw, shown):
    assert evidence.clean_filename(raw) == shown
