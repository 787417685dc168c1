"""The offering/scenario form (submit and edit), with each field's validation error shown under it."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from matcher.domain.records import Maturity, RecordValidationError, Side, validate_record
from ui.i18n import enum_label, industry_codes, industry_label, lang, t

TEXT_FIELDS = ["title", "description", "organization", "region", "keywords", "contact_name", "contact_email",
               "contact_phone"]
REQUIRED = {"title", "description", "organization"}
LONG = {"description", "indicators"}


def _label(field: str) -> str:
    return t(f"field_{field}") + (" *" if field in REQUIRED else "")


def _error(errors: dict[str, str], field: str) -> None:
    if field in errors:
        st.error(errors[field], icon=":material/error:")


def _text(field: str, key: str, value: str | None, errors: dict[str, str]) -> str:
    widget = st.text_area if field in LONG else st.text_input
    helps = {"keywords": t("help_keywords"), "region": t("help_region")}
    out = widget(_label(field), value=value or "", key=f"{key}_{field}", help=helps.get(field))
    _error(errors, field)
    return out


def _choice(field: str, key: str, options: list, value, label_of, errors: dict[str, str]):
    options = [None, *options]
    index = options.index(value) if value in options else 0
    out = st.selectbox(_label(field), options, index=index, format_func=label_of, key=f"{key}_{field}")
    _error(errors, field)
    return out


def record_form(side: Side, key: str, values: dict, submit_label: str) -> dict | None:
    """Draw the form for side. Returns the raw field values when submitted, else None.

    Args:
        key: form key, also the prefix of every widget key (key_title, key_description, ...).
        values: initial values (a stored record when editing, the account's details when submitting).
    """
    errors: dict[str, str] = st.session_state.get(f"{key}_errors", {})
    if errors:
        st.error(t("form_errors"))
    maturities = list(Maturity)
    with st.form(key):
        st.caption(t("required_note"))
        data = {f: _text(f, key, values.get(f), errors) for f in ("title", "description")}
        if side == Side.DEMAND:
            data["indicators"] = _text("indicators", key, values.get("indicators"), errors)
        data["keywords"] = _text("keywords", key, values.get("keywords"), errors)
        left, right = st.columns(2)
        with left:
            data["organization"] = _text("organization", key, values.get("organization"), errors)
            data["industry"] = _choice("industry", key, industry_codes(), values.get("industry"),
                                       industry_label, errors)
            data["region"] = _text("region", key, values.get("region"), errors)
            if side == Side.SUPPLY:
                data["maturity"] = _choice("maturity", key, maturities, _enum(values.get("maturity")),
                                           lambda m: enum_label("maturity", m), errors)
            else:
                data["required_maturity"] = _choice("required_maturity", key, maturities,
                                                    _enum(values.get("required_maturity")),
                                                    lambda m: enum_label("maturity", m), errors)
                data["budget_wan"] = st.number_input(_label("budget_wan"), min_value=0.0, step=10.0,
                                                     value=values.get("budget_wan"), key=f"{key}_budget_wan")
                _error(errors, "budget_wan")
                data["deadline"] = st.date_input(_label("deadline"), value=values.get("deadline"),
                                                 min_value=dt.date(2000, 1, 1), key=f"{key}_deadline")
                _error(errors, "deadline")
        with right:
            for field in ("contact_name", "contact_email", "contact_phone"):
                data[field] = _text(field, key, values.get(field), errors)
        submitted = st.form_submit_button(submit_label, key=f"{key}_submit", type="primary")
    return data if submitted else None


def _enum(value):
    return Maturity(value) if value else None


def check(side: Side, key: str, data: dict) -> dict | None:
    """Validate the submitted values. On errors, keep them for the next run (shown under each field) and
    return None; nothing is saved. On success, return the clean values."""
    try:
        record = validate_record(side, data)
    except RecordValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors:
            errors.setdefault(err.field, err.message(lang()))
        st.session_state[f"{key}_errors"] = errors
        return None
    st.session_state.pop(f"{key}_errors", None)
    return record.model_dump(mode="json", exclude={"id"})


def clear(key: str) -> None:
    """Forget the form's widget values and errors, so it shows empty (or the record afresh) next run."""
    for name in [k for k in st.session_state if str(k).startswith(f"{key}_")]:
        del st.session_state[name]
