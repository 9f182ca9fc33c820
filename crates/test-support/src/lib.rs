//! What a test needs beyond Rust, checked in one place.
//!
//! `cargo test` passes on a machine with Rust alone, and says what it did
//! not test there. A test that runs a program from outside (the PDF and ZIP
//! readers, `/usr/bin/time`, Node and Chromium, a Slurm cluster) or needs
//! root begins with
//!
//! ```ignore
//! require!("pdftotext", "unzip");
//! ```
//!
//! When all of it is there, the test goes on. When something is missing,
//! the test returns at once (it passes) after writing one line:
//!
//! ```text
//! SKIPPED a4_paper: needs pdfinfo, unzip (apt-get install poppler-utils unzip)
//! ```
//!
//! How that line is seen: libtest keeps what a test prints with `print!` or
//! `eprint!` and shows it only if the test fails, so a skip said that way
//! would never be seen. The line is written to the process's standard error
//! itself ([`std::io::stderr`], which the capture does not reach), and a
//! test binary that skipped anything ends, after libtest's own
//! `test result:` line, with a summary: the tests skipped, grouped by what
//! they lack, and one line that installs all of it. The summary is written
//! by an `atexit` handler, so it comes once every test has finished,
//! whether the binary passed or failed.
//!
//! Under CI (`CI` set, and not to `false` or `0`: GitHub Actions, GitLab CI
//! and `.ci/run` set `CI=true`), a missing tool fails the test instead. CI
//! installs everything, so a skip there would hide a broken set-up.
//!
//! Helpers that run a program call [`check_required`] first: a test that
//! runs `pdfinfo` without naming it in its `require!` fails, even on a
//! machine that has `pdfinfo`, so each test's list stays whole.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// How to get something a test needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Remedy {
    /// A Debian or Ubuntu package: the ones `.ci/run` installs.
    Apt(&'static str),
    /// Anything else, said in words.
    Do(&'static str),
}

use Remedy::{Apt, Do};

/// Every need a test may name, and how to meet it. A plain name is a
/// program looked for on `PATH` (see [`find`]); a name with a `/` is a
/// fixed path a test runs (`/usr/bin/time`, Debian's Chromium); `root`,
/// `wasm32-unknown-unknown` and `network` are checked as their names say.
/// A need not listed here is a mistake in the test, reported as such.
const NEEDS: &[(&str, Remedy)] = &[
    ("pdftotext", Apt("poppler-utils")),
    ("pdfinfo", Apt("poppler-utils")),
    ("pdffonts", Apt("poppler-utils")),
    ("pdftoppm", Apt("poppler-utils")),
    ("qpdf", Apt("qpdf")),
    ("unzip", Apt("unzip")),
    ("/usr/bin/time", Apt("time")),
    ("/usr/bin/chromium", Apt("chromium")),
    ("node", Apt("nodejs")),
    ("npm", Apt("npm")),
    ("bash", Apt("bash")),
    ("perl", Apt("perl")),
    ("sh", Apt("dash")),
    ("unshare", Apt("util-linux")),
    ("sbatch", Apt("slurm-wlm")),
    ("sinfo", Apt("slurm-wlm")),
    ("squeue", Apt("slurm-wlm")),
    ("scancel", Apt("slurm-wlm")),
    ("slurmctld", Apt("slurm-wlm")),
    ("slurmd", Apt("slurm-wlm")),
    ("munge", Apt("munge")),
    ("munged", Apt("munge")),
    ("cargo", Do("install Rust with rustup (https://rustup.rs)")),
    (
        "wasm32-unknown-unknown",
        Do("rustup target add wasm32-unknown-unknown"),
    ),
    ("root", Do("run the tests as root, as CI does")),
    (
        "network",
        Do(
            "run once with a network connection: web/build installs wasm-bindgen-cli, and web/tests its npm packages",
        ),
    ),
];

/// The remedy for `need`; a need missing from [`NEEDS`] fails the test.
#[track_caller]
fn remedy(need: &str) -> Remedy {
    NEEDS
        .iter()
        .find(|(name, _)| *name == need)
        .map(|(_, remedy)| *remedy)
        .unwrap_or_else(|| {
            panic!("the test requires {need:?}, which the test support does not know: add it to NEEDS in crates/test-support with how to get it")
        })
}

/// Skips the test (returns from it) unless everything named is there;
/// under CI, fails it instead. Each argument is a need [`require()`](fn@require) knows.
#[macro_export]
macro_rules! require {
    ($($need:expr),+ $(,)?) => {
        if !$crate::require($crate::test_name!(), &[$($need),+]) {
            return;
        }
    };
}

/// Skips the test (returns from it) for a reason that is no missing tool,
/// such as a kernel that forbids user namespaces. Never fails under CI:
/// installing nothing would change it.
#[macro_export]
macro_rules! skip {
    ($reason:expr) => {{
        $crate::skip($crate::test_name!(), $reason);
        return;
    }};
}

/// The name of the test the macro is expanded in, as libtest prints it
/// (`corpus::json_corpus_has_exact_outcomes`), read from the type name
/// of a function declared inside it.
#[macro_export]
#[doc(hidden)]
macro_rules! test_name {
    () => {{
        fn here() {}
        $crate::test_name_of(::std::any::type_name_of_val(&here))
    }};
}

/// `crate::module::test::here` → `module::test` (see [`test_name!`]).
#[doc(hidden)]
pub fn test_name_of(path: &'static str) -> &'static str {
    let path = path.strip_suffix("::here").unwrap_or(path);
    path.split_once("::").map_or(path, |(_, rest)| rest)
}

thread_local! {
    /// What the test on this thread has named in `require!` (libtest runs
    /// each test on a thread of its own).
    static REQUIRED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Whether `test` can go on: true when every need in `needs` is met.
/// Otherwise says so (see the crate's documentation) and returns false, or
/// panics under CI. Use it through [`require!`], which returns from the
/// test; call it directly when the list is worked out at run time.
#[track_caller]
pub fn require(test: &str, needs: &[&str]) -> bool {
    REQUIRED.with(|required| {
        required
            .borrow_mut()
            .extend(needs.iter().map(|n| n.to_string()))
    });
    let mut missing: Vec<&str> = Vec::new();
    for need in needs {
        // A need with no remedy is the test's mistake: fail on every machine.
        remedy(need);
        if !missing.contains(need) && !present(need) {
            missing.push(need);
        }
    }
    if missing.is_empty() {
        return true;
    }
    let lacks = format!("needs {}", missing.join(", "));
    let remedies: BTreeSet<Remedy> = missing.iter().map(|n| remedy(n)).collect();
    if ci() {
        panic!(
            "{test} {lacks} ({}): CI is set, so a missing tool fails the test instead of skipping it",
            how_to(&remedies)
        );
    }
    record(test, &lacks, remedies);
    false
}

/// Says that `test` is skipped for `reason` (see [`skip!`]).
pub fn skip(test: &str, reason: &str) {
    record(test, reason, BTreeSet::new());
}

/// Fails the test unless it named `program` in its `require!`: called by
/// every helper that runs a program, before running it.
#[track_caller]
pub fn check_required(program: &str) {
    let named = REQUIRED.with(|required| required.borrow().contains(program));
    assert!(
        named,
        "this test runs {program} without naming it in its require!(...): on a machine without {program} it would fail instead of being skipped"
    );
}

/// Whether `CI` says the tests run under CI.
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether a need known to [`NEEDS`] is met on this machine.
fn present(need: &str) -> bool {
    match need {
        // SAFETY: geteuid has no preconditions and cannot fail.
        "root" => (unsafe { libc::geteuid() }) == 0,
        "wasm32-unknown-unknown" => has_rust_target(need),
        "network" => online(),
        program => find(program).is_some(),
    }
}

/// Where a program is: a path with a `/` as given; a plain name on `PATH`,
/// or failing that in `/usr/sbin` or `/sbin`, where daemons such as
/// `slurmctld` live and a user's `PATH` often does not reach.
pub fn find(program: &str) -> Option<PathBuf> {
    let executable = |path: &Path| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let path = PathBuf::from(program);
        return executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}

/// Whether the Rust standard library for `target` is installed, in the
/// sysroot of the `rustc` that cargo would use.
fn has_rust_target(target: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
    else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    out.status.success()
        && Path::new(&sysroot)
            .join("lib/rustlib")
            .join(target)
            .join("lib")
            .is_dir()
}

/// Whether the crates.io index can be reached (through the proxy that
/// `https_proxy` names, if one is set): a connection opened within five
/// seconds.
fn online() -> bool {
    use std::net::{TcpStream, ToSocketAddrs as _};
    let proxy = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()));
    let address = match proxy {
        Some(url) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("http", &url));
            let host = rest.split('/').next().unwrap_or(rest);
            let host = host.rsplit('@').next().unwrap_or(host);
            if host.contains(':') {
                host.to_string()
            } else {
                format!("{host}:{}", if scheme == "https" { 443 } else { 80 })
            }
        }
        None => "index.crates.io:443".to_string(),
    };
    address.to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|a| TcpStream::connect_timeout(&a, std::time::Duration::from_secs(5)).is_ok())
    })
}

