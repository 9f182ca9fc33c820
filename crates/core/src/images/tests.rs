//! The header readers on real images (made here by the `image` crate's own
//! encoders), on bombs (headers that claim more than the file holds), and
//! on every cut and some garbage: never a panic, never a bomb let through.

use std::io::Cursor;

use super::*;

/// A real image of `w` × `h` in `format`, encoded by the `image` crate.
fn encoded(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(image::RgbaImage::new(w, h))
        .to_rgb8()
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A PNG's header (signature and IHDR) claiming `w` × `h`, then an empty
/// IDAT and IEND (CRCs are not checked by the readers).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(b"IHDR");
    out.extend(w.to_be_bytes());
    out.extend(h.to_be_bytes());
    out.extend([8, 2, 0, 0, 0]);
    out.extend([0; 4]);
    out.extend(0u32.to_be_bytes());
    out.extend(b"IEND");
    out.extend([0xAE, 0x42, 0x60, 0x82]);
    out
}

/// A baseline JPEG's markers with one frame header per `(w, h)`, about 200
/// bytes: JFIF, a quantisation table, two Huffman tables, the frames, a
/// scan and the end.
fn jpeg_header(frames: &[(u16, u16)]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend([0xFF, 0xE0, 0, 16]);
    out.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    out.extend([0xFF, 0xDB, 0, 67, 0]);
    out.extend([1; 64]);
    for class in [0x00, 0x10] {
        out.extend([0xFF, 0xC4, 0, 20, class, 1]);
        out.extend([0; 15]);
        out.push(0);
    }
    for (w, h) in frames {
        out.extend([0xFF, 0xC0, 0, 11, 8]);
        out.extend(h.to_be_bytes());
        out.extend(w.to_be_bytes());
        out.extend([1, 1, 0x11, 0]);
    }
    out.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    out.extend([0; 32]);
    out.extend([0xFF, 0xD9]);
    out
}

