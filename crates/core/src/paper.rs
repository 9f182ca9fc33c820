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
    /// Every paper, in the order front ends offer them.
    pub const ALL: [Paper; 2] = [Paper::Letter, Paper::A4];

    /// The names a person writes (`--paper`, the page's choice, the clinic
    /// profile's `paper`), one per paper of [`Paper::ALL`]: the one list
    /// both front ends offer.
    pub const NAMES: [&'static str; 2] = ["letter", "a4"];

    /// The paper's name as a person writes it.
    pub fn name(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A4 => "a4",
        }
    }

    /// What the paper is, for a list to choose from.
    pub fn description(self) -> &'static str {
        match self {
            Paper::Letter => "US Letter, 8.5 × 11 in.",
            Paper::A4 => "ISO A4, 210 × 297 mm.",
        }
    }

    /// The name Typst's `page(paper: ..)` knows.
    pub(crate) fn typst_name(self) -> &'static str {
        match self {
            Paper::Letter => "us-letter",
            Paper::A4 => "a4",
        }
    }
}

/// A paper name that is none of [`Paper::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPaper;

impl std::fmt::Display for UnknownPaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "choose the paper: {}", Paper::NAMES.join(" or "))
    }
}

impl std::error::Error for UnknownPaper {}

/// Reads a paper's name in any case, with Typst's `us-letter` for letter
/// (the clinic profile takes either).
impl std::str::FromStr for Paper {
    type Err = UnknownPaper;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("us-letter") {
            return Ok(Paper::Letter);
        }
        Paper::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text))
            .ok_or(UnknownPaper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_paper_reads_back_from_its_name() {
        for paper in Paper::ALL {
            assert_eq!(paper.name().parse::<Paper>(), Ok(paper));
            assert_eq!(paper.name().to_uppercase().parse::<Paper>(), Ok(paper));
        }
        assert_eq!(Paper::NAMES, Paper::ALL.map(Paper::name));
        assert_eq!(" us-letter ".parse::<Paper>(), Ok(Paper::Letter));
        assert_eq!("a5".parse::<Paper>(), Err(UnknownPaper));
        assert_eq!("".parse::<Paper>(), Err(UnknownPaper));
    }
}
