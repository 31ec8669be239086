"""Words of the OpenAPI document (``/docs``, ``/openapi.json``), in Vietnamese and English,
and the problem responses each route declares (so clients and schemathesis know them)."""

from __future__ import annotations

from typing import Any

DESCRIPTION = """\
**Vi.** API của sổ cái Minh Bạch: gửi sự kiện đã ký (phong bì DSSE), đọc hồ sơ đánh giá,
kết quả toàn tỉnh và danh sách đơn vị. Mọi lỗi trả về dạng `application/problem+json`
(RFC 9457) với mã ổn định (`code`) và thông điệp tiếng Việt và tiếng Anh.

**En.** The Minh Bạch ledger API: submit signed events (DSSE envelopes), read evaluations,
province results and the units list. Every error is `application/problem+json` (RFC 9457)
with a stable `code` and messages in Vietnamese and English. Lists are paginated with
`limit` and `cursor`; the next page is in the `Link: <…>; rel="next"` header.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "events", "description": "Sự kiện đã ký / Signed events (DSSE v1 envelopes)"},
    {"name": "evaluations", "description": "Hồ sơ đánh giá của xã / A commune's evaluation"},
    {"name": "provinces", "description": "Kết quả toàn tỉnh / Province results"},
    {"name": "units", "description": "Đơn vị hành chính / Administrative units"},
    {
        "name": "log",
        "description": "Nhật ký minh bạch, gốc tin cậy / Transparency log, trust anchors",
    },
    {"name": "read models", "description": "Bảng dữ liệu đọc, báo cáo / Read models and reports"},
    {"name": "health", "description": "Tình trạng dịch vụ và số đo / Health and metrics"},
]

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details with the ledger's extension members",
    "required": ["type", "title", "status", "detail", "code", "message_vi", "message_en"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "message_vi": {"type": "string"},
        "message_en": {"type": "string"},
        "evidence": {"type": "object"},
    },
}

_WHY = {
    400: "Không đọc được yêu cầu / Malformed request",
    403: "Chữ ký hoặc người ký bị từ chối / Signature or signer refused",
    404: "Không tìm thấy / Not found",
    409: "Xung đột với sổ cái / Conflicts with the ledger",
    413: "Nội dung quá lớn / Body too large",
    415: "Sai kiểu nội dung / Unsupported media type",
    422: "Tham số hoặc nội dung không hợp lệ / Invalid parameters or content",
    429: "Gửi quá nhiều / Too many requests",
    503: "Chưa sẵn sàng / Not ready",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered with ``application/problem+json``."""
    return {
        s: {
            "description": _WHY.get(s, "Problem"),
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for s in statuses
    }
