//! The template set: the built-in templates, with a clinic's own templates
//! (`--templates DIR`) replacing or adding to them.
//!
//! Templates are loaded into memory once; the sealed Typst world serves only
//! these files, the patient's data and the clinic logo, so a template cannot
//! read anything else on the machine.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::{DOCUMENTS, Document, PACKET_FILE};
use crate::error::{Code, Error};
use crate::images;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));
pub use crate::intake::LANGUAGES;

/// Most files read from a templates folder.
pub const MAX_FILES: usize = 200;
/// Largest file read from a templates folder.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// The reading copy of the records request letter, in a language folder:
/// the letter for the patient to read, marked not to be sent. It comes
/// right after the letter (see [`TemplateSet::packet_documents`]).
pub const READING_COPY: &str = "records-request-letter-copy.typ";
/// The language of the letter that is sent, in every packet: a US records
/// office reads English.
const LETTER_LANGUAGE: &str = "en";
/// Image types a templates folder may hold besides `.typ` files.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "svg", "gif"];

/// The templates of a run.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    /// Typst sources by virtual path (`/en/checklist.typ`), overrides applied.
    sources: BTreeMap<String, String>,
    /// Images from the templates folder, by virtual path.
    other: Vec<(String, Vec<u8>)>,
    /// The folder the clinic's templates came from, if any.
    dir: Option<PathBuf>,
    /// Every file read from that folder: never written over.
    read: Vec<PathBuf>,
}

impl TemplateSet {
    /// The built-in templates only.
    pub fn built_in() -> Self {
        let sources = BUILT_IN_TEMPLATES
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        TemplateSet {
            sources,
            other: Vec::new(),
            dir: None,
            read: Vec::new(),
        }
    }

