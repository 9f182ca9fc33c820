//! Image files, checked by their headers before anything decodes them
//! (issue 25).
//!
//! Typst decodes a raster image into a buffer of width × height pixels
//! before it reads the pixel data, and the `image` crate's default limit
//! does not cover that buffer: a 631-byte JPEG whose frame header claims
//! 65,500 × 65,500 pixels asks for 13 to 17 GB at once, and the process
//! aborts (`memory allocation … failed`, exit 134) or is killed. An SVG can
//! carry such an image inside it as a `data:` URI, and a PDF used as an
//! image inflates its page contents without a limit.
//!
//! So every file the sealed Typst world serves (the clinic logo and every
//! file of a templates folder, `.typ` files included, since a template can
//! `read` any of them as bytes and pass them to `image`) goes through
//! [`check`] when it is loaded, before any packet is built. The format is
//! told by content, never by the file's name (a GIF renamed `.png` is still
//! read as the GIF it is), the pixel size comes from the header, and a file
//! over its budget is refused, naming the file and never quoting it.
//!
//! # The budget
//!
//! Measured with the release build on a 2-core machine, two workers
//! (`bench/hostile.md`, "Images"): a run of 20 packets without images peaks
//! at about 160 MB. Typst keeps a decoded image whole (3 bytes a pixel for
//! RGB, 4 with transparency, twice that at 16 bits per channel), the PDF
//! writer converts it to 8-bit colour plus alpha and holds the stream, and
//! two workers that meet an image at the same moment each decode it: about
//! 12 to 15 bytes a pixel in all. The sample packet's check stops any run
//! past 400 MB (`src/check.rs`), and a run must stay under 500 MB.
//!
//! So a run may hold about 19 million pixels of images, split so that each
//! side is checked where it is loaded:
//!
//! - the clinic logo: [`LOGO_MAX_PIXELS`] (2048 × 1024, 2.1 million), far
//!   more than a logo printed 2 cm high needs (about 450 pixels high at
//!   600 dpi);
//! - a templates folder: [`FOLDER_MAX_PIXELS`] (4096 × 4096, 16.8 million)
//!   for each image and for all of its images together, enough for a full
//!   page scanned at 400 dpi (letter 3,400 × 4,400, A4 3,307 × 4,677) or a
//!   legal page at 300 dpi.
//!
//! Both budgets full of RGBA PNGs, shown in every packet but the sample one
//! (so the two workers decode them at once), 40 and 100 packets: 332–392 MB
//! in 14 runs; shown in the sample packet too, 278 MB. With a logo of
//! 2048 × 2048 the same runs reached 412–472 MB, with 16-bit PNGs 468–493
//! MB, and with a 4096 × 4096 progressive JPEG (4:4:4) 414–461 MB: hence
//! the logo's budget, and the images whose pixels count twice ([`Costly`]:
//! 16-bit PNGs, progressive JPEGs, and a GIF's first frame when it is
//! decoded apart from its screen). Counted so, the costliest images within
//! the budget peaked at 305–335 MB (a progressive JPEG of 2896 × 2896).
//!
//! An SVG stays vector in the PDF, so its own width and height cost nothing;
//! it counts the pixels of the raster images inside it. A width and height
//! over 4096 × 4096 px (about a metre square) are still refused, as a
//! mistake in the file's units. SVG filters (blur, shadow) are refused: the
//! PDF writer draws each filtered part as a picture of up to 5,000 × 5,000
//! pixels in every packet (measured: +140 MB and 0.8 s a packet for one
//! blurred square). Compressed SVG (`.svgz`, gzip) is refused, since it
//! inflates without a limit, and so is anything that is a PDF.

use std::path::Path;
use std::sync::Mutex;

use crate::error::{Code, Error, Params};

/// Most pixels the clinic logo may hold (2048 × 1024, 2.1 million): see the
/// module's documentation for why.
pub const LOGO_MAX_PIXELS: u64 = 2048 * 1024;

