"""Great Expectations Data Docs: the HTML site of every validation outcome, built at publish.

GX renders Data Docs from a context's *stores*, so ``build_data_docs`` keeps a small
file-backed GX project under ``var/gx`` (override with ``gx_root=``) whose
validation-results store accumulates every outcome it is given; the site itself is
written to ``settings.data_docs_dir()`` (``index.html``). The outcomes come from
``extract.validate`` (objects, or the JSON files ``save_outcome`` wrote in another process).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Iterable, Optional, Union

from extract import settings
from extract.validate import SUITES, ValidationOutcome, load_suite

DOCS_SITE = "workplans"


def _iter_outcomes(source) -> Iterable[ValidationOutcome]:
    """Outcomes from None, one outcome, an iterable of them, a saved outcome file or a directory of files."""
    if source is None:
        return []
    if isinstance(source, ValidationOutcome):
        return [source]
    if isinstance(source, (str, Path)):
        p = Path(source)
        files = sorted(p.glob("*.json")) if p.is_dir() else [p]
        return [ValidationOutcome.from_dict(json.loads(f.read_text(encoding="utf-8")))
                for f in files]
    return list(source)


def build_data_docs(outcomes: Union[ValidationOutcome, Iterable[ValidationOutcome], str, Path, None] = None,
                    out_dir: Optional[Path] = None, *, gx_root: Optional[Path] = None,
                    run_name: str = "workplans") -> Path:
    """Store ``outcomes`` (objects, a saved outcome file or a directory of them) in the
    file-backed GX project under ``gx_root`` (default ``var/gx``) and (re)build the
    Data Docs site in ``out_dir`` (default ``settings.data_docs_dir()``).

    Returns the path of ``index.html``. The site lists every result the project has
    stored so far; re-storing the same document version and time overwrites it.
    """
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        expectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    out_dir = Path(out_dir or settings.data_docs_dir()).resolve()
    gx_root = Path(gx_root or (settings.var_dir() / "gx")).resolve()
    gx_root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(gx_root))

    for name in SUITES:
        ctx.suites.add_or_update(load_suite(name))

    for outcome in _iter_outcomes(outcomes):
        for r in outcome.results:
            if not r.raw:
                continue
            batch_id = outcome.document_version_id or "unknown"
            run_id = RunIdentifier(run_name=run_name, run_time=outcome.validated_at)
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=r.suite),
                run_id=run_id, batch_identifier=batch_id)
            raw = copy.deepcopy(r.raw)
            # batch.validate() leaves these empty; the pages show them (run, time, asset)
            meta = raw.setdefault("meta", {})
            meta["run_id"] = run_id.to_json_dict()
            meta["validation_time"] = outcome.validated_at.strftime("%Y%m%dT%H%M%S.%fZ")
            meta.setdefault("batch_spec", {})["data_asset_name"] = batch_id
            ctx.validation_results_store.set(key, expectationSuiteValidationResultSchema.load(raw))

    site_config = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(out_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    sites = ctx.variables.data_docs_sites or {}
    if sites.get(DOCS_SITE) != site_config:
        if DOCS_SITE in sites:
            ctx.update_data_docs_site(DOCS_SITE, site_config)
        else:
            ctx.add_data_docs_site(DOCS_SITE, site_config)
    ctx.build_data_docs(site_names=[DOCS_SITE])
    return out_dir / "index.html"
