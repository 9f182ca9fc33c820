//! The template set: the built-in templates, with a clinic's own templates
//! (`--templates DIR`) replacing or adding to them.
//!
//! Templates are loaded into memory once; the sealed Typst world serves only
//! these files, the patient's data and the clinic logo, so a template cannot
//! read anything else on the machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{DOCUMENTS, Document, PACKET_FILE};
use crate::error::Error;

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
            set.read.push(path.clone());
            if is_typ {
                let text = String::from_utf8(bytes).map_err(|_| Error::Input {
                    file: path.clone(),
                    message: "the template is not UTF-8 text".into(),
                    hint: "save it with the encoding UTF-8".into(),
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
                return Err(Error::Template {
                    name: self.display_name(&template),
                    details: "the file is missing".into(),
                    hint: format!(
                        "every language needs all {} document templates",
                        DOCUMENTS.len()
                    ),
                });
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
                return Err(Error::Template {
                    name: self.display_name(path),
                    details: "this name cannot be used for a document of the packet".into(),
                    hint: "use only letters, digits, - and _ in template file names, and not \"packet\"".into(),
                });
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

/// The error for a templates folder over its limits.
fn too_many(path: &Path) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: format!(
            "the templates folder holds more than {MAX_FILES} files, or a file over 5 MB"
        ),
        hint: "keep only the templates and the images they use in the folder".into(),
    }
}

/// The error for a template or image file name that cannot be a path.
fn unusable_name(path: &Path) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: "this template or image file name cannot be used".into(),
        hint: "rename it using only letters, digits, spaces, -, _ and one dot before the extension"
            .into(),
    }
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
            _ => {
                return Err(Error::Input {
                    file: path.to_path_buf(),
                    message: "this template or image file name cannot be used".into(),
                    hint: "rename it using only letters, digits, spaces, -, _ and one dot before the extension".into(),
                });
            }
        }
    }
    let virtual_path = format!("/{}", names.join("/"));
    if typst::syntax::VirtualPath::new(&virtual_path).is_err() {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "this template or image file name cannot be used".into(),
            hint: "rename it using only letters, digits, spaces, -, _ and one dot before the extension".into(),
        });
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
}
