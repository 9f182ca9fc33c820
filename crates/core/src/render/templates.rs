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
use crate::output::{ReadError, read_regular};

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
        if !kind.is_file() {
            return Err(Error::Input {
                file: path.clone(),
                message: "this is not a regular file (a device, pipe or socket)".into(),
                hint: "keep only the templates and the images they use in the folder".into(),
            });
        }
        *count += 1;
        let too_many = || Error::Input {
            file: path.clone(),
            message: format!(
                "the templates folder holds more than {MAX_FILES} files, or a file over 5 MB"
            ),
            hint: "keep only the templates and the images they use in the folder".into(),
        };
        if *count > MAX_FILES {
            return Err(too_many());
        }
        let virtual_path = virtual_path(root, &path)?;
        let bytes = read_regular(&path, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::Io(e) => Error::io_read(&path, &e),
            ReadError::TooLarge => too_many(),
            ReadError::NotAFile => Error::Input {
                file: path.clone(),
                message: "this is not a regular file (a device, pipe or socket)".into(),
                hint: "keep only the templates and the images they use in the folder".into(),
            },
        })?;
        set.read.push(path.clone());
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

/// What `templates export` writes beside the templates.
const EXPORT_README: &str = include_str!("../../../../templates/README.md");

/// Writes the built-in templates and a README into `dir`; existing files are
/// kept unless `force`. Returns the files written.
///
/// Files are written the way `build` writes packets: into a temporary file
/// beside the target, then renamed onto it. A rename replaces a link in
/// `dir` itself rather than writing through it, and a folder inside `dir`
/// that is a link is refused, so nothing is ever written outside `dir`.
pub fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
    let mut planned: Vec<(PathBuf, &[u8])> = BUILT_IN_TEMPLATES
        .iter()
        .map(|(p, t)| (dir.join(p.trim_start_matches('/')), t.as_bytes()))
        .collect();
    planned.push((dir.join("README.md"), EXPORT_README.as_bytes()));
    let taken = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if !force && let Some((taken, _)) = planned.iter().find(|(p, _)| taken(p)) {
        return Err(Error::Usage {
            message: format!("{} already exists", taken.display()),
            hint: "export into an empty folder, or add --force to replace the files".into(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io_write(dir, &e))?;
    for (path, bytes) in &planned {
        let parent = path.parent().unwrap_or(dir);
        real_folder_below(dir, parent)?;
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            return Err(Error::Usage {
                message: format!("{} is a folder", path.display()),
                hint: "export into an empty folder".into(),
            });
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(crate::output::TEMP_PREFIX)
            .suffix(crate::output::TEMP_SUFFIX)
            .tempfile_in(parent)
            .map_err(|e| Error::io_write(parent, &e))?;
        std::io::Write::write_all(tmp.as_file_mut(), bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| Error::io_write(path, &e))?;
        tmp.persist(path)
            .map_err(|e| Error::io_write(path, &e.error))?;
    }
    Ok(planned.into_iter().map(|(p, _)| p).collect())
}

/// Creates `folder` (inside `root`) as a real folder, refusing any folder
/// between `root` and it that is a link: writing through one would put
/// files outside `root`.
fn real_folder_below(root: &Path, folder: &Path) -> Result<(), Error> {
    let relative = folder.strip_prefix(root).unwrap_or(Path::new(""));
    let mut current = root.to_path_buf();
    for component in relative.components() {
        current.push(component);
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::Usage {
                    message: format!(
                        "{} is a link or a file, not a folder; nothing is written through links",
                        current.display()
                    ),
                    hint: "export into an empty folder, or remove that link first".into(),
                });
            }
            Err(_) => std::fs::create_dir(&current).map_err(|e| Error::io_write(&current, &e))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_languages_have_every_document() {
        assert!(LANGUAGES.contains(&"en"));
        for language in LANGUAGES {
            let docs = TemplateSet::built_in().documents(language).unwrap();
            assert_eq!(docs.len(), DOCUMENTS.len(), "{language}");
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

    #[cfg(unix)]
    #[test]
    fn export_never_writes_through_a_link() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("README.md"), "theirs").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("README.md"),
            dir.path().join("README.md"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("en")).unwrap();
        // Without --force the link counts as a file in the way.
        assert!(export(dir.path(), false).is_err());
        let err = export(dir.path(), true).unwrap_err().to_string();
        assert!(err.contains("nothing is written through links"), "{err}");
        std::fs::remove_file(dir.path().join("en")).unwrap();
        export(dir.path(), true).unwrap();
        // The link was replaced by a file; the file it pointed at is intact.
        assert_eq!(
            std::fs::read_to_string(outside.path().join("README.md")).unwrap(),
            "theirs"
        );
        assert!(
            std::fs::symlink_metadata(dir.path().join("README.md"))
                .unwrap()
                .is_file()
        );
        let outside_files: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
        assert_eq!(outside_files.len(), 1);
    }

    #[test]
    fn odd_template_names_and_special_files_are_errors_not_crashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en").join("a\\..\\b.typ"), "// x").unwrap();
        let err = TemplateSet::with_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("file name cannot be used"), "{err}");
        std::fs::remove_file(dir.path().join("en").join("a\\..\\b.typ")).unwrap();
        #[cfg(unix)]
        {
            let fifo = dir.path().join("en/notes.typ");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid, NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = TemplateSet::with_dir(dir.path()).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
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
