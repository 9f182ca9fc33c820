//! The clinic profile (`--clinic clinic.json`): the clinic's name, contact
//! details and logo for the cover page and question sheet, and its default
//! paper size. The records request letter stays in the patient's name.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};
use crate::images;
use crate::paper::Paper;

/// The profile as written in `clinic.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClinicFile {
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    fax: Option<String>,
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    logo: Option<PathBuf>,
    #[serde(default)]
    paper: Option<String>,
}

/// A checked clinic profile, ready for the templates.
#[derive(Debug, Clone, Serialize)]
pub struct Clinic {
    /// The clinic's name.
    pub name: String,
    /// Its address; may span lines.
    pub address: Option<String>,
    /// Its phone number.
    pub phone: Option<String>,
    /// Its fax number.
    pub fax: Option<String>,
    /// Its website.
    pub website: Option<String>,
    /// A line of contact text for the cover page.
    pub contact: Option<String>,
    /// The logo's virtual path for templates (`/clinic/logo.png`), if any.
    pub logo: Option<String>,
    /// The logo's bytes, served to Typst at `logo`.
    #[serde(skip)]
    pub logo_bytes: Vec<u8>,
    /// The clinic's default paper size.
    #[serde(skip)]
    pub paper: Option<Paper>,
    /// The profile's file and the logo's, as read: never written over.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

/// The largest logo accepted: a logo is a small image.
pub const MAX_LOGO_BYTES: u64 = 5 * 1024 * 1024;
/// The largest clinic profile accepted: a few lines of text.
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;

/// How to fix a logo that cannot be used.
pub const LOGO_HINT: &str =
    "save the logo as a PNG, JPEG or SVG file of at most 5 MB and name that file";

/// A starter profile for `init --clinic`.
pub const STARTER: &str = r#"{
  "name": "Riverside Community Health Center",
  "address": "200 Main Street\nSpringfield, IL 62701",
  "phone": "(217) 555-0123",
  "fax": "(217) 555-0124",
  "website": "www.example.org",
  "contact": "Questions about this packet? Call our patient navigator, Monday to Friday, 9 am to 5 pm.",
  "logo": null,
  "paper": "letter"
}
"#;

/// A clinic profile whose text is checked, waiting for its logo: the front
/// end reads the logo the profile names ([`ClinicDraft::logo_path`]) and
/// hands its bytes to [`ClinicDraft::finish`].
#[derive(Debug, Clone)]
pub struct ClinicDraft {
    path: PathBuf,
    file: ClinicFile,
    name: String,
    paper: Option<Paper>,
}

