"""The bundle's records: written canonically, read strictly; header problems are unusable."""

from __future__ import annotations

import io
import json

import pytest

from verify.bundle.errors import BundleError, Truncated, Unusable
from verify.bundle.format import (
    CheckpointRecord,
    EndRecord,
    EnvelopeRecord,
    GroupRecord,
    Header,
    Reader,
    RegistryRecord,
    Scope,
    checkpoint_line,
    end_line,
    envelope_line,
    group_line,
    header_line,
    parse_record,
    registry_line,
)
from verify.canonical import canonical_json

ENV = b'{"payload":"e30=","payloadType":"application/vnd.minhbach.event+json","signatures":[]}'
HEADER = Header(Scope("unit", "32002", 2023), "96", "minhbach.example/96", 10, False,
                "2026-01-01T00:00:00Z", None)  # fmt: skip


def bundle(*lines: bytes) -> io.BytesIO:
    return io.BytesIO(header_line(HEADER) + b"".join(lines))


def test_every_writer_line_is_the_canonical_json_of_its_record() -> None:
    for line in (header_line(HEADER), checkpoint_line("o\n1\nAA==\n\n— o x\n"), registry_line(),
                 group_line("964", 2023), envelope_line(3, ENV, [b"\x01" * 32]),
                 envelope_line(3, ENV, None), end_line(1, 1)):  # fmt: skip
        assert line.endswith(b"\n")
        assert canonical_json(json.loads(line)) + b"\n" == line


def test_records_round_trip() -> None:
    assert parse_record(envelope_line(7, ENV, [b"\x02" * 32]), 5, False) == EnvelopeRecord(
        7, ENV, (b"\x02" * 32,), 5
    )
    assert parse_record(envelope_line(7, ENV, None), 5, True).proof is None
    assert parse_record(group_line("964", 2023), 1, False) == GroupRecord("964", 2023)
    assert parse_record(registry_line(), 1, False) == RegistryRecord()
    assert parse_record(end_line(4, 2), 1, False) == EndRecord(4, 2)
    note = "o\n1\nAA==\n\n— o x\n"
    assert parse_record(checkpoint_line(note), 1, False) == CheckpointRecord(note)


@pytest.mark.parametrize(
    "line",
    [
        b'{"envelope":"x", "index":1,"proof":[],"record":"envelope"}\n',  # whitespace
        b'{"index":1,"envelope":"x","proof":[],"record":"envelope"}\n',  # key order
        b'{"envelope":"x","index":1.0,"proof":[],"record":"envelope"}\n',  # float
        b'{"envelope":"x","index":-1,"proof":[],"record":"envelope"}\n',
        b'{"envelope":"x","index":1,"record":"envelope"}\n',  # proof missing in a partial bundle
        b'{"envelope":"x","index":1,"proof":["AA=="],"record":"envelope"}\n',  # short hash
        b'{"envelope":"x","extra":1,"index":1,"proof":[],"record":"envelope"}\n',
        b'{"envelope":"\\u00e9","index":1,"proof":[],"record":"envelope"}\n',  # not ASCII
        b'{"record":"group","round":"964","year":"2023"}\n',
        b'{"record":"nonsense"}\n',
        b'{"record":"registry","x":1}\n',
        b"[]\n",
    ],
)
def test_non_canonical_or_unknown_records_are_refused(line: bytes) -> None:
    with pytest.raises(BundleError):
        parse_record(line, 2, False)


def test_reader_needs_a_trailer_and_nothing_after_it() -> None:
    with pytest.raises(Truncated):
        list(Reader(bundle(registry_line())).records())
    with pytest.raises(Truncated):
        list(Reader(bundle(registry_line(), end_line(0, 0)[:-1])).records())
    with pytest.raises(BundleError):
        list(Reader(bundle(registry_line(), end_line(0, 0), b"x")).records())
    assert list(Reader(bundle(registry_line(), end_line(0, 0))).records())[-1] == EndRecord(0, 0)


def test_over_long_line_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(BundleError):
        list(Reader(bundle(b'{"x":"' + b"a" * 300_000 + b'"}\n')).records())


@pytest.mark.parametrize(
    "header",
    [
        b"",
        b"hello\n",
        b'{"format":"something-else","version":1}\n',
        canonical_json({**HEADER.doc(), "version": 2}) + b"\n",
        canonical_json({**HEADER.doc(), "complete": True}) + b"\n",  # complete only for the log
        canonical_json({**HEADER.doc(), "scope": {"kind": "planet"}}) + b"\n",
        canonical_json({k: v for k, v in HEADER.doc().items() if k != "origin"}) + b"\n",
    ],
)
def test_bad_header_makes_the_input_unusable(header: bytes) -> None:
    with pytest.raises(Unusable):
        Reader(io.BytesIO(header))


def test_whole_log_header_round_trips() -> None:
    h = Header(Scope("log"), "96", "o", 5, True, "2026-01-01T00:00:00Z", "k+1+2")
    assert Reader(io.BytesIO(header_line(h))).header == h
