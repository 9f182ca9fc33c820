//! Image bombs (issue 25): a clinic logo or a template's image whose header
//! claims more pixels than the budget is refused by name before decoding.
//!
//! Every bomb is made here, a few dozen bytes each: a header claiming tens
//! of thousands of pixels a side and almost nothing after it. Before the
//! check, the JPEG and the GIF asked for 13 and 17 GB at once and the
//! process aborted (exit 134); the full-size cases and their figures are in
//! `bench/hostile.md` ("Images"). Each is used as the clinic logo and as an
//! image of a templates folder that a template shows only for real records,
//! so nothing but the check at load time sees it before a packet is built.
//! Template names Windows cannot hold, or that differ only in case, are
//! refused at load too.

use std::fs;
use std::time::Instant;

use crate::support::{Case, DATE, minimal, require};

/// Peak memory allowed for a run that refuses a file at load (the debug
/// binary alone is about 20 MB; `limits.rs` allows the same).
const REFUSED_MB: f64 = 120.0;

/// The template's name for the sample patient: images shown only when the
/// patient is someone else are never decoded by the start-up check.
const SAMPLE_NAME: &str = "Jordan A. Rivera";

/// A PNG header (signature and IHDR) claiming `w` × `h` pixels.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    out.extend(w.to_be_bytes());
    out.extend(h.to_be_bytes());
    out.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    out.extend(b"\0\0\0\0IEND\xae\x42\x60\x82");
    out
}