/// Most pixels one image of a templates folder may hold, and all the
/// folder's images together (4096 × 4096): see the module's documentation.
pub const FOLDER_MAX_PIXELS: u64 = 4096 * 4096;

/// Largest width × height of an SVG itself, in CSS pixels (4096 × 4096, a
/// little over a metre square): an SVG stays vector, so this is not memory
/// but a bound on a mistake in its units.
pub const SVG_MAX_PIXELS: u64 = 4096 * 4096;

/// How deep SVGs inside SVGs (as `data:` URIs) may go.
const MAX_SVG_DEPTH: usize = 8;

/// An image format Typst can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG (and APNG, whose frames lie within its first header).
    Png,
    /// JPEG.
    Jpeg,
    /// GIF, every frame.
    Gif,
    /// WebP, lossy, lossless or extended.
    WebP,
    /// SVG.
    Svg,
}

impl Format {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::WebP => "WebP",
            Format::Svg => "SVG",
        }
    }
}

/// What [`check`] found in a file it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The image format, or `None` for a file that is no image (a template).
    pub format: Option<Format>,
    /// The pixels decoding it costs: width × height of a raster image (its
    /// largest frame; more for a [`Costly`] one), or the sum of the raster
    /// images inside an SVG.
    pub pixels: u64,
}

/// Why an image's pixels count more than once: it costs more to decode
/// than an 8-bit image drawn straight into its buffer (measured in
/// `bench/hostile.md`, "Images").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Costly {
    /// A PNG of 16 bits per channel decodes to twice the bytes: each pixel
    /// counts twice.
    Deep,
    /// A progressive JPEG keeps every coefficient of the image (two bytes a
    /// pixel per colour) while it decodes: each pixel counts twice.
    Progressive,
    /// A GIF whose first frame does not fill its screen's width from the
    /// left is decoded into a buffer of its own, then copied: the frame's
    /// pixels count on top of the screen's.
    GifFrame,
}

/// Why [`check`] refused a file. Messages name sizes and formats, never the
/// file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A raster image (or an SVG's own size) over the budget.
    TooLarge {
        /// The image's format.
        format: Format,
        /// Width as its header claims it.
        width: u64,
        /// Height as its header claims it.
        height: u64,
        /// Why its pixels count more than once, if they do.
        costly: Option<Costly>,
        /// Whether it is an image inside an SVG.
        inside_svg: bool,
        /// The budget it is over.
        max: u64,
    },
    /// A file that starts like an image but whose header cannot be read
    /// (cut short or damaged).
    Unreadable {
        /// The format its first bytes claim.
        format: Format,
        /// Whether it is an image inside an SVG.
        inside_svg: bool,
    },
    /// gzip data: a compressed SVG (`.svgz`) inflates without a limit.
    Compressed,
    /// A PDF, which Typst can place as an image, inflating its page
    /// contents without a limit.
    Pdf,
    /// An SVG with a filter, drawn as a large picture in every packet.
    Filter,
    /// SVGs inside SVGs, nested deeper than this program reads.
    TooDeep,
    /// Images that together are over their budget: the images of a
    /// folder, or the images inside one SVG.
    TotalTooLarge {
        /// Pixels with this file included.
        total: u64,
        /// The budget.
        max: u64,
        /// Whether these are the images inside one SVG.
        inside_svg: bool,
    },
}