    /// The built-in templates, with a clinic's templates folder: `files`
    /// are `(path inside the folder, bytes)`, as the front end read them
    /// (the command line from `--templates DIR`, the web page from a chosen
    /// folder or ZIP); `dir` names the folder in messages. Every `.typ` file
    /// replaces the built-in file of the same path or adds a new one; images
    /// are served too; anything else is skipped.
    pub fn from_files(dir: &Path, files: Vec<(PathBuf, Vec<u8>)>) -> Result<Self, Error> {
        let mut set = Self::built_in();
        let mut count = 0;
        let mut admitted = Admitted::new();
        for (relative, bytes) in files {
            let path = dir.join(&relative);
            if !Self::wants(&relative) {
                continue;
            }
            let is_typ = relative
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("typ"));
            count += 1;
            if count > MAX_FILES || bytes.len() as u64 > MAX_FILE_BYTES {
                return Err(too_many(&path));
            }
            let virtual_path =
                virtual_path(Path::new(""), &relative).map_err(|_| unusable_name(&path))?;
            admitted.admit(dir, &path, &virtual_path, &bytes)?;
            set.read.push(path.clone());
            if is_typ {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Error::input(
                        Code::TemplateNotUtf8,
                        &path,
                        "the template is not UTF-8 text",
                        "save it with the encoding UTF-8",
                    )
                })?;
                set.sources.insert(virtual_path, text);
            } else {
                set.other.push((virtual_path, bytes));
            }
        }
        set.dir = Some(dir.to_path_buf());
        Ok(set)
    }

    /// Whether a file of a templates folder, by its path in the folder, is
    /// one [`TemplateSet::from_files`] uses (a `.typ` file or an image, not
    /// hidden), so a front end reads only those.
    pub fn wants(relative: &Path) -> bool {
        let ext = relative
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let hidden = relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        !hidden && (ext == "typ" || IMAGE_EXTENSIONS.contains(&ext.as_str()))
    }

    /// The files read from the clinic's templates folder.
    pub fn files_read(&self) -> &[PathBuf] {
        &self.read
    }

    /// The templates the clinic's folder replaced or added, for messages
    /// about the set as a whole (the sample packet took too long).
    pub fn clinic_templates(&self) -> Vec<String> {
        self.read
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("typ")))
            .map(|p| p.display().to_string())
            .collect()
    }

    /// The Typst sources, as `(virtual path, text)`.
    pub fn sources(&self) -> Vec<(String, String)> {
        self.sources
            .iter()
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect()
    }

    /// Other files (images), as `(virtual path, bytes)`.
    pub fn other_files(&self) -> &[(String, Vec<u8>)] {
        &self.other
    }

    /// The documents of a language's packet in regular print: see
    /// [`TemplateSet::packet_documents`].
    pub fn documents(&self, language: &str) -> Result<Vec<Document>, Error> {
        self.packet_documents(language, false)
    }

    /// The documents of a language's packet, in order: the built-in ones,
    /// with the reading copy of the letter ([`READING_COPY`]) right after
    /// the letter when the packet has one, then any other `.typ` file of
    /// that language folder (in name order) whose name does not start with
    /// `_` (those are helpers to import).
    ///
    /// The letter that is sent is in English and in the letter size in
    /// every packet (the records office reads it), so the reading copy is
    /// for the patient: a packet in another language has it (the letter in
    /// the patient's language), and so does a large-print packet (the
    /// letter in large print). An English regular-print packet would only
    /// print the letter twice, so it has none.
    pub fn packet_documents(
        &self,
        language: &str,
        large_print: bool,
    ) -> Result<Vec<Document>, Error> {
        let prefix = format!("/{language}/");
        let copy = format!("{prefix}{READING_COPY}");
        let wants_copy = language != LETTER_LANGUAGE || large_print;
        let mut documents = Vec::new();
        for doc in DOCUMENTS {
            let template = format!("{prefix}{}", doc.template);
            if !self.sources.contains_key(&template) {
                return Err(Error::template(
                    Code::TemplateMissing,
                    self.display_name(&template),
                    "the file is missing",
                    format!(
                        "every language needs all {} document templates",
                        DOCUMENTS.len()
                    ),
                )
                .with("count", DOCUMENTS.len()));
            }
            documents.push(Document {
                file_name: doc.file_name.into(),
                template,
                label: doc.label.into(),
            });
            if doc.template == "records-request-letter.typ"
                && wants_copy
                && self.sources.contains_key(&copy)
            {
                documents.push(Document {
                    file_name: READING_COPY.replace(".typ", ".pdf"),
                    template: copy.clone(),
                    label: "reading copy of the letter".into(),
                });
            }
        }
        for path in self.sources.keys() {
            let Some(name) = path.strip_prefix(&prefix) else {
                continue;
            };
            let Some(stem) = name.strip_suffix(".typ") else {
                continue;
            };
            if name.contains('/')
                || stem.starts_with('_')
                || name == READING_COPY
                || DOCUMENTS.iter().any(|d| d.template == name)
            {
                continue;
            }
            let file_name = format!("{stem}.pdf");
            if !crate::bundle::is_safe_entry_name(&file_name) || file_name == PACKET_FILE {
                return Err(Error::template(
                    Code::TemplateDocumentName,
                    self.display_name(path),
                    "this name cannot be used for a document of the packet",
                    "use only letters, digits, - and _ in template file names, and not \"packet\"",
                ));
            }
            documents.push(Document {
                file_name,
                template: path.clone(),
                label: format!("document {stem}"),
            });
        }
        Ok(documents)
    }

    /// A template's name for messages: its file in the clinic's folder, or
    /// the built-in path.
    pub fn display_name(&self, virtual_path: &str) -> String {
        let relative = virtual_path.trim_start_matches('/');
        match &self.dir {
            Some(dir) if self.read.contains(&dir.join(relative)) => {
                dir.join(relative).display().to_string()
            }
            _ => format!("{relative} (built-in)"),
        }
    }
}

/// What [`TemplateSet::from_files`] has let in so far, for the checks that
/// look at the folder as a whole: every path in lower case, since Windows
/// and macOS folders (and the ZIPs unpacked there) ignore case, and the
/// pixels of the images read.
struct Admitted {
    /// Virtual path in lower case → the path as named, and whether it is a
    /// built-in template's.
    paths: HashMap<String, (String, bool)>,
    /// Pixels of the images read, by their headers.
    pixels: u64,
}

impl Admitted {
    fn new() -> Self {
        let paths = BUILT_IN_TEMPLATES
            .iter()
            .map(|(p, _)| (p.to_lowercase(), (p.to_string(), true)))
            .collect();
        Admitted { paths, pixels: 0 }
    }

