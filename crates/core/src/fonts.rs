//! The fonts every packet is set in, and which characters they can show.
//!
//! A leaf module: the render stage loads these fonts into Typst, and the
//! record stage and the clinic profile check text against their coverage
//! before anything is built (text no font can show would print as boxes).

use typst::foundations::Bytes;
use typst::text::Font;

/// Which characters the embedded fonts can show.
pub struct Glyphs {
    coverage: Vec<typst::text::Coverage>,
}

impl Glyphs {
    /// The embedded fonts' coverage, read once per process.
    pub fn embedded() -> &'static Glyphs {
        static GLYPHS: std::sync::OnceLock<Glyphs> = std::sync::OnceLock::new();
        GLYPHS.get_or_init(|| Glyphs {
            coverage: packet_fonts().map(|(_, info)| info.coverage).collect(),
        })
    }

    /// Whether some embedded font has a glyph for every visible character.
    ///
    /// Private-use characters and noncharacters never count as covered, even
    /// when a font has a glyph at that number: the glyph is whatever that
    /// font's maker put there (a ligature, a logo), not what the sender's
    /// program showed, so "Ann\u{E000}" printed as "Ann fb" (issue 25).
    pub fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| {
            !is_private_or_noncharacter(c)
                && !is_devanagari(c)
                && (c.is_whitespace()
                    || c.is_control()
                    || self.coverage.iter().any(|cov| cov.contains(c as u32)))
        })
    }
}

/// Devanagari: an embedded font has glyphs for it but no shaping rules, so
/// "नमस्ते" printed with its letters apart and the virama showing (seen in a
/// rendered question sheet, issue 25). Refused like a script with no glyphs.
fn is_devanagari(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x097F | 0xA8E0..=0xA8FF | 0x1CD0..=0x1CFF)
}

/// Private-use code points (the BMP's private use area and planes 15 and
/// 16) and noncharacters (U+FDD0–U+FDEF and the last two of every plane):
/// their meaning is private to one program, so no font shows them rightly.
pub fn is_private_or_noncharacter(c: char) -> bool {
    let n = c as u32;
    matches!(n, 0xE000..=0xF8FF | 0xF_0000..=0x10_FFFF | 0xFDD0..=0xFDEF) || n & 0xFFFE == 0xFFFE
}

/// The sans-serif face of large print (APH and ACB large-print guidance ask
/// for one), vendored in `fonts/` with its licence: typst-kit's embedded
/// fonts hold no proportional sans-serif.
const SANS_FONTS: [&[u8]; 2] = [
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
];

/// Every font a packet can use: typst-kit's embedded ones and the vendored
/// sans-serif. The store and the glyph coverage read the same list, so the
/// record stage's check stays true for the faces actually used.
pub(crate) fn packet_fonts() -> impl Iterator<Item = (Font, typst::text::FontInfo)> {
    typst_kit::fonts::embedded().chain(SANS_FONTS.into_iter().flat_map(|data| {
        Font::iter(Bytes::new(data)).map(|font| {
            let info = font.info().clone();
            (font, info)
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_use_and_noncharacters_are_never_covered() {
        let glyphs = Glyphs::embedded();
        assert!(glyphs.covers("Ann Müller-Øster, Ελένη, Дмитрий, מרים, مريم"));
        assert!(!glyphs.covers("नमस्ते"));
        for c in [
            '\u{E000}',
            '\u{F8FF}',
            '\u{F0000}',
            '\u{10FFFD}',
            '\u{FDD0}',
            '\u{FFFE}',
            '\u{1FFFF}',
        ] {
            assert!(is_private_or_noncharacter(c), "{:X}", c as u32);
            assert!(!glyphs.covers(&format!("Ann {c}")), "{:X}", c as u32);
        }
        for c in [
            'A',
            '\u{F900}',
            '\u{FB01}',
            '\u{FDF0}',
            '\u{FFFD}',
            '\u{1F600}',
        ] {
            assert!(!is_private_or_noncharacter(c), "{:X}", c as u32);
        }
    }
}
