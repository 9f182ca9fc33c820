//! A sealed Typst [`World`]: embedded templates, embedded fonts, one data file.
//!
//! [`Base`] is built once per run and holds everything that does not depend on
//! the patient (the standard library, fonts, template sources). Each compile
//! borrows it through a tiny [`PacketWorld`] that adds the patient's data as
//! the virtual file `/data.json`. Templates read it with `json("/data.json")`,
//! so patient text reaches Typst only as string *values* and can never be
//! read as markup or code.
//!
//! File ids are interned process-wide in a `u16` (see docs/typst.md), so every path
//! is fixed: the data file is always `/data.json`, whatever the patient.
//!
//! Any file served here can reach Typst's image decoders (a template may
//! `read` a file as bytes and pass them to `image`, whatever its name), and
//! a decoder allocates what the image's header claims. So every file a
//! clinic supplies was checked by content when it was loaded
//! ([`crate::images::check`], from `TemplateSet::from_files` for a
//! templates folder, `.typ` files included, and `ClinicDraft::finish` for
//! the logo), and this world serves those bytes and nothing else.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;

/// Creates the file id for a fixed virtual path such as `/lib.typ`.
pub fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("template paths are valid virtual paths");
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

/// What does not change between patients: library, fonts, templates.
pub struct Base {
    library: LazyHash<Library>,
    fonts: FontStore,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: NaiveDate,
}

impl Base {
    /// Builds the base from template files given as `(virtual path, text)`,
    /// plus other files (images) given as `(virtual path, bytes)`.
    ///
    /// `inputs` become Typst's `sys.inputs`: settings that hold for the whole
    /// run (large print), which templates can read without `context`.
    pub fn new(
        templates: &[(String, String)],
        other_files: &[(String, Vec<u8>)],
        inputs: &[(&str, &str)],
        today: NaiveDate,
    ) -> Self {
        let mut fonts = FontStore::new();
        fonts.extend(crate::fonts::packet_fonts());
        let sources = templates
            .iter()
            .map(|(path, text)| {
                let id = file_id(path);
                (id, Source::new(id, text.clone()))
            })
            .collect();
        let files = other_files
            .iter()
            .map(|(path, bytes)| (file_id(path), Bytes::new(bytes.clone())))
            .collect();
        Base {
            library: LazyHash::new(
                Library::builder()
                    .with_inputs(
                        inputs
                            .iter()
                            .map(|(k, v)| {
                                ((*k).into(), typst::foundations::Value::Str((*v).into()))
                            })
                            .collect(),
                    )
                    .build(),
            ),
            fonts,
            sources,
            files,
            today,
        }
    }

    /// A world that compiles `main` with `data` served as `/data.json`.
    pub fn world<'a>(&'a self, main: FileId, data: Bytes) -> PacketWorld<'a> {
        PacketWorld {
            base: self,
            main,
            data_id: file_id("/data.json"),
            data,
        }
    }
}

/// One compile's view: the shared [`Base`] plus one patient's data.
pub struct PacketWorld<'a> {
    base: &'a Base,
    main: FileId,
    data_id: FileId,
    data: Bytes,
}

impl World for PacketWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.base.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match self.base.sources.get(&id) {
            Some(source) => Ok(source.clone()),
            None if id == self.data_id || self.base.files.contains_key(&id) => {
                Err(FileError::NotSource)
            }
            None => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        if let Some(bytes) = self.base.files.get(&id) {
            return Ok(bytes.clone());
        }
        match self.base.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.clone())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.font(index)
    }

    /// The run date, never the clock: output depends on `--date` only.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        let d = self.base.today;
        Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8)
    }
}

impl typst_kit::diagnostics::DiagnosticWorld for PacketWorld<'_> {
    fn name(&self, id: FileId) -> String {
        id.vpath().get_without_slash().to_string()
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
