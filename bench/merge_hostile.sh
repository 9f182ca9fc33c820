#!/bin/sh
# `report merge` against hostile shard reports (issue 25), full size.
#
#   bench/merge_hostile.sh BIN WORK [SECONDS]
#
# Builds two shards of a two-row intake with BIN, then merges planted
# reports: a FIFO, a link to /dev/zero, a 300 MB cell, two million rows,
# two header-only reports, and --out onto a device node (made in WORK, never
# /dev/null itself) with --force. Each merge runs under `timeout SECONDS`
# (default 60) and an address-space limit of 4 GB, timed by
# `/usr/bin/time -f '%e s %M KB'`. Prints one line per case: exit code,
# time and peak, and the first line of the message. Dummy text only.
set -u
BIN=$(realpath "$1")
WORK=$2
LIMIT=${3:-60}
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 2

cat > intake.csv <<'EOF'
patient_name,date_of_birth,current_doctor
Ann Lee,1970-02-03,Dr. Lee
Bo Chan,1970-02-03,Dr. Lee
EOF
HEADER='source_file,position,packet,status,field,problem,how_to_fix'
"$BIN" build intake.csv --out good --date 2026-11-23 --quiet --shard 1/2 >/dev/null 2>&1
"$BIN" build intake.csv --out good --date 2026-11-23 --quiet --shard 2/2 >/dev/null 2>&1

# A folder holding shard 2's real report and, as shard 1's, `what`.
case_dir() {
    rm -rf "$1"
    mkdir "$1"
    cp good/report-2-of-2.csv "$1/"
}

run() {
    name=$1
    shift
    (ulimit -v 4000000; /usr/bin/time -f '%e s %M KB' -o time.txt \
        timeout "$LIMIT" "$BIN" report merge "$@" >out.txt 2>err.txt)
    code=$?
    printf '%s | exit %s | %s | %s\n' "$name" "$code" "$(tail -n 1 time.txt)" \
        "$(head -c 160 err.txt | head -n 1)"
}

case_dir fifo
mkfifo fifo/report-1-of-2.csv
run "FIFO as report-1-of-2.csv" fifo

case_dir zero
ln -s /dev/zero zero/report-1-of-2.csv
run "link to /dev/zero as report-1-of-2.csv" zero

case_dir cell
python3 - "$HEADER" <<'EOF'
import sys
with open("cell/report-1-of-2.csv", "w") as f:
    f.write(sys.argv[1] + "\n")
    f.write("intake.csv,row 2,,failed,," + "x" * 300_000_000 + ",fix\n")
    f.write("intake.csv,row 3,Bo-Chan.zip,other-shard,,built by shard 2 of 2,"
            "see report-2-of-2.csv; second-opinion report merge combines the shards' reports\n")
EOF
run "300 MB cell" cell

rm -rf rows
mkdir rows
python3 - "$HEADER" <<'EOF'
import sys
for k, other in ((1, 2), (2, 1)):
    with open(f"rows/report-{k}-of-2.csv", "w") as f:
        f.write(sys.argv[1] + "\n")
        hint = (f"see report-{other}-of-2.csv; second-opinion report merge "
                "combines the shards' reports")
        for i in range(2_000_000):
            if i % 2 == k - 1:
                f.write(f"intake.csv,row {i + 2},P{i}.zip,built,,,\n")
            else:
                f.write(f"intake.csv,row {i + 2},P{i}.zip,other-shard,,"
                        f"built by shard {other} of 2,{hint}\n")
EOF
run "2,000,000 rows in each of 2 reports" rows

rm -rf empty
mkdir empty
echo "$HEADER" > empty/report-1-of-2.csv
echo "$HEADER" > empty/report-2-of-2.csv
run "two header-only reports" empty

rm -rf dev
cp -r good dev
mknod dev/null c 1 3 2>/dev/null || mkfifo dev/null
run "--out onto a device node (FIFO if not root) --force" good --out dev/null --force
printf '   still a device or FIFO afterwards: %s\n' \
    "$(test -c dev/null -o -p dev/null && echo yes || echo no)"
