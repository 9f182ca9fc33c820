//! The clinic profile on disk (`--clinic clinic.json`) and the logo it
//! names: read here, through the size limits and only as regular files, and
//! checked by the core ([`ClinicDraft`]).

use std::path::Path;

use crate::files::{ReadError, read_regular};
use second_opinion_core::clinic::{
    Clinic, ClinicDraft, LOGO_HINT, MAX_LOGO_BYTES, MAX_PROFILE_BYTES, logo_too_large,
};
use second_opinion_core::error::{Code, Error};

/// Reads and checks a clinic profile; the logo path is relative to the
/// profile's folder. Every problem stops the run before rendering.
pub(crate) fn load(path: &Path) -> Result<Clinic, Error> {
    let text = read_regular(path, MAX_PROFILE_BYTES).map_err(|e| match e {
        ReadError::Io(e) => Error::io_read(path, &e),
        ReadError::NotAFile => Error::input(
            Code::NotARegularFile,
            path,
            "the clinic profile is not a regular file",
            "name the clinic profile's JSON file (`second-opinion init --clinic clinic.json` writes one)",
        )
        .with("role", "clinic_profile"),
        ReadError::TooLarge => Error::input(
            Code::ClinicProfileTooLarge,
            path,
            "the clinic profile is larger than 1 MB",
            "a clinic profile is a few lines of JSON; `second-opinion init --clinic clinic.json` writes one",
        )
        .with("max_mb", (MAX_PROFILE_BYTES / 1024 / 1024) as usize),
    })?;
    let draft = ClinicDraft::parse(path, &text)?;
    let logo = match draft.logo_path() {
        None => None,
        Some(full) => {
            Some(read_regular(&full, MAX_LOGO_BYTES).map_err(|e| match e {
                ReadError::Io(e) => Error::Io {
                    path: full.clone(),
                    action: "could not read the clinic logo".into(),
                    reason: second_opinion_core::error::io_reason(&e),
                    hint: "the logo path is relative to the clinic profile's folder; check the file name".into(),
                },
                ReadError::NotAFile => Error::input(
                    Code::NotARegularFile,
                    &full,
                    "the clinic logo is not a regular file",
                    LOGO_HINT,
                )
                .with("role", "logo"),
                ReadError::TooLarge => logo_too_large(&full),
            })?)
        }
    };
    draft.finish(logo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_and_its_logo_are_read_from_the_profiles_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.json");
        std::fs::write(&path, r#"{"name": "X", "logo": "nope.png"}"#).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("could not read the clinic logo"), "{err}");
        std::fs::write(dir.path().join("logo.png"), b"not an image").unwrap();
        std::fs::write(&path, r#"{"name": "X", "logo": "logo.png"}"#).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("not a PNG, JPEG or SVG"), "{err}");
        // A PNG's header claiming 1 × 1 pixels is taken as it is (Typst
        // would say if the rest cannot be decoded); one claiming more
        // pixels than a logo may have is refused, by content, whatever the
        // file is named (issue 25).
        let png = |side: u32| {
            let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
            png.extend(side.to_be_bytes());
            png.extend(side.to_be_bytes());
            png.extend([8, 2, 0, 0, 0]);
            png
        };
        std::fs::write(dir.path().join("logo.png"), png(60_000)).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: the clinic logo is a PNG image of 60000 × 60000 pixels",
                dir.path().join("logo.png").display()
            )),
            "{err}"
        );
        std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\nrest").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("its size cannot be read"), "{err}");
        std::fs::write(dir.path().join("logo.png"), png(1)).unwrap();
        let clinic = load(&path).unwrap();
        assert_eq!(
            clinic.files,
            vec![path.clone(), dir.path().join("logo.png")]
        );
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
