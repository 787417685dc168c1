"""Texts of the learned gates on the admins' learning section, merged into ui.i18n.TEXT (a table of its own so
parallel work on other pages' texts does not collide with it; both languages, as everywhere)."""

TEXT: dict[str, dict[str, str]] = {
    "learn_gate_maturity": {"zh": "成熟度门槛 ×{g}（{need}）", "en": "maturity gate ×{g} ({need})"},
    "learn_gate_region": {"zh": "地区门槛 ×{g}（{need}）", "en": "region gate ×{g} ({need})"},
    "learn_gate_industry": {"zh": "行业门槛 ×{g}", "en": "industry gate ×{g}"},
    "learn_need_scenario": {"zh": "低于场景要求", "en": "below the scenario's need"},
    "learn_need_floor": {"zh": "低于{stage}或场景要求", "en": "below {stage} or the scenario's need"},
    "learn_need_district": {"zh": "其他区县", "en": "another district"},
    "learn_need_city": {"zh": "其他城市", "en": "another city"},
    "learn_no_gate": {"zh": "无门槛", "en": "no gate"},
}
