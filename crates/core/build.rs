//! Embeds every file under `templates/` in the binary.
//!
//! The list is generated rather than written by hand so that adding a
//! language is adding a folder of templates (and its words in `lib.typ`),
//! with no Rust change: every folder with a two-letter name is a language.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    println!("cargo:rerun-if-changed=../../templates");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut languages: Vec<String> = files
        .iter()
        .filter_map(|(virtual_path, _)| {
            let mut parts = virtual_path.trim_start_matches('/').split('/');
            let (dir, _file) = (parts.next()?, parts.next()?);
            (dir.len() == 2 && dir.chars().all(|c| c.is_ascii_lowercase())).then(|| dir.to_string())
        })
        .collect();
    languages.dedup();

    let mut out = String::from("/// Every built-in template file, as `(virtual path, text)`.\n");
    out.push_str("pub const BUILT_IN_TEMPLATES: &[(&str, &str)] = &[\n");
    for (virtual_path, real) in &files {
        println!("cargo:rerun-if-changed={real}");
        writeln!(out, "    ({virtual_path:?}, include_str!({real:?})),").unwrap();
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out_dir).join("templates.rs"), out).unwrap();
    let languages = format!(
        "/// The languages that have a template folder, as codes.\npub const LANGUAGES: &[&str] = &{languages:?};\n"
    );
    std::fs::write(Path::new(&out_dir).join("languages.rs"), languages).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "typ") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((format!("/{rel}"), path.to_string_lossy().into_owned()));
        }
    }
}
