"""A report (matcher/workflow/reports.py) as labelled tables in zh or en: the sheets of an Excel workbook (the
house workbook styles of matcher/io/workbook.py) and a print-ready HTML page. The PDF is the browser's: the
page is made to print cleanly (A4, no app chrome, tables that do not split rows), and the user prints it to
PDF; no PDF is generated on the server (that would need a layout engine with CJK fonts and system libraries)."""
from __future__ import annotations

import html

import pandas as pd

from matcher.domain.organisations import tag_label
from matcher.io import labels
from matcher.io.workbook import Sheet, xlsx_bytes
from matcher.workflow.reports import Report

W: dict[str, tuple[str, str]] = {   # key: (zh, en)
    "summary": ("概要", "Summary"), "listings": ("供需信息", "Listings"), "pairings": ("对接阶段", "Pairings by stage"),
    "projects": ("示范项目", "Demonstration projects"), "cases": ("新增案例", "Cases added"),
    "tagged": ("资质企业", "Tagged enterprises"), "item": ("项目", "Item"), "value": ("数值", "Value"),
    "kind": ("类别", "Kind"), "status": ("状态", "Status"), "count": ("数量", "Count"), "stage": ("阶段", "Stage"),
    "id": ("编号", "Id"), "title": ("名称", "Title"), "year": ("年度", "Year"),
    "requested": ("申请（万元）", "Requested (10k CNY)"), "granted": ("支持（万元）", "Granted (10k CNY)"),
    "supplier": ("供给方", "Supplier"), "adopter": ("应用方", "Adopter"), "industry": ("行业", "Industry"),
    "name": ("企业", "Enterprise"), "district": ("区县", "District"), "tags": ("资质（已核验）", "Verified tags"),
    "roles": ("参与方式", "Involved as"), "supply": ("技术产品", "Offerings"), "demand": ("应用场景", "Scenarios"),
    "m_offerings": ("技术产品", "Offerings"), "m_scenarios": ("应用场景", "Scenarios"), "m_pairings": ("对接", "Pairings"),
    "m_deployed": ("已落地对接", "Deployed pairings"), "m_projects": ("示范项目", "Demonstration projects"),
    "m_support": ("支持金额（万元）", "Support granted (10k CNY)"), "m_cases": ("新增案例", "Cases added"),
    "m_tagged": ("资质企业", "Tagged enterprises"), "m_planned": ("计划诊断企业", "Enterprises planned"),
    "m_diagnosed": ("已诊断企业", "Enterprises diagnosed"), "m_providers": ("已分配服务商", "Providers assigned"),
    "m_scenarios_out": ("诊断生成的场景", "Scenarios from findings"),
    "r_supply": ("供给方", "supplier"), "r_demand": ("需求方", "adopter"), "r_diagnosed": ("诊断企业", "diagnosed"),
    "r_provider": ("诊断服务商", "provider"),
    "title_year": ("{year} 年度工作报告", "Report for {year}"),
    "title_campaign": ("诊断活动报告：{title}", "Campaign report: {title}"),
    "title_call": ("征集批次报告：{title}", "Call report: {title}"),
    "campaign_line": ("{park} · {start} 至 {end}", "{park} · {start} to {end}"),
    "generated": ("生成时间：{at}（协调世界时）", "Generated {at} UTC"),
}
PROJECT_STATUS = {"applied": ("已申报", "applied"), "approved": ("已批准", "approved"), "reported": ("已报成效", "reported"),
                  "completed": ("已完成", "completed"), "rejected": ("已驳回", "rejected")}
SUMMARY_KEYS = ("offerings", "scenarios", "pairings", "deployed", "projects", "support", "cases", "tagged",
                "planned", "diagnosed", "providers", "scenarios_out")


def w(key: str, lang: str, **params) -> str:
    text = W[key][0 if lang == "zh" else 1]
    return text.format(**params) if params else text


def title(report: Report, lang: str) -> str:
    if report.campaign:
        return w("title_campaign", lang, title=report.campaign["title"])
    if report.call:
        first, second = ("title_zh", "title_en") if lang == "zh" else ("title_en", "title_zh")
        return w("title_call", lang, title=report.call.get(first) or report.call.get(second) or "")
    return w("title_year", lang, year=report.scope.year)


def sheets(report: Report, lang: str) -> list[Sheet]:
    """The report's tables, headers and code values in lang, in reading order (summary first)."""
    def pick(pair):
        return pair[0] if lang == "zh" else pair[1]
    summary = [[w("m_" + k, lang), report.summary[k]] for k in SUMMARY_KEYS if k in report.summary]
    return [
        Sheet(w("summary", lang), [w("item", lang), w("value", lang)], summary),
        Sheet(w("listings", lang), [w("kind", lang), w("status", lang), w("count", lang)],
              [[w(r["side"], lang), labels.value("rstatus", r["status"], lang), r["count"]] for r in report.listings]),
        Sheet(w("pairings", lang), [w("stage", lang), w("count", lang)],
              [[labels.value("pstatus", r["stage"], lang), r["count"]] for r in report.pairings]),
        Sheet(w("projects", lang), [w(k, lang) for k in ("id", "title", "status", "year", "requested", "granted")],
              [[p["id"], p["title"], pick(PROJECT_STATUS.get(p["status"], (p["status"],) * 2)), p["year"],
                p["requested_wan"], p["support_wan"]] for p in report.projects]),
        Sheet(w("cases", lang), [w(k, lang) for k in ("id", "title", "supplier", "adopter", "industry")],
              [[c["id"], c["title"], c["supplier"], c["adopter"], labels.value("industry", c["industry"], lang)]
               for c in report.cases]),
        Sheet(w("tagged", lang), [w(k, lang) for k in ("name", "district", "tags", "roles")],
              [[o["name"], o["district"], ("；" if lang == "zh" else "; ").join(tag_label(*t, lang) for t in o["tags"]),
                ("、" if lang == "zh" else ", ").join(w("r_" + r, lang) for r in o["roles"])] for o in report.tagged]),
    ]


def report_xlsx(report: Report, lang: str) -> bytes:
    return xlsx_bytes(*sheets(report, lang))


_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:24px;color:#111}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px;border-bottom:1px solid #999}
p{margin:2px 0;font-size:12px;color:#444} table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top} th{background:#dde6f0}
tr{page-break-inside:avoid} @page{size:A4;margin:15mm} @media print{body{margin:0}}"""


def report_html(report: Report, lang: str) -> str:
    """A standalone page to open and print (Ctrl+P) to PDF; every text cell escaped (pandas to_html)."""
    parts = [f"<h1>{html.escape(title(report, lang))}</h1>"]
    if report.campaign:
        c = report.campaign
        parts.append(f"<p>{html.escape(w('campaign_line', lang, park=c['park'], start=c['start_date'], end=c['end_date']))}</p>")
    parts.append(f"<p>{html.escape(w('generated', lang, at=report.generated_at.strftime('%Y-%m-%d %H:%M')))}</p>")
    for sheet in sheets(report, lang):
        frame = pd.DataFrame(sheet.rows, columns=sheet.headers)
        parts.append(f"<h2>{html.escape(sheet.name)}</h2>")
        parts.append(frame.to_html(index=False, escape=True, na_rep="", border=0))
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title(report, lang))}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
