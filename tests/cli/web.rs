//! The browser edition, end to end: `web/build` makes the static site,
//! `web/tests/browser.mjs` drives it in Debian's headless Chromium (typing
//! the form, catching downloads, dropping the sample workbook, checking
//! requests, storage and accessibility), and this test then checks with real
//! tools what the browser downloaded, against what the CLI makes from the
//! same input and run date. `web/tests/offline.mjs` then checks, on the same
//! build, the service worker, the manifest and the page reopened offline, and
//! this test that the server configurations carry the page's policy.
//!
//! Needs: the `wasm32-unknown-unknown` target, `wasm-bindgen-cli` (web/build
//! installs the right version), Node.js with npm, and `/usr/bin/chromium`;
//! `.ci/run` installs them, and without them the test is skipped
//! ([`browser_needs`]). One test, because the browser run is slow.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{
    Case, DATE, ENTRIES, check_required, checked, extract, find, pdf_text, repo, require,
    sample_file, test_name, zip_entries,
};

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("the browser wrote no {}: {e}", path.display()))
}

/// Runs one of web/tests' browser scripts against the site in `dist`,
/// downloads written to `out`, and fails with its failed checks unless the
/// JSON result line it prints last says every check passed; returns that
/// result (its `facts` say what the browser downloaded).
fn browser_script(script: &Path, out: &Path, dist: &Path, extra: &[&str]) -> serde_json::Value {
    let name = script.file_name().unwrap().to_string_lossy();
    check_required("node");
    let result = Command::new("node")
        .current_dir(repo())
        .arg(script)
        .arg(out)
        .args(["--date", DATE, "--dist"])
        .arg(dist)
        .arg("--samples")
        .arg(repo().join("samples"))
        .args(extra)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&result.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&result.stderr);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| {
            panic!("{name} printed no result.\nstdout:\n{stdout}\nstderr:\n{stderr}")
        });
    let report: serde_json::Value = serde_json::from_str(line).expect("the result line is JSON");
    assert!(
        report["ok"] == true && result.status.success(),
        "{name}: checks failed: {:#}\nstderr:\n{stderr}",
        report["failures"],
    );
    report
}

/// What the browser test needs: bash and perl for `web/build`, cargo with
/// the WebAssembly target, Node.js and Debian's Chromium for the browser
/// scripts, `unzip` (scale.mjs lists the bundle's parts with it) and
/// `pdftotext`; npm and the network only for what is not installed yet
/// (web/tests' packages, from its lockfile, and wasm-bindgen-cli, at the
/// version Cargo.lock names).
fn browser_needs() -> Vec<&'static str> {
    let mut needs = vec![
        "bash",
        "perl",
        "cargo",
        "wasm32-unknown-unknown",
        "node",
        "/usr/bin/chromium",
        "unzip",
        "pdftotext",
    ];
    if !repo().join("web/tests/node_modules").is_dir() {
        needs.extend(["npm", "network"]);
    }
    if !wasm_bindgen_installed() {
        needs.push("network");
    }
    needs
}

/// Whether web/build finds wasm-bindgen-cli at the version of the
/// wasm-bindgen crate in Cargo.lock where it looks for one (its tools
/// folder under `WASM_TARGET_DIR` or `target/wasm`, then `PATH`), so that
/// it need not install it.
fn wasm_bindgen_installed() -> bool {
    let lock = fs::read_to_string(repo().join("Cargo.lock")).unwrap();
    let want = lock.split("[[package]]").find_map(|package| {
        let mut lines = package.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next()? != "name = \"wasm-bindgen\"" {
            return None;
        }
        Some(
            lines
                .next()?
                .strip_prefix("version = \"")?
                .strip_suffix('"')?
                .to_string(),
        )
    });
    let Some(want) = want else {
        return false;
    };
    let tools = std::env::var_os("WASM_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/wasm"))
        .join("tools/bin/wasm-bindgen");
    [Some(tools), find("wasm-bindgen")]
        .into_iter()
        .flatten()
        .any(|bin| {
            Command::new(bin)
                .arg("--version")
                .output()
                .is_ok_and(|out| {
                    String::from_utf8_lossy(&out.stdout)
                        .split_whitespace()
                        .nth(1)
                        == Some(want.as_str())
                })
        })
}

