"""Cán bộ, công chức (officials), their keys, roles and unit scopes.

An official is enrolled by the deployment's trust root with one public key, a role and
a unit scope (a commune, district or province code, or "VN"). The key is a bare key or
the key of a certificate chain validated to a trust anchor (chứng thư số, ADR 0007), whose
subject is then recorded beside the role. Re-enrolling the same official id with a new
key rotates keys; a key can be revoked from an effective time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from verify.keys import PublicKey
from verify.x509 import ValidatedChain


class Role(StrEnum):
    COMMUNE_CHAIRMAN = "commune_chairman"  # Chủ tịch UBND cấp xã
    COMMUNE_OFFICIAL = "commune_official"  # công chức cấp xã được phân công
    DISTRICT_CHAIRMAN = "district_chairman"  # Chủ tịch / Phó Chủ tịch UBND cấp huyện
    DISTRICT_JUSTICE = "district_justice"  # Phòng Tư pháp cấp huyện
    PROVINCE_CHAIRMAN = "province_chairman"  # Chủ tịch UBND cấp tỉnh
    PROVINCE_JUSTICE = "province_justice"  # Sở Tư pháp
    COUNCIL_MEMBER = "council_member"  # thành viên Hội đồng đánh giá
    CATALOG_AUTHORITY = "catalog_authority"  # Bộ Tư pháp (criteria catalogs)
    REGISTRAR = "registrar"  # the deployment's trust root
    PUBLIC_INTAKE = "public_intake"  # cổng tiếp nhận ý kiến: the portal's key for residents' comments


ROLE_NAMES_VI = {
    Role.COMMUNE_CHAIRMAN: "Chủ tịch UBND cấp xã",
    Role.COMMUNE_OFFICIAL: "Công chức cấp xã",
    Role.DISTRICT_CHAIRMAN: "Chủ tịch UBND cấp huyện",
    Role.DISTRICT_JUSTICE: "Phòng Tư pháp cấp huyện",
    Role.PROVINCE_CHAIRMAN: "Chủ tịch UBND cấp tỉnh",
    Role.PROVINCE_JUSTICE: "Sở Tư pháp",
    Role.COUNCIL_MEMBER: "Thành viên Hội đồng đánh giá",
    Role.CATALOG_AUTHORITY: "Cơ quan ban hành bộ tiêu chí",
    Role.REGISTRAR: "Cơ quan quản lý khoá (gốc tin cậy)",
    Role.PUBLIC_INTAKE: "Cổng tiếp nhận ý kiến của người dân",
}


@dataclass(frozen=True)
class Unit:
    """Đơn vị hành chính (administrative unit), as registered in the ledger."""

    code: str
    name: str
    kind: str  # xa | phuong | thi_tran | dac_khu | district | province
    level: str  # commune | district | province
    district: str | None
    province: str
    valid_from: str | None = None
    valid_until: str | None = None
    successor: str | None = None


@dataclass
class KeyRecord:
    official_id: str
    name: str
    position: str
    role: Role
    scope: str
    key: PublicKey
    valid_from: datetime
    valid_until: datetime | None
    enrolled_at: int  # chain sequence of the enrolment
    revoked_from: datetime | None = None  # the revocation's effective time
    revocation_recorded: datetime | None = None  # the time the revocation claims it was signed
    revocation_reason: str | None = None
    # a bare key's optional text fields, or a certificate's subject (DistinguishedName.as_dict)
    subject: dict[str, Any] = field(default_factory=dict)
    chain: ValidatedChain | None = None  # enrolled by certificate: the validated chain

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def valid_at(self, t: datetime, now: datetime | None = None) -> bool:
        """Whether an envelope claiming time ``t`` may be signed with this key.

        Once a revocation has taken effect — by the claimed time ``t``, by the time the
        revocation itself was signed, or by the ledger's clock ``now`` — the key signs
        nothing more, whatever earlier time an envelope claims (ADR 0004).
        """
        if t < self.valid_from:
            return False
        if self.valid_until is not None and t > self.valid_until:
            return False
        if self.revoked_from is None:
            return True
        latest = max(x for x in (t, self.revocation_recorded, now) if x is not None)
        return latest < self.revoked_from


NATIONAL = "VN"  # the scope above every province (the Ministry's officials)


def scope_covers(scope: str, unit_code: str, unit: Unit | None) -> bool:
    """True when an official scoped to ``scope`` may act for ``unit_code``.

    A province scope covers its districts and communes, a district scope its communes;
    "VN" covers everything.
    """
    if scope in (NATIONAL, unit_code):
        return True
    if unit is None:
        return False
    return scope in (unit.district, unit.province)
