"""CSV/XLSX import and export: upload checks, zh/en header aliases, encodings, formula neutralising."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO, Any, Iterable, Literal

import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from matcher.config import get_settings
from matcher.domain.records import (FIELD_NAMES_ZH, MODEL_FOR_SIDE, FieldError, Maturity, OfferingIn,
                             RecordValidationError, ScenarioIn, Side, validate_many)

Source = str | Path | bytes | bytearray | IO[bytes]

# One mapping for every header we write in Chinese; import accepts these too, so zh exports re-import.
HEADERS_ZH = {**FIELD_NAMES_ZH, "status": "状态", "created_at": "创建时间", "updated_at": "更新时间",
              "score": "得分", "scenario_id": "场景编号", "offering_id": "成果编号", "side": "供需类型",
              "reason": "原因", "note": "备注"}

_ALIASES = {
    "id": ["编号", "ID"], "title": ["标题", "名称"], "description": ["描述", "简介", "详情"],
    "organization": ["单位", "企业", "机构", "组织"], "industry": ["行业"],
    "maturity": ["成熟度", "技术成熟度"], "region": ["地区", "区域"], "keywords": ["关键词"],
    "contact_name": ["联系人"], "contact_email": ["邮箱", "电子邮箱", "email"],
    "contact_phone": ["电话", "联系电话", "phone"], "budget_wan": ["预算", "预算(万元)", "budget"],
    "deadline": ["截止日期", "期限"], "indicators": ["指标", "量化指标"], "required_maturity": ["所需成熟度"],
}

_MATURITY_ZH = {"实验室": Maturity.LAB, "小试": Maturity.LAB, "中试": Maturity.PILOT,
                "小批量": Maturity.SMALL_BATCH, "量产": Maturity.MASS_PRODUCTION,
                "规模化量产": Maturity.MASS_PRODUCTION}

# OWASP CSV-injection triggers: spreadsheet apps evaluate cells starting with these. The fullwidth forms
# count too: Excel and WPS with a Chinese input method turn a leading ＝＋－＠ into a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_DATE = re.compile(r"^(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?(?: 0?0:00(?::00)?)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_MAX_UNZIPPED = 200 * 1024 * 1024  # an .xlsx inflating past this is a zip bomb, not a form export


def _key(header: str) -> str:
    # NFKC folds full-width brackets (预算（万元）); '*' often marks required columns in templates.
    return re.sub(r"[\s_\-*]", "", unicodedata.normalize("NFKC", header)).lower()


_HEADER_TO_FIELD = {_key(a): f for f, names in _ALIASES.items() for a in [f, HEADERS_ZH.get(f, f), *names]}


@dataclass(frozen=True)
class Table:
    """Rows keyed by canonical field name (cells are str or None), plus what the UI should warn about.

    columns are the field names found in the header, in file order. unknown_columns are the original
    header texts that matched no field; they were ignored. header_row is the 1-based row of the header
    (title rows above it are skipped); data starts on the row below it.
    """

    rows: list[dict[str, str | None]]
    columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    header_row: int = 1


class UploadError(ValueError):
    """An upload refused before parsing (size, type, content), explained in both languages."""

    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh
        super().__init__(en)


def _file_error(en: str, zh: str, row: int | None = None, name: str = "file") -> RecordValidationError:
    return RecordValidationError([FieldError(name, en, zh, row)])


_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz"}
_WESTERN = {"cp1252", "cp1250", "latin_1", "iso8859_15", "cp850"}
# What charset-normalizer may name, as users know it (only used in messages).
_ENCODING_NAMES = {"cp932": "Shift-JIS", "shift_jis": "Shift-JIS", "shift_jis_2004": "Shift-JIS",
                   "shift_jisx0213": "Shift-JIS", "euc_jp": "EUC-JP", "euc_jis_2004": "EUC-JP",
                   "iso2022_jp": "ISO-2022-JP", "big5": "Big5", "big5hkscs": "Big5", "cp950": "Big5",
                   "euc_kr": "EUC-KR", "cp949": "EUC-KR", "johab": "EUC-KR", "iso2022_kr": "ISO-2022-KR"}


def _foreign_encoding(data: bytes) -> str | None:
    """The encoding a non-UTF-8 file more likely uses than GB18030 (charset-normalizer), or None.

    GB18030 decodes most byte strings, so Shift-JIS, Big5, EUC-KR or Windows-1252 files would silently turn
    into wrong Chinese characters. A file counts as GB18030 only when charset-normalizer ranks a GB encoding
    first or about as clean (mess ratio within 0.02) as its best guess."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    best = matches[0]
    gb = [m for m in matches if m.encoding in _GB_FAMILY]
    if best.encoding in _GB_FAMILY or (gb and gb[0].chaos <= best.chaos + 0.02):
        return None
    if best.encoding not in _ENCODING_NAMES and best.encoding not in _WESTERN:
        return None  # an odd guess (random text): GB18030 decoded strictly, so keep it
    return _ENCODING_NAMES.get(best.encoding, "Windows-1252" if best.encoding in _WESTERN else best.encoding)


