//! The workspace as a whole: the pipeline core builds for WebAssembly, the
//! documentation has no broken links, no crate has an import cycle or a
//! file over 1,000 lines of code, and the command line's packets for the
//! sample spreadsheet are the bytes recorded in `tests/golden/`.
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

/// The Rust files of a folder, recursively, skipping build output.
fn rust_files(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// What a file's code names, tests aside: the modules its `crate::` paths
/// begin with, and the test modules it keeps in files of their own
/// (`#[cfg(test)] mod name;`).
#[derive(Default)]
struct Names {
    modules: std::collections::BTreeSet<String>,
    test_files: Vec<String>,
}

/// Whether `token` is the `[cfg(test)]` of an attribute.
fn is_cfg_test(token: Option<&proc_macro2::TokenTree>) -> bool {
    use proc_macro2::{Delimiter, TokenTree};
    let Some(TokenTree::Group(group)) = token else {
        return false;
    };
    let inner: Vec<String> = group.stream().into_iter().map(|t| t.to_string()).collect();
    group.delimiter() == Delimiter::Bracket && inner == ["cfg", "(test)"]
}

/// Collects what `stream` names into `names`, skipping each item marked
/// `#[cfg(test)]` (a test may reach any module). Tokens, not text: comments
/// are gone and a string's braces or `crate::` are inside one literal.
fn names_in(stream: proc_macro2::TokenStream, names: &mut Names) {
    use proc_macro2::{Delimiter, TokenTree};
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let punct =
        |i: usize, c: char| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '#' && is_cfg_test(tokens.get(i + 1)) => {
                // The marked item ends at its `;` or with its `{ ... }`.
                let mut words: Vec<String> = Vec::new();
                let mut end = i + 2;
                while let Some(token) = tokens.get(end) {
                    match token {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                        TokenTree::Punct(p) if p.as_char() == ';' => {
                            if let [.., kind, name] = words.as_slice()
                                && kind == "mod"
                            {
                                names.test_files.push(name.clone());
                            }
                            break;
                        }
                        TokenTree::Ident(word) => words.push(word.to_string()),
                        _ => {}
                    }
                    end += 1;
                }
                i = end;
            }
            TokenTree::Ident(word) if word == "crate" && punct(i + 1, ':') && punct(i + 2, ':') => {
                match tokens.get(i + 3) {
                    Some(TokenTree::Ident(module)) => {
                        names.modules.insert(module.to_string());
                    }
                    // `crate::{a, b::c}`: the first word of each path.
                    Some(TokenTree::Group(group)) => {
                        let mut first = true;
                        for token in group.stream() {
                            match token {
                                TokenTree::Ident(module) if first => {
                                    names.modules.insert(module.to_string());
                                }
                                TokenTree::Punct(p) if p.as_char() == ',' => first = true,
                                _ => first = false,
                            }
                        }
                    }
                    _ => {}
                }
            }
            TokenTree::Group(group) => names_in(group.stream(), names),
            _ => {}
        }
        i += 1;
    }
}

/// Each crate's top-level modules import one another without a cycle (a
/// test's imports aside: a test may reach any module), so each module can be
/// read, and changed, knowing only those below it (issue 28).
#[test]
fn no_crate_has_an_import_cycle() {
    for src in [
        "src",
        "crates/core/src",
        "crates/pdfcut/src",
        "crates/web/src",
        "crates/test-support/src",
    ] {
        let src = repo().join(src);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let named: Vec<(std::path::PathBuf, Names)> = files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let stream = text
                    .parse()
                    .unwrap_or_else(|e| panic!("{}: not Rust: {e}", path.display()));
                let mut names = Names::default();
                names_in(stream, &mut names);
                (path, names)
            })
            .collect();
        let test_files: Vec<&String> = named.iter().flat_map(|(_, n)| &n.test_files).collect();
        let module_of = |path: &std::path::Path| -> Option<String> {
            let relative = path.strip_prefix(&src).unwrap();
            let first = relative.components().next()?.as_os_str().to_str()?;
            match first {
                "lib.rs" | "main.rs" => None,
                name => Some(name.trim_end_matches(".rs").to_string()),
            }
        };
        let modules: std::collections::BTreeSet<String> =
            named.iter().filter_map(|(p, _)| module_of(p)).collect();
        let mut imports =
            std::collections::BTreeMap::<&str, std::collections::BTreeSet<&str>>::new();
        for (path, names) in &named {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let Some(module) = module_of(path) else {
                continue;
            };
            if test_files.iter().any(|t| *t == stem) {
                continue;
            }
            let module = modules.get(&module).unwrap().as_str();
            for other in names.modules.iter().filter_map(|m| modules.get(m)) {
                if other != module {
                    imports.entry(module).or_default().insert(other);
                }
            }
        }
        // A module that reaches itself through the others is in a cycle;
        // the path found is the message.
        for start in &modules {
            let mut paths = vec![vec![start.as_str()]];
            let mut seen = std::collections::BTreeSet::new();
            while let Some(path) = paths.pop() {
                let last = *path.last().unwrap();
                for next in imports.get(last).into_iter().flatten() {
                    let mut longer = path.clone();
                    longer.push(next);
                    assert!(
                        next != start,
                        "{}: the modules import in a circle: {}",
                        src.display(),
                        longer.join(" → ")
                    );
                    if seen.insert(*next) {
                        paths.push(longer);
                    }
                }
            }
        }
    }
}

/// No Rust file of ours holds more than 1,000 lines of code (blank and
/// comment lines aside): a longer one is split by concern, as
/// `crates/pdfcut` was (issue 28).
#[test]
fn no_source_file_is_over_a_thousand_lines_of_code() {
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests", "examples", "fuzz", "bench"] {
        rust_files(&repo().join(dir), &mut files);
    }
    assert!(files.len() > 50, "the walk found too few files: {files:?}");
    let mut over = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .count();
        if code > 1000 {
            over.push(format!("{} ({code})", path.display()));
        }
    }
    assert!(over.is_empty(), "files over 1,000 lines of code: {over:?}");
}
