"""The verifier's report for people: Vietnamese by default, English with ``--lang en``."""

from __future__ import annotations

import json
from typing import Any

from verify.bundle.steps import TITLES, Result

STATUS = {
    "vi": {"passed": "ĐẠT", "failed": "KHÔNG ĐẠT", "warning": "ĐẠT, CÓ LƯU Ý",
           "skipped": "CHƯA KIỂM TRA", "findings": "CÓ PHÁT HIỆN"},
    "en": {"passed": "PASSED", "failed": "FAILED", "warning": "PASSED, WITH A NOTE",
           "skipped": "NOT CHECKED", "findings": "FINDINGS"},
}  # fmt: skip
VERDICT = {
    "vi": {
        "authentic_and_lawful": "XÁC THỰC VÀ HỢP PHÁP",
        "integrity_failure": "KHÔNG TOÀN VẸN: có kiểm tra không đạt",
        "unusable_input": "KHÔNG DÙNG ĐƯỢC: không đọc được đầu vào",
        "authentic_with_findings": "XÁC THỰC, CÓ PHÁT HIỆN VỀ TÍNH HỢP PHÁP",
    },
    "en": {
        "authentic_and_lawful": "AUTHENTIC AND LAWFUL",
        "integrity_failure": "INTEGRITY FAILURE: a check failed",
        "unusable_input": "UNUSABLE INPUT: the input could not be read",
        "authentic_with_findings": "AUTHENTIC, WITH LAWFULNESS FINDINGS",
    },
}
WORDS = {
    "vi": {"title": "Minh Bạch — kết quả xác minh gói kiểm toán", "bundle": "Gói",
           "scope": "Phạm vi", "log": "Sổ", "size": "kích thước", "checked": "đã kiểm tra",
           "failures": "lỗi", "more": "… và {n} lỗi khác", "evidence": "bằng chứng",
           "findings": "Phát hiện về tính hợp pháp", "events": "sự kiện", "result": "Kết luận",
           "exit": "mã thoát", "unit": "xã/đơn vị {unit}, năm {year}",
           "province": "tỉnh {unit}, năm {year}", "whole": "toàn bộ sổ", "stats":
           "{envelopes} phong bì, {signatures} chữ ký, {seconds} giây"},
    "en": {"title": "Minh Bạch — audit bundle verification", "bundle": "Bundle",
           "scope": "Scope", "log": "Log", "size": "size", "checked": "checked",
           "failures": "failures", "more": "… and {n} more failures", "evidence": "evidence",
           "findings": "Lawfulness findings", "events": "events", "result": "Result",
           "exit": "exit status", "unit": "unit {unit}, year {year}",
           "province": "province {unit}, year {year}", "whole": "the whole log", "stats":
           "{envelopes} envelopes, {signatures} signatures, {seconds} s"},
}  # fmt: skip


def _evidence(ev: dict[str, Any]) -> str:
    parts = []
    for k, v in ev.items():
        if isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v):
            v = v[:16] + "…"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def render_text(r: Result, lang: str = "vi") -> str:
    lang = "en" if lang == "en" else "vi"
    w = WORDS[lang]
    out = [w["title"], ""]
    if r.unusable is not None:
        out.append(f"{w['bundle']}: {r.bundle}")
        out.append(f"  [{r.unusable['code']}] {r.unusable[lang]}")
        out += ["", f"{w['result']}: {VERDICT[lang][r.verdict]} ({w['exit']} {r.exit_code})"]
        return "\n".join(out) + "\n"
    h = r.header or {}
    sc = h.get("scope", {})
    scope = w["whole"] if sc.get("kind") == "log" else w[sc.get("kind", "unit")].format(**sc)
    out.append(f"{w['bundle']}: {r.bundle} (v{h.get('version')}) — {w['scope']}: {scope}")
    out.append(f"{w['log']}: {h.get('origin')} ({w['size']} {h.get('log_size')})")
    if r.stats:
        out.append(w["stats"].format(**r.stats))
    out.append("")
    nfind = len(r.findings)
    for n, s in r.steps.items():
        title = TITLES[n][1 if lang == "vi" else 2]
        status = STATUS[lang][s.status(nfind)]
        line = f"{n}. [{status}] {title}"
        if s.ran:
            line += f" — {w['checked']} {s.checked}"
        if s.failure_count:
            line += f", {s.failure_count} {w['failures']}"
        out.append(line)
        for f in s.failures[:10]:
            out.append(f"   ✗ [{f['code']}] {f[lang]}")
            if f["evidence"]:
                out.append(f"     {w['evidence']}: {_evidence(f['evidence'])}")
        if s.failure_count > 10:
            out.append("   " + w["more"].format(n=s.failure_count - 10))
        for note in s.notes:
            out.append(f"   {'!' if note.warning else '·'} {getattr(note, lang)}")
    if r.findings:
        out += ["", f"{w['findings']} ({nfind}):"]
        for f in r.findings[:200]:
            where = f"{f.get('unit')}/{f.get('year')}"
            out.append(f"  - {where} [{f['code']}] {f[lang]}")
            out.append(f"      {f['cite']}")
            if f.get("events"):
                out.append(f"      {w['events']}: " + ", ".join(e[:16] + "…" for e in f["events"]))
        if nfind > 200:
            out.append(f"  … (+{nfind - 200})")
    out += ["", f"{w['result']}: {VERDICT[lang][r.verdict]} ({w['exit']} {r.exit_code})"]
    return "\n".join(out) + "\n"


def render_json(r: Result) -> str:
    return json.dumps(r.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