def _decode(data: bytes) -> str | None:
    # Excel on Chinese Windows saves "CSV" as GBK; GB18030 is its superset. BOM-less UTF-8 is tried first.
    # Strict decoding: a file that decodes only with replacement characters is refused, never garbled.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _foreign_encoding(data):
            return None
        return None if "\x00" in text else text.lstrip("\ufeff")
    return None


def _undecodable(data: bytes) -> tuple[str, str]:
    """The (en, zh) explanation for a CSV that _decode refused, naming the encoding it seems to use."""
    try:
        data.decode("gb18030")
        name = _foreign_encoding(data)
    except UnicodeDecodeError:
        name = None
    if name:
        return (f"The file seems to be in {name}, not UTF-8 or GBK/GB18030; importing it would garble the text. "
                "Save it as 'CSV UTF-8'.",
                f"文件似乎是 {name} 编码，而不是 UTF-8 或 GBK/GB18030，导入会产生乱码。请另存为“CSV UTF-8”。")
    return ("The file is not CSV text in UTF-8 or GBK/GB18030; save it as 'CSV UTF-8'.",
            "文件不是 UTF-8 或 GBK/GB18030 编码的 CSV 文本，请另存为“CSV UTF-8”。")


def check_upload(filename: str, data: bytes, max_bytes: int | None = None) -> None:
    """Refuse an upload that is too large, not .csv/.xlsx, or whose bytes do not match its extension."""
    limit = max_bytes if max_bytes is not None else get_settings().max_upload_mb * 1024 * 1024
    ext = Path(filename or "").suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise UploadError(f"Only .csv and .xlsx files are accepted, not '{ext or filename}'.",
                          f"只接受 .csv 和 .xlsx 文件，不接受“{ext or filename}”。")
    if len(data) > limit:
        raise UploadError(f"The file is larger than {limit / 1048576:.1f} MB.",
                          f"文件超过 {limit / 1048576:.1f} MB。")
    if not data:
        raise UploadError("The file is empty.", "文件为空。")
    if ext == ".csv":
        if data.startswith(b"PK\x03\x04"):
            raise UploadError("This is an Excel workbook: save it with the .xlsx extension.",
                              "这是 Excel 工作簿，请使用 .xlsx 扩展名。")
        if (text := _decode(data)) is None:
            raise UploadError(*_undecodable(data))
        try:  # the row and cell bounds too, streamed: nothing is kept, so a huge file costs no memory here
            _bounded(csv.reader(io.StringIO(text, newline=""), strict=True), _Count())
        except RecordValidationError as exc:
            raise UploadError(exc.errors[0].en, exc.errors[0].zh) from None
        except csv.Error:
            pass  # reported with its row when the import reads the file
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unzipped = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        names, unzipped = set(), 0
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise UploadError("The file is not a valid .xlsx workbook.", "文件不是有效的 .xlsx 工作簿。")
    if unzipped > _MAX_UNZIPPED:
        raise UploadError("The workbook is too large once unpacked.", "工作簿解压后过大。")