    /// Checks one file of the folder (`path` on disk, `virtual_path` in
    /// Typst's world) before it is used: a name every system the packets go
    /// to can hold, and, whatever its name, no image over the pixel budget
    /// ([`images::check`]: a template can `read` any file as bytes and show
    /// it, so every file is checked by content, templates included, and
    /// now, not when a record first shows it).
    fn admit(
        &mut self,
        dir: &Path,
        path: &Path,
        virtual_path: &str,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let refuse =
            |code: Code, message: String, hint: String| Error::input(code, path, message, hint);
        for name in virtual_path.split('/').filter(|n| !n.is_empty()) {
            if let Some((reason, message, hint)) = windows_problem(name) {
                return Err(
                    refuse(Code::TemplateNameUnusable, message, hint).with("reason", reason)
                );
            }
        }
        let names: Vec<&str> = virtual_path.trim_start_matches('/').split('/').collect();
        if let [_, name] = names[..]
            && let Some(stem) = name
                .rsplit_once('.')
                .filter(|(_, ext)| ext.eq_ignore_ascii_case("typ"))
                .map(|(stem, _)| stem)
            && !stem.starts_with('_')
            && stem.eq_ignore_ascii_case(PACKET_FILE.trim_end_matches(".pdf"))
        {
            return Err(refuse(
                Code::TemplateNamedPacket,
                format!(
                    "this document would be named like {PACKET_FILE}, which holds the whole packet"
                ),
                "rename the template, for example to packet-notes.typ".into(),
            ));
        }
        let lower = virtual_path.to_lowercase();
        match self.paths.get(&lower) {
            Some((other, built_in)) if other != virtual_path => {
                let other_name = other.trim_start_matches('/');
                let (message, hint, other) = if *built_in {
                    (
                        format!("this name differs only in case from the built-in {other_name}"),
                        format!(
                            "to replace the built-in template, name the file exactly {other_name}; to add a document, give it another name"
                        ),
                        "built_in",
                    )
                } else {
                    (
                        format!(
                            "this name differs only in case from {}",
                            dir.join(other_name).display()
                        ),
                        "rename one of the two: give them names that differ in more than case"
                            .into(),
                        "clinic",
                    )
                };
                return Err(refuse(
                    Code::TemplateNameCase,
                    format!(
                        "{message}, and Windows and macOS take the two for one file: one would replace the other there (two documents of the packet's ZIP, or the folder copied)"
                    ),
                    hint,
                )
                .with("other", other));
            }
            // New, or replacing the built-in file of the same name: from
            // now on the clinic's.
            _ => {
                self.paths.insert(lower, (virtual_path.to_string(), false));
            }
        }
        let checked = images::check(bytes, images::FOLDER_MAX_PIXELS)
            .map_err(|r| r.error(path, "this file", "template_file"))?;
        self.pixels = self.pixels.saturating_add(checked.pixels);
        if self.pixels > images::FOLDER_MAX_PIXELS {
            let r = images::Refusal::TotalTooLarge {
                total: self.pixels,
                max: images::FOLDER_MAX_PIXELS,
                inside_svg: false,
            };
            return Err(r.error(path, "this file", "template_file"));
        }
        Ok(())
    }
}

/// Why Windows cannot hold a file or folder of this name, as a code word
/// (the page's), a message and a hint, or `None` if it can: the packet's
/// ZIP holds a document per template, and a clinic's folder is copied
/// between computers.
fn windows_problem(name: &str) -> Option<(&'static str, String, String)> {
    let rename =
        "rename it using only letters, digits, spaces, -, _ and one dot before the extension";
    if name.ends_with('.') || name.ends_with(' ') {
        return Some((
            "dot_or_space",
            "this name ends with a dot or a space, which Windows drops, so the file cannot be copied or unpacked there".into(),
            rename.into(),
        ));
    }
    if name.chars().any(|c| {
        matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || c.is_control()
    }) {
        return Some((
            "windows_character",
            "this name holds a character Windows does not allow in file names (< > : \" / \\ | ? *)".into(),
            rename.into(),
        ));
    }
    if crate::naming::is_windows_device_name(name) {
        let base = name.split('.').next().unwrap_or(name).trim_end();
        return Some((
            "device_name",
            format!(
                "Windows reserves the name {base} for a device, so a file of this name cannot be made or unpacked there"
            ),
            format!(
                "rename it, for example to {}-form{}",
                base.to_lowercase(),
                &name[base.len()..].trim_start()
            ),
        ));
    }
    None
}

/// The error for a templates folder over its limits.
fn too_many(path: &Path) -> Error {
    Error::input(
        Code::TooManyTemplateFiles,
        path,
        format!("the templates folder holds more than {MAX_FILES} files, or a file over 5 MB"),
        "keep only the templates and the images they use in the folder",
    )
    .with("max", MAX_FILES)
    .with("max_mb", (MAX_FILE_BYTES / 1024 / 1024) as usize)
}

