"""Times `second-opinion build` on generated intake files and reports
packets per second and peak memory (maximum resident set size) per run.

Each measured command runs in its own child process, so the peak memory of
one run is not mixed with another's. Run through bench/run.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("SECOND_OPINION_BIN", os.path.join(ROOT, "target", "release", "second-opinion"))
BASELINE = os.path.join(ROOT, "target", "release", "examples", "baseline")
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


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    baseline_sizes = [int(a) for a in os.environ.get("BASELINE_SIZES", "100").split()]
    cores = os.cpu_count()
    print("second-opinion benchmark: %d cores, run date %s" % (cores, DATE))
    print("%-34s %8s %10s %12s %12s" % ("run", "packets", "seconds", "packets/s", "peak MB"))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(set(sizes) | set(baseline_sizes)):
            intake = os.path.join(tmp, "intake-%d.json" % n)
            with open(intake, "w", encoding="utf-8") as f:
                json.dump(patients(n), f)
            runs = []
            if n in sizes:
                runs.append(("build (shared base, all cores)", [BINARY, "build", intake, "--out", os.path.join(tmp, "out"), "--date", DATE, "--quiet", "--force"]))
            if n in baseline_sizes:
                runs.append(("build (shared base, 1 job)", [BINARY, "build", intake, "--out", os.path.join(tmp, "out"), "--date", DATE, "--quiet", "--force", "--jobs", "1"]))
                runs.append(("baseline (Typst per document)", [BASELINE, intake, os.path.join(tmp, "base"), DATE]))
            for label, command in runs:
                seconds, mb = measure(command)
                results[(label, n)] = n / seconds
                print("%-34s %8d %10.2f %12.1f %12.0f" % (label, n, seconds, n / seconds, mb))
                shutil.rmtree(os.path.join(tmp, "out"), ignore_errors=True)
                shutil.rmtree(os.path.join(tmp, "base"), ignore_errors=True)
    for n in baseline_sizes:
        one, b = results.get(("build (shared base, 1 job)", n)), results.get(("baseline (Typst per document)", n))
        every = results.get(("build (shared base, all cores)", n))
        if one and b:
            print("at %d packets on one core, sharing the base gives %.1fx the baseline's packets per second" % (n, one / b))
        if every and b:
            print("at %d packets on all cores, build gives %.1fx the baseline's packets per second" % (n, every / b))


if __name__ == "__main__":
    main()