def read_source(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source.getvalue() if hasattr(source, "getvalue") else source.read()  # Streamlit UploadedFile


_BLANK: list = []  # every blank row shares this one list: a file of empty lines costs no memory per row
_CELLS_PER_ROW = 40   # budget of cells per allowed row (the widest template has 15 columns)


class _Count:
    """A rows_out for _bounded that only counts (check_upload's streamed pass)."""

    def __init__(self) -> None:
        self.n = 0

    def append(self, _row) -> None:
        self.n += 1

    def __len__(self) -> int:
        return self.n


def _bounded(rows: Iterable[list], rows_out: list[list] | _Count) -> list[list] | _Count:
    """Collect rows into rows_out, refusing a file past max_import_rows records, or past 5 × that many rows
    counting blank ones, or past 40 cells per allowed row; blank rows are kept as one shared empty list."""
    limit = get_settings().max_import_rows
    filled = cells = 0
    for row in rows:
        if not any(c and str(c).strip() for c in row):
            rows_out.append(_BLANK)
        else:
            filled += 1
            cells += len(row)
            rows_out.append(row)
        if filled > limit + 10 or len(rows_out) > 5 * limit or cells > _CELLS_PER_ROW * limit:
            raise _file_error(f"The file is too large to import at once: at most {limit:,} records (and "
                              f"{5 * limit:,} rows or {_CELLS_PER_ROW * limit:,} cells). Split it into smaller files.",
                              f"文件过大，无法一次导入：最多 {limit:,} 条记录（{5 * limit:,} 行或 "
                              f"{_CELLS_PER_ROW * limit:,} 个单元格）。请拆分为多个文件。")
    return rows_out


def _csv_cells(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if text is None:
        raise _file_error(*_undecodable(data))
    rows: list[list[str]] = []
    # strict: an unbalanced quote must be an error, not a cell that silently swallows the next rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        _bounded(reader, rows)
    except csv.Error as exc:
        raise _file_error(f"The CSV is malformed near row {len(rows) + 1} ({exc}); check the quotes.",
                          f"CSV 格式错误，位于第 {len(rows) + 1} 行附近（{exc}），请检查引号。",
                          row=len(rows) + 1) from None
    return rows


def _text(value: Any) -> str | None:
    """An XLSX cell as the text a user sees; Excel keeps every number as a float."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _xlsx_cells(data: bytes) -> list[list[str | None]]:
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                return []
            ws = wb.worksheets[0]
            ws.reset_dimensions()  # some writers store a wrong dimension, which would cut columns off
            return _bounded(([_text(v) for v in row] for row in ws.iter_rows(values_only=True)), [])
        finally:
            wb.close()
    except RecordValidationError:
        raise
    except Exception:  # openpyxl raises a zoo of zip/XML/key errors for broken files; all mean the same
        raise _file_error("The .xlsx file is damaged or not an Excel workbook.",
                          ".xlsx 文件已损坏或不是 Excel 工作簿。") from None


def _clean(cell: str | None) -> str | None:
    if cell is None or not cell.strip():
        return None
    # Our own exports prefix formula-like text with an apostrophe; drop it so a round trip is lossless.
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START) else cell


def _normalise_values(rows: list[dict[str, str | None]]) -> None:
    names: dict[str, str] = {}
    if any(r.get("industry") for r in rows):
        from matcher.domain.taxonomy import load_taxonomy  # late import: only files with an industry need it

        for code, ind in load_taxonomy().industries.items():
            names.update({ind.name_zh.strip().lower(): code, ind.name_en.strip().lower(): code})
    for row in rows:
        if row.get("industry"):
            row["industry"] = names.get(row["industry"].strip().lower(), row["industry"])
        for name in ("maturity", "required_maturity"):
            value = (row.get(name) or "").strip()
            english = re.sub(r"[\s\-]+", "_", value.lower())
            if value in _MATURITY_ZH:
                row[name] = _MATURITY_ZH[value].value
            elif english in {m.value for m in Maturity}:
                row[name] = english
        # Chinese Excel writes dates as 2026/12/31 and big numbers as 1,200 in CSV; pydantic wants ISO.
        if (m := _DATE.match((row.get("deadline") or "").strip())):
            row["deadline"] = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
        if _THOUSANDS.match((row.get("budget_wan") or "").strip()):
            row["budget_wan"] = row["budget_wan"].replace(",", "").strip()


def header_keys(aliases: dict[str, list[str]]) -> dict[str, str]:
    """A header_map for read_table: each field and its alias headers, normalised as headers are."""
    return {_key(a): f for f, names in aliases.items() for a in [f, *names]}


def read_table(path_or_bytes: Source, filename: str | None = None,
               header_map: dict[str, str] | None = None) -> Table:
    """Read a .csv or .xlsx file into a Table; every cell is text or None, headers map to field names.

    header_map (normalised header -> field, see header_keys) replaces the record headers, for other tables.

    Raises RecordValidationError (field "file", or the header names) for unreadable or unsupported files.
    """
    if filename is None:
        named = isinstance(path_or_bytes, (str, Path))
        filename = str(path_or_bytes if named else getattr(path_or_bytes, "name", ""))
    ext = Path(filename).suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise _file_error(f"Only .csv and .xlsx files can be imported, not '{ext or filename}'.",
                          f"只能导入 .csv 和 .xlsx 文件，不能导入“{ext or filename}”。")
    data = read_source(path_or_bytes)
    cells = _csv_cells(data) if ext == ".csv" else _xlsx_cells(data)
    while cells and not any(c and c.strip() for c in cells[-1]):
        cells.pop()  # trailing blank rows are formatting left in the sheet, not records
    if not cells:
        return Table([])
    # Official templates often put a title row or two above the header: take the first row that
    # names at least two known fields, else row 1.
    to_field = header_map or _HEADER_TO_FIELD
    known = [sum(_key(c or "") in to_field for c in row) for row in cells[:10]]
    top = next((i for i, n in enumerate(known) if n >= 2), 0)
    header, body = cells[top], cells[top + 1:]
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for i, raw in enumerate(header):
        name = to_field.get(_key(raw or ""))
        if name in columns.values():
            raise _file_error(f"Two columns both mean '{name}' (column {get_column_letter(i + 1)}).",
                              f"有两列都表示“{HEADERS_ZH.get(name, name)}”（第 {get_column_letter(i + 1)} 列）。",
                              row=top + 1, name=name)
        if name:
            columns[i] = name
        elif (raw or "").strip() or any(i < len(r) and r[i] for r in body):
            unknown.append((raw or "").strip() or f"column {get_column_letter(i + 1)}")
    for offset, row in enumerate(body):
        if len(row) > len(header) and any(c and c.strip() for c in row[len(header):]):
            n = top + 2 + offset
            raise _file_error(f"Row {n} has more cells than the header; check the quotes and commas.",
                              f"第 {n} 行的单元格多于表头，请检查引号和逗号。", row=n)
    rows = [{name: _clean(row[i] if i < len(row) else None) for i, name in columns.items()} for row in body]
    _normalise_values(rows)
    return Table(rows, list(columns.values()), unknown, header_row=top + 1)


def validate_table(side: Side, table: Table) -> list[OfferingIn | ScenarioIn]:
    """Validate every row of a Table, all or nothing (row numbers as the user sees them in the file)."""
    if not table.columns and not table.unknown_columns:
        raise _file_error("The file is empty.", "文件为空。")
    missing = [n for n, f in MODEL_FOR_SIDE[side].model_fields.items()
               if f.is_required() and n not in table.columns]
    if missing:
        raise RecordValidationError([FieldError(n, f"The column '{n}' is missing.",
                                                f"缺少“{HEADERS_ZH.get(n, n)}”列。", table.header_row)
                                     for n in missing])
    if not table.rows:
        raise _file_error("The file has no data rows below the header.", "文件表头下没有数据行。")
    return validate_many(side, table.rows, first_row=table.header_row + 1)


def parse_records(side: Side, path_or_bytes: Source,
                  filename: str | None = None) -> list[OfferingIn | ScenarioIn]:
    """read_table + validate_table: the records, or a RecordValidationError naming every bad row and field."""
    return validate_table(side, read_table(path_or_bytes, filename))


# --- export ---------------------------------------------------------------------------------------

def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe; other values pass."""
    # Text whose own leading apostrophes precede a trigger gets one more, so _clean's strip-one is exact.
    if isinstance(value, str) and value.lstrip("'").startswith(_FORMULA_START):
        return "'" + value
    return value


def _export_value(value: Any, fmt: str) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (list, tuple, set)):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, dt.date) and (fmt == "csv" or getattr(value, "tzinfo", None)):
        value = value.isoformat()  # Excel has no time zones: openpyxl refuses aware datetimes
    elif not isinstance(value, (str, int, float, dt.date, dt.time)):
        value = str(value)
    if isinstance(value, str) and fmt == "xlsx":
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters in XML
    return neutralise(value)