/// The error for a template or image file name that cannot be a path.
fn unusable_name(path: &Path) -> Error {
    Error::input(
        Code::TemplateNameUnusable,
        path,
        "this template or image file name cannot be used",
        "rename it using only letters, digits, spaces, -, _ and one dot before the extension",
    )
    .with("reason", "characters")
}

/// The path Typst knows a file below `root` by (`/en/checklist.typ`), made
/// from its folder and file names, each of which must be a plain name: a
/// backslash, colon or control character in a name (`a\..\b.typ` is one
/// file name on Linux) would read as a path elsewhere, so it is refused.
fn virtual_path(root: &Path, path: &Path) -> Result<String, Error> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut names = Vec::new();
    for component in relative.components() {
        let name = match component {
            std::path::Component::Normal(name) => name.to_str(),
            _ => None,
        };
        match name {
            Some(n) if !n.chars().any(|c| c == '\\' || c == ':' || c.is_control()) => names.push(n),
            _ => return Err(unusable_name(path)),
        }
    }
    let virtual_path = format!("/{}", names.join("/"));
    if typst::syntax::VirtualPath::new(&virtual_path).is_err() {
        return Err(unusable_name(path));
    }
    Ok(virtual_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_languages_have_every_document() {
        assert!(LANGUAGES.contains(&"en"));
        for language in LANGUAGES {
            let docs = TemplateSet::built_in().documents(language).unwrap();
            let names: Vec<_> = docs.iter().map(|d| d.file_name.as_str()).collect();
            // Spanish packets add the Spanish reading copy of the letter
            // that is sent in English (issue 10), right after the letter
            // (issue 26); English regular print has none.
            let copy = names
                .iter()
                .position(|n| *n == "records-request-letter-copy.pdf");
            let letter = names
                .iter()
                .position(|n| *n == "records-request-letter.pdf");
            if *language == "en" {
                assert_eq!(copy, None);
            } else {
                assert_eq!(copy, letter.map(|i| i + 1), "{language}: {names:?}");
            }
            let others: Vec<_> = names
                .iter()
                .filter(|n| **n != "records-request-letter-copy.pdf")
                .copied()
                .collect();
            let built_in: Vec<_> = DOCUMENTS.iter().map(|d| d.file_name).collect();
            assert_eq!(others, built_in, "{language}");
            // Large print: every language has the reading copy (the letter
            // that is sent stays in the letter size), after the letter.
            let large = TemplateSet::built_in()
                .packet_documents(language, true)
                .unwrap();
            let names: Vec<_> = large.iter().map(|d| d.file_name.as_str()).collect();
            assert_eq!(
                names[1..3],
                [
                    "records-request-letter.pdf",
                    "records-request-letter-copy.pdf"
                ],
                "{language}"
            );
            assert_eq!(names.len(), DOCUMENTS.len() + 1, "{language}");
        }
    }

    #[test]
    fn a_folder_overrides_and_adds_documents() {
        let files = vec![
            ("en/checklist.typ".into(), b"// mine".to_vec()),
            ("en/parking-map.typ".into(), b"// extra".to_vec()),
            ("en/_shared.typ".into(), b"// helper".to_vec()),
            ("notes.txt".into(), b"ignored".to_vec()),
        ];
        let set = TemplateSet::from_files(Path::new("mine"), files).unwrap();
        assert_eq!(set.sources.get("/en/checklist.typ").unwrap(), "// mine");
        assert_eq!(set.files_read().len(), 3);
        let docs = set.documents("en").unwrap();
        let names: Vec<_> = docs.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names.last(), Some(&"parking-map.pdf"));
        assert_eq!(names.len(), DOCUMENTS.len() + 1);
        assert_eq!(
            set.display_name("/en/checklist.typ"),
            "mine/en/checklist.typ"
        );
        assert_eq!(set.display_name("/lib.typ"), "lib.typ (built-in)");
    }

    #[test]
    fn odd_names_and_oversized_folders_are_errors_not_crashes() {
        let odd = vec![("en/a\\..\\b.typ".into(), b"// x".to_vec())];
        let err = TemplateSet::from_files(Path::new("t"), odd)
            .unwrap_err()
            .to_string();
        assert!(err.contains("file name cannot be used"), "{err}");
        let big = vec![("en/big.typ".into(), vec![b' '; MAX_FILE_BYTES as usize + 1])];
        let err = TemplateSet::from_files(Path::new("t"), big)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a file over 5 MB"), "{err}");
        let many = (0..=MAX_FILES)
            .map(|i| (PathBuf::from(format!("en/_{i}.typ")), Vec::new()))
            .collect();
        let err = TemplateSet::from_files(Path::new("t"), many)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 200 files"), "{err}");
    }

    /// The error `from_files` gives for `files`, as text.
    fn refused(files: Vec<(&str, Vec<u8>)>) -> String {
        let files = files
            .into_iter()
            .map(|(p, b)| (PathBuf::from(p), b))
            .collect();
        TemplateSet::from_files(Path::new("t"), files)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn names_windows_cannot_hold_or_that_differ_only_in_case_are_refused() {
        let typ = || b"// x".to_vec();
        for (name, says) in [
            ("en/CON.typ", "Windows reserves the name CON"),
            ("en/nul.typ", "Windows reserves the name nul"),
            ("en/com1.typ", "Windows reserves the name com1"),
            ("en/Lpt9.notes.typ", "Windows reserves the name Lpt9"),
            ("aux/logo.png", "Windows reserves the name aux"),
            ("en/what?.typ", "does not allow in file names"),
            ("en/a|b.typ", "does not allow in file names"),
            ("en/x\"y.typ", "does not allow in file names"),
            ("en./extra.typ", "ends with a dot or a space"),
            ("en /extra.typ", "ends with a dot or a space"),
            ("en/Packet.typ", "named like packet.pdf"),
        ] {
            let err = refused(vec![(name, typ())]);
            assert!(err.contains(says), "{name}: {err}");
            assert!(err.starts_with(&format!("t/{name}: ")), "{name}: {err}");
        }
        // Against a built-in template, and between two of the clinic's.
        let err = refused(vec![("en/CHECKLIST.typ", typ())]);
        assert!(
            err.contains("differs only in case from the built-in en/checklist.typ"),
            "{err}"
        );
        assert!(
            err.contains("name the file exactly en/checklist.typ"),
            "{err}"
        );
        let err = refused(vec![("EN/checklist.typ", typ())]);
        assert!(err.contains("from the built-in en/checklist.typ"), "{err}");
        let err = refused(vec![("en/Parking.typ", typ()), ("en/parking.typ", typ())]);
        assert!(err.starts_with("t/en/parking.typ: "), "{err}");
        assert!(
            err.contains("differs only in case from t/en/Parking.typ"),
            "{err}"
        );
        let err = refused(vec![("Map.png", Vec::new()), ("map.PNG", Vec::new())]);
        assert!(err.contains("differs only in case"), "{err}");
        // Names that only look alike are fine, and so is replacing a
        // built-in template by its exact name.
        let files = vec![
            (PathBuf::from("en/checklist.typ"), typ()),
            (PathBuf::from("en/console.typ"), typ()),
            (PathBuf::from("en/com10.typ"), typ()),
            (PathBuf::from("en/_con.typ"), typ()),
            (PathBuf::from("en/packet-notes.typ"), typ()),
        ];
        TemplateSet::from_files(Path::new("t"), files).unwrap();
    }

    #[test]
    fn every_file_is_checked_as_an_image_by_content() {
        // A GIF whose screen claims 65,535 × 65,535 pixels, in 43 bytes.
        let mut gif = b"GIF89a\xff\xff\xff\xff\x80\0\0\0\0\0\xff\xff\xff".to_vec();
        gif.extend(b"\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x4c\x01\0\x3b");
        for name in ["map.gif", "map.png", "en/_notes.typ"] {
            let mut bytes = gif.clone();
            if name.ends_with(".typ") {
                // A template must be UTF-8: a screen of 32,639 square is.
                bytes[6..10].copy_from_slice(b"\x7f\x7f\x7f\x7f");
                bytes.retain(|b| *b < 0x80);
            }
            let err = refused(vec![(name, bytes)]);
            assert!(
                err.starts_with(&format!("t/{name}: this file is a GIF image of ")),
                "{err}"
            );
            assert!(
                err.contains("more than the 16.8 million pixels (4096 × 4096)"),
                "{err}"
            );
            assert!(err.contains("at most 4096 × 4096 pixels"), "{err}");
        }
        // Each image under the budget, all of them over it together.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(3000u32.to_be_bytes());
        png.extend(3000u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        let one = vec![(PathBuf::from("a.png"), png.clone())];
        TemplateSet::from_files(Path::new("t"), one).unwrap();
        let err = refused(vec![("a.png", png.clone()), ("b.png", png)]);
        assert!(
            err.starts_with("t/b.png: with this file the folder's images hold 18.0 million pixels"),
            "{err}"
        );
        // Compressed SVG and PDF content, whatever the name.
        let err = refused(vec![("logo.svg", vec![0x1f, 0x8b, 8, 0])]);
        assert!(err.contains("compressed (gzip"), "{err}");
        let err = refused(vec![("scan.jpg", b"%PDF-1.7\n1 0 obj".to_vec())]);
        assert!(err.contains("holds a PDF document"), "{err}");
    }

    /// The words a language's `_words.typ` defines, as dotted paths: each
    /// top-level `#let` name, and the keys of the dictionaries it holds,
    /// at any depth (`cover-words.before.portal`). Read from the source
    /// with Typst's own parser, whatever the values are (text, content,
    /// functions of the patient).
    fn word_keys(source: &str) -> std::collections::BTreeSet<String> {
        use typst::syntax::ast;

        fn dict_keys(prefix: &str, expr: ast::Expr, keys: &mut std::collections::BTreeSet<String>) {
            let ast::Expr::Dict(dict) = expr else { return };
            for item in dict.items() {
                let (key, value) = match item {
                    ast::DictItem::Named(named) => (named.name().get().to_string(), named.expr()),
                    ast::DictItem::Keyed(keyed) => match keyed.key() {
                        ast::Expr::Str(key) => (key.get().to_string(), keyed.expr()),
                        _ => continue,
                    },
                    ast::DictItem::Spread(_) => continue,
                };
                let path = format!("{prefix}.{key}");
                dict_keys(&path, value, keys);
                keys.insert(path);
            }
        }

        let root = typst::syntax::parse(source);
        assert!(
            root.errors_and_warnings().0.is_empty(),
            "the words do not parse"
        );
        let markup = root.cast::<ast::Markup>().expect("a Typst file");
        let mut keys = std::collections::BTreeSet::new();
        for expr in markup.exprs() {
            let ast::Expr::LetBinding(binding) = expr else {
                continue;
            };
            for name in binding.kind().bindings() {
                let name = name.get().to_string();
                if let Some(init) = binding.init() {
                    dict_keys(&name, init, &mut keys);
                }
                keys.insert(name);
            }
        }
        keys
    }

    /// Words only a packet that names the free interpreter prints (every
    /// language but English: `interpreter-right` in lib.typ).
    const INTERPRETER_WORDS: &[&str] = &[
        "appointment-words.interpreter",
        "question-words.interpreter",
    ];

    /// Every language's `_words.typ` defines the same words as English (the
    /// layout is in lib.typ once, so a word one language lacks would stop
    /// only the packets that need it, issue 28), named with the language.
    #[test]
    fn every_language_defines_the_same_words() {
        let words_of = |language: &str| {
            let path = format!("/{language}/_words.typ");
            let (_, source) = BUILT_IN_TEMPLATES
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap_or_else(|| panic!("{language} has no _words.typ"));
            word_keys(source)
        };
        let english = words_of(LETTER_LANGUAGE);
        // The parser sees the words, top level and nested.
        for key in [
            "cover-words",
            "cover-words.before.portal",
            "question-words.questions.teach-back",
            "in-days",
        ] {
            assert!(english.contains(key), "{key}: {english:?}");
        }
        let mut problems = Vec::new();
        for language in LANGUAGES.iter().filter(|l| **l != LETTER_LANGUAGE) {
            let words = words_of(language);
            let expected = |key: &String| !INTERPRETER_WORDS.contains(&key.as_str());
            for key in english.iter().filter(|k| expected(k)) {
                if !words.contains(key) {
                    problems.push(format!(
                        "{language}/_words.typ lacks `{key}` (en/_words.typ has it)"
                    ));
                }
            }
            for key in INTERPRETER_WORDS {
                if !words.contains(*key) {
                    problems.push(format!("{language}/_words.typ lacks `{key}` (every language but English names the free interpreter)"));
                }
            }
            for key in words
                .iter()
                .filter(|k| !english.contains(*k) && expected(k))
            {
                problems.push(format!(
                    "{language}/_words.typ has `{key}`, which en/_words.typ lacks"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
