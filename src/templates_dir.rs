//! The clinic's templates folder on disk: reading it for `--templates DIR`
//! and writing it for `templates export DIR`.
//!
//! The core's [`TemplateSet`] takes the folder's files as bytes; this module
//! is the file-system side: it walks the folder without following links,
//! reads only regular files, through a size limit, and writes the exported
//! templates the way `build` writes packets.

use std::path::{Path, PathBuf};

use crate::files::{ReadError, read_regular};
use second_opinion_core::error::{Code, Error};
use second_opinion_core::render::TemplateSet;
use second_opinion_core::render::templates::{BUILT_IN_TEMPLATES, MAX_FILE_BYTES, MAX_FILES};

/// How deep below the folder templates are looked for (`en/` and one more).
const MAX_DEPTH: usize = 2;

/// The built-in templates, with every `.typ` file found in `dir` (and its
/// language folders) replacing the built-in file of the same path or adding
/// a new one. Images in `dir` are served too. The core checks every file
/// read before anything is built: names Windows and macOS can hold, and
/// images (by content, `.typ` files included) within the pixel budget
/// (`second_opinion_core::images`, issue 25).
pub(crate) fn with_dir(dir: &Path) -> Result<TemplateSet, Error> {
    if !dir.is_dir() {
        return Err(Error::Usage {
            message: format!("{} is not a folder", dir.display()),
            hint: "name the folder that `second-opinion templates export DIR` wrote".into(),
        });
    }
    let mut files = Vec::new();
    collect(dir, dir, 0, &mut files)?;
    TemplateSet::from_files(dir, files)
}

/// Reads the files the template set uses below `dir`, in name order,
/// without following links, stopping past the folder's limits (the core
/// reports them).
fn collect(
    root: &Path,
    dir: &Path,
    depth: usize,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
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
            if depth < MAX_DEPTH {
                collect(root, &path, depth + 1, files)?;
            }
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if !TemplateSet::wants(&relative) {
            continue;
        }
        let not_a_file = || {
            Error::input(
                Code::NotARegularFile,
                &path,
                "this is not a regular file (a device, pipe or socket)",
                "keep only the templates and the images they use in the folder",
            )
            .with("role", "template")
        };
        if !kind.is_file() {
            return Err(not_a_file());
        }
        // One byte over the limit is enough for the core to refuse it.
        let bytes = match read_regular(&path, MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge) => vec![0; MAX_FILE_BYTES as usize + 1],
            Err(ReadError::Io(e)) => return Err(Error::io_read(&path, &e)),
            Err(ReadError::NotAFile) => return Err(not_a_file()),
        };
        files.push((relative, bytes));
        if files.len() > MAX_FILES {
            return Ok(());
        }
    }
    Ok(())
}

/// What `templates export` writes beside the templates.
const EXPORT_README: &str = include_str!("../templates/README.md");

/// Writes the built-in templates and a README into `dir`; existing files are
/// kept unless `force`. Returns the files written.
///
/// Files are written the way `build` writes packets: into a temporary file
/// beside the target, then renamed onto it. A rename replaces a link in
/// `dir` itself rather than writing through it, and a folder inside `dir`
/// that is a link is refused, so nothing is ever written outside `dir`.
pub(crate) fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
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
            .prefix(crate::files::TEMP_PREFIX)
            .suffix(crate::files::TEMP_SUFFIX)
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
    fn a_folder_overrides_and_adds_documents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/checklist.typ"), "// mine").unwrap();
        std::fs::write(dir.path().join("en/parking-map.typ"), "// extra").unwrap();
        std::fs::write(dir.path().join("en/_shared.typ"), "// helper").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let set = with_dir(dir.path()).unwrap();
        let docs = set.documents("en").unwrap();
        let names: Vec<_> = docs.iter().map(|d| d.file_name.as_str()).collect();
        assert_eq!(names.last(), Some(&"parking-map.pdf"));
        assert_eq!(set.files_read().len(), 3);
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
        let err = with_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("file name cannot be used"), "{err}");
        std::fs::remove_file(dir.path().join("en").join("a\\..\\b.typ")).unwrap();
        #[cfg(unix)]
        {
            let fifo = dir.path().join("en/notes.typ");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid, NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = with_dir(dir.path()).unwrap_err().to_string();
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
