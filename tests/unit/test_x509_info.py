"""Subjects read for people: the identifiers Vietnamese CAs put in UID and serialNumber."""

from __future__ import annotations

import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

from verify.x509_info import read_name


def vn_name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])


def test_uid_identifiers_are_parsed_generically_and_labelled() -> None:
    n = read_name(
        vn_name(
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.STATE_OR_PROVINCE_NAME, "Hà Nội"),
            (NameOID.ORGANIZATION_NAME, "MobiFone IT"),
            (NameOID.USER_ID, "MST:0100686209-199"),
            (NameOID.USER_ID, "CCCD:025199009534"),
            (NameOID.USER_ID, "CMND:079073009568"),
            (NameOID.USER_ID, "HC:B1234567"),
            (NameOID.USER_ID, "BHXH:0123456789"),
            (NameOID.USER_ID, "PID:42"),
            (NameOID.COMMON_NAME, "NGUYỄN HỒNG NHUNG"),
        )
    )
    got = [(i.kind, i.value, i.attribute) for i in n.identifiers]
    assert got == [
        ("MST", "0100686209-199", "UID"),
        ("CCCD", "025199009534", "UID"),
        ("CMND", "079073009568", "UID"),
        ("HC", "B1234567", "UID"),
        ("BHXH", "0123456789", "UID"),
        ("PID", "42", "UID"),
    ]
    labels = {i.kind: (i.label_vi, i.label_en) for i in n.identifiers}
    assert labels["MST"] == ("Mã số thuế", "tax identification number")
    assert labels["CCCD"][0] == "Số căn cước công dân"
    assert labels["PID"] == ("Mã định danh PID", "identifier PID")  # unknown prefix kept
    assert (n.common_name, n.organization, n.province, n.country) == (
        "NGUYỄN HỒNG NHUNG",
        "MobiFone IT",
        "Hà Nội",
        "VN",
    )


def test_serial_number_attribute_and_unprefixed_uids_are_identifiers_too() -> None:
    n = read_name(
        vn_name(
            (NameOID.COMMON_NAME, "Sở Tư pháp"),
            (NameOID.SERIAL_NUMBER, "MNS:1047665"),
            (NameOID.USER_ID, "0400260612"),
        )
    )
    assert [(i.kind, i.value, i.attribute) for i in n.identifiers] == [
        ("MNS", "1047665", "serialNumber"),
        ("", "0400260612", "UID"),
    ]
    assert n.identifiers[1].label_vi == "Mã định danh"


def test_text_is_nfc_and_every_attribute_is_kept_in_order() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    n = read_name(vn_name((NameOID.COMMON_NAME, nfd), (NameOID.TITLE, "Chủ tịch")))
    assert n.common_name == "Nguyễn Văn An" and n.common_name != nfd
    assert n.attributes == (("2.5.4.3", "Nguyễn Văn An"), ("2.5.4.12", "Chủ tịch"))
    assert n.rfc4514 == "T=Chủ tịch,CN=Nguyễn Văn An"


def test_as_dict_leaves_out_empty_fields() -> None:
    doc = read_name(vn_name((NameOID.COMMON_NAME, "A"))).as_dict()
    assert doc == {"dn": "CN=A", "common_name": "A"}
