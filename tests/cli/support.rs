//! What every end-to-end test uses: a temporary folder to run the binary in
//! ([`Case`]) and what a run gave ([`Run`]); the real readers its outputs
//! are checked with (`pdftotext`, `pdfinfo`, `qpdf`, `unzip`) and
//! `/usr/bin/time`; ZIPs made and read with the zip crate; the repository's
//! samples and fixtures.
//!
//! A test that runs a program from outside names it first with
//! [`require!`] (from `crates/test-support`): without it the test is
//! skipped, and says what to install, or fails under CI. The helpers here
//! that run a program check that the test named it.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) use second_opinion_test_support::{check_required, find, require, skip, test_name};

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_second-opinion");

/// The run date every test builds with (`--date`).
pub(crate) const DATE: &str = "2026-11-23";

/// A string that only ever appears as a field value.
pub(crate) const MARKER: &str = "ZZSECRETMARKER";

/// A packet's entries, in order.
pub(crate) const ENTRIES: [&str; 8] = [
    "checklist.pdf",
    "records-request-letter.pdf",
    "insurance-call-script.pdf",
    "second-opinion-appointment.pdf",
    "my-health-summary.pdf",
    "second-opinion-questions.pdf",
    "opinion-comparison-table.pdf",
    "packet.pdf",
];

/// The scheduler variables `--shard auto` reads; removed from every run,
/// so that a test running inside a job array is not steered by them.
pub(crate) const SCHEDULER_VARS: [&str; 7] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
    "SECOND_OPINION_SHARD_COUNT",
];

/// A test folder with helpers to write inputs and run the binary in it.
pub(crate) struct Case {
    /// The folder, removed when the case is dropped.
    pub(crate) dir: tempfile::TempDir,
}

impl Case {
    /// A new, empty folder.
    pub(crate) fn new() -> Self {
        Case {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A path inside the folder.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a text file into the folder.
    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        self.write_bytes(name, text.as_bytes())
    }

    /// Writes a file of any bytes into the folder.
    pub(crate) fn write_bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    /// The one way the binary is started: with `args`, in the folder, with
    /// no `SOURCE_DATE_EPOCH` and no scheduler variables from the outer
    /// environment. Every run below is made from it.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.args(args);
        self.settle(&mut command);
        command
    }

    /// The binary started by another program (`/usr/bin/time`), set up as
    /// [`Case::command`] sets it up.
    fn wrapped(&self, program: &str, options: &[&str], args: &[&str]) -> Command {
        check_required(program);
        let mut command = Command::new(program);
        command.args(options).arg(BIN).args(args);
        self.settle(&mut command);
        command
    }

    /// The folder and environment every run has.
    fn settle(&self, command: &mut Command) {
        command
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH");
        for var in SCHEDULER_VARS {
            command.env_remove(var);
        }
    }