impl Refusal {
    /// What is wrong, with `subject` naming the file's role ("the clinic
    /// logo", "this image").
    pub fn message(&self, subject: &str) -> String {
        match self {
            Refusal::TooLarge {
                format: Format::Svg,
                width,
                height,
                inside_svg: false,
                ..
            } => format!(
                "{subject} is an SVG of {width} × {height} pixels (its width and height, or its viewBox), more than {}",
                limit(SVG_MAX_PIXELS)
            ),
            Refusal::TooLarge {
                format,
                width,
                height,
                costly,
                inside_svg,
                max,
            } => {
                let what = if *inside_svg {
                    format!("{subject} holds a {} image of", format.name())
                } else {
                    format!("{subject} is a {} image of", format.name())
                };
                let costly = match costly {
                    None => "",
                    Some(Costly::Deep) => " at 16 bits per channel (each pixel counts twice)",
                    Some(Costly::Progressive) => " saved as progressive (each pixel counts twice)",
                    Some(Costly::GifFrame) => {
                        " whose first frame is placed apart from its screen (the frame's pixels count again)"
                    }
                };
                format!(
                    "{what} {width} × {height} pixels{costly}, more than {}",
                    limit(*max)
                )
            }
            Refusal::Unreadable { format, inside_svg } => {
                let what = if *inside_svg {
                    format!(
                        "{subject} holds an image that starts like a {}",
                        format.name()
                    )
                } else {
                    format!("{subject} starts like a {} image", format.name())
                };
                format!("{what}, but its size cannot be read: the file is cut short or damaged")
            }
            Refusal::Compressed => {
                format!("{subject} is compressed (gzip, as an .svgz file is), which is not read")
            }
            Refusal::Pdf => {
                format!("{subject} holds a PDF document, which is not used as an image")
            }
            Refusal::Filter => format!(
                "{subject} is an SVG with a filter (a blur or a shadow), which the PDF writer draws as a picture of up to 5000 × 5000 pixels in every packet"
            ),
            Refusal::TooDeep => format!(
                "{subject} is an SVG holding SVGs inside SVGs more than {MAX_SVG_DEPTH} deep"
            ),
            Refusal::TotalTooLarge {
                total,
                max,
                inside_svg: true,
            } => format!(
                "{subject} holds images of {} pixels together, more than {}",
                millions(*total),
                limit(*max)
            ),
            Refusal::TotalTooLarge { total, max, .. } => format!(
                "with {subject} the folder's images hold {} pixels together, more than {} for all of them",
                millions(*total),
                limit(*max)
            ),
        }
    }

    /// The refusal as parameters of [`Code::ImageRefused`], for a page to
    /// word: `reason`, and the format, sizes and budget where there are
    /// some (sizes as the file's header claims them: never its content).
    pub fn params(&self) -> Params {
        // Pixel counts fit a 32-bit page's numbers except for hostile
        // claims, which are only ever "more than allowed".
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let params = Params::default();
        match self {
            Refusal::TooLarge {
                format,
                width,
                height,
                costly,
                inside_svg,
                max,
            } => {
                let params = params
                    .with("reason", "too_large")
                    .with("format", format.name())
                    .with("width", n(*width))
                    .with("height", n(*height))
                    .with("max", n(*max))
                    .with("inside_svg", usize::from(*inside_svg));
                match costly {
                    None => params,
                    Some(Costly::Deep) => params.with("costly", "deep"),
                    Some(Costly::Progressive) => params.with("costly", "progressive"),
                    Some(Costly::GifFrame) => params.with("costly", "gif_frame"),
                }
            }
            Refusal::Unreadable { format, inside_svg } => params
                .with("reason", "unreadable")
                .with("format", format.name())
                .with("inside_svg", usize::from(*inside_svg)),
            Refusal::Compressed => params.with("reason", "compressed"),
            Refusal::Pdf => params.with("reason", "pdf"),
            Refusal::Filter => params.with("reason", "filter"),
            Refusal::TooDeep => params.with("reason", "too_deep"),
            Refusal::TotalTooLarge {
                total,
                max,
                inside_svg,
            } => params
                .with("reason", "total_too_large")
                .with("total", n(*total))
                .with("max", n(*max))
                .with("inside_svg", usize::from(*inside_svg)),
        }
    }

    /// The refusal as an [`Error::Input`] about `file`, with `subject`
    /// naming the file's role in the command line's words ("the clinic
    /// logo") and `role` in the page's code word (`logo`,
    /// `template_file`).
    pub fn error(&self, file: &Path, subject: &str, role: &'static str) -> Error {
        let mut error = Error::input(Code::ImageRefused, file, self.message(subject), self.hint())
            .with("subject", role);
        for (name, param) in self.params().iter() {
            error = error.with(name, param.clone());
        }
        error
    }