/// A GIF with a logical screen and frames of the given sizes: a two-colour
/// global table, a graphic control extension, and one LZW code per frame.
fn gif(screen: (u16, u16), frames: &[(u16, u16)]) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend(screen.0.to_le_bytes());
    out.extend(screen.1.to_le_bytes());
    out.extend([0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
    for (w, h) in frames {
        out.extend([0x21, 0xF9, 4, 0, 0, 0, 0, 0]);
        out.push(0x2C);
        out.extend([0, 0, 0, 0]);
        out.extend(w.to_le_bytes());
        out.extend(h.to_le_bytes());
        out.push(0);
        out.extend([2, 2, 0x4C, 0x01, 0]);
    }
    out.push(0x3B);
    out
}

/// A RIFF WebP holding `chunks` (fourcc, body).
fn webp(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, data) in chunks {
        body.extend(*fourcc);
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn vp8l(w: u32, h: u32) -> Vec<u8> {
    let mut out = vec![0x2f];
    out.extend(((w - 1) | ((h - 1) << 14)).to_le_bytes());
    out.extend([0; 8]);
    out
}

fn vp8(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
    out.extend(w.to_le_bytes());
    out.extend(h.to_le_bytes());
    out.extend([0; 8]);
    out
}

fn vp8x(w: u32, h: u32) -> Vec<u8> {
    let mut out = vec![0x02, 0, 0, 0];
    out.extend(&(w - 1).to_le_bytes()[..3]);
    out.extend(&(h - 1).to_le_bytes()[..3]);
    out
}

fn anmf(w: u32, h: u32, inner: &[u8]) -> Vec<u8> {
    let mut out = vec![0; 6];
    out.extend(&(w - 1).to_le_bytes()[..3]);
    out.extend(&(h - 1).to_le_bytes()[..3]);
    out.extend([0; 4]);
    out.extend(inner);
    out
}

fn svg_with(inner: &[u8], mime: &str) -> Vec<u8> {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(inner);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image width="100" height="100" href="data:{mime};base64,{data}"/></svg>"#
    )
    .into_bytes()
}

fn too_large(result: Result<Checked, Refusal>) -> (Format, u64, u64, bool) {
    match result {
        Err(Refusal::TooLarge {
            format,
            width,
            height,
            inside_svg,
            ..
        }) => (format, width, height, inside_svg),
        other => panic!("not refused as too large: {other:?}"),
    }
}

/// Every cut of `bytes` is read without a panic, and none passes with more
/// pixels than the whole file claims.
fn every_cut_is_safe(bytes: &[u8], claimed: u64) {
    for end in 0..bytes.len() {
        if let Ok(c) = check(&bytes[..end], u64::MAX) {
            assert!(c.pixels <= claimed, "cut at {end}: {c:?}");
        }
    }
}

#[test]
fn real_images_pass_with_the_size_their_decoder_reads() {
    for (format, ours) in [
        (image::ImageFormat::Png, Format::Png),
        (image::ImageFormat::Jpeg, Format::Jpeg),
        (image::ImageFormat::Gif, Format::Gif),
        (image::ImageFormat::WebP, Format::WebP),
    ] {
        let bytes = encoded(300, 200, format);
        let own = match ours {
            Format::Png => png_size(&bytes),
            Format::Jpeg => jpeg_size(&bytes),
            Format::Gif => gif_size(&bytes),
            _ => webp_size(&bytes),
        };
        assert_eq!(own, Some((300, 200)), "{format:?}");
        assert_eq!(decoder_size(ours, &bytes), Some((300, 200)), "{format:?}");
        assert_eq!(
            check(&bytes, 60_000),
            Ok(Checked {
                format: Some(ours),
                pixels: 60_000
            })
        );
        assert_eq!(
            too_large(check(&bytes, 59_999)),
            (ours, 300, 200, false),
            "{format:?}"
        );
        every_cut_is_safe(&bytes, 60_000);
    }
}

#[test]
fn png_bombs_are_read_from_ihdr() {
    let bomb = png_header(11_000, 11_000);
    assert_eq!(png_size(&bomb), Some((11_000, 11_000)));
    assert_eq!(
        too_large(check(&bomb, FOLDER_MAX_PIXELS)),
        (Format::Png, 11_000, 11_000, false)
    );
    every_cut_is_safe(&bomb, 121_000_000);
    // 16 bits per channel decode to twice the bytes: each pixel counts twice.
    let mut deep = png_header(3000, 3000);
    deep[24] = 16;
    assert!(matches!(
        check(&deep, 17_000_000),
        Err(Refusal::TooLarge {
            costly: Some(Costly::Deep),
            ..
        })
    ));
    assert_eq!(check(&deep, 18_000_000).unwrap().pixels, 18_000_000);
    let refusal = check(&deep, 17_000_000).unwrap_err();
    assert!(
        refusal
            .message("this file")
            .contains("at 16 bits per channel")
    );
    assert!(refusal.hint().contains("8 bits per channel"));
    // IHDR not first: no decoder reads it, and neither do we.
    let mut odd = bomb.clone();
    odd[12..16].copy_from_slice(b"tEXt");
    assert_eq!(png_size(&odd), None);
    assert!(matches!(
        check(&odd, FOLDER_MAX_PIXELS),
        Err(Refusal::Unreadable {
            format: Format::Png,
            ..
        })
    ));
}

#[test]
fn jpeg_bombs_are_read_from_every_frame_header() {
    let bomb = jpeg_header(&[(65_500, 65_500)]);
    assert!(bomb.len() < 700);
    assert_eq!(jpeg_size(&bomb), Some((65_500, 65_500)));
    assert_eq!(decoder_size(Format::Jpeg, &bomb), Some((65_500, 65_500)));
    assert_eq!(
        too_large(check(&bomb, LOGO_MAX_PIXELS)),
        (Format::Jpeg, 65_500, 65_500, false)
    );
    every_cut_is_safe(&bomb, 65_500 * 65_500);
    // Several frame headers (the decoder refuses a second one, but which
    // it meets first is its business): the largest counts.
    let two = jpeg_header(&[(10, 10), (60_000, 50_000)]);
    assert_eq!(jpeg_size(&two), Some((60_000, 50_000)));
    let two = jpeg_header(&[(60_000, 50_000), (10, 10)]);
    assert_eq!(jpeg_size(&two), Some((60_000, 50_000)));
    // Fill bytes before a marker are skipped, as the decoder skips them.
    let mut filled = jpeg_header(&[(40_000, 40_000)]);
    let sof = filled.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    filled.splice(sof..sof, [0xFF, 0xFF, 0xFF]);
    assert_eq!(jpeg_size(&filled), Some((40_000, 40_000)));
    // A frame header's bytes inside an APP segment are not a frame.
    let mut hidden = jpeg_header(&[(100, 100)]);
    let app = [
        0xFF, 0xE1, 0, 11, 0xFF, 0xC0, 0, 11, 8, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    hidden.splice(2..2, app);
    assert_eq!(jpeg_size(&hidden), Some((100, 100)));
    // A progressive frame keeps every coefficient while it decodes: its
    // pixels count twice.
    let mut progressive = jpeg_header(&[(3000, 3000)]);
    let sof = progressive
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .unwrap();
    progressive[sof + 1] = 0xC2;
    assert_eq!(jpeg_size(&progressive), Some((3000, 3000)));
    assert_eq!(check(&progressive, 18_000_000).unwrap().pixels, 18_000_000);
    let refusal = check(&progressive, 17_000_000).unwrap_err();
    assert!(matches!(
        refusal,
        Refusal::TooLarge {
            costly: Some(Costly::Progressive),
            ..
        }
    ));
    assert!(refusal.hint().contains("baseline"), "{}", refusal.hint());
    // A baseline frame counts once.
    assert_eq!(
        check(&jpeg_header(&[(300, 200)]), 60_000).unwrap().pixels,
        60_000
    );
    // No frame header before the scan: nothing to read.
    let no_frame = jpeg_header(&[]);
    assert_eq!(jpeg_size(&no_frame), None);
    assert!(matches!(
        check(&no_frame, FOLDER_MAX_PIXELS),
        Err(Refusal::Unreadable {
            format: Format::Jpeg,
            ..
        })
    ));
}

#[test]
fn gif_bombs_are_read_from_the_screen_and_every_frame() {
    // The issue's case: a tiny file whose logical screen is 65,535 square.
    let screen = gif((65_535, 65_535), &[(1, 1)]);
    assert!(screen.len() < 64, "{}", screen.len());
    assert_eq!(gif_size(&screen), Some((65_535, 65_535)));
    assert_eq!(decoder_size(Format::Gif, &screen), Some((65_535, 65_535)));
    assert_eq!(
        too_large(check(&screen, FOLDER_MAX_PIXELS)),
        (Format::Gif, 65_535, 65_535, false)
    );
    // Its 1 × 1 frame is drawn apart from the screen: one pixel more.
    every_cut_is_safe(&screen, 65_535 * 65_535 + 1);
    // A frame larger than its screen, and a large frame after a small one:
    // the decoder's own header reader sees only the screen.
    for frames in [&[(11_000, 11_000)][..], &[(1, 1), (1, 1), (9_000, 9_000)]] {
        let bytes = gif((1, 1), frames);
        assert_eq!(decoder_size(Format::Gif, &bytes), Some((1, 1)));
        let largest = frames.iter().max_by_key(|(w, h)| *w as u64 * *h as u64);
        let (w, h) = *largest.unwrap();
        assert_eq!(gif_size(&bytes), Some((w.into(), h.into())));
        assert!(check(&bytes, FOLDER_MAX_PIXELS).is_err());
        every_cut_is_safe(&bytes, 1 + u64::from(w) * u64::from(h));
    }
    // A first frame that does not fill the screen's width is decoded into
    // a buffer of its own: its pixels count on top of the screen's.
    let apart = gif((3000, 3000), &[(2999, 3000)]);
    assert_eq!(gif_size(&apart), Some((3000, 3000)));
    assert_eq!(
        check(&apart, 20_000_000).unwrap().pixels,
        3000 * 3000 + 2999 * 3000
    );
    assert!(matches!(
        check(&apart, 17_000_000),
        Err(Refusal::TooLarge {
            costly: Some(Costly::GifFrame),
            ..
        })
    ));
    let filling = gif((3000, 3000), &[(3000, 1000)]);
    assert_eq!(check(&filling, 9_000_000).unwrap().pixels, 9_000_000);
    // A frame with a local colour table and a comment between frames.
    let mut local = gif((10, 10), &[(5, 5)]);
    let trailer = local.pop().unwrap();
    local.extend([0x21, 0xFE, 3, b'a', b'b', b'c', 0]);
    local.extend([
        0x2C, 0, 0, 0, 0, 0x30, 0x75, 0x30, 0x75, 0x80, 0, 0, 0, 1, 1, 1,
    ]);
    local.extend([2, 2, 0x4C, 0x01, 0, trailer]);
    assert_eq!(gif_size(&local), Some((30_000, 30_000)));
    // Cut in the screen descriptor: unreadable by anyone.
    assert!(matches!(
        check(b"GIF89a\x10\x00", FOLDER_MAX_PIXELS),
        Err(Refusal::Unreadable {
            format: Format::Gif,
            ..
        })
    ));
}

#[test]
fn webp_bombs_are_read_from_every_chunk() {
    let lossless = webp(&[(b"VP8L", vp8l(16_383, 16_383))]);
    assert_eq!(webp_size(&lossless), Some((16_383, 16_383)));
    assert!(check(&lossless, FOLDER_MAX_PIXELS).is_err());
    every_cut_is_safe(&lossless, 16_384 * 16_384);
    let lossy = webp(&[(b"VP8 ", vp8(16_000, 12_000))]);
    assert_eq!(webp_size(&lossy), Some((16_000, 12_000)));
    assert_eq!(decoder_size(Format::WebP, &lossy), Some((16_000, 12_000)));
    assert!(check(&lossy, FOLDER_MAX_PIXELS).is_err());
    // Extended: a small canvas hiding a large bitstream, and animation
    // frames larger than the canvas.
    let hidden = webp(&[(b"VP8X", vp8x(16, 16)), (b"VP8L", vp8l(9_000, 9_000))]);
    assert_eq!(webp_size(&hidden), Some((9_000, 9_000)));
    let canvas = webp(&[(b"VP8X", vp8x(1 << 24, 1 << 24))]);
    assert_eq!(webp_size(&canvas), Some((1 << 24, 1 << 24)));
    assert!(check(&canvas, FOLDER_MAX_PIXELS).is_err());
    let frames = webp(&[
        (b"VP8X", vp8x(16, 16)),
        (b"ANIM", vec![0; 6]),
        (b"ANMF", anmf(8, 8, &[])),
        (b"ANMF", anmf(5_000, 5_000, &[])),
    ]);
    assert_eq!(webp_size(&frames), Some((5_000, 5_000)));
    let mut inner = b"VP8L".to_vec();
    let body = vp8l(12_000, 12_000);
    inner.extend((body.len() as u32).to_le_bytes());
    inner.extend(body);
    let nested = webp(&[(b"VP8X", vp8x(16, 16)), (b"ANMF", anmf(16, 16, &inner))]);
    assert_eq!(webp_size(&nested), Some((12_000, 12_000)));
    for bytes in [hidden, frames, nested] {
        every_cut_is_safe(&bytes, 1 << 48);
    }
    // RIFF without a size anywhere.
    assert!(check(&webp(&[(b"JUNK", vec![1; 9])]), FOLDER_MAX_PIXELS).is_err());
}

#[test]
fn garbage_after_a_signature_is_unreadable_never_a_panic() {
    for start in [
        &b"\x89PNG\r\n\x1a\n"[..],
        &[0xFF, 0xD8],
        b"GIF89a",
        b"RIFF\0\0\0\0WEBP",
    ] {
        let format = raster_format(start).unwrap();
        let mut bytes = start.to_vec();
        // A fixed pseudo-random tail, no marker the readers look for.
        let mut x = 0x2545_F491_u32;
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push((x >> 24) as u8);
        }
        for end in [start.len(), start.len() + 3, start.len() + 40, bytes.len()] {
            // Whatever is read, it is checked against the budget.
            if let Ok(c) = check(&bytes[..end], 1000) {
                assert!(c.pixels <= 1000, "{format:?}");
            }
        }
    }
}

#[test]
fn svgs_are_checked_for_their_size_and_every_image_inside() {
    let plain = br#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="10" height="10"/></svg>"#;
    assert_eq!(
        check(plain, LOGO_MAX_PIXELS),
        Ok(Checked {
            format: Some(Format::Svg),
            pixels: 0
        })
    );
    // Own size from width and height, or from the viewBox alone.
    let huge = br#"<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>"#;
    assert_eq!(
        too_large(check(huge, FOLDER_MAX_PIXELS)),
        (Format::Svg, 100_000, 100_000, false)
    );
    let view_box = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 50000 40000"><rect width="1" height="1"/></svg>"#;
    assert_eq!(
        too_large(check(view_box, FOLDER_MAX_PIXELS)),
        (Format::Svg, 50_000, 40_000, false)
    );
    // A raster bomb inside, as a data: URI, by its content whatever the
    // MIME type says.
    let bomb = gif((65_535, 65_535), &[(1, 1)]);
    for mime in ["image/gif", "image/png", "text/plain"] {
        assert_eq!(
            too_large(check(&svg_with(&bomb, mime), FOLDER_MAX_PIXELS)),
            (Format::Gif, 65_535, 65_535, true),
            "{mime}"
        );
    }
    let jpeg = svg_with(&jpeg_header(&[(65_500, 65_500)]), "image/jpeg");
    assert_eq!(
        too_large(check(&jpeg, LOGO_MAX_PIXELS)),
        (Format::Jpeg, 65_500, 65_500, true)
    );
    // A small image inside counts its pixels.
    let small = svg_with(&encoded(40, 30, image::ImageFormat::Png), "image/png");
    assert_eq!(check(&small, LOGO_MAX_PIXELS).unwrap().pixels, 1200);
    // Inside an SVG inside the SVG, and an SVG inside that is compressed.
    let nested = svg_with(&svg_with(&bomb, "image/gif"), "image/svg+xml");
    assert_eq!(
        too_large(check(&nested, FOLDER_MAX_PIXELS)),
        (Format::Gif, 65_535, 65_535, true)
    );
    let gzip = svg_with(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0], "image/svg+xml");
    assert_eq!(check(&gzip, FOLDER_MAX_PIXELS), Err(Refusal::Compressed));
    // The URI's letters as XML character references: usvg decodes them,
    // and so does the check (it parses with usvg).
    let escaped = String::from_utf8(svg_with(&bomb, "image/gif"))
        .unwrap()
        .replace("href=\"data:", "href=\"&#100;ata:");
    assert!(check(escaped.as_bytes(), FOLDER_MAX_PIXELS).is_err());
    // Many small images add up.
    let tile = encoded(100, 100, image::ImageFormat::Png);
    let one = String::from_utf8(svg_with(&tile, "image/png")).unwrap();
    let image = &one[one.find("<image").unwrap()..one.find("</svg>").unwrap()];
    let many = one.replace(image, &image.repeat(5));
    assert!(matches!(
        check(many.as_bytes(), 40_000),
        Err(Refusal::TotalTooLarge {
            total: 50_000,
            inside_svg: true,
            ..
        })
    ));
    // Filters are drawn as pictures: refused.
    let filter = br#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><filter id="b"><feGaussianBlur stdDeviation="3"/></filter><rect width="80" height="80" filter="url(#b)"/></svg>"#;
    assert_eq!(check(filter, FOLDER_MAX_PIXELS), Err(Refusal::Filter));
    every_cut_is_safe(&jpeg, 0);
}