    /// Runs the binary to the end, capturing its output.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs the binary with `env` set, capturing its output.
    pub(crate) fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        Run(self
            .command(args)
            .envs(env.iter().copied())
            .output()
            .expect("the binary runs"))
    }

    /// Runs the binary with `env` set and nothing on standard input, and
    /// fails the test if it runs longer than `limit`: a run waiting on a
    /// pipe would otherwise hang the suite.
    pub(crate) fn run_within(&self, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
        let mut child = self
            .command(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let start = Instant::now();
        while child
            .try_wait()
            .expect("the child can be waited on")
            .is_none()
        {
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("second-opinion {args:?} still ran after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Run(child.wait_with_output().expect("the output is read"))
    }

    /// `build INPUT --out OUT --date DATE EXTRA...`.
    pub(crate) fn build(&self, input: &str, out: &str, extra: &[&str]) -> Run {
        let mut args = vec!["build", input, "--out", out, "--date", DATE];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Runs the binary to the end and returns its exit code, peak resident
    /// memory in MB and seconds taken, with `env` set. Needs
    /// `/usr/bin/time`.
    ///
    /// Measured by `/usr/bin/time`, not by `wait4` on a child of this test
    /// process: Linux carries the forking process's resident size into the
    /// child's peak at `exec`, and this process holds whatever the tests
    /// running beside it hold. `time` is a small process, so its figure is
    /// the binary's.
    pub(crate) fn measured(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, f64, f64) {
        let started = Instant::now();
        let report = self.path("time.txt");
        let status = self
            .wrapped(
                "/usr/bin/time",
                &["-f", "%M", "-o", report.to_str().unwrap()],
                args,
            )
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("/usr/bin/time runs");
        let kb: f64 = fs::read_to_string(&report)
            .unwrap()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .expect("a peak in KB");
        (
            status.code().expect("an exit code"),
            kb / 1024.0,
            started.elapsed().as_secs_f64(),
        )
    }

    /// Extracts a ZIP with `unzip` into a fresh folder and returns the
    /// folder. Needs `unzip`.
    pub(crate) fn unzip(&self, zip: &Path, name: &str) -> PathBuf {
        check_required("unzip");
        let dest = self.path(name);
        fs::create_dir_all(&dest).unwrap();
        let status = Command::new("unzip")
            .arg("-q")
            .arg(zip)
            .arg("-d")
            .arg(&dest)
            .status()
            .expect("unzip is installed");
        assert!(status.success());
        dest
    }
}

/// What a run of the binary gave.
pub(crate) struct Run(pub(crate) Output);

impl Run {
    /// The exit code.
    pub(crate) fn code(&self) -> i32 {
        self.0.status.code().expect("exit code")
    }

    /// Standard output, as text.
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Standard error, as text.
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Fails, showing the whole stream, unless stderr contains `text`.
    pub(crate) fn assert_stderr_has(&self, text: &str) -> &Self {
        let stderr = self.stderr();
        assert!(stderr.contains(text), "stderr lacks {text:?}:\n{stderr}");
        self
    }

    /// Fails, showing the whole stream, unless stdout contains `text`.
    pub(crate) fn assert_stdout_has(&self, text: &str) -> &Self {
        let stdout = self.stdout();
        assert!(stdout.contains(text), "stdout lacks {text:?}:\n{stdout}");
        self
    }

    /// Fails, showing both streams, unless the exit code is `code`.
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

// ------------------------------------------------------- other programs

/// Runs a program from outside, failing with its output unless it
/// succeeds; returns its standard output. `what` names it in the failure.
/// (The program may be a script of the repository's, so the caller checks
/// what it needs.)
pub(crate) fn checked(what: &str, command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}).\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `program ARGS FILE`, which must succeed; its standard output.
pub(crate) fn tool(program: &str, args: &[&str], file: &Path) -> String {
    check_required(program);
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|_| panic!("{program} is installed"));
    assert!(
        out.status.success(),
        "{program} failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pdftotext OPTIONS PDF -`: what it prints, as it prints it.
pub(crate) fn pdftotext(pdf: &Path, options: &[&str]) -> String {
    check_required("pdftotext");
    let out = Command::new("pdftotext")
        .args(options)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    assert!(
        out.status.success(),
        "pdftotext {options:?} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs of white space folded to one space, so phrases can be found
/// whatever the line breaks.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a PDF, white space folded.
pub(crate) fn pdf_text(pdf: &Path) -> String {
    folded(&pdftotext(pdf, &[]))
}

/// A PDF's text read in drawing order (`pdftotext -raw`), white space
/// folded. Poppler's default layout analysis can drop the space between two
/// one-letter words of different scripts ("ê ψ" comes back as "êψ", though
/// the space is in the PDF); drawing order keeps it.
pub(crate) fn pdf_text_raw(pdf: &Path) -> String {
    folded(&pdftotext(pdf, &["-raw"]))
}

/// The text of one page of a PDF, white space folded.
pub(crate) fn page_text(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    folded(&pdftotext(pdf, &["-f", &n, "-l", &n]))
}

/// The height of every word on the pages `pages` selects (pdftotext's
/// `-f`/`-l`; none: all), in points, from `pdftotext -bbox` word boxes: the
/// font's ascent plus descent.
pub(crate) fn word_heights(pdf: &Path, pages: &[&str]) -> Vec<f64> {
    let options: Vec<&str> = ["-bbox"].iter().chain(pages).copied().collect();
    pdftotext(pdf, &options)
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .filter_map(|l| {
            let num = |key: &str| -> Option<f64> {
                let start = l.find(&format!("{key}=\""))? + key.len() + 2;
                l[start..].split('"').next()?.parse().ok()
            };
            Some(num("yMax")? - num("yMin")?)
        })
        .collect()
}

/// The number of pages of a PDF, from `pdfinfo`.
pub(crate) fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Makes a named pipe at `path`.
pub(crate) fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

/// Makes a character device with `/dev/null`'s numbers at `path`; false
/// where that is not allowed (only root may).
pub(crate) fn mknod_null(path: &Path) -> bool {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) == 0 }
}

// ------------------------------------------------------------------ ZIPs

/// A ZIP of `(name, body)` entries, for files that only look like
/// workbooks and for workbooks made part by part.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(body).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The names of a ZIP's entries, in order.
pub(crate) fn zip_entries(zip: &Path) -> Vec<String> {
    let archive = zip::ZipArchive::new(fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| archive.name_for_index(i).unwrap().unwrap().to_string())
        .collect()
}

/// Extracts one entry of a ZIP into `dir`, with the zip crate.
pub(crate) fn extract(zip: &Path, entry: &str, dir: &Path) -> PathBuf {
    let mut archive = zip::ZipArchive::new(fs::File::open(zip).unwrap())
        .unwrap_or_else(|e| panic!("{} is not a ZIP: {e}", zip.display()));
    let mut file = archive
        .by_name(entry)
        .unwrap_or_else(|e| panic!("{} has no {entry}: {e}", zip.display()));
    let dest = dir.join(entry);
    let mut out = fs::File::create(&dest).unwrap();
    std::io::copy(&mut file, &mut out).unwrap();
    dest
}

// ---------------------------------------------------------------- files

/// The repository's root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The path of `tests/fixtures/NAME`.
pub(crate) fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The path of `samples/NAME`.
pub(crate) fn sample_file(name: &str) -> String {
    repo()
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The sample patient, `samples/patient.json`.
pub(crate) fn sample() -> String {
    fs::read_to_string(repo().join("samples/patient.json")).unwrap()
}

/// A record with the required fields only.
pub(crate) fn minimal(name: &str) -> String {
    serde_json::json!({"patient_name": name, "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}).to_string()
}

/// Names of the files in a folder, sorted.
pub(crate) fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `validate` on one input at the fixed run date.
pub(crate) fn validate(case: &Case, input: &str, extra: &[&str]) -> Run {
    let mut args = vec!["validate", input, "--date", DATE];
    args.extend_from_slice(extra);
    case.run(&args)
}

/// One valid patient record named `name`, as JSON.
pub(crate) fn patient(name: &str) -> serde_json::Value {
    serde_json::json!({"patient_name": name, "date_of_birth": "1970-02-03", "current_doctor": "Dr. Lee"})
}

/// The report's rows as `file,position,packet,status` (problems left out).
pub(crate) fn report_rows(report: &Path) -> Vec<String> {
    let text = fs::read_to_string(report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{},{},{},{}", &r[0], &r[1], &r[2], &r[3])
        })
        .collect()
}