    /// How to fix it.
    pub fn hint(&self) -> String {
        match self {
            Refusal::TooLarge {
                format: Format::Svg,
                inside_svg: false,
                ..
            } => {
                let s = shape(SVG_MAX_PIXELS);
                format!(
                    "check the SVG's units, and save it with a width and height of at most {s} pixels"
                )
            }
            Refusal::TooLarge {
                inside_svg: true,
                max,
                ..
            } => {
                let s = shape(*max);
                format!(
                    "save the picture inside the SVG at most {s} pixels, or use a smaller picture"
                )
            }
            Refusal::TooLarge { max, costly, .. } => {
                let s = shape(*max);
                if *costly == Some(Costly::Deep) {
                    format!("save it at 8 bits per channel and at most {s} pixels")
                } else if *costly == Some(Costly::Progressive) {
                    format!(
                        "save it as a standard (baseline, not progressive) JPEG of at most {s} pixels"
                    )
                } else if *costly == Some(Costly::GifFrame) {
                    format!("save it again as PNG, or as a GIF of one frame, at most {s} pixels")
                } else if *max >= FOLDER_MAX_PIXELS {
                    format!(
                        "save it at most {s} pixels (a page scanned at 400 dpi is 3400 × 4400 and fits)"
                    )
                } else {
                    format!(
                        "save it at most {s} pixels (or as many in another shape); a logo printed 2 cm high needs far fewer"
                    )
                }
            }
            Refusal::Unreadable { .. } => {
                "open it in an image program and save it again as PNG or JPEG".into()
            }
            Refusal::Compressed => "save it as a plain (uncompressed) SVG, or as PNG".into(),
            Refusal::Pdf => "export the page as a PNG or SVG image and use that file".into(),
            Refusal::Filter => {
                "remove the filter in the drawing program, or save the image as PNG".into()
            }
            Refusal::TooDeep => "save the image again as a plain SVG or as PNG".into(),
            Refusal::TotalTooLarge {
                max,
                inside_svg: true,
                ..
            } => {
                let s = shape(*max);
                format!(
                    "make the pictures inside the SVG smaller (together at most the pixels of one {s} image)"
                )
            }
            Refusal::TotalTooLarge { max, .. } => {
                let s = shape(*max);
                format!(
                    "make the images smaller (all of them together at most the pixels of one {s} image), or keep only the images the templates show in the folder"
                )
            }
        }
    }
}

/// "the 16.8 million pixels (4096 × 4096) allowed".
fn limit(max: u64) -> String {
    format!("the {} pixels ({}) allowed", millions(max), shape(max))
}

/// A budget as an image's shape: "4096 × 4096", or "2048 × 1024" for one
/// twice as wide as it is high.
fn shape(max: u64) -> String {
    let side = (max as f64).sqrt() as u64;
    if side * side == max {
        format!("{side} × {side}")
    } else {
        let high = ((max / 2) as f64).sqrt() as u64;
        format!("{} × {high}", max / high)
    }
}

/// A pixel count in millions, one decimal.
fn millions(pixels: u64) -> String {
    format!("{:.1} million", pixels as f64 / 1e6)
}

/// Checks a file Typst may be asked to decode as an image, by its content
/// alone: a raster image must hold at most `max_pixels` (every frame), an
/// SVG at most [`SVG_MAX_PIXELS`] itself and `max_pixels` for the raster
/// images inside it. Nothing is decoded: only headers are read (and an SVG
/// parsed, as Typst parses it). Files that are no image pass with
/// `format: None`.
pub fn check(bytes: &[u8], max_pixels: u64) -> Result<Checked, Refusal> {
    check_at(bytes, max_pixels, 0)
}

