"""Times `second-opinion build` on generated intake files and reports
packets per second and peak memory (maximum resident set size) per run.

Each measured command runs in its own child process, so the peak memory of
one run is not mixed with another's. Run through bench/run.
"""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("SECOND_OPINION_BIN", os.path.join(ROOT, "target", "release", "second-opinion"))
BASELINE = os.path.join(ROOT, "target", "release", "examples", "baseline")
LOOP = os.path.join(ROOT, "target", "release", "examples", "loop")
DATE = "2026-11-23"

FIRST = ["Ana", "Bao", "Chidi", "Dana", "Elif", "Femi", "Grace", "Hiro", "Ines", "José", "Kai", "Lena", "Minh", "Nora", "Omar", "Priya"]
LAST = ["Alvarez", "Brooks", "Chen", "Diallo", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Johnson", "Kowalski", "Nguyễn", "Okafor", "Patel", "Quinn", "Rossi"]
REASONS = [["surgery_recommended", "explore_options"], ["serious_diagnosis", "rare_condition"], ["unclear_diagnosis"], ["treatment_not_working", "feel_unheard"], []]


def patients(n):
    """n fictional patients, varied enough to exercise every template branch."""
    with open(os.path.join(ROOT, "samples", "patient.json"), encoding="utf-8") as f:
        base = json.load(f)
    out = []
    for i in range(n):
        p = dict(base)
        p["packet_id"] = "B%06d" % i
        p["patient_name"] = "%s %s" % (FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)])
        p["date_of_birth"] = "%04d-%02d-%02d" % (1940 + i % 60, 1 + i % 12, 1 + i % 28)
        p["medical_record_number"] = "%08d" % (i * 7919 % 100000000)
        p["reasons"] = REASONS[i % len(REASONS)]
        if i % 3 == 0:
            for key in ("second_opinion_doctor", "second_opinion_practice", "second_opinion_address", "second_opinion_fax"):
                p[key] = None
            p["records_delivery"] = "patient"
        if i % 4 == 0:
            p["my_questions"] = []
        out.append(p)
    return out


