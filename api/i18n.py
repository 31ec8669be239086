"""Words of the public pages, Vietnamese first, English with ``?lang=en``."""

from __future__ import annotations

STAGES = {
    "opened": ("Đã mở hồ sơ", "Evaluation opened"),
    "scoring": ("Đang tự chấm điểm", "Self-scoring"),
    "compiled": ("Đã tổng hợp kết quả tự đánh giá", "Self-assessment compiled"),
    "posted": ("Đã niêm yết công khai", "Publicly posted"),
    "submitted": ("Đã gửi hồ sơ đề nghị", "Dossier submitted"),
    "appraised": ("Hội đồng đã thẩm định", "Appraised by the council"),
    "decided": (
        "Đã có quyết định (không có tên trong danh sách)",
        "Decided (unit on neither list)",
    ),
    "recognised": ("Đạt chuẩn tiếp cận pháp luật", "Meets the access-to-law standard"),
    "not_recognised": ("Không đạt chuẩn", "Does not meet the standard"),
    "revoked": ("Bị thu hồi công nhận", "Recognition revoked"),
    None: ("Chưa có hồ sơ", "No evaluation"),
}

EVENTS = {
    "EvaluationOpened": ("Mở hồ sơ đánh giá", "Evaluation opened"),
    "IndicatorAssigned": ("Phân công chấm chỉ tiêu", "Indicator assigned"),
    "SelfScoreRecorded": ("Ghi điểm tự chấm", "Self-score recorded"),
    "SelfAssessmentCompiled": ("Tổng hợp kết quả tự đánh giá", "Self-assessment compiled"),
    "PostingStarted": ("Bắt đầu niêm yết", "Posting started"),
    "PostingEnded": ("Kết thúc niêm yết", "Posting ended"),
    "CommentReceived": ("Nhận ý kiến", "Comment received"),
    "CommentAnswered": ("Trả lời ý kiến", "Comment answered"),
    "CommuneMeetingHeld": ("Họp cấp xã", "Commune meeting held"),
    "DossierSubmitted": ("Gửi hồ sơ đề nghị", "Dossier submitted"),
    "SupplementRequested": ("Yêu cầu bổ sung hồ sơ", "Supplement requested"),
    "SupplementProvided": ("Bổ sung hồ sơ", "Supplement provided"),
    "ScoresAppraised": ("Thẩm định điểm", "Scores appraised"),
    "DisqualificationRecorded": (
        "Ghi nhận trường hợp không được công nhận",
        "Disqualification recorded",
    ),
    "ComplaintFiled": ("Nhận khiếu nại", "Complaint filed"),
    "ComplaintResolved": ("Giải quyết khiếu nại", "Complaint resolved"),
    "RecognitionRevoked": ("Thu hồi công nhận", "Recognition revoked"),
    "CouncilFormed": ("Thành lập Hội đồng đánh giá", "Council formed"),
    "DossiersCirculated": ("Gửi hồ sơ đến Hội đồng", "Dossiers circulated"),
    "CouncilMeetingHeld": ("Họp Hội đồng", "Council meeting held"),
    "AppraisalConcluded": ("Kết luận thẩm định", "Appraisal concluded"),
    "RecognitionDecided": ("Quyết định công nhận", "Recognition decided"),
    "ResultPublished": ("Công bố kết quả", "Result published"),
}

CHANNELS = {
    "office": ("Trụ sở UBND xã", "Commune office"),
    "website": ("Trang thông tin điện tử", "Website"),
    "radio": ("Đài truyền thanh", "Commune radio"),
}

COUNCIL_ROLES = {
    "chair": ("Chủ tịch Hội đồng", "Chair"),
    "secretary": ("Thư ký", "Secretary"),
    "member": ("Thành viên", "Member"),
}

KINDS = {
    "xa": ("Xã", "Commune"),
    "phuong": ("Phường", "Ward"),
    "thi_tran": ("Thị trấn", "Township"),
    "dac_khu": ("Đặc khu", "Special zone"),
}

