"""WARC archive of every response that can feed the warehouse (warcio).

Each writer owns one gzip WARC file (one per task run, so parallel tasks never
share a file). A record is addressed by (file relative to the archive dir,
byte offset); ``read_record`` re-reads it so auditors can re-hash the bytes.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO, Optional

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from extract import settings
from extract.crawl.http import FetchResult


@dataclass(frozen=True)
class ArchivedRecord:
    warc_file: str      # relative to the archive dir
    warc_offset: int
    warc_length: int
    sha256: str


class WarcArchive:
    """Appends response records to one new WARC file under ``root/<portal>/<date>/``."""

    def __init__(self, portal_id: str, root: Optional[Path] = None) -> None:
        self.root = Path(root or settings.archive_dir())
        day = datetime.now(timezone.utc).strftime("%Y%m%d")
        rel = Path(portal_id) / day / f"{datetime.now(timezone.utc):%H%M%S}-{uuid.uuid4().hex[:12]}.warc.gz"
        self.rel_path = str(rel)
        self.path = self.root / rel
        self._fh: Optional[BinaryIO] = None
        self._writer: Optional[WARCWriter] = None

    def _open(self) -> WARCWriter:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")  # noqa: SIM115 - appended to across records; closed in close()
            self._writer = WARCWriter(self._fh, gzip=True)
        return self._writer

    def write(self, result: FetchResult) -> ArchivedRecord:
        """Write one response with a body (200, or a challenge page) and return its address."""
        assert result.body is not None, "only responses with a body are archived"
        writer = self._open()
        assert self._fh is not None
        headers = [(k, v) for k, v in result.headers.items()
                   if k.lower() not in ("transfer-encoding", "content-encoding")]
        try:
            reason = HTTPStatus(result.status or 0).phrase  # no status: ValueError, "Unknown"
        except ValueError:
            reason = "Unknown"  # e.g. 521, a challenge status outside the registry
        http_headers = StatusAndHeaders(f"{result.status} {reason}", headers, protocol=result.http_version)
        record = writer.create_warc_record(
            result.final_url or result.url, "response", payload=io.BytesIO(result.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": result.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        self._fh.seek(0, io.SEEK_END)
        offset = self._fh.tell()
        writer.write_record(record)
        self._fh.flush()
        length = self._fh.tell() - offset
        return ArchivedRecord(self.rel_path, offset, length, hashlib.sha256(result.body).hexdigest())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._writer = None

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_record(warc_file: str, offset: int, root: Optional[Path] = None) -> bytes:
    """The response body stored at ``offset`` in ``warc_file`` (relative to the archive dir)."""
    path = Path(root or settings.archive_dir()) / warc_file
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                return record.content_stream().read()
            break
    raise ValueError(f"no response record at {warc_file}@{offset}")
