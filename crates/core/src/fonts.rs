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
    pub fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| {
            c.is_whitespace()
                || c.is_control()
                || self.coverage.iter().any(|cov| cov.contains(c as u32))
        })
    }
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
