#!/bin/sh
# Measures the hostile inputs of issue 9 (input side): exit code, seconds and
# peak memory of `validate` on each, for one binary.
#   bench/hostile.sh BIN [FOLDER] [TIMEOUT]
# FOLDER is written by bench/hostile.py first if it does not exist.
BIN=${1:?binary}; DIR=${2:-/tmp/hostile}; T=${3:-120}
[ -d "$DIR" ] || python3 "$(dirname "$0")/hostile.py" "$DIR"
m() { # label, then the command's arguments after the binary
  label=$1; shift
  /usr/bin/time -f "%e s %M KB" -o /tmp/hostile_time timeout "$T" "$BIN" "$@" >/dev/null 2>/tmp/hostile_err
  rc=$?
  echo "$label | rc $rc | $(cat /tmp/hostile_time | tail -1) | $(grep -m1 error: /tmp/hostile_err | cut -c1-110)"
}
for f in ods_repeated.ods huge_cell.csv wide_line.csv json_many.json json_huge_string.json \
         shared_strings.xlsx huge_inline_cell.xlsx backslash_parts.xlsx top_level_parts.xlsx; do
  m "$f" validate "$DIR/$f" --date 2026-11-23
done
m /dev/zero validate /dev/zero --date 2026-11-23
rm -f "$DIR/fifo"; mkfifo "$DIR/fifo"
m fifo validate "$DIR/fifo" --date 2026-11-23
/usr/bin/time -f "%e s %M KB" -o /tmp/hostile_time sh -c "head -c 400000000 /dev/zero | timeout $T $BIN validate - --date 2026-11-23 >/dev/null 2>/tmp/hostile_err"
echo "400 MB pipe as - | rc $? | $(tail -1 /tmp/hostile_time) | $(grep -m1 error: /tmp/hostile_err | cut -c1-110)"