#[test]
fn compressed_pdf_and_plain_text_files() {
    assert_eq!(
        check(&[0x1f, 0x8b, 8, 0], FOLDER_MAX_PIXELS),
        Err(Refusal::Compressed)
    );
    assert_eq!(
        check(b"%PDF-1.7\n1 0 obj\n<<>>", FOLDER_MAX_PIXELS),
        Err(Refusal::Pdf)
    );
    // A PDF with its header cut off is still opened by Typst's PDF reader.
    assert_eq!(
        check(b"junk\n1 0 obj<< /Type /Catalog >>", FOLDER_MAX_PIXELS),
        Err(Refusal::Pdf)
    );
    let template =
        "#import \"/lib.typ\": *\n// Step 1 0 objects, page 2 of 3\n#let body(d) = [Hi]\n";
    assert_eq!(
        check(template.as_bytes(), FOLDER_MAX_PIXELS),
        Ok(Checked {
            format: None,
            pixels: 0
        })
    );
    assert_eq!(
        check(b"", FOLDER_MAX_PIXELS).unwrap().format,
        None,
        "an empty file is no image"
    );
}

#[test]
fn messages_name_sizes_and_fixes_never_content() {
    let bomb = jpeg_header(&[(65_500, 65_500)]);
    let refusal = check(&bomb, LOGO_MAX_PIXELS).unwrap_err();
    let message = refusal.message("the clinic logo");
    assert!(
        message.contains("JPEG image of 65500 × 65500 pixels"),
        "{message}"
    );
    assert!(
        message.contains("2.1 million pixels (2048 × 1024)"),
        "{message}"
    );
    assert!(refusal.hint().contains("at most 2048 × 1024 pixels"));
    let refusal = check(&bomb, FOLDER_MAX_PIXELS).unwrap_err();
    assert!(refusal.hint().contains("at most 4096 × 4096 pixels"));
    for refusal in [
        Refusal::Compressed,
        Refusal::Pdf,
        Refusal::Filter,
        Refusal::TooDeep,
        Refusal::Unreadable {
            format: Format::Gif,
            inside_svg: true,
        },
        Refusal::TotalTooLarge {
            total: 20_000_000,
            max: FOLDER_MAX_PIXELS,
            inside_svg: false,
        },
    ] {
        assert!(refusal.message("this image").contains("this image"));
        assert!(!refusal.hint().is_empty());
    }
}
