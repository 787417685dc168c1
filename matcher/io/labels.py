"""Words for exported files: column headers and code values (statuses, maturity, reasons, industries) in
zh or en, so a spreadsheet can be handed on to people who never saw the codes. The web app's own texts live
in ui/i18n.py; these are the ones files carry, kept here because matcher/ must not import the UI."""
from __future__ import annotations

from matcher.domain.records import MATURITY_ZH, Maturity
from matcher.domain.taxonomy import load_taxonomy

HEADERS: dict[str, tuple[str, str]] = {   # field: (zh, en)
    "id": ("编号", "Id"), "title": ("标题", "Title"), "description": ("描述", "Description"),
    "organization": ("单位", "Organization"), "industry": ("行业", "Industry"),
    "industry_inferred": ("行业系推断", "Industry inferred"), "maturity": ("技术成熟度", "Maturity"),
    "region": ("地区", "Region"), "keywords": ("关键词", "Keywords"), "budget_wan": ("预算（万元）", "Budget (10k CNY)"),
    "deadline": ("截止日期", "Deadline"), "indicators": ("量化指标", "Target indicators"),
    "required_maturity": ("所需成熟度", "Required maturity"), "contact_name": ("联系人", "Contact name"),
    "contact_email": ("联系邮箱", "Contact e-mail"), "contact_phone": ("联系电话", "Contact phone"),
    "status": ("状态", "Status"), "language": ("语言", "Language"), "created_at": ("创建时间", "Created"),
    "updated_at": ("更新时间", "Updated"), "score": ("得分", "Score"), "reviewer": ("审核人", "Reviewer"),
    "reason_code": ("原因", "Reason"), "note": ("备注", "Note"), "interest": ("企业意向", "Interest"),
    "last_decision": ("最近决定", "Last decision"), "last_decision_at": ("最近决定时间", "Last decision at"),
    "scenario_id": ("场景编号", "Scenario id"), "scenario_title": ("应用场景", "Scenario"),
    "scenario_org": ("需求单位", "Scenario organization"), "scenario_industry": ("场景行业", "Scenario industry"),
    "scenario_region": ("场景地区", "Scenario region"), "scenario_contact": ("需求方联系方式", "Scenario contact"),
    "offering_id": ("成果编号", "Offering id"), "offering_title": ("技术成果", "Offering"),
    "offering_org": ("供给单位", "Offering organization"), "offering_industry": ("成果行业", "Offering industry"),
    "offering_region": ("成果地区", "Offering region"), "offering_maturity": ("成果成熟度", "Offering maturity"),
    "offering_contact": ("供给方联系方式", "Offering contact"),
}

VALUES: dict[str, dict[str, tuple[str, str]]] = {   # kind: code: (zh, en)
    "rstatus": {"pending": ("待审核", "pending"), "published": ("已发布", "published"),
                "rejected": ("已驳回", "rejected"), "withdrawn": ("已撤回", "withdrawn"),
                "expired": ("已过期", "expired")},
    "pstatus": {"suggested": ("系统推荐", "suggested"), "shortlisted": ("入围", "shortlisted"),
                "under_review": ("审核中", "under review"), "approved": ("已批准", "approved"),
                "contacted": ("已联系", "contacted"), "piloting": ("试点中", "piloting"),
                "deployed": ("已落地", "deployed"), "rejected": ("已驳回", "rejected")},
    "maturity": {m.value: (MATURITY_ZH[m], m.value.replace("_", " ")) for m in Maturity},
    "reason": {"not_relevant": ("不相关", "not relevant"), "maturity_too_low": ("成熟度不足", "maturity too low"),
               "budget_mismatch": ("预算不符", "budget mismatch"), "region": ("地区不符", "region"),
               "duplicate": ("重复", "duplicate"), "other": ("其他", "other"),
               "strong_fit": ("技术与需求高度契合", "strong fit"), "enterprise_interest": ("企业已表达意向", "enterprise interest"),
               "capability_verified": ("能力已核实", "capability verified"),
               "policy_priority": ("符合重点产业方向", "policy priority"),
               "promising": ("有潜力，待深入了解", "promising, to look into"), "needs_details": ("需补充信息", "needs more details")},
    "language": {"zh": ("中文", "Chinese"), "en": ("英文", "English")},
    "bool": {"True": ("是", "yes"), "False": ("否", "no")},
    "interest": {"both": ("双方均有意向", "both sides"), "supply": ("供给方", "supply side"),
                 "demand": ("需求方", "demand side"), "none": ("", "")},
}
SHEETS = {"offerings": ("技术成果", "Offerings"), "scenarios": ("应用场景", "Scenarios"),
          "pairings": ("对接", "Pairings"), "codes": ("有效代码", "Valid codes")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def header(field: str, lang: str) -> str:
    return _pick(HEADERS[field], lang) if field in HEADERS else field


def sheet_name(kind: str, lang: str) -> str:
    return _pick(SHEETS[kind], lang)


def value(kind: str, code, lang: str) -> str | None:
    """The label of a code; an unknown code is shown as it is rather than dropped."""
    if code is None or code == "":
        return None
    if kind == "industry":
        industry = load_taxonomy().industries.get(code)
        return (industry.name_zh if lang == "zh" else industry.name_en) if industry else str(code)
    entry = VALUES[kind].get(str(code))
    return _pick(entry, lang) if entry else str(code)
