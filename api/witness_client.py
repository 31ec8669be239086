"""Asking a witness for a cosignature (C2SP tlog-witness ``add-checkpoint``), for the log.

    line = cosign("https://witness.example/w1", old_size, proof, signed_note)
    if line is not None:
        note = verify.note.add_signatures(note, [line])

``cosign`` returns the witness's signature line(s) or None: on 409 (the witness has
another size; it is logged and kept in ``Submission.witness_size``), on any other refusal,
on a timeout or a connection error. ``submit`` gives the whole answer, and
``cosign_from`` retries once from the size a 409 names, with a proof the caller makes.
Given the witness's vkey, only lines by that key that verify on the note are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from verify.checkpoint import b64encode, decimal
from verify.errors import LocalizedError
from verify.note import add_signatures, open_note, parse_signature_line, parse_verifier_key

log = logging.getLogger("minhbach.witness_client")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Submission:
    status: int  # HTTP status; 0 when the witness could not be reached
    lines: str | None = None  # the signature lines on 200
    witness_size: int | None = None  # the witness's size on 409 text/x.tlog.size
    error: str = ""


def request_body(old_size: int, proof: Sequence[bytes], signed_note: str) -> bytes:
    lines = [f"old {old_size}", *(b64encode(h) for h in proof)]
    return ("\n".join(lines) + "\n\n" + signed_note).encode("utf-8")


def _lines(text: str, signed_note: str, vkey: str | None) -> str | None:
    """The signature lines of a 200 answer (by ``vkey`` only, verified, if given)."""
    if not text.endswith("\n"):
        return None
    lines = [line + "\n" for line in text[:-1].split("\n")]
    try:
        for line in lines:
            parse_signature_line(line[:-1])
        if vkey is None:
            return "".join(lines)
        opened = open_note(add_signatures(signed_note, lines), [parse_verifier_key(vkey)])
    except LocalizedError:
        return None
    if not opened.verified:
        return None
    mine = opened.verified[0].verifier
    kid = mine.key_id
    kept = [ln for ln in lines if parse_signature_line(ln[:-1])[:2] == (mine.name, kid)]
    return "".join(kept)


def submit(
    witness_url: str,
    old_size: int,
    proof: Sequence[bytes],
    signed_note: str,
    *,
    vkey: str | None = None,
    timeout: httpx.Timeout | float = TIMEOUT,
    client: httpx.Client | None = None,
) -> Submission:
    """POST one add-checkpoint request; never raises for HTTP or network failures."""
    url = witness_url.rstrip("/") + "/add-checkpoint"
    body = request_body(old_size, proof, signed_note)
    try:
        if client is not None:
            r = client.post(url, content=body, timeout=timeout)
        else:
            r = httpx.post(url, content=body, timeout=timeout)
    except httpx.HTTPError as e:
        log.warning("witness %s unreachable: %s", witness_url, e)
        return Submission(0, error=str(e))
    if r.status_code == 200:
        lines = _lines(r.text, signed_note, vkey)
        if lines is None:
            log.warning("witness %s: answer is not a valid cosignature", witness_url)
            return Submission(200, error="invalid cosignature answer")
        return Submission(200, lines)
    kind = r.headers.get("content-type", "").split(";")[0].strip()
    if r.status_code == 409 and kind == "text/x.tlog.size" and r.text.endswith("\n"):
        try:
            size = decimal(r.text[:-1], "witness size")
        except LocalizedError:
            size = None
        if size is not None:
            log.warning("witness %s is at size %d, not %d", witness_url, size, old_size)
            return Submission(409, witness_size=size, error=f"witness is at size {size}")
    log.warning("witness %s refused (%d): %s", witness_url, r.status_code, r.text[:500])
    return Submission(r.status_code, error=r.text[:500])


def cosign(
    witness_url: str,
    old_size: int,
    proof: list[bytes],
    signed_note: str,
    *,
    vkey: str | None = None,
    timeout: httpx.Timeout | float = TIMEOUT,
) -> str | None:
    """The witness's cosignature line(s) over ``signed_note``, or None (logged)."""
    return submit(witness_url, old_size, proof, signed_note, vkey=vkey, timeout=timeout).lines


def cosign_from(
    witness_url: str,
    old_size: int,
    new_size: int,
    signed_note: str,
    prove: Callable[[int, int], list[bytes]],
    *,
    vkey: str | None = None,
    timeout: httpx.Timeout | float = TIMEOUT,
) -> Submission:
    """Submit from ``old_size``; on a 409 naming a size <= ``new_size``, once more from it.

    ``prove(old, new)`` is the log's consistency proof (empty when ``old`` is 0 or equal).
    """
    s = submit(witness_url, old_size, prove(old_size, new_size) if old_size else [], signed_note,
               vkey=vkey, timeout=timeout)  # fmt: skip
    if s.status == 409 and s.witness_size is not None and s.witness_size <= new_size:
        w = s.witness_size
        s = submit(witness_url, w, prove(w, new_size) if w else [], signed_note,
                   vkey=vkey, timeout=timeout)  # fmt: skip
    return s
