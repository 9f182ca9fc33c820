//! The structure tree (PDF/UA): which elements belong to which part.

use crate::HashMap;
use crate::file::File;
use crate::object::{Dict, Object, Value};
use crate::packet::Packet;
use std::collections::BTreeSet;

/// What one entry of a structure element's `/K` is.
pub(crate) enum Kid {
    /// Content on a page: a marked-content ID (on the element's own `/Pg`),
    /// or a marked-content or object reference (on its `/Pg`, else the
    /// element's).
    Content(u32),
    /// A child structure element.
    Element(u32),
}

impl Kid {
    /// `None` for an entry Typst does not write, or content whose page is
    /// not named.
    pub(crate) fn of(file: &File<'_>, kid: &Value<'_>, own_page: Option<u32>) -> Option<Self> {
        match kid {
            Value::Raw(_) => {
                kid.int()?;
                Some(Kid::Content(own_page?))
            }
            Value::Dict(content) => Some(Kid::Content(content.reference(b"Pg").or(own_page)?)),
            Value::Ref(r) => {
                let dict = file.dict(*r)?;
                match dict.name(b"Type") {
                    Some(b"MCR") | Some(b"OBJR") => {
                        Some(Kid::Content(dict.reference(b"Pg").or(own_page)?))
                    }
                    _ => Some(Kid::Element(*r)),
                }
            }
            Value::Name(_) | Value::Array(_) => None,
        }
    }
}

/// The structure elements and which parts each one has content in.
pub(crate) struct Elements {
    /// Element object → the parts it has content in (sorted, no repeats).
    pub(crate) parts: HashMap<u32, Vec<usize>>,
}

impl Elements {
    pub(crate) fn read(
        file: &File<'_>,
        packet: &Packet,
        owner: &[Option<usize>],
        count: usize,
    ) -> Option<Self> {
        let page_part: HashMap<u32, usize> = packet
            .pages
            .iter()
            .zip(owner)
            .filter_map(|(&page, part)| Some((page, (*part)?)))
            .collect();
        let root = file.dict(packet.struct_root)?;
        let mut elements = Elements {
            parts: HashMap::default(),
        };
        let top = kids(root);
        if top.is_empty() {
            return None;
        }
        let all: Vec<usize> = (0..count).collect();
        for kid in &top {
            let Value::Ref(element) = kid else {
                return None;
            };
            elements.visit(file, *element, &page_part, 0)?;
            // An element with no content at all goes with every part.
            if elements.parts.get(element).is_some_and(Vec::is_empty) {
                elements.fill(file, *element, &all)?;
            }
        }
        Some(elements)
    }

    /// Works out an element's parts from its content and its children.
    /// Children without content of their own go with their neighbours.
    pub(crate) fn visit(
        &mut self,
        file: &File<'_>,
        element: u32,
        page_part: &HashMap<u32, usize>,
        depth: usize,
    ) -> Option<Vec<usize>> {
        if depth > 256 || self.parts.contains_key(&element) {
            // A cycle, or an element reached twice: not a tree.
            return None;
        }
        let dict = file.dict(element)?;
        if dict.name(b"Type").is_some_and(|t| t != b"StructElem") {
            return None;
        }
        let own_page = dict.reference(b"Pg");
        let mut parts = BTreeSet::new();
        let mut empty_children = Vec::new();
        let mut last_part: Option<usize> = None;
        let kids = kids(dict);
        for kid in &kids {
            let kid_parts: Vec<usize> = match Kid::of(file, kid, own_page)? {
                Kid::Content(page) => vec![*page_part.get(&page)?],
                Kid::Element(r) => {
                    let child = self.visit(file, r, page_part, depth + 1)?;
                    if child.is_empty() {
                        empty_children.push((r, last_part));
                    }
                    child
                }
            };
            if let Some(&last) = kid_parts.last() {
                last_part = Some(last);
            }
            parts.extend(kid_parts);
        }
        // An empty child goes with the part of the content before it, or
        // after it when it comes first.
        let first_part = parts.iter().next().copied();
        for (child, before) in empty_children {
            if let Some(part) = before.or(first_part) {
                self.fill(file, child, &[part])?;
            }
        }
        let parts: Vec<usize> = parts.into_iter().collect();
        self.parts.insert(element, parts.clone());
        Some(parts)
    }

