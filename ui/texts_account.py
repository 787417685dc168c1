"""Texts of the account page (password change, contact details), the admin's password reset, the forced
change after a reset, and the organisation-tag filters of the review queue; merged into ui.i18n.TEXT. Same
rules as every table: both languages, no English in zh, no Chinese in en."""

TEXT: dict[str, dict[str, str]] = {
    # --- account page
    "page_account": {"zh": "我的账户", "en": "My account"},
    "account_signed_in": {"zh": "登录邮箱：{email} · 角色：{role} · 单位：{organization}",
                          "en": "Sign-in e-mail: {email} · role: {role} · organisation: {organization}"},
    "account_email_note": {"zh": "登录邮箱不能修改；对方看到的联系邮箱可在上方修改。",
                           "en": "The sign-in e-mail cannot be changed; the contact e-mail counterparts see can, above."},
    "account_forced": {"zh": "管理员已重置您的密码。请先设置新密码，之后才能使用其他页面。",
                       "en": "An administrator reset your password. Choose a new password before using any other page."},
    "account_forced_elsewhere": {"zh": "请先在“我的账户”页面设置新密码。",
                                 "en": "Choose a new password on the My account page first."},
    "account_password_title": {"zh": "修改密码", "en": "Change password"},
    "account_password_help": {"zh": "新密码至少 8 个字符，不能过于常见；修改后您在其他浏览器和设备上的登录会全部退出。",
                              "en": "At least 8 characters and not a common password. Changing it signs you out "
                                    "in every other browser and device."},
    "account_current": {"zh": "当前密码", "en": "Current password"},
    "account_current_temp": {"zh": "当前（临时）密码", "en": "Current (temporary) password"},
    "account_new": {"zh": "新密码", "en": "New password"},
    "account_confirm": {"zh": "再次输入新密码", "en": "New password again"},
    "account_password_button": {"zh": "修改密码", "en": "Change password"},
    "account_password_ok": {"zh": "密码已修改。其他 {n} 个登录会话已退出。",
                            "en": "Password changed. {n} other signed-in session(s) were ended."},
    "account_contact_title": {"zh": "联系方式", "en": "Contact details"},
    "account_contact_help": {"zh": "对接获批准后，对方会看到这些联系方式；新提交的记录默认使用它们。",
                             "en": "Counterparts see these details once a pairing is approved; new listings start "
                                   "from them."},
    "account_apply_listings": {"zh": "同时更新我待审核和已发布的记录（{n} 条）",
                               "en": "Also update my pending and published listings ({n})"},
    "account_contact_button": {"zh": "保存联系方式", "en": "Save contact details"},
    "account_contact_ok": {"zh": "联系方式已保存。", "en": "Contact details saved."},
    "account_contact_ok_listings": {"zh": "联系方式已保存，并已更新 {n} 条记录。",
                                    "en": "Contact details saved; {n} listing(s) updated."},
    # --- admin: password reset
    "reset_title": {"zh": "重置密码", "en": "Reset a password"},
    "reset_help": {"zh": "为用户设置一次性临时密码：该用户的所有登录会话立即退出，下次登录时必须修改密码。"
                         "临时密码只显示一次，请通过可靠渠道告知本人。",
                   "en": "Give the user a one-time temporary password: all their sessions end now and they must "
                         "change it at their next sign-in. It is shown once only; pass it on through a channel you trust."},
    "reset_user": {"zh": "用户", "en": "User"},
    "reset_reason": {"zh": "原因 *", "en": "Reason *"},
    "reset_reason_ph": {"zh": "例如：本人来电，忘记密码", "en": "e.g. phoned in, forgot the password"},
    "reset_typed": {"zh": "临时密码（留空则自动生成）", "en": "Temporary password (leave empty to generate one)"},
    "reset_button": {"zh": "重置密码", "en": "Reset password"},
    "reset_done": {"zh": "{email} 的密码已重置。临时密码（只显示这一次）：",
                   "en": "The password of {email} was reset. Temporary password (shown this once only):"},
    "col_must_change": {"zh": "须改密码", "en": "Must change password"},
    "event_password_reset": {"zh": "密码已被重置", "en": "Password reset"},
    # --- review queue: organisation tags
    "queue_tags": {"zh": "任一方单位的已核验标签", "en": "Verified tag of either side's organisation"},
    "queue_tags_ph": {"zh": "不限标签", "en": "Any tag or none"},
    "queue_tag_level": {"zh": "标签级别", "en": "Tag level"},
    "queue_tag_level_any": {"zh": "不限级别", "en": "Any level"},
}