fn check_at(bytes: &[u8], max_pixels: u64, depth: usize) -> Result<Checked, Refusal> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Refusal::Compressed);
    }
    if looks_like_pdf(bytes) {
        return Err(Refusal::Pdf);
    }
    if let Some(format) = raster_format(bytes) {
        let (width, height) = raster_size(format, bytes).ok_or(Refusal::Unreadable {
            format,
            inside_svg: depth > 0,
        })?;
        let area = width.saturating_mul(height);
        let (pixels, costly) = match format {
            Format::Png if bytes.get(24) == Some(&16) => {
                (area.saturating_mul(2), Some(Costly::Deep))
            }
            Format::Jpeg if jpeg_frames(bytes).iter().any(|f| f.progressive) => {
                (area.saturating_mul(2), Some(Costly::Progressive))
            }
            Format::Gif => match gif_frames(bytes) {
                Some(gif) if gif.first_apart() => {
                    let (w, h) = gif.screen;
                    let (fw, fh) = gif.frames[0].size;
                    let both = (w * h).saturating_add(fw * fh);
                    (both.max(area), Some(Costly::GifFrame))
                }
                _ => (area, None),
            },
            _ => (area, None),
        };
        if pixels > max_pixels {
            return Err(Refusal::TooLarge {
                format,
                width,
                height,
                costly,
                inside_svg: depth > 0,
                max: max_pixels,
            });
        }
        return Ok(Checked {
            format: Some(format),
            pixels,
        });
    }
    svg(bytes, max_pixels, depth)
}

/// The raster format a file's first bytes claim, as loosely as any decoder
/// Typst uses accepts it (zune-jpeg wants only `FF D8`).
pub fn raster_format(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x89PNG") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"GIF8") {
        Some(Format::Gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(Format::WebP)
    } else {
        None
    }
}

/// Width and height of a raster image: the largest of what this module's
/// own header reader finds and what the decoder Typst uses reads from the
/// same header (so a quirk of either cannot hide a frame), or `None` when
/// neither can read it.
fn raster_size(format: Format, bytes: &[u8]) -> Option<(u64, u64)> {
    let own = match format {
        Format::Png => png_size(bytes),
        Format::Jpeg => jpeg_size(bytes),
        Format::Gif => gif_size(bytes),
        Format::WebP => webp_size(bytes),
        Format::Svg => None,
    };
    let decoder = decoder_size(format, bytes);
    match (own, decoder) {
        (Some(a), Some(b)) => Some(if a.0 * a.1 >= b.0 * b.1 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The size the `image` crate's decoder reads from the header, without
/// decoding any pixel (its `new` reads headers only).
fn decoder_size(format: Format, bytes: &[u8]) -> Option<(u64, u64)> {
    use image::ImageDecoder;
    use image::codecs::{gif::GifDecoder, jpeg::JpegDecoder, png::PngDecoder, webp::WebPDecoder};
    let cursor = std::io::Cursor::new(bytes);
    let (w, h) = match format {
        Format::Png => PngDecoder::new(cursor).ok()?.dimensions(),
        Format::Jpeg => JpegDecoder::new(cursor).ok()?.dimensions(),
        Format::Gif => GifDecoder::new(cursor).ok()?.dimensions(),
        Format::WebP => WebPDecoder::new(cursor).ok()?.dimensions(),
        Format::Svg => return None,
    };
    Some((u64::from(w), u64::from(h)))
}

/// Whether a file holds a PDF that Typst's PDF reader would open: the
/// `%PDF-` header anywhere, or an indirect object (`12 0 obj`, not followed
/// by a letter or digit as in "1 0 objects"), which is what its repair of a
/// headerless file looks for.
fn looks_like_pdf(bytes: &[u8]) -> bool {
    if bytes.windows(5).any(|w| w == b"%PDF-") {
        return true;
    }
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"obj") {
        let at = from + at;
        let word_goes_on = bytes.get(at + 3).is_some_and(|b| b.is_ascii_alphanumeric());
        if !word_goes_on && object_header_ends_at(&bytes[..at]) {
            return true;
        }
        from = at + 3;
    }
    false
}

/// Whether `before` ends with `<digits> <digits> ` (whitespace runs).
fn object_header_ends_at(before: &[u8]) -> bool {
    let mut i = before.len();
    for _ in 0..2 {
        let spaces = before[..i]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if spaces == 0 {
            return false;
        }
        i -= spaces;
        let digits = before[..i]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return false;
        }
        i -= digits;
    }
    true
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A cursor over a header; every read is `None` past the end.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8], at: usize) -> Self {
        Bytes { data, at }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.data.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn be16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn le16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn le24(&mut self) -> Option<u32> {
        self.take(3)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]))
    }
    fn le32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn be32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// A PNG's size, from `IHDR`, which must be the first chunk. APNG frames
