//! One patient's packet, whole: rendered, zipped and read back.
//!
//! The same steps for every front end, so the command line's file and the
//! browser's download are the same bytes.

use std::io::Cursor;

use crate::error::{Code, Problem};
use crate::record::Patient;
use crate::render::{PACKET_FILE, Renderer};

/// A built packet: the ZIP, and `packet.pdf` on its own for printing.
#[derive(Debug, Clone)]
pub struct Built {
    /// The packet ZIP.
    pub zip: Vec<u8>,
    /// Every document in one PDF (also inside the ZIP).
    pub pdf: Vec<u8>,
}

/// Renders a patient's packet and zips it, checking the ZIP reads back.
pub fn zip(renderer: &Renderer, patient: &Patient) -> Result<Vec<u8>, Problem> {
    build(renderer, patient).map(|built| built.zip)
}

/// [`zip()`], keeping `packet.pdf` too.
pub fn build(renderer: &Renderer, patient: &Patient) -> Result<Built, Problem> {
    let pdfs = renderer.render(patient)?;
    let zip = crate::bundle::zip(&pdfs, renderer.today()).map_err(|_| {
        Problem::record(
            Code::ZipFailed,
            "could not put the documents into a ZIP",
            "run again; if it happens again, report it",
        )
    })?;
    verify_zip(&zip, pdfs.len())?;
    let pdf = pdfs
        .into_iter()
        .find(|(name, _)| name == PACKET_FILE)
        .map(|(_, bytes)| bytes)
        .unwrap_or_default();
    Ok(Built { zip, pdf })
}

/// Reads the finished ZIP back, checking every entry's CRC, before it gets
/// its final name.
fn verify_zip(bytes: &[u8], expected_entries: usize) -> Result<(), Problem> {
    let failed = || {
        Problem::record(
            Code::ZipUnreadable,
            "the finished ZIP did not read back correctly",
            "run again; if it happens again, report it",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| failed())?;
    if archive.len() != expected_entries {
        return Err(failed());
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| failed())?;
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|_| failed())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::input::{InputOptions, read_bytes_each};
    use crate::render::{Paper, RenderOptions};

    /// The whole pipeline from bytes to a packet, with no file system: the
    /// sample intake is compiled into the test, as a front end without
    /// files (the browser) hands its bytes over.
    #[test]
    fn the_sample_packet_is_built_from_bytes_alone() {
        let intake = include_bytes!("../../../samples/patient.json");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut patients = Vec::new();
        read_bytes_each(
            Path::new("patient.json"),
            intake,
            &InputOptions::default(),
            &mut |e| {
                patients.push(
                    e.and_then(|raw| crate::record::from_raw(raw, today))
                        .unwrap(),
                );
            },
        )
        .unwrap();
        let patient = patients.pop().unwrap();
        let renderer = Renderer::new(
            RenderOptions::new(today, Paper::Letter),
            &BTreeSet::from(["en".to_string()]),
        )
        .unwrap();
        let built = build(&renderer, &patient).unwrap();
        assert!(built.pdf.starts_with(b"%PDF-"));
        let again = build(&renderer, &patient).unwrap();
        assert_eq!(built.zip, again.zip, "deterministic");
        let archive = zip::ZipArchive::new(Cursor::new(built.zip)).unwrap();
        assert!(archive.len() >= 7);
        assert_eq!(
            crate::naming::Namer::for_run().packet_name(&patient),
            "SO-2026-0042.zip"
        );
    }
}
