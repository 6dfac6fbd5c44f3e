"""The downloadable import template of a kind (openpyxl: dropdowns, formats and an
instruction sheet matter more here than speed)."""
import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from services.excel.columns import DATE, EMAIL, ENUM, ID_NUMBER, MOBILE, NUMBER, TEXT


def write_template(path, kind, target):
    """The downloadable template: marked header, dropdowns, text-formatted IDs/phones,
    YYYY-MM-DD dates and an instruction sheet."""
    columns = list(kind.columns(target))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind.label
    red, bold = Font(bold=True, color="C00000"), Font(bold=True)
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=column.header + ("*" if column.required else ""))
        cell.font = red if column.required else bold
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        cells = f"{letter}2:{letter}5001"
        if column.type in (ID_NUMBER, MOBILE, TEXT, EMAIL):
            for row in range(2, 5002):
                sheet.cell(row=row, column=position).number_format = "@"
        elif column.type == DATE:
            for row in range(2, 5002):
                sheet.cell(row=row, column=position).number_format = "yyyy-mm-dd"
        if column.type == ENUM and column.options:
            listing = ",".join(column.options)
            if len(listing) <= 250:  # Excel's limit for an inline list
                validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=not column.required)
                validation.add(cells)
                sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "格式说明"])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append([column.header, "必填" if column.required else "选填", _column_note(column)])
    notes.append([])
    notes.append(["说明", "", "带*的列必须填写；从第2行起每行一条数据；身份证号、手机号码请以文本格式填写；导入时不符合要求的行不会导入，并在“未导入”表格中注明失败原因。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 80
    workbook.save(path)


def _column_note(column):
    base = {
        ID_NUMBER: "18位居民身份证号",
        MOBILE: "11位手机号码",
        EMAIL: "电子邮箱地址",
        DATE: "日期，格式 YYYY-MM-DD，如 2022-03-01",
        NUMBER: "数字",
        ENUM: "可选值：" + "、".join(column.options),
        TEXT: f"文本，不超过{column.max_length}字",
    }[column.type]
    if not column.note:
        return base
    # A note that restates the type's own words says it once ("18位居民身份证号，末位X…").
    return column.note if column.note.startswith(base) else f"{base}；{column.note}"