/// One line that gets everything in `remedies`: the packages in one
/// `apt-get install`, then anything else.
fn how_to(remedies: &BTreeSet<Remedy>) -> String {
    let packages: BTreeSet<&str> = remedies
        .iter()
        .filter_map(|r| match r {
            Apt(package) => Some(*package),
            Do(_) => None,
        })
        .collect();
    let mut parts = Vec::new();
    if !packages.is_empty() {
        parts.push(format!(
            "apt-get install {}",
            packages.into_iter().collect::<Vec<_>>().join(" ")
        ));
    }
    parts.extend(remedies.iter().filter_map(|r| match r {
        Do(what) => Some(what.to_string()),
        Apt(_) => None,
    }));
    parts.join("; ")
}

/// A test skipped, for the summary.
struct Skipped {
    test: String,
    /// What it lacked ("needs pdftotext, unzip") or why it was skipped.
    why: String,
    remedies: BTreeSet<Remedy>,
}

/// Every test skipped in this process so far.
static SKIPPED: Mutex<Vec<Skipped>> = Mutex::new(Vec::new());

/// Writes the skip line now and keeps the skip for the summary.
fn record(test: &str, why: &str, remedies: BTreeSet<Remedy>) {
    let line = if remedies.is_empty() {
        format!("SKIPPED {test}: {why}\n")
    } else {
        format!("SKIPPED {test}: {why} ({})\n", how_to(&remedies))
    };
    let _ = std::io::stderr().write_all(line.as_bytes());
    SKIPPED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Skipped {
            test: test.to_string(),
            why: why.to_string(),
            remedies,
        });
    static SUMMARY: Once = Once::new();
    // SAFETY: `summary` is an `extern "C" fn()` that does not unwind.
    SUMMARY.call_once(|| unsafe {
        libc::atexit(summary);
    });
}

