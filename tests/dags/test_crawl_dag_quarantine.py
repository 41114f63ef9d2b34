"""In Airflow: a malformed attachment fails only its document's mapped ``load`` task instance
(no retry, reason in the log), the other document of the portal loads, the Asset is still updated.

Runs ``dag.test()`` for ``crawl_pudong`` in a subprocess (own AIRFLOW_HOME, SQLite) against the
sample portals with one notice's attachments replaced by bytes that are not a document.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extract.runner import common_free_port

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import json, os
from extract import airflow_env, runner, settings
airflow_env.configure()
airflow_env.migrate()
from sample_portals.build import build, build_sites
from sample_portals.server import start_sample_portals
bd = settings.sample_build_dir()
build(bd)
# Every rendition (hashed names, each in its own /cmsres/ folder) of the notice that offers an .xlsx.
notice = next(n for n in build_sites(with_doc=False)["pudong"].notices
              if any(a.path.endswith(".xlsx") for a in n.attachments))
broken = [a.path for a in notice.attachments]
with start_sample_portals(bd, port=int(os.environ["WP_SAMPLE_PORT"])) as sp:
    for p in broken:
        sp.replace_file("pudong", p, b"PK\x03\x04 not a document at all")
    from airflow.dag_processing.dagbag import DagBag
    dr = runner.test_in_process(DagBag(dag_folder=str(settings.REPO_ROOT / "dags")).dags["crawl_pudong"])
    tis = [[ti.task_id, ti.map_index, str(getattr(ti.state, "value", ti.state)), ti.try_number]
           for ti in dr.get_task_instances()]
print("RESULT " + json.dumps({"state": str(getattr(dr.state, "value", dr.state)), "tis": tis, "broken": broken}))
'''


@pytest.fixture(scope="module")
def dag_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("dagq")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WP_"))}
    env.update(WP_VAR_DIR=str(home / "var"), AIRFLOW_HOME=str(home / "airflow"),
               WP_SAMPLE_PORT=str(common_free_port(18731)), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, check=False, capture_output=True, text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert proc.returncode == 0 and line, out[-5000:]
    return {**json.loads(line[7:]), "log": out, "var": home / "var"}


def test_only_the_broken_documents_load_task_fails(dag_run: dict) -> None:
    assert dag_run["state"] == "failed"  # red in the UI: somebody must look
    loads = sorted(state for task, _, state, _ in dag_run["tis"] if task == "load")
    assert loads == ["failed", "success"]
    failed = [ti for ti in dag_run["tis"] if ti[0] == "load" and ti[2] == "failed"]
    assert failed[0][3] == 1  # AirflowFailException: not retried
    others = {task: state for task, idx, state, _ in dag_run["tis"] if task != "load" and idx in (-1, 0, 1)}
    assert others["publish_raw"] == "success" and others["plan"] == "success"  # the Asset is still updated
    assert others["check_loads"] == "failed"  # the leaf that makes the run red


def test_the_log_says_why_and_the_warehouse_holds_one_clean_document(dag_run: dict) -> None:
    assert "quarantined" in dag_run["log"] and "parse error" in dag_run["log"]
    # the leaf check_loads says it in one place: the URL, the stage and reasons, the command to run
    summary = dag_run["log"][dag_run["log"].index("1 of 2 document(s) quarantined or not loaded in this run:"):]
    assert "[parse]" in summary.splitlines()[1] and "parse error" in summary.splitlines()[2]
    assert "python -m extract quarantine" in summary
    with duckdb.connect(str(dag_run["var"] / "warehouse" / "workplans.duckdb"), read_only=True) as con:
        assert con.execute("select task_count from raw.document_versions").fetchall() == [(70,)]
        (stage, reasons, warc, url), = con.execute(
            "select stage, reasons, warc_file, source_url from raw.quarantine where resolved_at is null").fetchall()
        assert stage == "parse" and "parse error" in reasons and warc
        assert any(url.endswith(p) for p in dag_run["broken"])
        statuses = sorted(s for (s,) in con.execute("select status from raw.load_audit").fetchall())
        assert statuses == ["loaded", "quarantined"]