def write_table(rows: Iterable[dict | BaseModel] | pd.DataFrame, path_or_buffer: str | Path | IO[bytes],
                fmt: Literal["csv", "xlsx"], columns: list[str] | None = None,
                headers_lang: str = "en") -> None:
    """Write rows as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX; every text cell neutralised.

    Args:
        rows: dicts, pydantic records or a DataFrame.
        path_or_buffer: a file path or a binary buffer.
        columns: field names to write, in order; default every key, in order of first appearance.
        headers_lang: "zh" writes Chinese headers (HEADERS_ZH), anything else the field names.
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}; use 'csv' or 'xlsx'")
    if isinstance(rows, pd.DataFrame):
        columns = columns or [str(c) for c in rows.columns]
        rows = rows.to_dict("records")
    dicts = [r.model_dump() if isinstance(r, BaseModel) else dict(r) for r in rows]
    columns = columns or list(dict.fromkeys(k for d in dicts for k in d))
    header = [neutralise(HEADERS_ZH.get(c, c) if headers_lang == "zh" else c) for c in columns]
    body = [[_export_value(d.get(c), fmt) for c in columns] for d in dicts]
    if fmt == "csv":
        target = open(path_or_buffer, "w", encoding="utf-8-sig", newline="") \
            if isinstance(path_or_buffer, (str, Path)) \
            else io.TextIOWrapper(path_or_buffer, encoding="utf-8-sig", newline="", write_through=True)
        try:
            csv.writer(target).writerows([header, *body])
        finally:
            target.close() if isinstance(path_or_buffer, (str, Path)) else target.detach()
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        for r, values in enumerate([header, *body], start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text looks like
        wb.save(path_or_buffer)


def export_bytes(rows: Iterable[dict | BaseModel] | pd.DataFrame, fmt: Literal["csv", "xlsx"],
                 columns: list[str] | None = None, headers_lang: str = "en") -> bytes:
    """The bytes of write_table's output, for download buttons."""
    buffer = io.BytesIO()
    write_table(rows, buffer, fmt, columns=columns, headers_lang=headers_lang)
    return buffer.getvalue()
