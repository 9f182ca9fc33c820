"""Load test: builds packets for one generated spreadsheet of N rows
(default 50,000) and reports the time and peak memory, with the peak memory
of `validate` on the same sheet (what holding the intake itself costs).

    python3 bench/load.py [ROWS]     # needs openpyxl (pip install openpyxl)

Run after `cargo build --release`. It takes about N / 20 seconds on two cores.
"""
import os
import sys
import tempfile

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402



def write_sheet(path, rows):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Patients")
    patients = measure.patients(rows)
    fields = list(patients[0].keys())  # the sample's fields, in its order
    sheet.append(fields)
    for p in patients:
        row = []
        for f in fields:
            v = p.get(f)
            if isinstance(v, list):
                v = "; ".join(v)
            row.append(v)
        sheet.append(row)
    book.save(path)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    with tempfile.TemporaryDirectory() as tmp:
        sheet = os.path.join(tmp, "load-%d.xlsx" % rows)
        write_sheet(sheet, rows)
        print("sheet: %d rows, %.1f MB" % (rows, os.path.getsize(sheet) / 1e6))
        seconds, mb = measure.measure([measure.BINARY, "validate", sheet, "--date", measure.DATE])
        print("validate: %.1f s, peak %.0f MB" % (seconds, mb))
        out = os.path.join(tmp, "out")
        seconds, mb = measure.measure([measure.BINARY, "build", sheet, "--out", out, "--date", measure.DATE, "--quiet"])
        built = len([n for n in os.listdir(out) if n.endswith(".zip")])
        print("build: %d packets in %.0f s (%.1f packets/s), peak %.0f MB" % (built, seconds, built / seconds, mb))


if __name__ == "__main__":
    main()
