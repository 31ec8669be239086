"""Gói kiểm toán (audit bundle): what an inspector downloads and checks offline.

A bundle is one file of newline-delimited RFC 8785 JSON records: a header, the log's
checkpoint(s), the whole registry chain, then one group per appraisal round with the
evaluations it decides, and a trailer. Its specification, with a worked example, is
``docs/bundle.md``; the design is ADR ``docs/adr/0013-audit-bundle.md``.

- ``verify.bundle.format``: the records, their strict reader and the writer.
- ``verify.bundle.registry_at``: the registry as it stood at a given log position.
- ``verify.bundle.verifier``: the numbered checks, streaming.
- ``verify.bundle.parallel``: signature checks on a pool of processes.
- ``verify.bundle.report``: the report in Vietnamese or English, and JSON.
"""
