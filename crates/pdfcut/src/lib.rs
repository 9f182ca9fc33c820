//! Splitting the packet's PDF into its documents' PDFs.
//!
//! Every page of a packet used to be written to PDF twice: once in its
//! document's own PDF and once in `packet.pdf`, each time with its fonts
//! subset and its streams compressed again (about half of all PDF export,
//! bench/PROFILE.md). Now `packet.pdf` is exported once and each document's
//! PDF is cut out of it here: its pages, the objects they use (content
//! streams, fonts, images: copied byte for byte), its part of the structure
//! tree (PDF/UA), its part of the outline, and its own title, language and
//! identifiers in the document information and the XMP metadata (PDF/A
//! needs the two to agree). What a reader draws is therefore exactly what
//! the packet draws on the same pages.
//!
//! The reader here only needs to understand the PDF that Typst's writer
//! produces (docs/pdf-split.md lists what that is). Anything else it meets
//! (an object stream, a page tree of more than one level, named
//! destinations, a link from one document to another...) makes [`split`]
//! return `None`, and the renderer then exports each document separately as
//! before: slower, never wrong.
//!
//! What it writes, it writes more compactly than Typst does (`writer::Writer`):
//! plain objects in compressed object streams and a cross-reference
//! stream, so that the packet ZIP can store its PDFs as they are. The
//! packet itself is rewritten the same way ([`compact`]). Streams are
//! finished here too, once per packet (`file::File::finish_streams`): the
//! renderer has Typst leave page contents, CMaps and font programs
//! uncompressed, and they are deflated here at a cheaper level than
//! krilla's.

mod cut;
mod file;
mod id;
mod lexer;
mod object;
mod outline;
mod packet;
#[cfg(test)]
mod tests;
mod tree;
mod writer;
mod xmp;

use crate::cut::{compact_file, cut};
use crate::file::File;
use crate::packet::{Packet, page_owners};
use crate::tree::Elements;
use std::ops::Range;

/// The split's maps are keyed by object numbers and looked up for every
/// reference it reads or writes: a multiply (FxHash) instead of std's
/// SipHash, which was a tenth of the split's instructions
/// (bench/PROFILE.md, change 12). Nothing here depends on their order.
type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// One document to cut out of the packet.
pub struct Part<'a> {
    /// Its pages (0-based) in the packet.
    pub pages: Range<usize>,
    /// Its title, for the document information and the XMP metadata.
    pub title: &'a str,
    /// Its language (`en`, `es`); `None` keeps the packet's.
    pub lang: Option<&'a str>,
    /// The identifier its document ID is derived from, as Typst's writer
    /// derives it from `PdfOptions::ident`.
    pub ident: &'a str,
}

/// Cuts each part's PDF out of `packet`, in order, and rewrites the packet
/// itself as the parts are written (`writer::Writer`). `None` if the packet is
/// not a PDF this module understands, or a part cannot be separated from
/// the rest (see the module documentation).
pub fn split(packet: &[u8], parts: &[Part<'_>]) -> Option<Split> {
    let mut file = File::parse(packet)?;
    let packet = Packet::read(&file)?;
    if parts
        .iter()
        .any(|p| p.pages.is_empty() || p.pages.end > packet.pages.len())
        || parts.windows(2).any(|w| w[0].pages.end > w[1].pages.start)
    {
        return None;
    }
    let owner = page_owners(packet.pages.len(), parts);
    let elements = Elements::read(&file, &packet, &owner, parts.len())?;
    file.finish_streams()?;
    let parts = parts
        .iter()
        .enumerate()
        .map(|(index, part)| cut(&file, &packet, &elements, index, part))
        .collect::<Option<_>>()?;
    Some(Split {
        packet: compact_file(&file)?,
        parts,
    })
}

/// What [`split`] makes of a packet.
#[derive(Debug, PartialEq)]
pub struct Split {
    /// `packet.pdf` itself, rewritten with object streams ([`compact`]).
    pub packet: Vec<u8>,
    /// Each part's PDF, in order.
    pub parts: Vec<Vec<u8>>,
}

/// `packet.pdf` as Typst wrote it, rewritten the way the cut documents are
/// (`writer::Writer`): the same objects under the same numbers, the plain ones
/// packed into compressed object streams. `None` if it is not a PDF this
/// module reads, or its trailer holds anything but the four entries Typst
/// writes.
pub fn compact(pdf: &[u8]) -> Option<Vec<u8>> {
    let mut file = File::parse(pdf)?;
    file.finish_streams()?;
    compact_file(&file)
}