/// must lie within it (the png crate refuses any that do not).
pub fn png_size(bytes: &[u8]) -> Option<(u64, u64)> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let mut r = Bytes::new(bytes, 8);
    let length = r.be32()?;
    if r.take(4)? != b"IHDR" || length < 8 {
        return None;
    }
    Some((u64::from(r.be32()?), u64::from(r.be32()?)))
}

/// A JPEG's size: the largest of its frame headers (every one before the
/// first scan, the markers walked as zune-jpeg walks them), or
/// `None` when no frame header comes before the scan or the end.
pub fn jpeg_size(bytes: &[u8]) -> Option<(u64, u64)> {
    jpeg_frames(bytes)
        .iter()
        .map(|f| f.size)
        .max_by_key(|(w, h)| w * h)
}

/// One start-of-frame segment of a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JpegFrame {
    /// Width and height.
    size: (u64, u64),
    /// Whether it is a progressive frame (SOF2, 6, 10, 14).
    progressive: bool,
}

/// Every start-of-frame segment of a JPEG before its first scan (a file may
/// claim several), the markers walked from the start the way zune-jpeg (the
/// decoder Typst uses) walks them: fill bytes skipped, every other marker
/// followed by a length. Empty when the file is no JPEG or is cut before
/// any.
fn jpeg_frames(bytes: &[u8]) -> Vec<JpegFrame> {
    let mut frames = Vec::new();
    let mut r = Bytes::new(bytes, 0);
    if r.be16() != Some(0xFFD8) {
        return frames;
    }
    let mut last = 0u8;
    while let Some(mut m) = r.u8() {
        if (m == 0xFF || m == 0) && last == 0xFF {
            while m == 0xFF || m == 0 {
                last = m;
                match r.u8() {
                    Some(next) => m = next,
                    None => return frames,
                }
            }
        }
        if last == 0xFF {
            match m {
                // Start of scan, end of image: the header is over.
                0xDA | 0xD9 => break,
                // Every start-of-frame kind, supported or not.
                0xC0..=0xCF if !matches!(m, 0xC4 | 0xC8 | 0xCC) => {
                    // Length, precision, height, width, read in order.
                    let (Some(length), Some(_), Some(height), Some(width)) =
                        (r.be16(), r.u8(), r.be16(), r.be16())
                    else {
                        break;
                    };
                    frames.push(JpegFrame {
                        size: (u64::from(width), u64::from(height)),
                        progressive: matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE),
                    });
                    // Length counts itself, precision, height and width.
                    let length = usize::from(length);
                    if length < 7 || r.take(length - 7).is_none() {
                        break;
                    }
                }
                _ => {
                    let Some(length) = r.be16().map(usize::from) else {
                        break;
                    };
                    if length < 2 || r.take(length - 2).is_none() {
                        break;
                    }
                }
            }
        }
        last = m;
    }
    frames
}

/// A GIF's size: the largest of its logical screen and every frame's image
/// descriptor (a frame may be larger than the screen, and the decoder then
/// allocates a buffer of the frame's size). `None` when the header or a
/// frame descriptor is cut short.
pub fn gif_size(bytes: &[u8]) -> Option<(u64, u64)> {
    let gif = gif_frames(bytes)?;
    let frames = gif.frames.iter().map(|f| f.size);
    std::iter::once(gif.screen)
        .chain(frames)
        .max_by_key(|(w, h)| w * h)
}