def measure(command):
    """Runs command in a child that reports its own child's peak RSS."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "t = time.perf_counter() - t\n"
        "print(r.returncode, t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe] + command, capture_output=True, text=True, check=True).stdout.split()
    code, seconds, kib = int(out[0]), float(out[1]), int(out[2])
    if code != 0:
        sys.exit("command failed with exit code %d: %s" % (code, " ".join(command)))
    return seconds, kib / 1024


def write_sheet(path, rows):
    """The rows as a CSV sheet, lists joined as the intake format reads them
    (reasons with "; ", questions one per line)."""
    import csv
    fields = list(rows[0].keys())
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row in rows:
            out = {}
            for k, v in row.items():
                if isinstance(v, list):
                    v = ("; " if k != "my_questions" else "\n").join(v)
                out[k] = "" if v is None else v
            w.writerow(out)


def main():
    """One run, every command on the same sheet, so the ratios compare like
    with like on a noisy machine. The commands the ratios are made of run
    ROUNDS times (default 3), interleaved (all cores, one job, the loop,
    then again), and each figure is the median of its rounds: a burst of
    load from a neighbour on a shared machine slows one round of one
    command, not the comparison. The ratio of each round is printed too, so
    the spread shows."""
    sizes = [int(a) for a in sys.argv[1:]] or [2000]
    small = int(os.environ.get("SMALL", "500"))
    rounds = max(1, int(os.environ.get("ROUNDS", "3")))
    baseline_sizes = [int(a) for a in os.environ.get("BASELINE_SIZES", "100").split()]
    cores = os.cpu_count()
    print("second-opinion benchmark: %d cores, run date %s, %d rounds (medians)" % (cores, DATE, rounds))
    print("%-44s %8s %10s %12s %12s" % ("run", "packets", "seconds", "packets/s", "peak MB"))
    EVERY, ONE, LOOP_LABEL = "build, all cores", "build --jobs 1", "loop: one compile per packet (packet.pdf)"
    # Both pinned to one core: the per-core comparison, which does not
    # depend on how many cores the machine has (the loop gets some of a
    # second core from Typst's parallel page layout; the build one worker
    # per core). Needs taskset (util-linux); PINNED=0 leaves it out.
    PINNED_ONE, PINNED_LOOP = "build --jobs 1, pinned to one core", "loop, pinned to one core"
    pinned = os.environ.get("PINNED", "1") != "0" and shutil.which("taskset") is not None
    rate, peak, per_round = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        templates = os.path.join(tmp, "templates")
        subprocess.run([BINARY, "templates", "export", templates], check=True, stdout=subprocess.DEVNULL)
        for n in sorted(set(sizes) | set(baseline_sizes) | {small}):
            sheet = os.path.join(tmp, "intake-%d.csv" % n)
            write_sheet(sheet, patients(n))
            out = os.path.join(tmp, "out")
            build = [BINARY, "build", sheet, "--out", out, "--date", DATE, "--quiet", "--force"]
            one_job = build + ["--jobs", "1"]
            loop_cmd = [LOOP, templates, sheet, os.path.join(tmp, "loop"), DATE]
            runs = []
            if n in sizes or n == small:
                runs.append((EVERY, build))
            if n in sizes:
                runs.append((ONE, one_job))
                # BEFORE=path/to/an/older/binary times it beside this one.
                if os.environ.get("BEFORE"):
                    old = [os.environ["BEFORE"]] + build[1:]
                    runs.append(("BEFORE binary, all cores", old))
                    runs.append(("BEFORE binary, --jobs 1", old + ["--jobs", "1"]))
                runs.append((LOOP_LABEL, loop_cmd))
                if pinned:
                    pin = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[0])]
                    runs.append((PINNED_ONE, pin + one_job))
                    runs.append((PINNED_LOOP, pin + loop_cmd))
            if n in baseline_sizes:
                runs.append(("baseline: Typst per document, cold", [BASELINE, sheet, os.path.join(tmp, "base"), DATE]))
            # Only the sizes whose ratios are reported are repeated.
            repeat = rounds if n in sizes else 1
            times = {label: [] for label, _ in runs}
            peaks = {label: [] for label, _ in runs}
            for _ in range(repeat):
                for label, command in runs:
                    seconds, mb = measure(command)
                    times[label].append(seconds)
                    peaks[label].append(mb)
                    for d in ("out", "loop", "base"):
                        shutil.rmtree(os.path.join(tmp, d), ignore_errors=True)
            for label, _ in runs:
                seconds = statistics.median(times[label])
                rate[(label, n)], peak[(label, n)] = n / seconds, max(peaks[label])
                per_round[(label, n)] = [n / t for t in times[label]]
                print("%-44s %8d %10.2f %12.1f %12.0f" % (label, n, seconds, n / seconds, peak[(label, n)]))
    for n in sizes:
        every, one = rate.get((EVERY, n)), rate.get((ONE, n))
        loop = rate.get((LOOP_LABEL, n))

        def spread(a, b):
            ratios = [x / y for x, y in zip(per_round[(a, n)], per_round[(b, n)])]
            return ", ".join("%.2f" % r for r in ratios)

        if every and one:
            print("at %d packets: all cores give %.2fx --jobs 1 (rounds: %s)" % (n, every / one, spread(EVERY, ONE)))
        if every and loop:
            print("at %d packets: all cores give %.2fx the one-compile-per-packet loop (rounds: %s)" % (n, every / loop, spread(EVERY, LOOP_LABEL)))
        if rate.get((PINNED_ONE, n)) and rate.get((PINNED_LOOP, n)):
            print("at %d packets, each on one core: the build gives %.2fx the loop (rounds: %s)" % (n, rate[(PINNED_ONE, n)] / rate[(PINNED_LOOP, n)], spread(PINNED_ONE, PINNED_LOOP)))
        if (EVERY, small) in peak and n != small:
            print("peak memory, all cores: %.0f MB at %d packets, %.0f MB at %d" % (peak[(EVERY, small)], small, peak[(EVERY, n)], n))


if __name__ == "__main__":
    main()
