#!/usr/bin/env python3
"""Writes the hostile intake files of issue 9 (input side) into a folder.

    python3 bench/hostile.py /tmp/hostile [scale]

scale 1 (the default) writes the full-size cases measured in the tables of
bench/hostile.md; tests/cli/limits.rs writes small versions of the same shapes itself.
Every file is made of dummy text only ("x", "A"): no patient data.
"""
import os
import sys
import zipfile

HEADER = "patient_name,date_of_birth,current_doctor\n"


def xlsx(path, sheet_xml, shared=None, sep="/", top_level=False):
    """A minimal xlsx; `sep` "\\" writes Windows-style part names;
    `top_level` puts workbook and sheet at the top, found via _rels/.rels."""
    wb_part = "workbook.xml" if top_level else "xl/workbook.xml"
    sheet_part = "sheet1.xml" if top_level else "xl/worksheets/sheet1.xml"
    wb_rels = "_rels/workbook.xml.rels" if top_level else "xl/_rels/workbook.xml.rels"
    sheet_target = "sheet1.xml" if top_level else "worksheets/sheet1.xml"
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          f'<Override PartName="/{wb_part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          f'<Override PartName="/{sheet_part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{wb_part}"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>')
    shared_rel = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                  if shared is not None else "")
    wbrels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{sheet_target}"/>{shared_rel}</Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        name = lambda p: p.replace("/", sep)
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr(name(wb_part), wb)
        z.writestr(name(wb_rels), wbrels)
        z.writestr(name(sheet_part), sheet_xml)
        if shared is not None:
            z.writestr(name("xl/sharedStrings.xml"), shared)


def sheet(rows):
    out = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, cells in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, v in zip("ABC", cells):
            out.append(f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


CLEAN_ROWS = [["patient_name", "date_of_birth", "current_doctor"], ["A Example", "1970-02-03", "Dr X"]]


def ods_repeated(path, rows, cols):
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Patients">'
               f'<table:table-row table:number-rows-repeated="{rows}">'
               f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string"><text:p>x</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    mb = lambda n: int(n * scale * 1024 * 1024)
    p = lambda n: os.path.join(out, n)
    ods_repeated(p("ods_repeated.ods"), int(100000 * scale), 900)
    with open(p("huge_cell.csv"), "w") as f:
        f.write(HEADER + '"' + "x" * mb(50) + '",1970-02-03,Dr X\n')
    with open(p("wide_line.csv"), "w") as f:
        f.write("a," * (mb(4) // 2) + "\n" + HEADER)
    with open(p("json_many.json"), "w") as f:
        n = int(5_000_000 * scale)
        f.write("[" + ",".join(["1"] * n) + "]")
    with open(p("json_huge_string.json"), "w") as f:
        f.write('{"patient_name": "' + "x" * mb(100) + '"}')
    n = int(935 * scale)
    shared = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              + ("<si><t>" + "A" * (1024 * 1024 - 20) + "</t></si>") * n + "</sst>")
    xlsx(p("shared_strings.xlsx"), sheet(CLEAN_ROWS), shared)
    xlsx(p("huge_inline_cell.xlsx"), sheet(CLEAN_ROWS + [["x" * mb(600), "1970-02-03", "Dr X"]]))
    xlsx(p("backslash_parts.xlsx"), sheet(CLEAN_ROWS), sep="\\")
    xlsx(p("top_level_parts.xlsx"), sheet(CLEAN_ROWS), top_level=True)


if __name__ == "__main__":
    main()