WORDS = {
    "site": (
        "Minh Bạch — Công nhận chuẩn tiếp cận pháp luật",
        "Minh Bạch — Access-to-law recognition",
    ),
    "tagline": (
        "Sổ cái ký số, công khai, ai cũng kiểm tra được",
        "A signed, public ledger anyone can check",
    ),
    "home": ("Trang chủ", "Home"),
    "switch": ("English", "Tiếng Việt"),
    "at_a_glance": ("Toàn tỉnh năm {year}", "The province in {year}"),
    "years": ("Các năm đánh giá", "Evaluation years"),
    "no_data": ("Chưa có dữ liệu đánh giá.", "No evaluation data yet."),
    "province_page": ("Kết quả năm {year}", "Results for {year}"),
    "unit": ("Đơn vị", "Unit"),
    "code": ("Mã", "Code"),
    "district": ("Huyện", "District"),
    "status": ("Tình trạng", "Status"),
    "appraised_total": ("Điểm thẩm định", "Appraised total"),
    "self_total": ("Điểm tự chấm", "Self-score"),
    "meeting": ("Đạt chuẩn", "Meeting"),
    "not_meeting": ("Không đạt", "Not meeting"),
    "pending": ("Đang xử lý", "In progress"),
    "no_evaluation": ("Chưa có hồ sơ", "No evaluation"),
    "chart": ("Số đơn vị theo kết quả", "Units by result"),
    "units": ("đơn vị", "units"),
    "scores": ("Điểm theo tiêu chí", "Scores by criterion"),
    "criterion": ("Tiêu chí / chỉ tiêu", "Criterion / indicator"),
    "max": ("Tối đa", "Maximum"),
    "min": ("Tối thiểu", "Minimum"),
    "self": ("Tự chấm", "Self"),
    "appraised": ("Thẩm định", "Appraised"),
    "provisional": ("tạm tính", "provisional"),
    "provisional_note": (
        "Giá trị “tạm tính” chưa đối chiếu được với văn bản gốc (Phụ lục I Thông tư 09/2021/TT-BTP) "
        "và có thể được đính chính bằng một sự kiện đã ký.",
        "“Provisional” values could not be checked against the primary text (Circular 09/2021, "
        "Appendix I) and may be corrected by a signed event.",
    ),
    "total": ("Tổng điểm", "Total"),
    "threshold": ("Ngưỡng đạt", "Threshold"),
    "person_party_secretary": ("Bí thư cấp ủy xã", "The commune's Party secretary"),
    "person_chairman": ("Chủ tịch UBND xã", "The commune chairman"),
    "ground_disciplined": ("bị xử lý kỷ luật", "disciplined"),
    "ground_prosecuted": ("bị truy cứu trách nhiệm hình sự", "criminally prosecuted"),
    "complaints": ("Khiếu nại", "Complaints"),
    "upheld": ("Khiếu nại đúng", "Upheld"),
    "rejected": ("Khiếu nại không đúng", "Rejected"),
    "unresolved": ("Chưa giải quyết", "Not resolved"),
    "basis_appraised": ("tính theo điểm thẩm định", "on the appraised scores"),
    "basis_self": ("tính theo điểm tự chấm", "on the self-scores"),
    "concluded": ("Kết luận thẩm định", "Appraisal concluded"),
    "minutes": ("biên bản (SHA-256)", "minutes (SHA-256)"),
    "result": ("Kết quả theo điều kiện công nhận", "Result against the conditions"),
    "meets_yes": ("Đủ điều kiện công nhận", "Meets the conditions"),
    "meets_no": ("Chưa đủ điều kiện công nhận", "Does not meet the conditions"),
    "disqualified": ("Có trường hợp không được công nhận", "Disqualified"),
    "dates": ("Các mốc thời gian", "Key dates"),
    "posting": ("Niêm yết công khai", "Public posting"),
    "channel": ("Kênh", "Channel"),
    "place": ("Nơi niêm yết", "Place"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "days": ("Số ngày", "Days"),
    "broadcasts": ("Lần phát thanh", "Broadcasts"),
    "comments": ("Ý kiến và trả lời", "Comments and answers"),
    "no_comments": ("Không có ý kiến nào được ghi nhận.", "No comment was recorded."),
    "comment": ("Ý kiến", "Comment"),
    "answer": ("Trả lời", "Answer"),
    "accepted": ("Tiếp thu", "Accepted"),
    "explained": ("Giải trình", "Explained"),
    "unanswered": ("Chưa trả lời", "Not answered"),
    "comment_form": ("Gửi ý kiến về dự thảo đang niêm yết", "Comment on the posted drafts"),
    "comment_form_help": (
        "Không cần tài khoản. Ý kiến được ghi vào sổ cái công khai đúng như bạn viết (tối đa "
        "2.000 ký tự) và UBND xã phải trả lời. Bạn sẽ nhận biên nhận để tự kiểm tra.",
        "No account needed. Your comment is recorded in the public ledger exactly as written "
        "(at most 2,000 characters) and the commune must answer it. You get a receipt you can "
        "check yourself.",
    ),
    "comment_text": ("Nội dung ý kiến", "Your comment"),
    "comment_author": ("Họ tên (không bắt buộc, sẽ công khai)", "Name (optional, shown publicly)"),
    "comment_send": ("Gửi ý kiến", "Send comment"),
    "comment_receipt": ("Biên nhận ý kiến", "Comment receipt"),
    "comment_recorded": (
        "Ý kiến của bạn đã được ghi vào sổ cái. Hãy lưu biên nhận này.",
        "Your comment is recorded in the ledger. Keep this receipt.",
    ),
    "comment_id": ("Mã ý kiến", "Comment id"),
    "log_index": ("Vị trí trong sổ", "Log index"),
    "leaf_hash": ("Băm lá (RFC 6962)", "Leaf hash (RFC 6962)"),
    "envelope_hash": ("Băm phong bì (SHA-256)", "Envelope hash (SHA-256)"),
    "comment_proof": (
        "Bằng chứng bao hàm (tlog-proof), có khi điểm kiểm tra tiếp theo bao phủ ý kiến",
        "Inclusion proof (tlog-proof), available once the next checkpoint covers it",
    ),
    "comment_entry": ("Phong bì đã ký, đúng từng byte", "The signed envelope, byte for byte"),
    "comment_refused": ("Ý kiến chưa được ghi", "Comment not recorded"),
    "back_to_unit": ("Quay lại trang của xã", "Back to the unit's page"),
    "council": ("Hội đồng đánh giá và thẩm định", "Council and appraisal"),
    "no_council": ("Chưa thành lập Hội đồng.", "No council has been formed."),
    "members": ("Thành viên", "Members"),
    "council_meetings": ("Phiên họp", "Meetings"),
    "present": ("có mặt", "present"),
    "written": ("ý kiến bằng văn bản", "written opinions"),
    "decision": ("Quyết định và công bố", "Decision and publication"),
    "no_decision": ("Chưa có quyết định công nhận.", "No recognition decision yet."),
    "decision_no": ("Số quyết định", "Decision number"),
    "signed_on": ("Ngày ký", "Signed on"),
    "listed_meeting": ("Có tên trong danh sách đạt chuẩn", "Listed as meeting the standard"),
    "listed_not_meeting": ("Có tên trong danh sách không đạt chuẩn", "Listed as not meeting"),
    "listed_none": ("Không có tên trong danh sách nào", "On neither list"),
    "published": ("Đã công bố", "Published"),
    "not_published": ("Chưa công bố kết quả.", "Not published yet."),
    "findings": ("Những điểm chưa đúng quy định", "Where the rules were not kept"),
    "no_findings": (
        "Không phát hiện điểm nào chưa đúng quy định.",
        "No breach of the rules found.",
    ),
    "basis": ("Căn cứ", "Basis"),
    "timeline": ("Toàn bộ sự kiện đã ký", "Every signed event"),
    "event": ("Sự kiện", "Event"),
    "time": ("Thời điểm", "Time"),
    "signer": ("Khoá ký", "Signing key"),
    "hash": ("Mã băm phong bì (SHA-256)", "Envelope hash (SHA-256)"),
    "catalog": ("Bộ tiêu chí", "Catalog"),
    "year": ("Năm", "Year"),
    "not_found": ("Không tìm thấy", "Not found"),
    "not_found_unit": (
        "Chưa có hồ sơ đánh giá của đơn vị {unit} năm {year}.",
        "There is no evaluation of unit {unit} for {year}.",
    ),
    "json": ("Dữ liệu dạng JSON", "Data as JSON"),
    "hash_short": ("Mã băm", "Hash"),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
    "nav_language": ("Ngôn ngữ", "Language"),
    "nav_main": ("Điều hướng chính", "Main navigation"),
    "nav_breadcrumbs": ("Vị trí trang", "Breadcrumbs"),
    "log": ("Sổ nhật ký", "Log"),
    "verify": ("Tự kiểm chứng", "How to verify this yourself"),
    "footer": (
        "Mọi thông tin trên trang này là sự kiện do người có thẩm quyền ký số và được ghi vào "
        "sổ nhật ký minh bạch, ai cũng kiểm chứng được.",
        "Every record on this page is an event signed by the official responsible and "
        "appended to a transparency log that anyone can verify.",
    ),
    "intro": (
        "Kết quả đánh giá, công nhận xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật, "
        "từng bước do cán bộ có thẩm quyền ký số.",
        "Results of the evaluation and recognition of communes as meeting the access-to-law "
        "standard, every step signed by the official responsible.",
    ),
    "summary": ("Tổng quan", "Summary"),
    "all_units": ("Các đơn vị", "Units"),
    "units_caption": (
        "Kết quả năm {year}: {shown} trên {total} đơn vị",
        "Results for {year}: {shown} of {total} units",
    ),
    "no_match": ("Không có đơn vị nào khớp bộ lọc.", "No unit matches the filters."),
    "filters": ("Lọc danh sách", "Filter the list"),
    "all_districts": ("Tất cả huyện", "All districts"),
    "all_results": ("Mọi kết quả", "Any result"),
    "search_name": ("Tên hoặc mã đơn vị", "Unit name or code"),
    "apply": ("Lọc", "Filter"),
    "clear": ("Bỏ lọc", "Clear filters"),
    "on_this_page": ("Trên trang này", "On this page"),
    "scores_caption": (
        "Điểm theo tiêu chí và chỉ tiêu, so với điểm tối đa và tối thiểu",
        "Scores by criterion and indicator, against the maximum and minimum",
    ),
    "posting_caption": ("Các kênh niêm yết công khai", "Where the results were posted"),
    "no_posting": ("Chưa niêm yết.", "Not posted yet."),
    "below_min": ("dưới mức tối thiểu", "below the minimum"),
    "timeline_caption": ("{n} sự kiện đã ký, theo thứ tự", "{n} signed events, in order"),
    "not_found_page": ("Không có trang này.", "There is no such page."),
    "verify_title": ("Tự kiểm chứng", "How to verify this yourself"),
    "log_title": ("Sổ nhật ký minh bạch", "The transparency log"),
    "log_intro": (
        "Mọi phong bì đã ký được ghi nối tiếp vào một cây Merkle (RFC 6962). Điểm kiểm (checkpoint) "
        "do sổ ký và các bên chứng kiến ký xác nhận cho phép bất kỳ ai kiểm tra rằng không có gì bị "
        "sửa, xoá hay chèn lén.",
        "Every signed envelope is appended to a Merkle tree (RFC 6962). Checkpoints signed by the "
        "log and cosigned by witnesses let anyone check that nothing was changed, removed or "
        "slipped in.",
    ),
    "log_head": ("Trạng thái hiện tại", "Current state"),
    "log_origin": ("Tên gốc (origin)", "Origin"),
    "log_size": ("Số sự kiện trong sổ", "Events in the log"),
    "log_root": ("Mã băm gốc (base64)", "Root hash (base64)"),
    "log_checkpoint": ("Điểm kiểm mới nhất", "Latest checkpoint"),
    "log_check": ("Kiểm tra sổ", "Check the log"),
    "log_signed": ("Điểm kiểm tra đã ký", "Signed checkpoint"),
    "log_no_checkpoint": ("Sổ chưa có điểm kiểm tra.", "The log has no checkpoint yet."),
    "log_checkpoint_size": ("Số sự kiện được bao phủ", "Events covered"),
    "log_signed_at": ("Ký lúc", "Signed at"),
    "log_cosigners": ("Nhân chứng đã đồng ký", "Witnesses that cosigned"),
    "log_no_cosigners": ("chưa có nhân chứng nào", "no witness yet"),
    "log_lookup": ("Tra cứu một sự kiện", "Look up an event"),
    "log_lookup_label": ("Vị trí trong sổ (0, 1, 2…)", "Log index (0, 1, 2…)"),
    "log_lookup_go": ("Tra cứu", "Look up"),
    "log_entry": ("Sự kiện ở vị trí {index}", "Event at index {index}"),
    "log_entry_missing": ("Sổ không có vị trí {index}.", "The log has no index {index}."),
    "log_entry_type": ("Loại sự kiện", "Event type"),
    "log_entry_unit": ("Đơn vị, năm", "Unit, year"),
    "log_entry_bytes": ("Tải phong bì đã ký", "Download the signed envelope"),
    "log_entry_proof": (
        "Tải bằng chứng bao hàm (tlog-proof)",
        "Download the inclusion proof (tlog-proof)",
    ),
    "receipt": ("biên nhận", "receipt"),
    "bundle_download": (
        "Tải gói kiểm toán để tự xác minh",
        "Download the audit bundle to verify it yourself",
    ),
    "log_check_text": (
        "Cách kiểm tra điểm kiểm, chữ ký của các bên chứng kiến và bằng chứng: xem",
        "How to check the checkpoint, the witnesses' cosignatures and proofs: see",
    ),
}

DATE_LABELS = {
    "opened": ("Mở hồ sơ", "Opened"),
    "compiled": ("Tổng hợp tự đánh giá", "Compiled"),
    "posting_started": ("Bắt đầu niêm yết", "Posting started"),
    "posting_ended": ("Kết thúc niêm yết", "Posting ended"),
    "commune_meeting": ("Họp cấp xã", "Commune meeting"),
    "submitted": ("Gửi hồ sơ", "Submitted"),
    "appraised": ("Thẩm định điểm", "Appraised"),
    "council_formed": ("Thành lập Hội đồng", "Council formed"),
    "decided": ("Ký quyết định", "Decision signed"),
    "published": ("Công bố kết quả", "Published"),
    "revoked": ("Thu hồi công nhận", "Revoked"),
}


def pick(table: dict, key: object, lang: str) -> str:  # type: ignore[type-arg]
    pair = table.get(key)
    if pair is None:
        return str(key)
    return str(pair[1] if lang == "en" else pair[0])
