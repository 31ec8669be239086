"""Client side of the chain: remembers each chain's head and signs the next envelope."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.signing import Signer, sign_event
from verify.process.schema import spec_for


class ChainWriter:
    """Signs events in order, filling ``prev`` from the last envelope of the same chain."""

    def __init__(self) -> None:
        self.heads: dict[tuple[str, str, int | None], str] = {}

    def sign(
        self,
        signers: Sequence[Signer],
        type: str,
        unit: str,
        year: int | None,
        time: datetime,
        data: dict[str, Any],
    ) -> bytes:
        chain = spec_for(type).chain
        key = (chain, unit, None if chain == "registry" else year)
        env = sign_event(signers, type, unit, year, self.heads.get(key), time, data)
        self.heads[key] = hashlib.sha256(env).hexdigest()
        return env