#[test]
fn the_browser_edition_makes_the_clis_packets_without_sending_anything() {
    if !require(test_name!(), &browser_needs()) {
        return;
    }
    let case = Case::new();
    let out = case.path("browser");

    // The site, built from the same sources as the CLI.
    checked(
        "web/build",
        Command::new(repo().join("web/build")).current_dir(repo()),
    );
    let dist = repo().join("web/dist");
    for file in [
        "index.html",
        "src/app.js",
        "src/worker.js",
        "src/words.js",
        "src/style.css",
        "pkg/second_opinion_web.js",
        "pkg/second_opinion_web_bg.0.wasm",
        "fields.json",
        "intake-form.xlsx",
    ] {
        assert!(
            dist.join(file).is_file(),
            "web/build wrote no web/dist/{file}"
        );
    }

    // The test's own tools: playwright-core and axe-core from the lockfile.
    let tests = repo().join("web/tests");
    if !tests.join("node_modules").is_dir() {
        checked(
            "npm ci in web/tests",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&tests),
        );
    }

    // The browser run: every scenario, downloads written to `out`.
    let report = browser_script(&tests.join("browser.mjs"), &out, &dist, &[]);
    // Offline and installable, on the same build: the service worker, the
    // manifest, the page reopened with no network, the Cache API after a
    // packet (web/tests/offline.mjs).
    browser_script(&tests.join("offline.mjs"), &out, &dist, &[]);

    // The server configurations web/build wrote send exactly the page's
    // policy (the worker's and the service worker's only policy).
    let html = fs::read_to_string(dist.join("index.html")).unwrap();
    let meta = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html has a Content-Security-Policy <meta>");
    for (file, line) in [
        ("_headers", format!("  Content-Security-Policy: {meta}")),
        (
            "config/nginx.conf",
            format!("    add_header Content-Security-Policy \"{meta}\" always;"),
        ),
        (
            "config/Caddyfile",
            format!("\t\tContent-Security-Policy \"{meta}\""),
        ),
    ] {
        let text = fs::read_to_string(dist.join(file))
            .unwrap_or_else(|e| panic!("web/build wrote no web/dist/{file}: {e}"));
        let policies: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("Content-Security-Policy") && !l.trim_start().starts_with('#'))
            .collect();
        assert_eq!(
            policies,
            [line.as_str()],
            "web/dist/{file} sends index.html's policy, once"
        );
    }

    // The packet made from the typed form: every document, the typed name
    // and the HIPAA citation in the letter.
    let packet = out.join("packet.zip");
    assert_eq!(
        zip_entries(&packet),
        ENTRIES,
        "the browser's packet holds the CLI's documents in order"
    );
    let letter = extract(&packet, "records-request-letter.pdf", case.dir.path());
    let text = pdf_text(&letter);
    assert!(
        text.contains("Marisol Q. Tester"),
        "the letter names the patient typed in the form: {text}"
    );
    assert!(
        text.contains("164.524"),
        "the letter cites 45 CFR 164.524: {text}"
    );
    let pdf = read(&out.join("packet.pdf"));
    assert!(
        pdf_text(&out.join("packet.pdf")).contains("Marisol Q. Tester"),
        "packet.pdf alone names the patient"
    );
    let inside = extract(&packet, "packet.pdf", case.dir.path());
    assert!(
        pdf == read(&inside),
        "packet.pdf alone is the ZIP's packet.pdf"
    );

    // The saved answers build with the CLI, unchanged, into the same ZIP.
    let intake = out.join("intake.json");
    case.build(intake.to_str().unwrap(), "cli", &["--quiet"])
        .assert_code(0);
    let name = report["facts"]["packet_name"]
        .as_str()
        .expect("the browser named its packet");
    let built: Vec<String> = fs::read_dir(case.path("cli"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    assert_eq!(
        built,
        [name],
        "the browser names the packet as the CLI does"
    );
    assert!(
        read(&case.path("cli").join(name)) == read(&packet),
        "the browser's {name} is byte-identical to the CLI's for the saved intake.json"
    );

    // The CLI's sample intake, opened in the form: the CLI's packet.
    case.build(&sample_file("patient.json"), "sample", &["--quiet"])
        .assert_code(0);
    assert_eq!(
        report["facts"]["sample_packet_name"], "SO-2026-0042.zip",
        "the browser names the sample's packet after its packet_id"
    );
    assert!(
        read(&case.path("sample/SO-2026-0042.zip")) == read(&out.join("sample-packet.zip")),
        "samples/patient.json opened in the form makes the CLI's SO-2026-0042.zip, byte for byte"
    );

    // Clinic mode: the sample workbook, the CLI's counts, the CLI's bundle.
    let xlsx = sample_file("patients.xlsx");
    let validate = case.run(&["validate", xlsx.as_str(), "--date", DATE]);
    let said = format!("{}{}", validate.stdout(), validate.stderr());
    let counts = format!(
        "{} of {} records can be built",
        report["facts"]["clinic"]["good"], report["facts"]["clinic"]["records"]
    );
    assert!(
        said.contains(&counts),
        "the page reported \"{counts}\"; the CLI said:\n{said}"
    );
    case.build(&xlsx, "bundle", &["--bundle", "--quiet"])
        .assert_code(0);
    assert!(
        read(&case.path("bundle/all-packets.zip")) == read(&out.join("all-packets.zip")),
        "the browser's all-packets.zip is byte-identical to the CLI's --bundle for {DATE}"
    );

    // The same, with the sample clinic profile and its logo.
    let clinic = sample_file("clinic.json");
    case.build(
        &xlsx,
        "branded",
        &["--bundle", "--quiet", "--clinic", clinic.as_str()],
    )
    .assert_code(0);
    assert!(
        read(&case.path("branded/all-packets.zip")) == read(&out.join("all-packets-clinic.zip")),
        "with samples/clinic.json, the browser's all-packets.zip is byte-identical to the CLI's"
    );

    // Clinic mode at scale: 10,000 rows, built by a worker per core and
    // downloaded in five parts of 2,000, the tab under 1 GB
    // (web/tests/scale.mjs reads its memory from /proc and every part with
    // unzip).
    let workbook = case.path("ten-thousand.xlsx");
    ten_thousand_rows(&xlsx, &workbook);
    let scale_out = case.path("scale");
    let scale = browser_script(
        &tests.join("scale.mjs"),
        &scale_out,
        &dist,
        &["--workbook", workbook.to_str().unwrap()],
    );
    eprintln!("web/tests/scale.mjs: {}", scale["facts"]);
    assert_eq!(
        scale["facts"]["entries"], 10_000,
        "unzip lists a packet per row"
    );
    let report_csv = fs::read_to_string(scale_out.join("report.csv")).unwrap();
    assert_eq!(
        report_csv.matches(",built,").count(),
        10_000,
        "the bundle's report.csv says every row was built"
    );

    // Screenshots for people to look at.
    for shot in ["form", "errors", "spanish", "phone", "zoom200", "clinic"] {
        assert!(
            out.join(format!("{shot}.png")).is_file(),
            "browser.mjs took no {shot}.png"
        );
    }
}

/// A workbook of 10,000 patients: the sample workbook's rows over and over,
/// each with a name and packet id of its own (fictional, like the sample).
fn ten_thousand_rows(sample: &str, out: &Path) {
    use calamine::{Data, DataType, Reader, open_workbook_auto};
    let mut book = open_workbook_auto(sample).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (name, id) = (column("patient_name").unwrap(), column("packet_id"));
    let body: Vec<Vec<String>> = rows
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::DateTime(_) | Data::DateTimeIso(_) => {
                        c.as_date().map(|d| d.to_string()).unwrap_or_default()
                    }
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    const FIRST: [&str; 10] = [
        "Ada", "Ben", "Cora", "Dev", "Elin", "Farid", "Gita", "Hugo", "Ines", "Jon",
    ];
    const LAST: [&str; 10] = [
        "Quill", "Rowe", "Stroud", "Tamm", "Ulrey", "Vance", "Wexler", "Yost", "Zeller", "Abbot",
    ];
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for i in 0..10_000usize {
        let mut row = body[i % body.len()].clone();
        row[name] = format!(
            "{} {}. {}",
            FIRST[i % 10],
            char::from(b'A' + (i / 10 % 26) as u8),
            LAST[i / 260 % 10]
        ) + &"s".repeat(i / 2600);
        if let Some(id) = id {
            row[id] = format!("SO-SCALE-{i:05}");
        }
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(i as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    workbook.save(out).unwrap();
}

/// The scale test's workbook is what it says: 10,000 patients the CLI
/// finds buildable. (Fast: no browser.)
#[test]
fn the_scale_workbook_holds_ten_thousand_good_rows() {
    let case = Case::new();
    let workbook = case.path("ten-thousand.xlsx");
    ten_thousand_rows(&sample_file("patients.xlsx"), &workbook);
    let run = case.run(&["validate", workbook.to_str().unwrap(), "--date", DATE]);
    let said = format!("{}{}", run.stdout(), run.stderr());
    assert!(
        said.contains("10000 of 10000 records can be built"),
        "{said}"
    );
}

/// The page's words (web/src/words.js) name exactly the intake fields, so the
/// one field table stays the source of the form. (Fast: no browser. The
/// browser run checks the same against the wasm's `fields()`, codes
/// included.)
#[test]
fn the_pages_words_name_exactly_the_intake_fields() {
    let case = Case::new();
    case.run(&["init", "form.json"]).assert_code(0);
    let form: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(case.path("form.json")).unwrap()).unwrap();
    let fields: Vec<String> = form.as_object().unwrap().keys().cloned().collect();

    let words = fs::read_to_string(repo().join("web/src/words.js")).unwrap();
    let start = words
        .find("export const FIELD_WORDS = {\n")
        .expect("words.js has FIELD_WORDS");
    let block = &words[start..];
    let block = &block[..block.find("\n};").expect("FIELD_WORDS ends")];
    let mut named: Vec<String> = block
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(": {"))
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_string)
        .collect();
    let missing: Vec<&String> = fields.iter().filter(|f| !named.contains(f)).collect();
    assert!(
        missing.is_empty(),
        "web/src/words.js has no words for {missing:?}: add a group, label and help in en and es"
    );
    named.retain(|n| !fields.contains(n));
    assert!(
        named.is_empty(),
        "web/src/words.js has words for {named:?}, which are not intake fields"
    );
}
