"""The landing store and file screening: content-addressed, never overwritten; decompression bombs,
absurd sizes, truncated archives and wrong headers refused with one message naming file, line, column."""
from __future__ import annotations

import bz2
import gzip
import hashlib
import struct

import pytest

from pipelines import landing
from pipelines.sources import SourceFormatError


def test_store_is_content_addressed_and_never_overwrites(tmp_path):
    root = tmp_path / "landing"
    first = tmp_path / "a" / "file.csv"
    first.parent.mkdir()
    first.write_bytes(b"x,y\n1,2\n")
    stored = landing.store(first, root)
    assert stored.path == root / hashlib.sha256(b"x,y\n1,2\n").hexdigest() / "file.csv"
    assert stored.path.read_bytes() == b"x,y\n1,2\n" and stored.size_bytes == 8
    # The same name with other bytes is another entry; the first copy is untouched and read-only.
    first.write_bytes(b"x,y\n3,4\n")
    second = landing.store(first, root)
    assert second.path != stored.path and stored.path.read_bytes() == b"x,y\n1,2\n"
    assert not stored.path.stat().st_mode & 0o222
    # Storing the same bytes again is a no-op.
    assert landing.store(first, root).path == second.path
    assert sorted(p.name for p in root.iterdir()) == sorted([stored.sha256, second.sha256])


def _screen(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    landing.screen(landing.store(path, tmp_path / "landing"))


def test_real_ratios_pass_and_bombs_do_not(tmp_path):
    text = b"".join(b"%05d|2000|%d|%d\n" % (i, i % 12 + 1, i % 7) for i in range(50_000))  # ~ 1 MB of plausible rows
    _screen(tmp_path, "ok.csv.gz", gzip.compress(text))
    _screen(tmp_path, "ok.csv.bz2", bz2.compress(text))
    zeros = b"0" * (24 << 20)  # 24 MiB of zeros: about 1,000:1 in gzip, 100,000:1 in bzip2
    for name, packed in (("bomb.csv.gz", gzip.compress(zeros, 9)), ("bomb.csv.bz2", bz2.compress(zeros, 9))):
        assert len(zeros) / len(packed) > landing.MAX_RATIO
        with pytest.raises(SourceFormatError, match=r"decompression bomb") as error:
            _screen(tmp_path, name, packed)
        assert str(error.value).startswith(name + ": ")


def test_size_claims_and_truncation(tmp_path):
    packed = gzip.compress(b"a|b\n1|2\n")
    claims = packed[:-4] + struct.pack("<I", 1 << 30)
    with pytest.raises(SourceFormatError, match="its header claims 1,073,741,824 bytes"):
        _screen(tmp_path, "claims.csv.gz", claims)
    big = gzip.compress(bytes(range(256)) * 4000)
    with pytest.raises(SourceFormatError, match="complete gzip file"):
        _screen(tmp_path, "cut.csv.gz", big[: len(big) // 2])


def test_decompressed_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(landing, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    data = bytes(range(256)) * 8192  # 2 MiB that compresses poorly (no ratio alarm)
    with pytest.raises(SourceFormatError, match="at most 1,048,576 bytes uncompressed"):
        _screen(tmp_path, "large.csv.bz2", bz2.compress(data))


HEADER = {"columns": ["Año", "Mes", "Total"], "delimiter": ",", "encoding": "utf-8"}


@pytest.mark.parametrize("content, column, message", [
    ("Año,Mes,Total\n2024,Enero,3\n", None, None),
    ("\ufeffAño,Mes,Total\r\n2024,Enero,3\r\n", None, None),  # a UTF-8 BOM and CRLF are accepted (issue #15)
    ("Año,Mes,Totales\n", "Total", "column 3 named 'Total' (missing or renamed), found 'Totales'"),
    ("Año,Total\n", "Mes", "column 2 named 'Mes' (missing or renamed), found 'Total'"),
    ("Año,Mes\n", "Total", "column 3 named 'Total' (missing; the header has 2 columns)"),
    ("Año,Mes,Total,Notas\n", "Notas", "found extra column 'Notas'"),
    ("Año;Mes;Total\n", None, "another delimiter"),
    ("", None, "the file is empty"),
])
def test_published_header(tmp_path, content, column, message):
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    if message is None:
        landing.check_header(path, HEADER)
        return
    with pytest.raises(SourceFormatError) as error:
        landing.check_header(path, HEADER)
    assert (error.value.line, error.value.column) == (1, column)
    assert message in str(error.value) and str(error.value).startswith("f.csv, line 1")


def test_header_encoding_errors(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("Año,Mes,Total\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match=r"byte b'\\xf1' at position 1 of the header is not utf-8"):
        landing.check_header(path, HEADER)
    path.write_bytes("Año,Mes,Total\n".encode("utf-16"))
    with pytest.raises(SourceFormatError, match="UTF-16"):
        landing.check_header(path, HEADER)
    gz = tmp_path / "f.csv.gz"
    gz.write_bytes(gzip.compress(b"A|B|C\n"))
    with pytest.raises(SourceFormatError, match=r"column 1 named 'Año'"):
        landing.check_header(gz, {"columns": ["Año", "B", "C"], "delimiter": "|"})