/// Writes the summary of this binary's skips, at exit (see the crate's
/// documentation).
extern "C" fn summary() {
    // Nothing may unwind out of an atexit handler.
    let _ = std::panic::catch_unwind(|| {
        let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::io::stderr().write_all(summary_text(&skipped).as_bytes());
    });
}

/// The summary's text: the count, the tests grouped by what they lack, and
/// how to get all of it.
fn summary_text(skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .map(|name| match name.rsplit_once('-') {
            // cargo names test binaries `name-<16 hex digits>`.
            Some((stem, hash))
                if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                stem.to_string()
            }
            _ => name,
        })
        .unwrap_or_default();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut remedies = BTreeSet::new();
    for skip in skipped {
        groups.entry(&skip.why).or_default().push(&skip.test);
        remedies.extend(skip.remedies.iter().copied());
    }
    let mut text = format!(
        "\nSKIPPED {} test{} of {binary} (CI=true makes a missing tool fail the test instead):\n",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" }
    );
    for (why, mut tests) in groups {
        tests.sort_unstable();
        text.push_str(&format!("  {why}:\n"));
        for test in tests {
            text.push_str(&format!("    {test}\n"));
        }
    }
    if !remedies.is_empty() {
        text.push_str(&format!("To run them: {}\n", how_to(&remedies)));
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_are_libtests() {
        assert_eq!(
            test_name_of("cli::hardening::json_corpus::here"),
            "hardening::json_corpus"
        );
        assert_eq!(test_name_of("cli::a4_paper::here"), "a4_paper");
        assert_eq!(test_name!(), "tests::test_names_are_libtests");
    }

    #[test]
    fn every_package_goes_into_one_install_line() {
        let remedies: BTreeSet<Remedy> = ["pdftotext", "pdfinfo", "unzip", "root"]
            .iter()
            .map(|n| remedy(n))
            .collect();
        assert_eq!(
            how_to(&remedies),
            "apt-get install poppler-utils unzip; run the tests as root, as CI does"
        );
    }

    #[test]
    fn programs_are_found_on_the_path_or_where_given() {
        // A fixed path is checked as given.
        let me = std::env::current_exe().unwrap();
        assert_eq!(find(me.to_str().unwrap()), Some(me));
        assert!(find("/no/such/program").is_none());
        assert!(find("no-such-program-anywhere").is_none());
    }

    #[test]
    fn what_a_test_required_it_may_run() {
        REQUIRED.with(|r| r.borrow_mut().insert("qpdf".to_string()));
        check_required("qpdf");
    }

    #[test]
    #[should_panic(expected = "without naming it")]
    fn a_program_not_required_fails_the_test() {
        check_required("qpdf");
    }

    #[test]
    fn the_summary_groups_tests_by_what_they_lack() {
        let skipped = [
            Skipped {
                test: "b".into(),
                why: "needs qpdf".into(),
                remedies: [Apt("qpdf")].into(),
            },
            Skipped {
                test: "a".into(),
                why: "needs qpdf".into(),
                remedies: [Apt("qpdf")].into(),
            },
            Skipped {
                test: "c".into(),
                why: "no user namespaces".into(),
                remedies: BTreeSet::new(),
            },
        ];
        let text = summary_text(&skipped);
        assert!(
            text.contains("SKIPPED 3 tests of ")
                && text.contains("  needs qpdf:\n    a\n    b\n  no user namespaces:\n    c\n")
                && text.ends_with("To run them: apt-get install qpdf\n\n"),
            "{text}"
        );
    }
}
