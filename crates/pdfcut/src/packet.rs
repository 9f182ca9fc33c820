//! What the cut needs to know of the packet as a whole: its catalog, pages and metadata.

use crate::Part;
use crate::file::File;
use crate::object::Value;
use crate::writer::literal_text;
use std::collections::BTreeSet;

/// What the split needs to know about the packet as a whole.
pub(crate) struct Packet {
    pub(crate) catalog: u32,
    pub(crate) info: u32,
    /// The page objects, in page order.
    pub(crate) pages: Vec<u32>,
    /// The same pages as a set, to tell a page from other objects.
    pub(crate) page_set: BTreeSet<u32>,
    /// The page tree's root.
    pub(crate) page_tree: u32,
    pub(crate) struct_root: u32,
    pub(crate) metadata: u32,
    pub(crate) outlines: Option<u32>,
    /// The packet's instance ID (the second of the trailer's `/ID`), which
    /// its XMP metadata repeats.
    pub(crate) instance_id: String,
}

/// The catalog entries Typst's writer gives a tagged PDF/A document; a
/// catalog with any other entry (named destinations, page labels, forms...)
/// is not split.
pub(crate) const CATALOG_KEYS: &[&[u8]] = &[
    b"Type",
    b"Pages",
    b"Metadata",
    b"OutputIntents",
    b"Lang",
    b"StructTreeRoot",
    b"MarkInfo",
    b"ViewerPreferences",
    b"Outlines",
];

impl Packet {
    pub(crate) fn read(file: &File<'_>) -> Option<Self> {
        let catalog = file.trailer.reference(b"Root")?;
        let info = file.trailer.reference(b"Info")?;
        let root = file.dict(catalog)?;
        if root.keys().any(|k| !CATALOG_KEYS.contains(&k)) {
            return None;
        }
        let page_tree = root.reference(b"Pages")?;
        let tree = file.dict(page_tree)?;
        let Value::Array(kids) = tree.get(b"Kids")? else {
            return None;
        };
        let mut pages = Vec::with_capacity(kids.len());
        for kid in kids {
            let Value::Ref(page) = kid else { return None };
            // One level of pages under the root, as Typst writes.
            let dict = file.dict(*page)?;
            if dict.name(b"Type")? != b"Page" || dict.reference(b"Parent")? != page_tree {
                return None;
            }
            pages.push(*page);
        }
        let ids = match file.trailer.get(b"ID")? {
            Value::Array(ids) if ids.len() == 2 => ids,
            _ => return None,
        };
        Some(Packet {
            catalog,
            info,
            page_set: pages.iter().copied().collect(),
            pages,
            page_tree,
            struct_root: root.reference(b"StructTreeRoot")?,
            metadata: root.reference(b"Metadata")?,
            outlines: root.reference(b"Outlines"),
            instance_id: match &ids[1] {
                Value::Raw(raw) => literal_text(raw)?,
                _ => return None,
            },
        })
    }
}

/// Which part each page (by index) belongs to.
pub(crate) fn page_owners(pages: usize, parts: &[Part<'_>]) -> Vec<Option<usize>> {
    let mut owner = vec![None; pages];
    for (i, part) in parts.iter().enumerate() {
        for page in part.pages.clone() {
            owner[page] = Some(i);
        }
    }
    owner
}
