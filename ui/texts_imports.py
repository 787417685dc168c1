"""Texts of the background imports on the import page (job progress, results, earlier imports), merged into
ui.i18n.TEXT. Both languages for every key; the file name in them is user data."""

TEXT: dict[str, dict[str, str]] = {
    "import_jobs_header": {"zh": "我的导入", "en": "My imports"},
    "import_background_hint": {"zh": "导入在后台进行：可以离开本页，稍后回来查看进度和结果。",
                               "en": "Imports run in the background: you may leave this page and come back for "
                                     "the progress and the result."},
    "import_started": {"zh": "已开始导入“{file}”。", "en": "Import of “{file}” started."},
    "import_queued": {"zh": "“{file}”：排队等待导入", "en": "“{file}”: waiting to start"},
    "import_running": {"zh": "“{file}”：{stage}（{pct}%）", "en": "“{file}”: {stage} ({pct}%)"},
    "import_result_of": {"zh": "最近一次导入：“{file}”，{when}", "en": "Latest import: “{file}”, {when}"},
    "import_interrupted_saved": {
        "zh": "导入在保存 {n} 条记录后因服务重启而中断。这些记录已保存，匹配在服务启动时自动补全；请勿重复导入该文件。",
        "en": "The import was interrupted by a restart after saving {n} records. They are saved and their "
              "matching was completed at start; do not import the file again."},
    "import_interrupted_none": {"zh": "导入因服务重启而中断，未保存任何内容，可以重新导入该文件。",
                                "en": "The import was interrupted by a restart before anything was saved; you can "
                                      "import the file again."},
    "import_errors_capped": {"zh": "仅列出前 {shown} 处问题（共 {n} 处）。", "en": "The first {shown} of {n} problems are listed."},
    "import_history": {"zh": "较早的导入", "en": "Earlier imports"},
    "col_file": {"zh": "文件", "en": "File"},
    "col_target": {"zh": "导入后", "en": "After import"},
    "col_state": {"zh": "状态", "en": "State"},
    "col_saved": {"zh": "已保存记录", "en": "Records saved"},
    "job_queued": {"zh": "排队中", "en": "Waiting"},
    "job_running": {"zh": "进行中", "en": "Running"},
    "job_done": {"zh": "已完成", "en": "Done"},
    "job_failed": {"zh": "未导入（有错误）", "en": "Not imported (errors)"},
    "job_interrupted": {"zh": "已中断", "en": "Interrupted"},
}
