"""A property-based run over the OpenAPI document (schemathesis): generated requests, valid
and invalid, against a real uvicorn serving the demo province (``live``). No answer may be
a server error, and every answer must be one the document declares (status code, media
type, body schema, headers).

The document is the app's own ``openapi()`` (building it runs no lifespan and opens no
database), loaded at import so pytest can parametrise one test per operation. Bounded by
``max_examples`` per operation so the run stays well under a minute.
"""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from api.config import Settings
from api.devserver import LiveServer
from api.main import create_app

DOCUMENT = create_app(Settings(database_url="sqlite:///:memory:")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)

# Batches are JSON lines: lines of JSON objects (envelopes or not), blank lines, raw bytes.
_LINE = st.dictionaries(st.sampled_from(["payload", "payloadType", "signatures", "x"]),
                        st.text(max_size=12) | st.integers(), max_size=3)  # fmt: skip
schemathesis.openapi.media_type(
    "application/x-ndjson",
    st.lists(_LINE.map(lambda d: json.dumps(d).encode()) | st.binary(max_size=16), max_size=4)
    .map(b"\n".join),
)

# A schema-valid envelope is still refused unless it carries a real signature by an
# enrolled official over a payload that fits the ledger: no schema can say that, so the
# "schema-valid data is accepted" check does not apply to submissions (every other does).
# Nor to comments: they are taken only while a unit's drafts are posted (409 otherwise);
# nor to corrections and their impact, which must name the catalog's real values.
SIGNED_CONTENT = {
    ("POST", "/v1/events"),
    ("POST", "/v1/events/batch"),
    ("POST", "/v1/evaluations/{unit_code}/{year}/comments"),
    ("POST", "/v1/impact"),
    ("GET", "/v1/corrections/{catalog_id}/{version}/impact"),
}


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says_and_never_with_a_server_error(
    case: schemathesis.Case, live: LiveServer
) -> None:
    excluded = [positive_data_acceptance] if (case.method, case.path) in SIGNED_CONTENT else []
    case.call_and_validate(base_url=live.url, excluded_checks=excluded)
