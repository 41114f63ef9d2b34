"""Word/Excel "single-file web page" (MHTML, RFC 2557 ``multipart/related``) → Document.

Portals serve these saved as ``.doc`` or ``.xls``. The container is a MIME message: the
first ``text/html`` part is the page (quoted-printable or base64, with its own charset);
the other parts are images and styles. Unwrapped with the standard library's ``email``
package, then read by the HTML parser.
"""

from __future__ import annotations

import email
import email.policy
import re

from extract.parse.model import Document, ParseError

_HEAD_RE = re.compile(rb"^\s*(?:[A-Za-z-]+:[^\n]*\r?\n)*?\s*(?:MIME-Version|Content-Type)\s*:", re.I)
_MULTIPART_RE = re.compile(rb"Content-Type\s*:\s*multipart/related", re.I)


def looks_like_mhtml(data: bytes) -> bool:
    """True for a MIME ``multipart/related`` container (its header block names it in the first KiB)."""
    head = data[:2048]
    return bool(_HEAD_RE.match(head)) and bool(_MULTIPART_RE.search(head))


def parse_mhtml(data: bytes) -> Document:
    """Unwrap the first text/html part and parse it as HTML; ParseError when there is none.

    The part's declared charset is passed on as an HTTP-style content type, so a GB2312 page
    decodes as gb18030 (the HTML decoder's rule).
    """
    from extract.parse.html import parse_html

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload.strip():
            continue
        charset = part.get_content_charset()
        doc = parse_html(payload, content_type=f"text/html; charset={charset}" if charset else None)
        doc.source_format = "mht"
        return doc
    raise ParseError("MIME single-file web page without an HTML part")
