"""python -m extract parse FILE [FILE...]."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extract.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
SEED_004 = ROOT / "sample_portals" / "seeds" / "004_779adca716a16d2b.txt"


def test_parse_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED_004)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"document", "tasks", "warnings"}
    assert (out["document"]["issuer"], out["document"]["task_count"], len(out["tasks"])) == ("嘉定区人民政府", 91, 91)
    assert out["tasks"][39]["deadline_date"] == "2023-04-20"


def test_parse_several_files_are_parts_of_one_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body.txt"
    body.write_text("上海市嘉定区人民政府办公室文件\n\n嘉府办发〔2023〕9号\n\n2023年3月1日\n", encoding="utf-8")
    assert main(["parse", str(body), str(SEED_004)]) == 0
    doc = json.loads(capsys.readouterr().out)["document"]
    assert (doc["issuer"], doc["doc_number"], doc["issued_on"], doc["task_count"]) == (
        "嘉定区人民政府办公室", "嘉府办发〔2023〕9号", "2023-03-01", 91)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read file"), (b"", "empty input"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "unknown binary format")],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "input.bin"
    if content is not None:
        path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "extract", "parse", str(path)], cwd=ROOT,
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_module_entry_point_prints_utf8_json() -> None:
    proc = subprocess.run([sys.executable, "-m", "extract", "parse", str(SEED_004)], cwd=ROOT,
                          check=False, capture_output=True, timeout=60)
    assert proc.returncode == 0
    text = proc.stdout.decode("utf-8")
    assert "嘉定区" in text and "\\u" not in text


def test_commands_registry_has_parse() -> None:
    assert "parse" in COMMANDS
