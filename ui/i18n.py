"""The one translation table of the web app (zh and en for every key), the language switch and label helpers."""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from matcher.config import current_settings
from matcher.domain.taxonomy import load_taxonomy
from ui.i18n_programme import PROGRAMME_TEXT

LANGUAGES = ("zh", "en")
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}  # each shown in its own language, never translated

TEXT: dict[str, dict[str, str]] = {
    # --- frame and navigation
    "app_title": {"zh": "常州技术供需对接平台", "en": "Changzhou Technology Matchmaking"},
    "lang_label": {"zh": "语言", "en": "Language"},
    "loading": {"zh": "正在加载模型和索引……", "en": "Loading the model and indexes…"},
    "start_title": {"zh": "正在启动……", "en": "Starting…"},
    "start_db": {"zh": "打开数据库", "en": "Opening the database"},
    "start_model": {"zh": "加载语言模型 {model}", "en": "Loading the language model {model}"},
    "start_index": {"zh": "核对索引：{n} 条记录（新记录需要计算向量）", "en": "Checking the indexes: {n} records (new ones are embedded)"},
    "start_seed": {"zh": "首次启动：载入演示数据", "en": "First start: loading the demo data"},
    "start_seed_progress": {"zh": "演示数据：{pct}%", "en": "Demo data: {pct}%"},
    "start_done": {"zh": "已就绪", "en": "Ready"},
    "start_failed": {"zh": "启动失败", "en": "Start failed"},
    "seeding": {"zh": "首次启动：正在载入演示数据……", "en": "First start: loading the demo data…"},
    "signed_in_as": {"zh": "已登录：{email}（{role}）", "en": "Signed in: {email} ({role})"},
    "logout": {"zh": "退出登录", "en": "Sign out"},
    "session_expired": {"zh": "会话已超时，请重新登录。", "en": "Your session has expired; please sign in again."},
    "session_ended": {"zh": "您已退出登录（在其他标签页退出，或账号已停用），请重新登录。",
                      "en": "You were signed out (in another tab, or the account was deactivated); please sign in again."},
    "link_missing": {"zh": "链接中的对接 #{id} 不存在。", "en": "The linked pairing #{id} does not exist."},
    "not_signed_in": {"zh": "请先登录。", "en": "Please sign in first."},
    "refused": {"zh": "您的角色无权访问此页面。", "en": "Your role may not open this page."},
    "nav_enterprise": {"zh": "企业", "en": "Enterprise"},
    "nav_official": {"zh": "审核", "en": "Review"},
    "nav_admin": {"zh": "管理", "en": "Administration"},
    "page_login": {"zh": "登录 / 注册", "en": "Sign in / Register"},
    "page_submit_offering": {"zh": "发布技术成果", "en": "Submit an offering"},
    "page_submit_scenario": {"zh": "发布应用场景", "en": "Submit a scenario"},
    "page_my_submissions": {"zh": "我的提交", "en": "My submissions"},
    "page_moderation": {"zh": "内容审核", "en": "Moderation"},
    "page_review": {"zh": "对接审核", "en": "Review queue"},
    "page_import_export": {"zh": "导入导出", "en": "Import and export"},
    "page_dashboard": {"zh": "数据看板", "en": "Dashboard"},
    "page_admin": {"zh": "账号管理", "en": "Accounts"},
    "page_inbox": {"zh": "消息", "en": "Inbox"},
    "inbox_unread": {"zh": "{n} 条未读", "en": "{n} unread"},
    "inbox_empty": {"zh": "暂无消息。", "en": "No messages yet."},
    "inbox_mark_read": {"zh": "全部标为已读", "en": "Mark all as read"},
    "inbox_new": {"zh": "新", "en": "new"},
    "inbox_mail_settings": {"zh": "邮件通知设置", "en": "E-mail settings"},
    "inbox_mail_off": {"zh": "系统未配置邮件服务器，消息只在此处显示。",
                       "en": "No mail server is configured; messages appear here only."},
    "inbox_mail_help": {"zh": "勾选的事件会同时发送邮件至 {email}。", "en": "Ticked events are also e-mailed to {email}."},
    "inbox_save": {"zh": "保存设置", "en": "Save settings"},
    "inbox_saved": {"zh": "设置已保存。", "en": "Settings saved."},
    "inbox_open_pairing": {"zh": "对接 #{id}", "en": "Pairing #{id}"},
    "event_record_published": {"zh": "记录已发布", "en": "Record published"},
    "event_record_rejected": {"zh": "记录被驳回", "en": "Record rejected"},
    "event_new_suggestion": {"zh": "新的推荐对接", "en": "New suggested match"},
    "event_interest_received": {"zh": "对方表达意向", "en": "Interest from the other side"},
    "event_pairing_approved": {"zh": "对接获批准", "en": "Pairing approved"},
    "event_pairing_status": {"zh": "对接阶段变化", "en": "Pairing moved on"},
    "event_submission_waiting": {"zh": "新提交待审核", "en": "New submission waiting"},
    "event_interest_official": {"zh": "企业表达意向", "en": "Interest expressed"},
    # --- sign-in and registration
    "login_tab": {"zh": "登录", "en": "Sign in"},
    "register_tab": {"zh": "企业注册", "en": "Register an enterprise"},
    "email": {"zh": "邮箱", "en": "E-mail"},
    "password": {"zh": "密码", "en": "Password"},
    "password_confirm": {"zh": "确认密码", "en": "Confirm password"},
    "login_button": {"zh": "登录", "en": "Sign in"},
    "register_button": {"zh": "注册", "en": "Register"},
    "organization": {"zh": "单位名称", "en": "Organization"},
    "contact_person": {"zh": "联系人", "en": "Contact person"},
    "register_ok": {"zh": "注册已受理，请用该邮箱和密码登录（如该邮箱原已注册，请使用原密码）。",
                    "en": "Registration received. Sign in with this e-mail and password (if the address already "
                          "had an account, use its existing password)."},
    "password_mismatch": {"zh": "两次输入的密码不一致。", "en": "The two passwords differ."},
    "demo_banner": {"zh": "演示模式已开启：演示账号的密码是公开的，请勿录入真实数据；正式部署须关闭演示模式。",
                    "en": "Demo mode is on: the demo accounts' passwords are public, so do not enter real data; "
                          "a real deployment must turn demo mode off."},
    "demo_activity_title": {"zh": "演示账号的操作（演示模式已关闭，请核查）",
                            "en": "Actions by demo accounts (demo mode is off: please check them)"},
    "demo_activity_warning": {"zh": "演示账号的密码是公开的，任何人都可能用它们执行了以下 {n} 项操作。请核查由演示账号创建的账号和记录，必要时停用。",
                              "en": "The demo accounts' passwords are public, so anyone may have made these {n} "
                                    "actions. Check the accounts and records they created and deactivate them where needed."},
    "demo_reviewed_button": {"zh": "已核查，标记为已处理", "en": "Checked: mark as reviewed"},
    "demo_reviewed_ok": {"zh": "已记录：演示账号的操作已核查。", "en": "Recorded: the demo accounts' actions were checked."},
    "import_deferred": {"zh": "索引或匹配在保存后中断，将在下次启动时自动补全；请勿重复导入该文件。",
                        "en": "Indexing or matching stopped after saving; it completes at the next start. "
                              "Do not import the file again."},
    "locked_title": {"zh": "多次登录失败的账号", "en": "Accounts with repeated failed sign-ins"},
    "locked_warning": {"zh": "{n} 个账号连续多次登录失败，可能有人在猜测密码。失败的客户端须等待；确认后可解锁。",
                       "en": "{n} accounts had many failed sign-ins in a row; someone may be guessing passwords. "
                             "The failing clients must wait; unlock once you have checked."},
    "unlock": {"zh": "解锁", "en": "Unlock"},
    "col_failures": {"zh": "连续失败次数", "en": "Failures in a row"},
    "col_entity": {"zh": "对象", "en": "What"},
    "col_entity_id": {"zh": "编号", "en": "Id"},
    "demo_hint": {"zh": "演示账号（仅供演示）：{accounts}", "en": "Demo accounts (demo only): {accounts}"},
    # --- roles, sides, statuses, maturity, reasons
    "role_enterprise": {"zh": "企业", "en": "enterprise"},
    "role_official": {"zh": "审核人员", "en": "official"},
    "role_admin": {"zh": "管理员", "en": "admin"},
    "side_supply": {"zh": "技术成果（供给）", "en": "Offering (supply)"},
    "side_demand": {"zh": "应用场景（需求）", "en": "Scenario (demand)"},
    "rstatus_pending": {"zh": "待审核", "en": "pending"},
    "rstatus_published": {"zh": "已发布", "en": "published"},
    "rstatus_rejected": {"zh": "已驳回", "en": "rejected"},
    "rstatus_withdrawn": {"zh": "已撤回", "en": "withdrawn"},
    "pstatus_suggested": {"zh": "系统推荐", "en": "suggested"},
    "pstatus_shortlisted": {"zh": "入围", "en": "shortlisted"},
    "pstatus_under_review": {"zh": "审核中", "en": "under review"},
    "pstatus_approved": {"zh": "已批准", "en": "approved"},
    "pstatus_contacted": {"zh": "已联系", "en": "contacted"},
    "pstatus_piloting": {"zh": "试点中", "en": "piloting"},
    "pstatus_deployed": {"zh": "已落地", "en": "deployed"},
    "pstatus_rejected": {"zh": "已驳回", "en": "rejected"},
    "maturity_lab": {"zh": "实验室", "en": "lab"},
    "maturity_pilot": {"zh": "中试", "en": "pilot"},
    "maturity_small_batch": {"zh": "小批量", "en": "small batch"},
    "maturity_mass_production": {"zh": "量产", "en": "mass production"},
    "reason_not_relevant": {"zh": "不相关", "en": "not relevant"},
    "reason_maturity_too_low": {"zh": "成熟度不足", "en": "maturity too low"},
    "reason_budget_mismatch": {"zh": "预算不符", "en": "budget mismatch"},
    "reason_region": {"zh": "地区不符", "en": "region"},
    "reason_duplicate": {"zh": "重复", "en": "duplicate"},
    "reason_wrong_industry": {"zh": "行业不符", "en": "wrong industry"},
    "reason_other": {"zh": "其他", "en": "other"},
    "none_option": {"zh": "（未指定）", "en": "(not specified)"},
    "any_option": {"zh": "（全部）", "en": "(any)"},
    "actor_engine": {"zh": "匹配引擎", "en": "matching engine"},
    "actor_system": {"zh": "系统", "en": "system"},
    "actor_demo": {"zh": "演示数据", "en": "demo data"},
    "note_score": {"zh": "匹配度 {score}", "en": "score {score}"},
    "action_suggest": {"zh": "系统推荐", "en": "suggested by the engine"},
    "action_status": {"zh": "状态变更", "en": "status change"},
    "action_interest_supply": {"zh": "供给方表达意向", "en": "interest (supply side)"},
    "action_interest_demand": {"zh": "需求方表达意向", "en": "interest (demand side)"},
    "action_create": {"zh": "创建", "en": "created"},
    "action_update": {"zh": "修改", "en": "edited"},
    "lang_zh": {"zh": "中文", "en": "Chinese"},
    "lang_en": {"zh": "英文", "en": "English"},
    # --- record fields
    "field_title": {"zh": "标题", "en": "Title"},
    "field_description": {"zh": "描述", "en": "Description"},
    "field_organization": {"zh": "单位", "en": "Organization"},
    "field_industry": {"zh": "行业", "en": "Industry"},
    "field_region": {"zh": "地区", "en": "Region"},
    "field_keywords": {"zh": "关键词", "en": "Keywords"},
    "field_contact_name": {"zh": "联系人", "en": "Contact name"},
    "field_contact_email": {"zh": "联系邮箱", "en": "Contact e-mail"},
    "field_contact_phone": {"zh": "联系电话", "en": "Contact phone"},
    "field_maturity": {"zh": "技术成熟度", "en": "Maturity"},
    "field_budget_wan": {"zh": "预算（万元）", "en": "Budget (10k CNY)"},
    "field_deadline": {"zh": "截止日期", "en": "Deadline"},
    "field_indicators": {"zh": "量化指标", "en": "Target indicators"},
    "field_required_maturity": {"zh": "所需成熟度", "en": "Required maturity"},
    "help_keywords": {"zh": "多个关键词用逗号或分号分隔", "en": "Separate keywords with commas or semicolons"},
    "help_region": {"zh": "例如：常州市武进区", "en": "For example: Wujin, Changzhou"},
    "required_note": {"zh": "带 * 的为必填项", "en": "Fields marked * are required"},
    # --- submitting
    "submit_button": {"zh": "提交", "en": "Submit"},
    "form_errors": {"zh": "请修正下方标出的字段，尚未保存任何内容。",
                    "en": "Please correct the fields marked below. Nothing has been saved."},
    "saved_ok": {"zh": "已提交（编号 {id}），等待审核后发布。", "en": "Submitted (id {id}); it is published after moderation."},
    "dup_warning": {"zh": "已有与此高度相似的记录，尚未保存。确认不是重复提交吗？",
                    "en": "Very similar records already exist; nothing is saved yet. Is this not a duplicate?"},
    "dup_confirm": {"zh": "仍然提交", "en": "Submit anyway"},
    "dup_cancel": {"zh": "返回修改", "en": "Go back and edit"},
    "new_submission": {"zh": "再提交一条", "en": "Submit another"},
    "suggestions_title": {"zh": "推荐的对接对象", "en": "Suggested counterparts"},
    # --- suggestions and explanations
    "score": {"zh": "得分", "en": "Score"},
    "fit_industry": {"zh": "行业匹配", "en": "Industry fit"},
    "fit_region": {"zh": "地区匹配", "en": "Region fit"},
    "fit_maturity": {"zh": "成熟度匹配", "en": "Maturity fit"},
    "fit_good": {"zh": "符合", "en": "good"},
    "fit_partial": {"zh": "部分符合", "en": "partial"},
    "fit_unknown": {"zh": "未知", "en": "unknown"},
    "fit_poor": {"zh": "不符", "en": "poor"},
    "matched_terms": {"zh": "命中词语", "en": "Matched terms"},
    "no_matched_terms": {"zh": "无共同词语", "en": "No shared terms"},
    "no_suggestions": {"zh": "暂无推荐。", "en": "No suggestions yet."},
    "interest_button": {"zh": "表达对接意向", "en": "Express interest"},
    "interest_done": {"zh": "已表达对接意向", "en": "Interest expressed"},
    "interest_needs_published": {"zh": "记录发布后才能表达对接意向。",
                                 "en": "You can express interest once your record is published."},
    "pairing_status": {"zh": "对接状态：{status}", "en": "Pairing status: {status}"},
    "contact_hidden": {"zh": "对接获批准后可查看对方联系方式。",
                       "en": "Contact details are shown once an official approves the pairing."},
    "contact_title": {"zh": "对方联系方式", "en": "Counterpart contact"},
    # --- my submissions
    "my_empty": {"zh": "您还没有提交任何记录。", "en": "You have not submitted anything yet."},
    "my_pick": {"zh": "选择一条记录", "en": "Choose a record"},
    "tab_suggestions": {"zh": "推荐", "en": "Suggestions"},
    "tab_pairings": {"zh": "对接进展", "en": "Pairings"},
    "tab_edit": {"zh": "编辑", "en": "Edit"},
    "tab_withdraw": {"zh": "撤回", "en": "Withdraw"},
    "save_changes": {"zh": "保存修改", "en": "Save changes"},
    "updated_ok": {"zh": "已保存修改，记录将重新审核。", "en": "Changes saved; the record goes back to moderation."},
    "cannot_change": {"zh": "该记录当前状态下不能修改。", "en": "This record cannot be changed in its current status."},
    "withdraw_confirm": {"zh": "我确认撤回这条记录", "en": "I want to withdraw this record"},
    "withdraw_button": {"zh": "撤回记录", "en": "Withdraw record"},
    "withdrawn_ok": {"zh": "记录已撤回。", "en": "The record is withdrawn."},
    "no_pairings": {"zh": "暂无对接。", "en": "No pairings yet."},
    # --- moderation
    "mod_empty": {"zh": "没有待审核的记录。", "en": "Nothing is waiting for moderation."},
    "mod_pick": {"zh": "选择待审核记录", "en": "Choose a record to moderate"},
    "publish_button": {"zh": "发布", "en": "Publish"},
    "reject_button": {"zh": "驳回", "en": "Reject"},
    "reason_code": {"zh": "原因", "en": "Reason"},
    "note": {"zh": "备注", "en": "Note"},
    "published_ok": {"zh": "已发布 {id}。", "en": "Published {id}."},
    "rejected_ok": {"zh": "已驳回 {id}。", "en": "Rejected {id}."},
    "reason_required": {"zh": "驳回需要选择原因。", "en": "A rejection needs a reason."},
    # --- review queue
    "filters": {"zh": "筛选", "en": "Filters"},
    "filter_industry": {"zh": "行业", "en": "Industry"},
    "filter_region": {"zh": "地区", "en": "Region"},
    "filter_status": {"zh": "状态", "en": "Status"},
    "filter_min_score": {"zh": "最低得分", "en": "Minimum score"},
    "filter_language": {"zh": "场景语言", "en": "Scenario language"},
    "filter_since": {"zh": "起始日期", "en": "Created since"},
    "review_empty": {"zh": "没有符合条件的对接。", "en": "No pairings match the filters."},
    "review_count": {"zh": "共 {n} 条对接，按得分排序。在表格中勾选行以进行批量操作。",
                     "en": "{n} pairings, best score first. Select rows in the table for bulk actions."},
    "action": {"zh": "变更为", "en": "Move to"},
    "apply_selected": {"zh": "应用到所选行（{n}）", "en": "Apply to selected rows ({n})"},
    "apply_one": {"zh": "应用到当前对接", "en": "Apply to the pairing shown"},
    "review_pick": {"zh": "查看对接详情", "en": "Show pairing"},
    "history": {"zh": "历史记录", "en": "History"},
    "explanation": {"zh": "推荐理由", "en": "Why this pairing"},
    "action_done": {"zh": "已更新 {n} 条对接。", "en": "{n} pairing(s) updated."},
    "action_failed": {"zh": "对接 {id}：{msg}", "en": "Pairing {id}: {msg}"},
    "no_selection": {"zh": "请先在表格中选择行。", "en": "Select rows in the table first."},
    "interest_flags": {"zh": "企业意向：供给方 {s}，需求方 {d}", "en": "Interest: supply {s}, demand {d}"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    # --- import and export
    "import_header": {"zh": "批量导入", "en": "Bulk import"},
    "import_rule": {"zh": "全部行有效才会导入；任一行有误则不导入任何内容。",
                    "en": "All rows are imported, or none: one bad row stops the whole file."},
    "import_side": {"zh": "导入类型", "en": "Import as"},
    "upload": {"zh": "选择 CSV 或 XLSX 文件", "en": "Choose a CSV or XLSX file"},
    "import_button": {"zh": "导入", "en": "Import"},
    "import_ok": {"zh": "已导入 {n} 条记录。", "en": "{n} records imported."},
    "import_failed": {"zh": "未导入任何内容：发现 {n} 处问题。", "en": "Nothing imported: {n} problem(s) found."},
    "progress_parse": {"zh": "正在解析文件", "en": "Reading the file"},
    "progress_save": {"zh": "正在保存", "en": "Saving"},
    "progress_index": {"zh": "正在建立索引", "en": "Indexing"},
    "progress_match": {"zh": "正在匹配", "en": "Matching"},
    "progress_done": {"zh": "完成", "en": "Done"},
    "export_header": {"zh": "导出", "en": "Export"},
    "export_kind": {"zh": "导出内容", "en": "What to export"},
    "export_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "export_xlsx": {"zh": "下载 XLSX", "en": "Download XLSX"},
    "kind_offerings": {"zh": "技术成果", "en": "Offerings"},
    "kind_scenarios": {"zh": "应用场景", "en": "Scenarios"},
    "kind_pairings": {"zh": "对接", "en": "Pairings"},
    # --- dashboard
    "metric_offerings": {"zh": "已发布成果", "en": "Published offerings"},
    "metric_scenarios": {"zh": "已发布场景", "en": "Published scenarios"},
    "metric_pending": {"zh": "待审核记录", "en": "Waiting for moderation"},
    "metric_pairings": {"zh": "对接总数", "en": "Pairings"},
    "metric_approved": {"zh": "已批准及后续", "en": "Approved or later"},
    "chart_industry": {"zh": "各行业记录数", "en": "Records by industry"},
    "chart_status": {"zh": "对接状态分布", "en": "Pairings by status"},
    "chart_scores": {"zh": "对接得分分布", "en": "Score distribution"},
    "chart_time": {"zh": "对接数量随时间变化", "en": "Pairings over time"},
    "gap_scenarios": {"zh": "缺少合适供给的场景（可公开征集或招商引资）",
                      "en": "Scenarios with no good supply (candidates for open calls or attracting investment)"},
    "gap_offerings": {"zh": "暂无场景需求的成果", "en": "Offerings that no scenario needs"},
    "gap_rule": {"zh": "最佳得分低于 {score} 或尚无对接。", "en": "Best score below {score}, or no pairing at all."},
    "no_data": {"zh": "暂无数据。", "en": "No data yet."},
    # --- accounts
    "admin_create": {"zh": "创建审核人员账号", "en": "Create an official account"},
    "role": {"zh": "角色", "en": "Role"},
    "create_button": {"zh": "创建账号", "en": "Create account"},
    "created_ok": {"zh": "已创建账号 {email}。", "en": "Account {email} created."},
    "users": {"zh": "用户列表", "en": "Users"},
    "user_pick": {"zh": "选择用户", "en": "Choose a user"},
    "deactivate": {"zh": "停用", "en": "Deactivate"},
    "activate": {"zh": "启用并解锁", "en": "Activate and unlock"},
    "user_updated": {"zh": "已更新账号。", "en": "Account updated."},
    "cannot_self": {"zh": "不能停用自己的账号。", "en": "You cannot deactivate your own account."},
    # --- table columns
    "col_id": {"zh": "编号", "en": "Id"},
    "col_side": {"zh": "类型", "en": "Side"},
    "col_title": {"zh": "标题", "en": "Title"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_created": {"zh": "创建时间", "en": "Created"},
    "col_score": {"zh": "得分", "en": "Score"},
    "col_scenario": {"zh": "应用场景", "en": "Scenario"},
    "col_offering": {"zh": "技术成果", "en": "Offering"},
    "col_org": {"zh": "单位", "en": "Organization"},
    "col_industry": {"zh": "行业", "en": "Industry"},
    "col_region": {"zh": "地区", "en": "Region"},
    "col_count": {"zh": "数量", "en": "Count"},
    "col_date": {"zh": "日期", "en": "Date"},
    "col_best_score": {"zh": "最佳得分", "en": "Best score"},
    "col_at": {"zh": "时间", "en": "When"},
    "col_actor": {"zh": "操作人", "en": "Who"},
    "col_action": {"zh": "动作", "en": "Action"},
    "col_from": {"zh": "原状态", "en": "From"},
    "col_to": {"zh": "新状态", "en": "To"},
    "col_reason": {"zh": "原因", "en": "Reason"},
    "col_note": {"zh": "备注", "en": "Note"},
    "col_email": {"zh": "邮箱", "en": "E-mail"},
    "col_role": {"zh": "角色", "en": "Role"},
    "col_active": {"zh": "启用", "en": "Active"},
    "col_demo": {"zh": "演示账号", "en": "Demo"},
    "col_locked": {"zh": "锁定至", "en": "Locked until"},
    "col_row": {"zh": "行号", "en": "Row"},
    "col_field": {"zh": "字段", "en": "Field"},
    "col_problem": {"zh": "问题", "en": "Problem"},
    "col_interest": {"zh": "企业意向", "en": "Interest"},
    # --- indicator checks (suggestion cards, pairing detail, review queue)
    "indicators_title": {"zh": "指标核对", "en": "Indicator check"},
    "ind_met": {"zh": "满足", "en": "met"},
    "ind_unmet": {"zh": "未满足", "en": "not met"},
    "ind_unknown": {"zh": "未说明", "en": "not stated"},
    "ind_evidence": {"zh": "依据", "en": "evidence"},
    "ind_none": {"zh": "该场景未列出可核对的指标。", "en": "The scenario lists no indicators to check."},
    "filter_all_met": {"zh": "只看指标全部满足的对接", "en": "Only pairings that meet every indicator"},
    "sort_by_met": {"zh": "按满足的指标数排序", "en": "Sort by indicators met"},
    "col_indicators": {"zh": "指标满足", "en": "Indicators met"},
    # --- learning from decisions (admin)
    "learn_title": {"zh": "从审核决定中学习的排序权重", "en": "Ranking weights learned from decisions"},
    "learn_help": {"zh": "驳回与通过的原因代码按行业调整结构化信号权重（有上下限）；每个行业至少 {n} 条决定后才会调整。",
                   "en": "Reason codes of rejections and approvals adjust the structured-signal weights per "
                         "industry, within bounds; an industry needs at least {n} decisions before anything moves."},
    "learn_button": {"zh": "立即学习", "en": "Learn from decisions now"},
    "learn_done": {"zh": "已更新 {n} 个行业的权重。", "en": "Weights changed for {n} industries."},
    "learn_none": {"zh": "尚无学习结果：所有行业使用默认权重。", "en": "Nothing learned yet: every industry uses the default weights."},
    "learn_pick": {"zh": "选择行业", "en": "Industry"},
    "learn_in_force": {"zh": "当前生效：{params}", "en": "In force: {params}"},
    "learn_freeze": {"zh": "冻结（停止学习）", "en": "Freeze (stop learning)"},
    "learn_unfreeze": {"zh": "解除冻结", "en": "Unfreeze"},
    "learn_rollback": {"zh": "回退上一次调整", "en": "Roll back the last change"},
    "learn_updated": {"zh": "已更新。", "en": "Updated."},
    "learn_action_learn": {"zh": "学习", "en": "learned"},
    "learn_action_rollback": {"zh": "回退", "en": "rolled back"},
    "learn_action_freeze": {"zh": "冻结", "en": "frozen"},
    "learn_param_industry": {"zh": "行业权重", "en": "industry"},
    "learn_param_region": {"zh": "地区权重", "en": "region"},
    "learn_param_maturity": {"zh": "成熟度权重", "en": "maturity"},
    "learn_param_maturity_step": {"zh": "成熟度严格度", "en": "maturity strictness"},
    "col_version": {"zh": "版本", "en": "Version"},
    "col_frozen": {"zh": "已冻结", "en": "Frozen"},
    "col_before": {"zh": "调整前", "en": "Before"},
    "col_after": {"zh": "调整后", "en": "After"},
    "col_decisions": {"zh": "依据决定数", "en": "Decisions"},
}
TEXT.update(PROGRAMME_TEXT)  # organisations, tags, demonstration projects, case library

from ui.texts_workbench import TEXT as _WORKBENCH_TEXT  # noqa: E402  (workbench and marketplace pages)

TEXT.update(_WORKBENCH_TEXT)
from ui.texts_market import TEXT as _MARKET_TEXT  # noqa: E402  (marketplace and listing pages)

TEXT.update(_MARKET_TEXT)


def default_language() -> str:
    lang = current_settings().language   # outside a page run (AppTest's labels) too: no Settings() per label
    return lang if lang in LANGUAGES else "zh"


def lang() -> str:
    """The language of this session (the sidebar switch), else the configured default. Outside a script run
    (AppTest formatting widget labels in its own thread) there is no session to read: the default, without
    the logged warning each session_state access would write there."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return default_language()
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else default_language()


def t(key: str, **kwargs) -> str:
    """The text for key in the session's language; a missing key shows itself so it is noticed, not hidden."""
    entry = TEXT.get(key)
    text = entry[lang()] if entry else key
    return text.format(**kwargs) if kwargs else text


def browser_language() -> str | None:
    """zh or en from the browser's preferred language (st.context.locale, e.g. "en-US"), if it is one of ours."""
    try:
        locale = (st.context.locale or "").lower()
    except Exception:   # noqa: BLE001 - no browser (AppTest, bare mode): no preference
        return None
    return next((code for code in LANGUAGES if locale.startswith(code)), None)


def _language_to_url() -> None:
    st.query_params["lang"] = st.session_state["lang"]


def language_switch() -> None:
    """The zh/en radio in the sidebar; its value lives in session_state['lang'] and in the URL (?lang=), so a
    reload, a new tab or a shared link opens in the same language. A first visit without ?lang= opens in the
    browser's language when it is zh or en, else in the configured default."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang")
        st.session_state["lang"] = wanted if wanted in LANGUAGES else browser_language() or default_language()
    # Page switches drop the query string; putting the language back on every run keeps the URL shareable.
    if st.query_params.get("lang") != st.session_state["lang"]:
        _language_to_url()
    st.sidebar.radio(TEXT["lang_label"]["zh"] + " / " + TEXT["lang_label"]["en"], LANGUAGES,
                     format_func=LANGUAGE_NAMES.get, key="lang", horizontal=True, on_change=_language_to_url)


def format_datetime(value) -> str:
    """A stored UTC time shown in the browser's time zone (when known), written the reader's way."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        zone = st.context.timezone
        try:
            value = value.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(zone)) if isinstance(zone, str) else value
        except (KeyError, ValueError):
            pass
        return (f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}" if lang() == "zh"
                else f"{value.day} {value:%b %Y}, {value:%H:%M}")
    return (f"{value.year}年{value.month}月{value.day}日" if lang() == "zh" else f"{value.day} {value:%b %Y}")


