#!/usr/bin/env bash
# Runs one image case of bench/hostile.md ("Images") and prints
# "exit, seconds, peak MB" and the first line of the message:
#
#   bench/hostile_images.sh BIN MODE FILE [AS_LIMIT_BYTES] [JOBS] [PATIENTS]
#
# MODE logo: FILE is the clinic logo (clinic.json names it).
# MODE real: FILE is `map.png` in a templates folder whose added document
#            shows it (read as bytes, so by content) for every patient but
#            the sample one: only a check at load sees it before a packet.
# MODE all:  the same, shown in the sample packet too.
# AS_LIMIT_BYTES caps the address space (prlimit --as) as HPC jobs run;
# PATIENTS (default 1) copies of `init --example`, renamed, built with
# --jobs JOBS (default 2); LOGO=FILE in the environment adds that clinic
# logo to a real or all run. Files: `python3 bench/hostile_images.py DIR`.
set -uo pipefail
bin=$(realpath "$1"); mode=$2; file=$(realpath "$3")
cap=${4:-}; jobs=${5:-2}; patients=${6:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" init --example one.json >/dev/null
python3 - "$patients" <<'EOF'
import json, sys
one = json.load(open("one.json"))
records = []
for i in range(int(sys.argv[1])):
    r = dict(one)
    r["patient_name"] = f"Ann Lee {i}"
    r.pop("packet_id", None)
    records.append(r)
json.dump(records, open("intake.json", "w"))
EOF
sample=$(python3 -c 'import json; print(json.load(open("one.json"))["patient_name"])')
args=(build intake.json --out out --date 2026-11-23 --jobs "$jobs")
case $mode in
  logo)
    cp "$file" "logo-$(basename "$file")"
    echo "{\"name\": \"C\", \"logo\": \"logo-$(basename "$file")\"}" > clinic.json
    args+=(--clinic clinic.json) ;;
  real|all)
    mkdir -p tpl/en
    cp "$file" tpl/map.png
    cond=true
    [ "$mode" = real ] && cond="d.patient.patient_name != \"$sample\""
    cat > tpl/en/extra.typ <<EOF
#import "/lib.typ": *
#let title(d) = "Extra"
#let summary(d) = [Extra.]
#let body(d) = [
  = Extra
  #if $cond { image(read("/map.png", encoding: none), alt: "map", width: 100%) }
]
EOF
    args+=(--templates tpl)
    if [ -n "${LOGO:-}" ]; then
      cp "$LOGO" logo.png
      echo '{"name": "C", "logo": "logo.png"}' > clinic.json
      args+=(--clinic clinic.json)
    fi ;;
esac
limit=()
[ -n "$cap" ] && limit=(prlimit --as="$cap")
/usr/bin/time -f '%e %M' -o time.txt timeout 120 "${limit[@]}" "$bin" "${args[@]}" >/dev/null 2>err.txt
code=$?
read -r secs kb < <(tail -1 time.txt)
printf '%s %s: exit %s, %.2f s, %d MB | %s\n' "$mode" "$(basename "$file")" "$code" "$secs" $((kb / 1024)) \
  "$(grep -m1 -v '^\s*$' err.txt | cut -c1-160)"
