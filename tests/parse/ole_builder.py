"""Build tiny OLE2 compound files (and a BIFF8 workbook stream) inside tests.

No library here writes .doc/.xls, so tests assemble the containers by hand:
enough structure for format detection and for xlrd to read cells and merges.
"""

from __future__ import annotations

import struct

SECTOR = 512
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, start: int, size: int, left: int = NOSTREAM,
               right: int = NOSTREAM, child: int = NOSTREAM) -> bytes:
    """One 128-byte directory entry (kind 5 root, 2 stream, 0 unused)."""
    raw = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        raw.ljust(64, b"\x00"), len(raw), kind, 1, left, right, child,
        b"\x00" * 16, 0, 0, 0, start, size,
    )


def build_ole(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding the given streams (each padded to ≥ 4096 bytes)."""
    names = list(streams)
    datas = [streams[n].ljust(4096, b"\x00") for n in names]
    n_dir_sectors = (len(names) + 1 + 3) // 4
    first_data = 1 + n_dir_sectors
    fat: list[int] = [FATSECT] + [s + 1 if s < n_dir_sectors else ENDOFCHAIN for s in range(1, n_dir_sectors + 1)]
    starts = []
    pos = first_data
    for data in datas:
        n = (len(data) + SECTOR - 1) // SECTOR
        starts.append(pos)
        fat.extend(list(range(pos + 1, pos + n)) + [ENDOFCHAIN])
        pos += n
    assert len(fat) <= SECTOR // 4, "builder supports one FAT sector"
    fat_bytes = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREESECT] * (SECTOR // 4 - len(fat))))
    entries = [_dir_entry("Root Entry", 5, ENDOFCHAIN, 0, child=1)]
    for i, (name, data) in enumerate(zip(names, datas)):
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        entries.append(_dir_entry(name, 2, starts[i], len(data), right=right))
    while len(entries) % 4:
        entries.append(_dir_entry("", 0, 0, 0))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x00" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6,
        0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    )
    header += struct.pack("<109I", 0, *([FREESECT] * 108))
    body = fat_bytes + b"".join(entries) + b"".join(d.ljust(((len(d) + SECTOR - 1) // SECTOR) * SECTOR, b"\x00") for d in datas)
    return header + body


def _rec(rtype: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def _ustr16(text: str) -> bytes:
    """BIFF8 unicode string with 16-bit length, stored as UTF-16LE."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def _ustr8(text: str) -> bytes:
    """BIFF8 unicode string with 8-bit length."""
    return struct.pack("<BB", len(text), 1) + text.encode("utf-16-le")


def build_xls(cells: dict[tuple[int, int], object], merges: list[tuple[int, int, int, int]], sheet: str = "Sheet1") -> bytes:
    """A one-sheet BIFF8 .xls: text/number cells at (row, col), merges as (r0, r1, c0, c1) inclusive."""
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    font = _rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _ustr8("Arial"))
    xf = _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    xf_cell = _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    globals_wo_sheet = bof_globals + _rec(0x0042, struct.pack("<H", 1200)) + font * 5 + xf * 15 + xf_cell
    boundsheet_len = 4 + 6 + len(_ustr8(sheet))
    eof = _rec(0x000A, b"")
    sheet_offset = len(globals_wo_sheet) + boundsheet_len + len(eof)
    boundsheet = _rec(0x0085, struct.pack("<IBB", sheet_offset, 0, 0) + _ustr8(sheet))
    n_rows = max(r for r, _ in cells) + 1
    n_cols = max(c for _, c in cells) + 1
    body = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    body += _rec(0x0200, struct.pack("<IIHHH", 0, n_rows, 0, n_cols, 0))
    for (r, c), v in sorted(cells.items()):
        if isinstance(v, (int, float)):
            body += _rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
        else:
            body += _rec(0x0204, struct.pack("<HHH", r, c, 15) + _ustr16(str(v)))
    if merges:
        body += _rec(0x00E5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<HHHH", *m) for m in merges))
    body += eof
    stream = globals_wo_sheet + boundsheet + eof + body
    return build_ole({"Workbook": stream})
