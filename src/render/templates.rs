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

/// Most files read from a templates folder.
const MAX_FILES: usize = 200;
/// Largest file read from a templates folder.
const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
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
        }
    }

    /// The built-in templates, with every `.typ` file found in `dir` (and
    /// its language folders) replacing the built-in file of the same path
    /// or adding a new one. Images in `dir` are served too.
    pub fn with_dir(dir: &Path) -> Result<Self, Error> {
        if !dir.is_dir() {
            return Err(Error::Usage {
                message: format!("{} is not a folder", dir.display()),
                hint: "name the folder that `second-opinion templates export DIR` wrote".into(),
            });
        }
        let mut set = Self::built_in();
        let mut count = 0;
        collect(dir, dir, 0, &mut count, &mut set)?;
        set.dir = Some(dir.to_path_buf());
        Ok(set)
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

    /// The documents of a language's packet, in order: the built-in ones,
    /// then any other `.typ` file of that language folder (in name order)
    /// whose name does not start with `_` (those are helpers to import).
    pub fn documents(&self, language: &str) -> Result<Vec<Document>, Error> {
        let prefix = format!("/{language}/");
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
            Some(dir) if dir.join(relative).is_file() => dir.join(relative).display().to_string(),
            _ => format!("{relative} (built-in)"),
        }
    }
}

/// Reads `.typ` files and images below `dir` into the set, without following
/// links, within the folder's limits.
fn collect(
    root: &Path,
    dir: &Path,
    depth: usize,
    count: &mut usize,
    set: &mut TemplateSet,
) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io_read(dir, &e))?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io_read(&path, &e))?;
        if kind.is_symlink() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            if depth < 2 {
                collect(root, &path, depth + 1, count, set)?;
            }
            continue;
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if ext != "typ" && !IMAGE_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        *count += 1;
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if *count > MAX_FILES || len > MAX_FILE_BYTES {
            return Err(Error::Input {
                file: path.clone(),
                message: format!(
                    "the templates folder holds more than {MAX_FILES} files, or a file over 5 MB"
                ),
                hint: "keep only the templates and the images they use in the folder".into(),
            });
        }
        let relative = path
            .strip_prefix(root)
            .expect("below the root")
            .to_string_lossy()
            .replace('\\', "/");
        let virtual_path = format!("/{relative}");
        let bytes = std::fs::read(&path).map_err(|e| Error::io_read(&path, &e))?;
        if ext == "typ" {
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
    Ok(())
}

/// What `templates export` writes beside the templates.
const EXPORT_README: &str = include_str!("../../templates/README.md");

/// Writes the built-in templates and a README into `dir`; existing files are
/// kept unless `force`. Returns the files written.
pub fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
    let mut planned: Vec<(PathBuf, &[u8])> = BUILT_IN_TEMPLATES
        .iter()
        .map(|(p, t)| (dir.join(p.trim_start_matches('/')), t.as_bytes()))
        .collect();
    planned.push((dir.join("README.md"), EXPORT_README.as_bytes()));
    if !force && let Some((taken, _)) = planned.iter().find(|(p, _)| p.exists()) {
        return Err(Error::Usage {
            message: format!("{} already exists", taken.display()),
            hint: "export into an empty folder, or add --force to replace the files".into(),
        });
    }
    for (path, bytes) in &planned {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io_write(parent, &e))?;
        }
        std::fs::write(path, bytes).map_err(|e| Error::io_write(path, &e))?;
    }
    Ok(planned.into_iter().map(|(p, _)| p).collect())
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
            let built_in: Vec<_> = DOCUMENTS.iter().map(|d| d.file_name).collect();
            assert_eq!(names[..DOCUMENTS.len()], built_in[..], "{language}");
            // Spanish packets add the Spanish reading copy of the letter
            // that is sent in English (issue 10).
            let extra: &[&str] = if *language == "es" {
                &["records-request-letter-copy.pdf"]
            } else {
                &[]
            };
            assert_eq!(names[DOCUMENTS.len()..], extra[..], "{language}");
        }
    }

    #[test]
    fn a_folder_overrides_and_adds_documents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/checklist.typ"), "// mine").unwrap();
        std::fs::write(dir.path().join("en/parking-map.typ"), "// extra").unwrap();
        std::fs::write(dir.path().join("en/_shared.typ"), "// helper").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let set = TemplateSet::with_dir(dir.path()).unwrap();
        assert_eq!(set.sources.get("/en/checklist.typ").unwrap(), "// mine");
        let docs = set.documents("en").unwrap();
        let names: Vec<_> = docs.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names.last(), Some(&"parking-map.pdf"));
        assert_eq!(names.len(), DOCUMENTS.len() + 1);
        assert!(
            set.display_name("/en/checklist.typ")
                .ends_with("checklist.typ")
        );
        assert!(set.display_name("/lib.typ").ends_with("(built-in)"));
    }

    #[test]
    fn export_writes_every_template_once() {
        let dir = tempfile::tempdir().unwrap();
        let written = export(dir.path(), false).unwrap();
        assert_eq!(written.len(), BUILT_IN_TEMPLATES.len() + 1);
        assert!(dir.path().join("en/checklist.typ").is_file());
        assert!(export(dir.path(), false).is_err());
        export(dir.path(), true).unwrap();
    }
}
