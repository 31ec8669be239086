"""What can go wrong with a bundle, and which numbered check each failure belongs to.

``Unusable`` means the verifier could not start checking (exit status 2). Every other
error is an integrity failure of one of the steps (exit status 1). Codes are stable
English identifiers; the report shows the Vietnamese or English message beside them.
"""

from __future__ import annotations

from typing import Any

from verify.errors import LocalizedError, VerificationError


class Unusable(LocalizedError):
    """The input is not a bundle this verifier can read (or an option file is bad)."""

    code = "unusable_input"


class BundleError(VerificationError):
    code = "bad_bundle"


class Truncated(BundleError):
    code = "bundle_truncated"


class OutOfLogOrder(BundleError):
    code = "out_of_log_order"


class WrongGroup(BundleError):
    code = "wrong_group"


class DuplicateIndex(BundleError):
    code = "duplicate_index"


class LogIncomplete(VerificationError):
    code = "log_incomplete"


class RootMismatch(VerificationError):
    code = "root_mismatch"


class NotIncluded(VerificationError):
    code = "not_included"


class CheckpointUnsigned(VerificationError):
    """The checkpoint carries no valid signature by a trusted log key."""

    code = "checkpoint_not_signed"


class WrongOrigin(VerificationError):
    code = "wrong_origin"


class PolicyNotMet(VerificationError):
    """The cosignatures do not satisfy the witness policy's quorum."""

    code = "policy_not_met"


class CheckpointFork(VerificationError):
    """Two checkpoints signed by the log contradict each other (a split view)."""

    code = "checkpoint_fork"


class Inconsistent(VerificationError):
    code = "inconsistent_checkpoints"


class RemoteError(VerificationError):
    """An error raised in a worker process, carried back with its code and evidence."""

    def __init__(self, code: str, en: str, vi: str, **evidence: Any) -> None:
        super().__init__(en, vi, **evidence)
        self.code = code


# Which numbered step each failure code belongs to (see verify.bundle.verifier).
STEP_OF = {
    "malformed": 1,
    "bad_bundle": 1,
    "bundle_truncated": 1,
    "out_of_log_order": 1,
    "wrong_group": 1,
    "duplicate_index": 1,
    "bad_signature": 2,
    "unsupported_key": 2,
    "unknown_key": 3,
    "key_not_valid": 3,
    "not_allowed": 3,
    "broken_chain": 4,
    "duplicate": 4,
    "out_of_order": 4,
    "bad_event": 4,
    "invalid_input": 4,
    "bad_catalog": 4,
    "refused": 4,
    "domain_error": 4,
    "unexpected": 4,
    "not_included": 5,
    "bad_proof": 5,
    "log_incomplete": 5,
    "root_mismatch": 5,
    "bad_note": 6,
    "checkpoint_not_signed": 6,
    "wrong_origin": 6,
    "policy_not_met": 6,
    "checkpoint_fork": 7,
    "inconsistent_checkpoints": 7,
}


def step_of(code: str) -> int:
    return STEP_OF.get(code, 4)