impl ClinicDraft {
    /// Checks a clinic profile's JSON (`path` names it in messages). Every
    /// problem stops the run before rendering.
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, Error> {
        let bad = |code: Code, message: String, hint: &str| Error::input(code, path, message, hint);
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let file: ClinicFile = serde_json::from_slice(text).map_err(|e| {
            let keys = "the clinic profile takes the keys name, address, phone, fax, website, contact, logo and paper; `second-opinion init --clinic clinic.json` writes a starter";
            let serde_text = e.to_string();
            let serde_text = serde_text.split(" at line ").next().unwrap_or("invalid JSON");
            let (what, hint, problem) = match e.classify() {
                // serde's wording for a wrong type quotes the value itself.
                serde_json::error::Category::Data if serde_text.starts_with("invalid ") => (
                    "a value is not text".to_string(),
                    "write every value as text in quotes, for example \"phone\": \"217-555-0100\"",
                    "not_text",
                ),
                // Unknown and missing keys: serde names the key, not a value.
                serde_json::error::Category::Data => (serde_text.to_string(), keys, "keys"),
                _ => (format!("this is not valid JSON: {serde_text}"), keys, "syntax"),
            };
            bad(
                Code::ClinicProfileInvalid,
                format!("line {}, column {}: {what}", e.line(), e.column()),
                hint,
            )
            .with("problem", problem)
            .with("line", e.line())
            .with("column", e.column())
        })?;
        let name = file.name.trim().to_string();
        if name.is_empty() {
            return Err(bad(
                Code::ClinicNameEmpty,
                "\"name\" is empty".into(),
                "write the clinic's name",
            ));
        }
        let paper = match file.paper.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(p.parse::<Paper>().map_err(|_| {
                bad(
                    Code::ClinicPaperInvalid,
                    "\"paper\" is not letter or a4".into(),
                    "write \"paper\": \"letter\" or \"paper\": \"a4\"",
                )
            })?),
        };
        Ok(ClinicDraft {
            path: path.to_path_buf(),
            file,
            name,
            paper,
        })
    }

    /// The logo file the profile names, relative to the profile's folder.
    pub fn logo_path(&self) -> Option<PathBuf> {
        let logo = self.file.logo.as_ref()?;
        Some(self.path.parent().unwrap_or(Path::new(".")).join(logo))
    }

    /// Completes the profile with the logo's bytes (`None` when the profile
    /// names no logo), checking the logo and every text.
    pub fn finish(self, logo_bytes: Option<Vec<u8>>) -> Result<Clinic, Error> {
        let ClinicDraft {
            path,
            file,
            name,
            paper,
        } = self;
        let path = path.as_path();
        let tidy = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mut logo_file = None;
        let (logo, logo_bytes) = match (file.logo.as_ref(), logo_bytes) {
            (None, _) => (None, Vec::new()),
            (Some(logo), bytes) => {
                let full = path.parent().unwrap_or(Path::new(".")).join(logo);
                let bytes = bytes.ok_or_else(|| {
                    Error::input(
                        Code::LogoMissing,
                        &full,
                        "the clinic logo was not given",
                        "choose the logo file the clinic profile names, or remove \"logo\" from the profile",
                    )
                })?;
                if bytes.len() as u64 > MAX_LOGO_BYTES {
                    return Err(logo_too_large(&full));
                }
                let ext = image_kind(&bytes).ok_or_else(|| {
                    Error::input(
                        Code::LogoNotAnImage,
                        &full,
                        "the clinic logo is not a PNG, JPEG or SVG image",
                        "save the logo as PNG, JPEG or SVG",
                    )
                })?;
                // Its pixels, read from its header by content before Typst
                // decodes it: a header claiming 65,500 × 65,500 pixels would
                // ask for 17 GB at once (issue 25).
                images::check(&bytes, images::LOGO_MAX_PIXELS)
                    .map_err(|refusal| refusal.error(&full, "the clinic logo", "logo"))?;
                logo_file = Some(full);
                (Some(format!("/clinic/logo.{ext}")), bytes)
            }
        };
        // Text no embedded font can show would stop every packet at its
        // first page; name the field here instead.
        let glyphs = crate::fonts::Glyphs::embedded();
        let texts = [
            ("name", Some(&name)),
            ("address", file.address.as_ref()),
            ("phone", file.phone.as_ref()),
            ("fax", file.fax.as_ref()),
            ("website", file.website.as_ref()),
            ("contact", file.contact.as_ref()),
        ];
        if let Some((key, _)) = texts
            .iter()
            .find(|(_, text)| text.is_some_and(|t| !glyphs.covers(t)))
        {
            return Err(Error::input(
                Code::ClinicUnprintable,
                path,
                format!("\"{key}\" has characters the built-in fonts cannot print"),
                "write it in Latin, Greek or Cyrillic letters",
            )
            .with("key", *key));
        }
        Ok(Clinic {
            name,
            address: tidy(file.address),
            phone: tidy(file.phone),
            fax: tidy(file.fax),
            website: tidy(file.website),
            contact: tidy(file.contact),
            logo,
            logo_bytes,
            paper,
            files: std::iter::once(path.to_path_buf())
                .chain(logo_file)
                .collect(),
        })
    }
}

