//! Paper sizes: a leaf, since both the clinic profile (its default paper)
//! and the render stage (the page size) need them.

/// Paper sizes the packet can be printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// US Letter, 8.5 × 11 in.
    #[default]
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// The name Typst's `page(paper: ..)` knows.
    pub(crate) fn typst_name(self) -> &'static str {
        match self {
            Paper::Letter => "us-letter",
            Paper::A4 => "a4",
        }
    }
}
