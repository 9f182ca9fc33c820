//! Cutting one part out of the packet, and rewriting the packet itself.

use crate::file::File;
use crate::id::{document_id, hash_base64};
use crate::object::{Object, Value};
use crate::outline::outline;
use crate::packet::Packet;
use crate::tree::{Elements, Kid, dict_object, filter_tree, kids, struct_parent_keys};
use crate::writer::{Writer, literal_text, text_string, write_value};
use crate::xmp::xmp;
use crate::{HashMap, Part};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Builds one part's PDF.
pub(crate) fn cut(
    file: &File<'_>,
    packet: &Packet,
    elements: &Elements,
    index: usize,
    part: &Part<'_>,
) -> Option<Vec<u8>> {
    let pages: Vec<u32> = packet.pages[part.pages.clone()].to_vec();
    let page_set: BTreeSet<u32> = pages.iter().copied().collect();
    // Objects rewritten for this part, by their number in the packet.
    let mut changed: HashMap<u32, Object<'_>> = HashMap::default();

    // The page tree: only this part's pages.
    let mut tree = file.dict(packet.page_tree)?.clone();
    tree.set(b"Count", Value::number(pages.len() as i64));
    tree.set(
        b"Kids",
        Value::Array(pages.iter().map(|&p| Value::Ref(p)).collect()),
    );
    changed.insert(packet.page_tree, dict_object(tree));

    // Structure elements with content in other parts too keep only the
    // children, marked content and objects of this part.
    for (&element, parts) in &elements.parts {
        if parts.len() > 1 && parts.binary_search(&index).is_ok() {
            let mut dict = file.dict(element)?.clone();
            let own_page = dict.reference(b"Pg");
            let keep = |kid: &Value<'_>| -> Option<bool> {
                Some(match Kid::of(file, kid, own_page)? {
                    Kid::Content(page) => page_set.contains(&page),
                    Kid::Element(r) => elements.in_part(r, index),
                })
            };
            let kids = kids(&dict);
            let mut kept = Vec::with_capacity(kids.len());
            for kid in kids {
                if keep(&kid)? {
                    kept.push(kid);
                }
            }
            dict.set(b"K", Value::Array(kept));
            if own_page.is_some_and(|p| !page_set.contains(&p)) {
                dict.remove(b"Pg");
                // Integers in /K need /Pg; none are left in that case.
            }
            changed.insert(element, dict_object(dict));
        }
    }

    // The structure tree root: this part's elements, and the parent tree
    // and ID tree entries of this part only.
    let mut root = file.dict(packet.struct_root)?.clone();
    let top: Vec<Value<'_>> = kids(&root)
        .into_iter()
        .filter(|kid| matches!(kid, Value::Ref(r) if elements.in_part(*r, index)))
        .collect();
    root.set(b"K", Value::Array(top));
    let parent_keys = struct_parent_keys(file, &pages)?;
    filter_tree(
        file,
        &mut root,
        b"ParentTree",
        b"Nums",
        &mut changed,
        |key, _| Some(parent_keys.contains(&key.int()?)),
    )?;
    if root.get(b"IDTree").is_some() {
        let left = filter_tree(
            file,
            &mut root,
            b"IDTree",
            b"Names",
            &mut changed,
            |_, value| match value {
                Value::Ref(element) => Some(elements.in_part(*element, index)),
                _ => None,
            },
        )?;
        if !left {
            root.remove(b"IDTree");
        }
    }
    changed.insert(packet.struct_root, dict_object(root));

    // The catalog, with this part's language and outline.
    let mut catalog = file.dict(packet.catalog)?.clone();
    let packet_lang = match catalog.get(b"Lang") {
        Some(Value::Raw(raw)) => literal_text(raw),
        _ => None,
    };
    let lang = part.lang.map(str::to_string).or(packet_lang);
    if let Some(lang) = &lang {
        catalog.set(b"Lang", Value::Raw(Cow::Owned(text_string(lang))));
    }
    if let Some(outlines) = packet.outlines {
        match outline(file, outlines, &page_set, &mut changed)? {
            true => {}
            false => catalog.remove(b"Outlines"),
        }
    }
    changed.insert(packet.catalog, dict_object(catalog));

    // The document information: this part's title.
    let mut info = file.dict(packet.info)?.clone();
    info.set(b"Title", Value::Raw(Cow::Owned(text_string(part.title))));
    changed.insert(packet.info, dict_object(info));

    // Every object the part needs, reached from its catalog and its
    // information; reaching a page of another part means the part cannot
    // stand alone (a link into another document).
    let get = |n: u32| changed.get(&n).or_else(|| file.get(n));
    let mut seen = BTreeSet::new();
    let mut todo = vec![packet.catalog, packet.info];
    let mut refs = Vec::new();
    while let Some(n) = todo.pop() {
        if !seen.insert(n) {
            continue;
        }
        if packet.page_set.contains(&n) && !page_set.contains(&n) {
            return None;
        }
        if n == packet.metadata {
            continue;
        }
        let object = get(n)?;
        refs.clear();
        object.value.refs(&mut refs);
        todo.extend(refs.iter().copied().filter(|r| !seen.contains(r)));
    }
    // Structure elements of other parts must not be reachable either.
    if seen
        .iter()
        .any(|n| elements.parts.contains_key(n) && !elements.in_part(*n, index))
    {
        return None;
    }

    // New numbers in the packet's order, then the file.
    let numbers: HashMap<u32, u32> = seen
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, i as u32 + 1))
        .collect();
    let mut writer = Writer::new(file.header, seen.len())?;
    for &n in &seen {
        if n == packet.metadata {
            // Written last, once its page count and IDs are known.
            continue;
        }
        writer.object(numbers[&n], get(n)?, &numbers)?;
    }
    let document_id = document_id(part.ident);
    // krilla hashes a file's bytes for its instance ID. The packet's
    // instance ID already is such a hash, and it and the part's pages fix
    // every byte of the part, so this is as unique and cheaper than hashing
    // the part again.
    let instance_id = hash_base64(&(
        packet.instance_id.as_str(),
        part.ident,
        part.pages.start,
        part.pages.end,
    ));
    let xmp = xmp(
        std::str::from_utf8(file.get(packet.metadata)?.stream.as_deref()?).ok()?,
        packet,
        part,
        lang.as_deref(),
        pages.len(),
        &document_id,
        &instance_id,
    )?;
    let mut dict = file.dict(packet.metadata)?.clone();
    dict.set(b"Length", Value::number(xmp.len() as i64));
    writer.object(
        numbers[&packet.metadata],
        &Object {
            value: Value::Dict(dict),
            stream: Some(Cow::Borrowed(xmp.as_bytes())),
        },
        &numbers,
    )?;
    let mut id = b"[(".to_vec();
    id.extend_from_slice(document_id.as_bytes());
    id.extend_from_slice(b")(");
    id.extend_from_slice(instance_id.as_bytes());
    id.extend_from_slice(b")]");
    writer.finish(numbers[&packet.catalog], numbers[&packet.info], &id)
}

pub(crate) fn compact_file(file: &File<'_>) -> Option<Vec<u8>> {
    if file
        .trailer
        .keys()
        .any(|k| !matches!(k, b"Size" | b"Root" | b"Info" | b"ID"))
    {
        return None;
    }
    let mut order: Vec<u32> = file.objects.keys().copied().collect();
    order.sort_unstable();
    let numbers: HashMap<u32, u32> = order
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, i as u32 + 1))
        .collect();
    let mut writer = Writer::new(file.header, order.len())?;
    for n in &order {
        writer.object(numbers[n], file.get(*n)?, &numbers)?;
    }
    let mut id = Vec::new();
    write_value(&mut id, file.trailer.get(b"ID")?, &numbers)?;
    writer.finish(
        *numbers.get(&file.trailer.reference(b"Root")?)?,
        *numbers.get(&file.trailer.reference(b"Info")?)?,
        &id,
    )
}