    /// Gives an element without content, and its children (which have
    /// none either), to `parts`.
    pub(crate) fn fill(&mut self, file: &File<'_>, element: u32, parts: &[usize]) -> Option<()> {
        self.parts.insert(element, parts.to_vec());
        let kids = kids(file.dict(element)?);
        for kid in kids {
            if let Value::Ref(r) = kid
                && self.parts.get(&r).is_some_and(Vec::is_empty)
            {
                self.fill(file, r, parts)?;
            }
        }
        Some(())
    }

    pub(crate) fn in_part(&self, element: u32, part: usize) -> bool {
        self.parts
            .get(&element)
            .is_some_and(|p| p.binary_search(&part).is_ok())
    }
}

/// The kids of a structure element or of the structure tree root: `/K` as
/// an array, a single value, or absent.
pub(crate) fn kids<'a>(dict: &Dict<'a>) -> Vec<Value<'a>> {
    match dict.get(b"K") {
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    }
}

/// Keeps the (key, value) pairs of a flat number or name tree (the parent
/// tree's `Nums`, the ID tree's `Names`) that `keep` accepts, whether the
/// tree is written in `root` or as an object of its own. `None` if the tree
/// has kids (Typst writes flat trees) or `keep` cannot tell; otherwise
/// whether any pair is left.
pub(crate) fn filter_tree<'a>(
    file: &File<'a>,
    root: &mut Dict<'a>,
    tree_key: &'static [u8],
    entries_key: &'static [u8],
    changed: &mut HashMap<u32, Object<'a>>,
    keep: impl Fn(&Value<'a>, &Value<'a>) -> Option<bool>,
) -> Option<bool> {
    let place = root.get(tree_key)?.clone();
    let mut tree = match file.resolve(&place)? {
        Value::Dict(d) => d.clone(),
        _ => return None,
    };
    if tree.get(b"Kids").is_some() {
        return None;
    }
    let Value::Array(entries) = tree.get(entries_key)? else {
        return None;
    };
    let mut kept = Vec::new();
    for pair in entries.chunks(2) {
        let [key, value] = pair else { return None };
        if keep(key, value)? {
            kept.extend([key.clone(), value.clone()]);
        }
    }
    let left = !kept.is_empty();
    tree.set(entries_key, Value::Array(kept));
    match place {
        Value::Ref(r) => {
            changed.insert(r, dict_object(tree));
        }
        _ => root.set(tree_key, Value::Dict(tree)),
    }
    Some(left)
}

pub(crate) fn dict_object(dict: Dict<'_>) -> Object<'_> {
    Object {
        value: Value::Dict(dict),
        stream: None,
    }
}

/// The `/StructParents` keys of the part's pages and the `/StructParent`
/// keys of their annotations: the parent tree entries the part keeps.
pub(crate) fn struct_parent_keys(file: &File<'_>, pages: &[u32]) -> Option<BTreeSet<i64>> {
    let mut keys = BTreeSet::new();
    for &page in pages {
        let dict = file.dict(page)?;
        if let Some(key) = dict.get(b"StructParents") {
            keys.insert(key.int()?);
        }
        if let Some(annots) = dict.get(b"Annots") {
            let Value::Array(annots) = file.resolve(annots)? else {
                return None;
            };
            for annot in annots {
                let Value::Dict(annot) = file.resolve(annot)? else {
                    return None;
                };
                if let Some(key) = annot.get(b"StructParent") {
                    keys.insert(key.int()?);
                }
            }
        }
    }
    Some(keys)
}
