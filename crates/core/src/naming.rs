//! Packet file names: safe, unique, the same in every front end.
//!
//! Packets are named after `packet_id` when the intake gives one, else after
//! the patient's name, so that clinic staff can find them. This is a
//! deliberate choice (documented in the README): names appear in the output
//! folder's listing and in the report, never inside the ZIPs or in messages.
//! The command line and the browser hand names out through the same
//! [`Namer::for_run`], in input order, so the same input gives the same names.

use std::collections::HashSet;

use crate::record::Patient;
use crate::report::{BUNDLE_FILE, REPORT_FILE};

/// Longest stem (name without `.zip`) we produce.
pub const MAX_STEM_CHARS: usize = 60;

/// Names Windows reserves for devices, whatever the extension.
const DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "com¹", "com²", "com³", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6",
    "lpt7", "lpt8", "lpt9", "lpt¹", "lpt²", "lpt³", "conin$", "conout$",
];

/// Whether Windows reserves a file name for a device (`CON`, `nul.typ`,
/// `Com1.tar.gz`, `LPT¹`): the part before the first dot, trailing spaces
/// dropped, in any case. Such a file cannot be created or extracted there.
pub fn is_windows_device_name(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    DEVICE_NAMES.contains(&base.to_lowercase().as_str())
}

/// Turns any text into a safe file stem: ASCII letters and digits (accents
/// transliterated: "José Núñez" → "Jose-Nunez"), runs of anything else as
/// one `-`, at most [`MAX_STEM_CHARS`], never empty, never a device name.
pub fn safe_stem(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut stem = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_matches('-').to_string();
    if stem.is_empty() {
        return "patient".to_string();
    }
    if is_windows_device_name(&stem) {
        format!("{stem}-packet")
    } else {
        stem
    }
}

/// Hands out unique file names within one run, ignoring case (Windows and
/// macOS folders do): the second "Maria Garcia" becomes `Maria-Garcia-2.zip`.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// The namer of a run: packets never take the report's or the bundle's
    /// name.
    pub fn for_run() -> Self {
        Self::reserving(&[REPORT_FILE, BUNDLE_FILE])
    }

    /// A namer that also avoids names already taken (such as `report.csv`).
    pub fn reserving(names: &[&str]) -> Self {
        Namer {
            used: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
        }
    }

    /// The next unique `stem.ext` for this stem.
    pub fn unique(&mut self, stem: &str, ext: &str) -> String {
        let mut n = 1;
        loop {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            if self.used.insert(name.to_ascii_lowercase()) {
                return name;
            }
            n += 1;
        }
    }

    /// The packet file name for a patient.
    pub fn packet_name(&mut self, patient: &Patient) -> String {
        let source = patient
            .packet_id
            .as_deref()
            .unwrap_or(&patient.patient_name);
        self.unique(&safe_stem(source), "zip")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe() {
        assert_eq!(safe_stem("José Núñez"), "Jose-Nunez");
        assert_eq!(safe_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_stem("/"), "patient");
        assert_eq!(safe_stem(""), "patient");
        assert_eq!(safe_stem("CON"), "CON-packet");
        assert_eq!(safe_stem("lpt1"), "lpt1-packet");
        assert_eq!(safe_stem("Nguyễn Thị Minh Khai"), "Nguyen-Thi-Minh-Khai");
        assert_eq!(safe_stem("Ελένη"), "Elene");
        assert_eq!(safe_stem("王小明"), "Wang-Xiao-Ming");
        assert!(safe_stem(&"x".repeat(500)).len() <= MAX_STEM_CHARS);
        assert_eq!(safe_stem("*Ann* #import \"x\" $y$"), "Ann-import-x-y");
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut namer = Namer::reserving(&["report.csv"]);
        assert_eq!(namer.unique("Maria-Garcia", "zip"), "Maria-Garcia.zip");
        assert_eq!(namer.unique("maria-garcia", "zip"), "maria-garcia-2.zip");
        assert_eq!(namer.unique("Maria-Garcia", "zip"), "Maria-Garcia-3.zip");
        assert_eq!(namer.unique("report", "csv"), "report-2.csv");
    }
}
