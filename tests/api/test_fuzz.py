"""schemathesis over the whole API (bench/fuzz.py with a fixed seed): over 1,000 cases, no 5xx, and every status
code answered is documented in /openapi.json. ``python -m bench.fuzz --examples 300`` runs a bigger one."""

from __future__ import annotations

import pytest

from bench.fuzz import fuzz


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_undocumented_code(tmp_path):
    from huiyin.server.serving.embedded import EmbeddedServer

    with EmbeddedServer(f"sqlite:///{tmp_path / 'fuzz.db'}", sample=True, sample_matters=True) as srv:
        result = fuzz(srv.base_url, examples=25, seed=20261127, workdir=tmp_path)
    assert result.ok, result.output
    assert result.cases >= 1000, result.output