/// A GIF's logical screen and the frames after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gif {
    /// The logical screen's width and height.
    screen: (u64, u64),
    /// Every frame's image descriptor, in order.
    frames: Vec<GifFrame>,
}

/// A GIF frame's image descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GifFrame {
    /// Left and top on the screen.
    at: (u64, u64),
    /// Width and height.
    size: (u64, u64),
}

impl Gif {
    /// Whether the decoder draws the first frame into a buffer of its own
    /// (the `image` crate does unless the frame starts at the left edge,
    /// is as wide as the screen and ends within its height).
    fn first_apart(&self) -> bool {
        self.frames.first().is_some_and(|f| {
            f.at.0 != 0 || f.size.0 != self.screen.0 || f.at.1 + f.size.1 > self.screen.1
        })
    }
}

/// Reads a GIF's screen and frames. `None` when the header or a frame
/// descriptor is cut short; a file cut elsewhere is read as far as it goes
/// (no decoder reads further).
fn gif_frames(bytes: &[u8]) -> Option<Gif> {
    if !bytes.starts_with(b"GIF8") {
        return None;
    }
    let mut r = Bytes::new(bytes, 6);
    let screen = (u64::from(r.le16()?), u64::from(r.le16()?));
    let flags = r.u8()?;
    r.take(2)?;
    let mut gif = Gif {
        screen,
        frames: Vec::new(),
    };
    // The global colour table, 3 × 2^(n+1) bytes. A file cut in it has no
    // frame to decode.
    if flags & 0x80 != 0 && r.take(3 << ((flags & 7) + 1)).is_none() {
        return Some(gif);
    }
    // Sub-blocks (a length byte, then that many bytes) up to a zero length;
    // `None` when the file ends first.
    let skip_sub_blocks = |r: &mut Bytes<'_>| -> Option<()> {
        loop {
            let n = r.u8()?;
            if n == 0 {
                return Some(());
            }
            r.take(usize::from(n))?;
        }
    };
    loop {
        match r.u8() {
            // Extension: label, then sub-blocks.
            Some(0x21) => {
                if r.u8().is_none() || skip_sub_blocks(&mut r).is_none() {
                    break;
                }
            }
            // Image descriptor: left, top, width, height, flags.
            Some(0x2C) => {
                let at = (u64::from(r.le16()?), u64::from(r.le16()?));
                let size = (u64::from(r.le16()?), u64::from(r.le16()?));
                let flags = r.u8()?;
                gif.frames.push(GifFrame { at, size });
                if flags & 0x80 != 0 && r.take(3 << ((flags & 7) + 1)).is_none() {
                    break;
                }
                // LZW minimum code size, then the data's sub-blocks.
                if r.u8().is_none() || skip_sub_blocks(&mut r).is_none() {
                    break;
                }
            }
            // The trailer, the end of the file, or a byte no decoder reads
            // past (the gif crate stops with an error there).
            _ => break,
        }
    }
    Some(gif)
}

/// A WebP's size: the largest of the extended header's canvas, every
/// animation frame and every VP8 or VP8L bitstream header, in any chunk.
/// `None` when no size can be read.
pub fn webp_size(bytes: &[u8]) -> Option<(u64, u64)> {
    if !bytes.starts_with(b"RIFF") || bytes.get(8..12) != Some(b"WEBP") {
        return None;
    }
    let mut sizes = Vec::new();
    webp_chunks(&bytes[12..], &mut sizes, true);
    sizes.into_iter().max_by_key(|(w, h)| w * h)
}

