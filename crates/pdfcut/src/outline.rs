//! The outline (bookmarks) of a part.

use crate::HashMap;
use crate::file::File;
use crate::object::{Dict, Object, Value};
use crate::tree::dict_object;
use std::collections::BTreeSet;

/// Rewrites the outline for a part: the items whose destination is on one
/// of its pages, each under its nearest kept ancestor, open or closed as in
/// the packet. `false` if no item is left (the catalog then has none).
pub(crate) fn outline<'a>(
    file: &File<'a>,
    root: u32,
    pages: &BTreeSet<u32>,
    changed: &mut HashMap<u32, Object<'a>>,
) -> Option<bool> {
    /// An item kept, with its kept children.
    struct Item {
        id: u32,
        open: bool,
        children: Vec<Item>,
    }
    fn items(
        file: &File<'_>,
        first: Option<u32>,
        pages: &BTreeSet<u32>,
        depth: usize,
        out: &mut Vec<Item>,
    ) -> Option<()> {
        let mut next = first;
        let mut guard = 0usize;
        while let Some(id) = next {
            guard += 1;
            if guard > 100_000 || depth > 64 {
                return None;
            }
            let dict = file.dict(id)?;
            if dict.get(b"A").is_some() {
                return None;
            }
            let dest = match file.resolve(dict.get(b"Dest")?)? {
                Value::Array(dest) => dest,
                _ => return None,
            };
            let Some(Value::Ref(page)) = dest.first() else {
                return None;
            };
            let mut children = Vec::new();
            items(
                file,
                dict.reference(b"First"),
                pages,
                depth + 1,
                &mut children,
            )?;
            if pages.contains(page) {
                let open = dict.int(b"Count").is_none_or(|c| c >= 0);
                out.push(Item { id, open, children });
            } else {
                out.extend(children);
            }
            next = dict.reference(b"Next");
        }
        Some(())
    }
    /// Links the items under `parent`; returns the number of items a reader
    /// shows open under it.
    fn link<'a>(
        file: &File<'a>,
        parent: u32,
        list: &[Item],
        changed: &mut HashMap<u32, Object<'a>>,
    ) -> Option<i64> {
        let mut visible = 0;
        for (i, item) in list.iter().enumerate() {
            let mut dict = file.dict(item.id)?.clone();
            for key in [
                &b"Parent"[..],
                b"Prev",
                b"Next",
                b"First",
                b"Last",
                b"Count",
            ] {
                dict.remove(key);
            }
            dict.set(b"Parent", Value::Ref(parent));
            if let Some(next) = list.get(i + 1) {
                dict.set(b"Next", Value::Ref(next.id));
            }
            if i > 0 {
                dict.set(b"Prev", Value::Ref(list[i - 1].id));
            }
            let below = link(file, item.id, &item.children, changed)?;
            if let (Some(first), Some(last)) = (item.children.first(), item.children.last()) {
                dict.set(b"First", Value::Ref(first.id));
                dict.set(b"Last", Value::Ref(last.id));
                dict.set(
                    b"Count",
                    Value::number(if item.open { below } else { -below }),
                );
            }
            // Keys in the order Typst writes them, Title and Dest last.
            let (tail, mut head): (Vec<_>, Vec<_>) = dict
                .0
                .into_iter()
                .partition(|(k, _)| k.as_ref() == b"Title" || k.as_ref() == b"Dest");
            head.extend(tail);
            changed.insert(item.id, dict_object(Dict(head)));
            visible += 1 + if item.open { below } else { 0 };
        }
        Some(visible)
    }
    let dict = file.dict(root)?;
    let mut list = Vec::new();
    items(file, dict.reference(b"First"), pages, 0, &mut list)?;
    if list.is_empty() {
        return Some(false);
    }
    let count = link(file, root, &list, changed)?;
    let mut dict = dict.clone();
    dict.set(b"First", Value::Ref(list[0].id));
    dict.set(b"Last", Value::Ref(list[list.len() - 1].id));
    dict.set(b"Count", Value::number(count));
    changed.insert(root, dict_object(dict));
    Some(true)
}