def date_axis_format() -> str:
    """d3 time format of chart date axes in the session's language (Vega's default is English)."""
    return "%Y年%-m月%-d日" if lang() == "zh" else "%-d %b %Y"


def field_label(field: str | None) -> str:
    """A record field's form label (contact_email -> 联系邮箱 / Contact e-mail); unknown names stay as given."""
    key = f"field_{field}"
    return t(key) if key in TEXT else (field or "")


def enum_label(prefix: str, value) -> str:
    """Label of an enum value: prefix is rstatus, pstatus, maturity, reason, role or side."""
    if value is None or value == "":
        return t("none_option")
    return t(f"{prefix}_{getattr(value, 'value', value)}")


def industry_label(code: str | None) -> str:
    if not code:
        return t("none_option")
    industry = load_taxonomy().industries.get(code)
    return industry.name(lang()) if industry else code


def industry_codes() -> list[str]:
    return list(load_taxonomy().industries)

from ui.texts_learning import TEXT as _LEARNING_TEXT  # noqa: E402  (learned gates on the admin page)

TEXT.update(_LEARNING_TEXT)

from ui.texts_campaigns import TEXT as _CAMPAIGN_TEXT  # noqa: E402  (diagnosis campaigns and reports pages)

TEXT.update(_CAMPAIGN_TEXT)

from ui.texts_lifecycle import TEXT as _LIFECYCLE_TEXT  # noqa: E402  (listing lifecycle and calls)

TEXT.update(_LIFECYCLE_TEXT)

from ui.texts_account import TEXT as _ACCOUNT_TEXT  # noqa: E402  (account page, password reset, queue tag filter)

TEXT.update(_ACCOUNT_TEXT)

from ui.texts_imports import TEXT as _IMPORTS_TEXT  # noqa: E402  (background imports)
TEXT.update(_IMPORTS_TEXT)