/// Adds the sizes the chunks of `data` claim to `sizes`; an ANMF frame
/// holds chunks of its own (read when `frames`, at the top level).
fn webp_chunks(data: &[u8], sizes: &mut Vec<(u64, u64)>, frames: bool) {
    let mut r = Bytes::new(data, 0);
    while let (Some(fourcc), Some(length)) = (r.take(4), r.le32()) {
        let length = length as usize;
        // A chunk cut short is read as far as it goes.
        let body = &data[r.at..data.len().min(r.at.saturating_add(length))];
        let mut c = Bytes::new(body, 0);
        match fourcc {
            b"VP8 " => {
                // Frame tag (3 bytes), start code 9d 01 2a, 14-bit sizes.
                if let (Some(_), Some([0x9d, 0x01, 0x2a]), Some(w), Some(h)) =
                    (c.take(3), c.take(3), c.le16(), c.le16())
                {
                    sizes.push((u64::from(w & 0x3FFF), u64::from(h & 0x3FFF)));
                }
            }
            b"VP8L" => {
                if let (Some(0x2f), Some(bits)) = (c.u8(), c.le32()) {
                    sizes.push((
                        u64::from(bits & 0x3FFF) + 1,
                        u64::from((bits >> 14) & 0x3FFF) + 1,
                    ));
                }
            }
            b"VP8X" => {
                if let (Some(_), Some(w), Some(h)) = (c.take(4), c.le24(), c.le24()) {
                    sizes.push((u64::from(w) + 1, u64::from(h) + 1));
                }
            }
            b"ANMF" => {
                // X and Y offsets, then width and height, less one.
                if let (Some(_), Some(w), Some(h)) = (c.take(6), c.le24(), c.le24()) {
                    sizes.push((u64::from(w) + 1, u64::from(h) + 1));
                }
                if frames && body.len() > 16 {
                    webp_chunks(&body[16..], sizes, false);
                }
            }
            _ => {}
        }
        if r.take(length.saturating_add(length & 1)).is_none() {
            break;
        }
    }
}

/// Checks a file as an SVG if Typst could read it as one: parsed by usvg
/// exactly as Typst parses it, with every `data:` URI an `<image>` or
/// `<feImage>` resolves handed to [`check`] instead of to a decoder.
/// `format: None` when the file is no SVG at all (not UTF-8, not XML, no
/// `<svg>` root: usvg, and so Typst, refuses it too).
fn svg(bytes: &[u8], max_pixels: u64, depth: usize) -> Result<Checked, Refusal> {
    let none = Checked {
        format: None,
        pixels: 0,
    };
    // usvg reads UTF-8 only, and an XML document starts with `<` (after a
    // byte-order mark and white space): anything else, a template, is not
    // parsed at all.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(none);
    };
    if !text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
    {
        return Ok(none);
    }
    if depth > MAX_SVG_DEPTH {
        return Err(Refusal::TooDeep);
    }
    // What the images inside hold; the first refusal wins.
    let inside: Mutex<Result<u64, Refusal>> = Mutex::new(Ok(0));
    let options = usvg::Options {
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_mime, data, _| {
                let mut inside = inside.lock().unwrap_or_else(|e| e.into_inner());
                if let Ok(sum) = *inside {
                    *inside = check_at(&data, max_pixels, depth + 1).and_then(|c| {
                        let sum = sum.saturating_add(c.pixels);
                        if sum > max_pixels {
                            Err(Refusal::TotalTooLarge {
                                total: sum,
                                max: max_pixels,
                                inside_svg: true,
                            })
                        } else {
                            Ok(sum)
                        }
                    });
                }
                None
            }),
            // Typst resolves other references against the world, whose
            // files are each checked on their own.
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let parsed = usvg::Tree::from_data(bytes, &options);
    drop(options);
    let Ok(tree) = parsed else {
        return Ok(none);
    };
    let pixels = inside.into_inner().unwrap_or_else(|e| e.into_inner())?;
    if !tree.filters().is_empty() {
        return Err(Refusal::Filter);
    }
    let size = tree.size();
    let (width, height) = (size.width().ceil() as u64, size.height().ceil() as u64);
    if depth == 0 && width.saturating_mul(height) > SVG_MAX_PIXELS {
        return Err(Refusal::TooLarge {
            format: Format::Svg,
            width,
            height,
            costly: None,
            inside_svg: false,
            max: SVG_MAX_PIXELS,
        });
    }
    Ok(Checked {
        format: Some(Format::Svg),
        pixels,
    })
}

#[cfg(test)]
mod tests;