/// A baseline JPEG whose frame header claims `w` × `h` pixels: the markers
/// of the issue's 631-byte file, with a few bytes of scan.
fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xDB, 0, 67, 0];
    out.extend([1; 64]);
    for class in [0x00, 0x10] {
        out.extend([0xFF, 0xC4, 0, 20, class, 1]);
        out.extend([0; 16]);
    }
    out.extend([0xFF, 0xC0, 0, 17, 8]);
    out.extend(h.to_be_bytes());
    out.extend(w.to_be_bytes());
    out.extend([3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    out.extend([0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 0x3F, 0]);
    out.extend([0; 64]);
    out.extend([0xFF, 0xD9]);
    out
}

/// A GIF whose logical screen is `w` × `h`, with one 1 × 1 frame and, when
/// given, a comment extension before it.
fn gif(w: u16, h: u16, comment: &[u8]) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend(w.to_le_bytes());
    out.extend(h.to_le_bytes());
    out.extend([0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
    if !comment.is_empty() {
        out.extend([0x21, 0xFE, comment.len() as u8]);
        out.extend(comment);
        out.push(0);
    }
    out.extend([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
    out
}

/// A lossless WebP whose header claims `w` × `h` pixels.
fn webp(w: u32, h: u32) -> Vec<u8> {
    let mut chunk = b"VP8L".to_vec();
    chunk.extend(13u32.to_le_bytes());
    chunk.push(0x2f);
    chunk.extend(((w - 1) | ((h - 1) << 14)).to_le_bytes());
    chunk.extend([0; 8]);
    chunk.push(0);
    let mut out = b"RIFF".to_vec();
    out.extend((4 + chunk.len() as u32).to_le_bytes());
    out.extend(b"WEBP");
    out.extend(chunk);
    out
}

/// A small SVG showing `inner` as a `data:` URI (percent-encoded, as a
/// data URI may be).
fn svg_holding(inner: &[u8], mime: &str) -> Vec<u8> {
    let data: String = inner.iter().map(|b| format!("%{b:02X}")).collect();
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><image width="60" height="20" href="data:{mime},{data}"/></svg>"#
    )
    .into_bytes()
}

/// Runs `build` for one patient who is not the sample patient: exit code,
/// stderr, peak MB, asserting it took seconds.
fn build(case: &Case, extra: &[&str]) -> (i32, String, f64) {
    case.write("ann.json", &minimal("Ann Lee"));
    let mut args = vec!["build", "ann.json", "--out", "out", "--date", DATE];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let (code, mb, _) = case.measured(&args, &[]);
    assert!(
        started.elapsed().as_secs() < 20,
        "{extra:?} took {:?}",
        started.elapsed()
    );
    let stderr = case.run(&args).stderr();
    assert!(!case.path("out/Ann-Lee.zip").exists(), "{stderr}");
    (code, stderr, mb)
}

/// A templates folder `tpl` holding `name` (with `bytes`) and an added
/// English document that shows it, read as bytes so the format is told by
/// content, only for patients other than the sample one.
fn folder_showing(case: &Case, name: &str, bytes: &[u8]) {
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    fs::write(case.path(&format!("tpl/{name}")), bytes).unwrap();
    case.write(
        "tpl/en/extra.typ",
        &format!(
            "#import \"/lib.typ\": *\n#let title(d) = \"Extra\"\n#let summary(d) = [Extra.]\n#let body(d) = [\n  = Extra\n  #if d.patient.patient_name != \"{SAMPLE_NAME}\" {{ image(read(\"/{name}\", encoding: none), alt: \"map\", width: 100%) }}\n]\n"
        ),
    );
}

#[test]
fn a_logo_bomb_of_any_format_is_refused_by_name_before_decoding() {
    require!("/usr/bin/time");
    // A GIF whose comment holds "<svg" passes for an SVG by its first
    // kilobyte, and is still read as the GIF it is.
    let disguised = gif(65_535, 65_535, b"<svg>");
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "logo.jpg",
            jpeg(65_500, 65_500),
            "the clinic logo is a JPEG image of 65500 × 65500 pixels",
        ),
        (
            "logo.png",
            png(60_000, 60_000),
            "the clinic logo is a PNG image of 60000 × 60000 pixels",
        ),
        (
            "logo.svg",
            disguised.clone(),
            "the clinic logo is a GIF image of 65535 × 65535 pixels",
        ),
        (
            "art.svg",
            svg_holding(&gif(65_535, 65_535, b""), "image/gif"),
            "the clinic logo holds a GIF image of 65535 × 65535 pixels",
        ),
        // Not a logo format at all: refused by kind, as before.
        (
            "logo.webp",
            webp(16_383, 16_383),
            "the clinic logo is not a PNG, JPEG or SVG image",
        ),
    ];
    for (name, bytes, says) in cases {
        let case = Case::new();
        fs::write(case.path(name), &bytes).unwrap();
        case.write(
            "clinic.json",
            &format!(r#"{{"name": "C", "logo": "{name}"}}"#),
        );
        let (code, stderr, mb) = build(&case, &["--clinic", "clinic.json"]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {name}: {says}")),
            "{name}: {stderr}"
        );
        assert!(mb < REFUSED_MB, "{name}: {mb} MB");
        assert!(
            !stderr.contains("<svg") && !stderr.contains("%47"),
            "{stderr}"
        );
    }
}

#[test]
fn a_template_image_bomb_shown_only_for_real_records_is_refused_at_load() {
    require!("/usr/bin/time");
    let cases: [(&str, Vec<u8>, &str); 7] = [
        (
            "map.jpg",
            jpeg(65_500, 65_500),
            "JPEG image of 65500 × 65500",
        ),
        (
            "map.gif",
            gif(65_535, 65_535, b""),
            "GIF image of 65535 × 65535",
        ),
        ("map.png", png(11_000, 11_000), "PNG image of 11000 × 11000"),
        // By content: a WebP and a GIF named .png (Typst reads bytes by
        // what they are).
        (
            "scan.png",
            webp(16_383, 16_383),
            "WebP image of 16383 × 16383",
        ),
        (
            "photo.png",
            gif(40_000, 40_000, b""),
            "GIF image of 40000 × 40000",
        ),
        (
            "seal.svg",
            svg_holding(&jpeg(65_500, 65_500), "image/jpeg"),
            "holds a JPEG image of 65500 × 65500",
        ),
        (
            "plan.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90000 90000"/>"#.to_vec(),
            "is an SVG of 90000 × 90000 pixels",
        ),
    ];
    for (name, bytes, says) in cases {
        let case = Case::new();
        folder_showing(&case, name, &bytes);
        let (code, stderr, mb) = build(&case, &["--templates", "tpl"]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: tpl/{name}: this file ")),
            "{name}: {stderr}"
        );
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(stderr.contains("hint: "), "{stderr}");
        assert!(mb < REFUSED_MB, "{name}: {mb} MB");
    }
}

#[test]
fn every_file_of_the_folder_is_checked_templates_included_and_others_are_never_served() {
    require!("/usr/bin/time");
    // A template that is a GIF: a template can `read` any file of the
    // folder as bytes. A UTF-8 header claims 32,639 × 32,639 pixels.
    let case = Case::new();
    let text_gif = b"GIF89a\x7f\x7f\x7f\x7f\0\0\0\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x4c\x01\0\x3b";
    assert!(std::str::from_utf8(text_gif).is_ok());
    folder_showing(&case, "en/_pic.typ", text_gif);
    let (code, stderr, _) = build(&case, &["--templates", "tpl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("tpl/en/_pic.typ: this file is a GIF image of 32639 × 32639 pixels"),
        "{stderr}"
    );
    // A PDF placed as an image (Typst inflates its pages without a limit),
    // and a compressed SVG.
    for (name, bytes, says) in [
        (
            "page.png",
            b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n".to_vec(),
            "holds a PDF document",
        ),
        (
            "logo.svg",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
            "is compressed (gzip",
        ),
    ] {
        let case = Case::new();
        folder_showing(&case, name, &bytes);
        let (code, stderr, _) = build(&case, &["--templates", "tpl"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("tpl/{name}: this file {says}")),
            "{stderr}"
        );
    }
    // A bomb renamed .dat is not served to the templates at all: reading
    // it fails that record like any missing file, and nothing decodes it.
    let case = Case::new();
    folder_showing(&case, "map.dat", &gif(65_535, 65_535, b""));
    let (code, stderr, mb) = build(&case, &["--templates", "tpl"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("could not be built"), "{stderr}");
    assert!(!stderr.contains("this file"), "{stderr}");
    assert!(mb < 300.0, "{mb} MB");
}

/// A real PNG of `w` × `h` black pixels (RGB), stored without compression.
fn real_png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let raw: Vec<u8> = (0..h)
        .flat_map(|_| std::iter::once(0).chain(std::iter::repeat_n(0, 3 * w as usize)))
        .collect();
    // zlib: one stored block, then the Adler-32 of the data.
    let mut z = vec![0x78, 0x01, 1];
    z.extend((raw.len() as u16).to_le_bytes());
    z.extend((!(raw.len() as u16)).to_le_bytes());
    z.extend(&raw);
    let (a, b) = raw.iter().fold((1u32, 0u32), |(a, b), x| {
        let a = (a + u32::from(*x)) % 65_521;
        (a, (b + a) % 65_521)
    });
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let ihdr = [&w.to_be_bytes()[..], &h.to_be_bytes(), &[8, 2, 0, 0, 0]].concat();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", b"");
    out
}

#[test]
fn images_within_the_budget_are_shown() {
    require!("/usr/bin/time");
    // A real 4 × 3 PNG in the folder, and the same PNG inside an SVG logo:
    // built as before.
    let case = Case::new();
    let png = real_png(4, 3);
    folder_showing(&case, "map.png", &png);
    fs::write(case.path("logo.svg"), svg_holding(&png, "image/png")).unwrap();
    case.write("clinic.json", r#"{"name": "C", "logo": "logo.svg"}"#);
    case.write("ann.json", &minimal("Ann Lee"));
    case.build(
        "ann.json",
        "out",
        &["--templates", "tpl", "--clinic", "clinic.json"],
    )
    .assert_code(0);
    assert!(case.path("out/Ann-Lee.zip").exists());
}

#[test]
fn template_names_windows_cannot_hold_or_differing_only_in_case_are_refused() {
    require!("/usr/bin/time");
    for (names, blamed, says) in [
        (
            &["en/CHECKLIST.typ", "en/checklist.typ"][..],
            "en/CHECKLIST.typ",
            "differs only in case from the built-in en/checklist.typ",
        ),
        (
            &["en/Parking.typ", "en/parking.typ"],
            "en/parking.typ",
            "differs only in case from tpl/en/Parking.typ",
        ),
        (
            &["en/CON.typ"],
            "en/CON.typ",
            "Windows reserves the name CON",
        ),
        (
            &["en/nul.typ"],
            "en/nul.typ",
            "Windows reserves the name nul",
        ),
        (
            &["en/com1.typ"],
            "en/com1.typ",
            "Windows reserves the name com1",
        ),
        (
            &["en/lpt1.png"],
            "en/lpt1.png",
            "Windows reserves the name lpt1",
        ),
        (
            &["en/why?.typ"],
            "en/why?.typ",
            "does not allow in file names",
        ),
        (
            &["en./extra.typ"],
            "en./extra.typ",
            "ends with a dot or a space",
        ),
        (&["en/Packet.typ"], "en/Packet.typ", "named like packet.pdf"),
    ] {
        let case = Case::new();
        for name in names {
            let path = case.path(&format!("tpl/{name}"));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "// x\n").unwrap();
        }
        case.write("ann.json", &minimal("Ann Lee"));
        let run = case.build("ann.json", "out", &["--templates", "tpl"]);
        run.assert_code(2);
        run.assert_stderr_has(&format!("tpl/{blamed}: "))
            .assert_stderr_has(says)
            .assert_stderr_has("hint: ");
        assert!(!case.path("out/Ann-Lee.zip").exists());
    }
}
