"""Every event type the ledger accepts has a name in Vietnamese and English (pages show it)."""

from api import i18n
from verify.process.schema import SPECS


def test_every_event_type_has_both_names() -> None:
    missing = sorted(t for t in SPECS if t not in i18n.EVENTS)
    assert missing == []
    for vi, en in i18n.EVENTS.values():
        assert vi and en and vi != en
