//! The workspace as a whole: the pipeline core builds for WebAssembly, the
//! documentation has no broken links, and the command line's packets for
//! the sample spreadsheet are the bytes recorded in `tests/golden/`.
//!
//! The builds use target folders of their own (`target/wasm`, shared with
//! `web/build`, and `target/doc-check`), so they never wait on the build
//! of this test binary.

use std::process::Command;

use crate::support::{Case, checked, repo, require, sample_file};

/// `cargo` as the outer `cargo test` found it, without the settings it set
/// for its own build.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(repo())
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

#[test]
fn the_core_builds_for_webassembly() {
    require!("wasm32-unknown-unknown");
    checked(
        "cargo build --target wasm32-unknown-unknown -p second-opinion-core",
        cargo().args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "second-opinion-core",
            "--target-dir",
            "target/wasm",
        ]),
    );
}

#[test]
fn the_documentation_has_no_broken_links() {
    checked(
        "cargo doc with broken intra-doc links denied",
        cargo()
            .args([
                "doc",
                "--workspace",
                "--no-deps",
                "--target-dir",
                "target/doc-check",
            ])
            .env(
                "RUSTDOCFLAGS",
                "-D rustdoc::broken_intra_doc_links -D rustdoc::private_intra_doc_links",
            ),
    );
}

/// SHA-256 is not in the dependencies; a packet is compared whole instead,
/// through a stable 128-bit FNV-1a digest written to the golden file.
fn digest(bytes: &[u8]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in bytes {
        h ^= u128::from(*b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("{h:032x}")
}

/// The packets of `samples/patients.xlsx` at the test run date, byte for
/// byte as recorded. Moving code between the core and the command line must
/// not change a byte; a template change that does is recorded again with
/// `UPDATE_GOLDEN=1 cargo test golden`.
#[test]
fn golden_packets_of_the_sample_spreadsheet() {
    let case = Case::new();
    case.build(&sample_file("patients.xlsx"), "out", &["--bundle"])
        .assert_code(0);
    let mut names: Vec<_> = std::fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip") || n.ends_with(".csv"))
        .collect();
    names.sort();
    let listing: String = names
        .iter()
        .map(|n| {
            format!(
                "{}  {n}\n",
                digest(&std::fs::read(case.path("out").join(n)).unwrap())
            )
        })
        .collect();
    let golden = repo().join("tests/golden/patients.xlsx.digests");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &listing).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("tests/golden/patients.xlsx.digests");
    assert_eq!(listing, expected, "the sample packets changed");
}

/// Every sheet of a workbook as rows of cell texts, as calamine reads them.
fn cells(path: &std::path::Path) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(path)
        .unwrap_or_else(|e| panic!("{} does not open: {e}", path.display()));
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

/// The blank intake spreadsheet the web page offers (web/intake-form.xlsx,
/// kept in the repository because the page has no rust_xlsxwriter) is still
/// what `second-opinion init --spreadsheet` writes: the same sheets, columns
/// and field guide, so a field added to the core cannot be missing there.
#[test]
fn the_web_pages_intake_form_is_what_init_writes() {
    let case = Case::new();
    let run = case.run(&["init", "--spreadsheet", "fresh.xlsx"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let kept = repo().join("web/intake-form.xlsx");
    assert_eq!(
        cells(&kept),
        cells(&case.path("fresh.xlsx")),
        "web/intake-form.xlsx is out of date: run `second-opinion init --spreadsheet web/intake-form.xlsx --force`"
    );
}