/// The error for a logo over [`MAX_LOGO_BYTES`] (the command line refuses
/// one before reading it whole, with the same words).
pub fn logo_too_large(logo: &Path) -> Error {
    Error::input(
        Code::LogoTooLarge,
        logo,
        "the clinic logo is larger than 5 MB",
        LOGO_HINT,
    )
    .with("max_mb", (MAX_LOGO_BYTES / 1024 / 1024) as usize)
}

/// The image format by content: `png`, `jpg` or `svg`.
fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("jpg");
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    head.contains("<svg").then_some("svg")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Param;

    /// A profile and its logo from memory, as a front end hands them over.
    fn load(profile: &str, logo: Option<&[u8]>) -> Result<Clinic, Error> {
        ClinicDraft::parse(Path::new("clinic.json"), profile.as_bytes())?
            .finish(logo.map(<[u8]>::to_vec))
    }

    #[test]
    fn starter_profile_loads() {
        let clinic = load(STARTER, None).unwrap();
        assert_eq!(clinic.paper, Some(Paper::Letter));
        assert!(clinic.logo.is_none());
    }

    #[test]
    fn missing_or_bad_logo_and_bad_text_are_errors_that_quote_nothing() {
        let named = r#"{"name": "X", "logo": "art/logo.png"}"#;
        let draft = ClinicDraft::parse(Path::new("c/clinic.json"), named.as_bytes()).unwrap();
        assert_eq!(draft.logo_path(), Some(PathBuf::from("c/art/logo.png")));
        let err = load(named, None).unwrap_err().to_string();
        assert!(err.contains("the clinic logo was not given"), "{err}");
        let err = load(named, Some(b"not an image")).unwrap_err().to_string();
        assert!(err.contains("not a PNG, JPEG or SVG"), "{err}");
        let huge = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0; 6 << 20]].concat();
        let err = load(named, Some(&huge)).unwrap_err().to_string();
        assert!(err.contains("larger than 5 MB"), "{err}");
        let clinic = load(named, Some(b"<svg xmlns='http://www.w3.org/2000/svg'/>")).unwrap();
        // A header claiming more pixels than a logo may have, by content
        // whatever the file's name says, named and never decoded.
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bomb.extend(65_000u32.to_be_bytes());
        bomb.extend(65_000u32.to_be_bytes());
        bomb.extend([8, 2, 0, 0, 0]);
        let err = load(named, Some(&bomb)).unwrap_err();
        let Error::Input {
            file,
            code,
            params,
            message,
            hint,
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(file, &PathBuf::from("art/logo.png"));
        assert_eq!(*code, Code::ImageRefused);
        assert_eq!(params.get("subject"), Some(&Param::from("logo")));
        assert_eq!(params.get("reason"), Some(&Param::from("too_large")));
        assert_eq!(params.get("width"), Some(&Param::Number(65_000)));
        assert!(
            message.contains("the clinic logo is a PNG image of 65000 × 65000 pixels"),
            "{message}"
        );
        assert!(hint.contains("at most 2048 × 1024 pixels"), "{hint}");
        let svg_bomb = format!(
            "<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'><image href='data:image/png;base64,{}'/></svg>",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bomb)
        );
        let err = load(named, Some(svg_bomb.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("holds a PNG image of 65000 × 65000 pixels"),
            "{err}"
        );
        assert!(!err.contains("base64"), "{err}");
        assert_eq!(clinic.logo.as_deref(), Some("/clinic/logo.svg"));
        let err = load(r#"{"name": "X", "phone": 2175550123}"#, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a value is not text"), "{err}");
        assert!(!err.contains("2175550123"), "{err}");
        let err = load(r#"{"name": "東京クリニック"}"#, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"name\" has characters"), "{err}");
        assert!(!err.contains("東京"), "{err}");
        let err = load(r#"{"name": "X", "colour": "red"}"#, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
