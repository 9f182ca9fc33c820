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

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Range;

/// One document to cut out of the packet.
pub(super) struct Part<'a> {
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

/// Cuts each part's PDF out of `packet`, in order. `None` if the packet is
/// not a PDF this module understands, or a part cannot be separated from
/// the rest (see the module documentation).
pub(super) fn split(packet: &[u8], parts: &[Part<'_>]) -> Option<Vec<Vec<u8>>> {
    let file = File::parse(packet)?;
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
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| cut(&file, &packet, &elements, index, part))
        .collect()
}

// ------------------------------------------------------------ objects ----

/// A PDF value as written. Numbers, strings, booleans and `null` keep their
/// exact bytes, so copying an object never changes a digit.
#[derive(Clone, Debug, PartialEq)]
enum Value<'a> {
    /// An indirect reference (generation 0; Typst writes no other).
    Ref(u32),
    /// A name, without its slash.
    Name(Cow<'a, [u8]>),
    /// A number, string, boolean or `null`, exactly as written.
    Raw(Cow<'a, [u8]>),
    Array(Vec<Value<'a>>),
    Dict(Dict<'a>),
}

/// A dictionary, its entries in written order.
#[derive(Clone, Debug, PartialEq, Default)]
struct Dict<'a>(Vec<(Cow<'a, [u8]>, Value<'a>)>);

impl<'a> Dict<'a> {
    fn get(&self, key: &[u8]) -> Option<&Value<'a>> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    fn set(&mut self, key: &'static [u8], value: Value<'a>) {
        match self.0.iter_mut().find(|(k, _)| k.as_ref() == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((Cow::Borrowed(key), value)),
        }
    }

    fn remove(&mut self, key: &[u8]) {
        self.0.retain(|(k, _)| k.as_ref() != key);
    }

    fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key)? {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

    fn reference(&self, key: &[u8]) -> Option<u32> {
        match self.get(key)? {
            Value::Ref(r) => Some(*r),
            _ => None,
        }
    }

    fn int(&self, key: &[u8]) -> Option<i64> {
        self.get(key)?.int()
    }
}

impl Value<'_> {
    fn int(&self) -> Option<i64> {
        match self {
            Value::Raw(raw) => std::str::from_utf8(raw).ok()?.parse().ok(),
            _ => None,
        }
    }

    fn number(n: i64) -> Self {
        Value::Raw(Cow::Owned(n.to_string().into_bytes()))
    }

    /// Every reference inside this value, in written order.
    fn refs(&self, out: &mut Vec<u32>) {
        match self {
            Value::Ref(r) => out.push(*r),
            Value::Array(items) => items.iter().for_each(|v| v.refs(out)),
            Value::Dict(dict) => dict.0.iter().for_each(|(_, v)| v.refs(out)),
            Value::Name(_) | Value::Raw(_) => {}
        }
    }
}

/// One indirect object: a value, and the stream data after it if any.
#[derive(Clone, Debug)]
struct Object<'a> {
    value: Value<'a>,
    stream: Option<&'a [u8]>,
}

impl<'a> Object<'a> {
    fn dict(&self) -> Option<&Dict<'a>> {
        match &self.value {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}

/// PDF white space.
fn is_space(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// PDF delimiters.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_space(b) && !is_delimiter(b)
}

/// A cursor over the file's bytes.
struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A cursor at `pos`, or at the end if `pos` is beyond it (offsets come
    /// from the file and are not trusted).
    fn at(data: &'a [u8], pos: usize) -> Self {
        Lexer {
            data,
            pos: pos.min(data.len()),
        }
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if is_space(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self
                    .data
                    .get(self.pos)
                    .is_some_and(|&b| b != b'\n' && b != b'\r')
                {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A run of regular characters (a number, keyword or name body).
    fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.data.get(self.pos).is_some_and(|&b| is_regular(b)) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        if self
            .data
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(token))
        {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value<'a>> {
        if depth > 64 {
            return None;
        }
        self.skip_space();
        let start = self.pos;
        match *self.data.get(self.pos)? {
            b'/' => {
                self.pos += 1;
                Some(Value::Name(Cow::Borrowed(self.word())))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.eat(b"]") {
                        return Some(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_space();
                    if self.eat(b">>") {
                        return Some(Value::Dict(dict));
                    }
                    if !self.eat(b"/") {
                        return None;
                    }
                    let key = self.word();
                    let value = self.value(depth + 1)?;
                    dict.0.push((Cow::Borrowed(key), value));
                }
            }
            b'<' => {
                let end = start + self.data[start..].iter().position(|&b| b == b'>')?;
                self.pos = end + 1;
                Some(Value::Raw(Cow::Borrowed(&self.data[start..self.pos])))
            }
            b'(' => {
                let mut level = 0usize;
                loop {
                    match *self.data.get(self.pos)? {
                        b'\\' => self.pos += 1,
                        b'(' => level += 1,
                        b')' => {
                            level -= 1;
                            if level == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                Some(Value::Raw(Cow::Borrowed(&self.data[start..self.pos])))
            }
            b if is_regular(b) => {
                let word = self.word();
                if word.is_empty() {
                    return None;
                }
                // `N 0 R` is a reference; anything else a number or keyword.
                if word.iter().all(u8::is_ascii_digit) {
                    let after = self.pos;
                    self.skip_space();
                    let generation = self.word();
                    self.skip_space();
                    if !generation.is_empty()
                        && generation.iter().all(u8::is_ascii_digit)
                        && self.data.get(self.pos) == Some(&b'R')
                        && self.data.get(self.pos + 1).is_none_or(|&b| !is_regular(b))
                    {
                        if generation != b"0" {
                            return None;
                        }
                        self.pos += 1;
                        return Some(Value::Ref(std::str::from_utf8(word).ok()?.parse().ok()?));
                    }
                    self.pos = after;
                }
                Some(Value::Raw(Cow::Borrowed(word)))
            }
            _ => None,
        }
    }
}

/// The packet file: its header and its objects, found through the
/// cross-reference table.
struct File<'a> {
    header: &'a [u8],
    objects: HashMap<u32, Object<'a>>,
    trailer: Dict<'a>,
}

impl<'a> File<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        let tail = data.len().saturating_sub(64);
        let start = tail + find(&data[tail..], b"startxref")?;
        let mut lex = Lexer::at(data, start + 9);
        lex.skip_space();
        let xref: usize = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
        let mut lex = Lexer::at(data, xref);
        if !lex.eat(b"xref") {
            // A cross-reference stream: not what Typst writes.
            return None;
        }
        let mut offsets = Vec::new();
        loop {
            lex.skip_space();
            if lex.eat(b"trailer") {
                break;
            }
            let first: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
            lex.skip_space();
            let count: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
            for n in first..first.checked_add(count)? {
                lex.skip_space();
                let offset: usize = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
                lex.skip_space();
                let generation = lex.word();
                lex.skip_space();
                let kind = lex.word();
                if kind == b"n" {
                    if generation.iter().any(|&b| b != b'0') {
                        return None;
                    }
                    offsets.push((n, offset));
                }
            }
        }
        let Value::Dict(trailer) = lex.value(0)? else {
            return None;
        };
        if trailer.get(b"Encrypt").is_some() || trailer.get(b"Prev").is_some() {
            return None;
        }
        let header_end = offsets.iter().map(|&(_, o)| o).min()?;
        let mut objects = HashMap::with_capacity(offsets.len());
        for (n, offset) in offsets {
            objects.insert(n, read_object(data, offset, n)?);
        }
        Some(File {
            header: data.get(..header_end)?,
            objects,
            trailer,
        })
    }

    fn get(&self, n: u32) -> Option<&Object<'a>> {
        self.objects.get(&n)
    }

    fn dict(&self, n: u32) -> Option<&Dict<'a>> {
        self.get(n)?.dict()
    }

    /// A value that may be given directly or through a reference.
    fn resolve<'v>(&'v self, value: &'v Value<'a>) -> Option<&'v Value<'a>> {
        match value {
            Value::Ref(r) => Some(&self.get(*r)?.value),
            v => Some(v),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads `n 0 obj ... endobj` at `offset`.
fn read_object(data: &[u8], offset: usize, n: u32) -> Option<Object<'_>> {
    let mut lex = Lexer::at(data, offset);
    let number: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
    lex.skip_space();
    let generation = lex.word();
    lex.skip_space();
    if number != n || generation != b"0" || !lex.eat(b"obj") {
        return None;
    }
    let value = lex.value(0)?;
    lex.skip_space();
    let stream = if lex.eat(b"stream") {
        // The keyword is followed by CRLF or LF, then exactly /Length bytes.
        if !lex.eat(b"\r\n") && !lex.eat(b"\n") {
            return None;
        }
        let Value::Dict(dict) = &value else {
            return None;
        };
        let length = usize::try_from(dict.int(b"Length")?).ok()?;
        let bytes = data.get(lex.pos..lex.pos.checked_add(length)?)?;
        lex.pos += length;
        lex.skip_space();
        if !lex.eat(b"endstream") {
            return None;
        }
        Some(bytes)
    } else {
        None
    };
    lex.skip_space();
    lex.eat(b"endobj").then_some(Object { value, stream })
}

// ------------------------------------------------------------- packet ----

/// What the split needs to know about the packet as a whole.
struct Packet {
    catalog: u32,
    info: u32,
    /// The page objects, in page order.
    pages: Vec<u32>,
    /// The same pages as a set, to tell a page from other objects.
    page_set: BTreeSet<u32>,
    /// The page tree's root.
    page_tree: u32,
    struct_root: u32,
    metadata: u32,
    outlines: Option<u32>,
    /// The packet's instance ID (the second of the trailer's `/ID`), which
    /// its XMP metadata repeats.
    instance_id: String,
}

/// The catalog entries Typst's writer gives a tagged PDF/A document; a
/// catalog with any other entry (named destinations, page labels, forms...)
/// is not split.
const CATALOG_KEYS: &[&[u8]] = &[
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
    fn read(file: &File<'_>) -> Option<Self> {
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
fn page_owners(pages: usize, parts: &[Part<'_>]) -> Vec<Option<usize>> {
    let mut owner = vec![None; pages];
    for (i, part) in parts.iter().enumerate() {
        for page in part.pages.clone() {
            owner[page] = Some(i);
        }
    }
    owner
}

// ---------------------------------------------------- structure tree ----

/// What one entry of a structure element's `/K` is.
enum Kid {
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
    fn of(file: &File<'_>, kid: &Value<'_>, own_page: Option<u32>) -> Option<Self> {
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
struct Elements {
    /// Element object → the parts it has content in (sorted, no repeats).
    parts: HashMap<u32, Vec<usize>>,
}

impl Elements {
    fn read(
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
            parts: HashMap::new(),
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
    fn visit(
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
    fn fill(&mut self, file: &File<'_>, element: u32, parts: &[usize]) -> Option<()> {
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

    fn in_part(&self, element: u32, part: usize) -> bool {
        self.parts
            .get(&element)
            .is_some_and(|p| p.binary_search(&part).is_ok())
    }
}

// ---------------------------------------------------------------- cut ----

/// Builds one part's PDF.
fn cut(
    file: &File<'_>,
    packet: &Packet,
    elements: &Elements,
    index: usize,
    part: &Part<'_>,
) -> Option<Vec<u8>> {
    let pages: Vec<u32> = packet.pages[part.pages.clone()].to_vec();
    let page_set: BTreeSet<u32> = pages.iter().copied().collect();
    // Objects rewritten for this part, by their number in the packet.
    let mut changed: HashMap<u32, Object<'_>> = HashMap::new();

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
    let mut out = Vec::with_capacity(file.header.len() + 64 * 1024);
    out.extend_from_slice(file.header);
    let mut offsets = Vec::with_capacity(seen.len());
    for &n in &seen {
        if n == packet.metadata {
            // Written last, once its page count and IDs are known.
            offsets.push(0);
            continue;
        }
        offsets.push(out.len());
        write_object(&mut out, numbers[&n], get(n)?, &numbers)?;
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
        std::str::from_utf8(file.get(packet.metadata)?.stream?).ok()?,
        packet,
        part,
        lang.as_deref(),
        pages.len(),
        &document_id,
        &instance_id,
    )?;
    let metadata_index = seen.iter().position(|&n| n == packet.metadata)?;
    offsets[metadata_index] = out.len();
    let mut dict = file.dict(packet.metadata)?.clone();
    dict.set(b"Length", Value::number(xmp.len() as i64));
    write_object(
        &mut out,
        numbers[&packet.metadata],
        &Object {
            value: Value::Dict(dict),
            stream: Some(xmp.as_bytes()),
        },
        &numbers,
    )?;

    // The cross-reference table is in number order.
    let mut by_number: Vec<(u32, usize)> = seen
        .iter()
        .zip(&offsets)
        .map(|(n, &o)| (numbers[n], o))
        .collect();
    by_number.sort_unstable();
    let xref = out.len();
    let size = seen.len() + 1;
    out.extend_from_slice(b"xref\n0 ");
    push_number(&mut out, size);
    out.extend_from_slice(b"\n0000000000 65535 f\r\n");
    for (_, offset) in by_number {
        push_offset(&mut out, offset);
        out.extend_from_slice(b" 00000 n\r\n");
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {size}/Root {} 0 R/Info {} 0 R/ID[({document_id})({instance_id})]>>\nstartxref\n{xref}\n%%EOF",
            numbers[&packet.catalog], numbers[&packet.info]
        )
        .as_bytes(),
    );
    Some(out)
}

/// The kids of a structure element or of the structure tree root: `/K` as
/// an array, a single value, or absent.
fn kids<'a>(dict: &Dict<'a>) -> Vec<Value<'a>> {
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
fn filter_tree<'a>(
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

fn dict_object(dict: Dict<'_>) -> Object<'_> {
    Object {
        value: Value::Dict(dict),
        stream: None,
    }
}

/// The `/StructParents` keys of the part's pages and the `/StructParent`
/// keys of their annotations: the parent tree entries the part keeps.
fn struct_parent_keys(file: &File<'_>, pages: &[u32]) -> Option<BTreeSet<i64>> {
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

/// Rewrites the outline for a part: the items whose destination is on one
/// of its pages, each under its nearest kept ancestor, open or closed as in
/// the packet. `false` if no item is left (the catalog then has none).
fn outline<'a>(
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

// ------------------------------------------------------------- writing ----

/// Writes `n 0 obj ... endobj` with every reference renumbered.
fn write_object(
    out: &mut Vec<u8>,
    n: u32,
    object: &Object<'_>,
    numbers: &HashMap<u32, u32>,
) -> Option<()> {
    push_number(out, n);
    out.extend_from_slice(b" 0 obj\n");
    write_value(out, &object.value, numbers)?;
    out.push(b'\n');
    if let Some(data) = object.stream {
        out.extend_from_slice(b"stream\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream\n");
    }
    out.extend_from_slice(b"endobj\n");
    Some(())
}

/// Writes a number in decimal. Object numbers and references are most of a
/// cut document's tokens, and `format!` allocated a string for each one
/// (bench/PROFILE.md).
fn push_number(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes a cross-reference offset as the ten digits the table needs.
fn push_offset(out: &mut Vec<u8>, offset: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(offset).as_bytes();
    out.extend(std::iter::repeat_n(
        b'0',
        10usize.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits);
}

fn write_value(out: &mut Vec<u8>, value: &Value<'_>, numbers: &HashMap<u32, u32>) -> Option<()> {
    // A space only where two tokens would otherwise run together.
    let space_before = |out: &mut Vec<u8>| {
        if out.last().is_some_and(|&b| is_regular(b)) {
            out.push(b' ');
        }
    };
    match value {
        Value::Ref(r) => {
            space_before(out);
            push_number(out, *numbers.get(r)?);
            out.extend_from_slice(b" 0 R");
        }
        Value::Name(name) => {
            out.push(b'/');
            out.extend_from_slice(name);
        }
        Value::Raw(raw) => {
            if raw.first().is_some_and(|&b| is_regular(b)) {
                space_before(out);
            }
            out.extend_from_slice(raw);
        }
        Value::Array(items) => {
            out.push(b'[');
            for item in items {
                write_value(out, item, numbers)?;
            }
            out.push(b']');
        }
        Value::Dict(dict) => {
            out.extend_from_slice(b"<<");
            for (key, item) in &dict.0 {
                out.push(b'/');
                out.extend_from_slice(key);
                write_value(out, item, numbers)?;
            }
            out.extend_from_slice(b">>");
        }
    }
    Some(())
}

/// A PDF text string: literal when plain ASCII, else UTF-16BE with its byte
/// order mark, as a hex string.
fn text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let mut out = Vec::with_capacity(text.len() + 2);
        out.push(b'(');
        for b in text.bytes() {
            if matches!(b, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in text.encode_utf16() {
            out.push_str(&format!("{unit:04X}"));
        }
        out.push('>');
        out.into_bytes()
    }
}

/// The text of a plain literal string such as `(en)`.
fn literal_text(raw: &[u8]) -> Option<String> {
    let inner = raw.strip_prefix(b"(")?.strip_suffix(b")")?;
    if inner
        .iter()
        .any(|&b| matches!(b, b'\\' | b'(' | b')') || !b.is_ascii())
    {
        return None;
    }
    String::from_utf8(inner.to_vec()).ok()
}

// ------------------------------------------------------------ metadata ----

/// The packet's XMP metadata with the part's title, language, page count
/// and identifiers; `None` if a field is not where Typst's writer puts it.
fn xmp(
    packet_xmp: &str,
    packet: &Packet,
    part: &Part<'_>,
    lang: Option<&str>,
    pages: usize,
    document_id: &str,
    instance_id: &str,
) -> Option<String> {
    let mut xmp = replace_between(
        packet_xmp,
        "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">",
        "</rdf:li>",
        &xml_escape(part.title),
    )?;
    if let Some(lang) = lang {
        xmp = replace_between(
            &xmp,
            "<dc:language><rdf:Bag><rdf:li>",
            "</rdf:li>",
            &xml_escape(lang),
        )?;
    }
    xmp = replace_between(
        &xmp,
        "<xmpTPg:NPages>",
        "</xmpTPg:NPages>",
        &pages.to_string(),
    )?;
    xmp = replace_between(
        &xmp,
        "<xmpMM:DocumentID>",
        "</xmpMM:DocumentID>",
        document_id,
    )?;
    // The instance ID also names the history's source events.
    if !xmp.contains(&packet.instance_id) || packet.instance_id.len() < 8 {
        return None;
    }
    Some(xmp.replace(&packet.instance_id, instance_id))
}

/// Replaces the text between the first `start` and the `end` after it.
fn replace_between(text: &str, start: &str, end: &str, with: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}{with}{}", &text[..from], &text[to..]))
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Hashes as Typst's PDF writer (krilla) does, so a document's ID is the
/// one a separate export of it would have: SipHash-1-3, 128 bits, `usize`
/// written as `u64`, base64 of the big-endian bytes.
struct StableHasher(siphasher::sip128::SipHasher13);

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    fn write_usize(&mut self, i: usize) {
        self.0.write_u64(i as u64);
    }
}

fn hash_base64<T: Hash + ?Sized>(value: &T) -> String {
    use base64::Engine as _;
    use siphasher::sip128::Hasher128 as _;
    let mut state = StableHasher(siphasher::sip128::SipHasher13::new());
    value.hash(&mut state);
    base64::engine::general_purpose::STANDARD.encode(state.0.finish128().as_u128().to_be_bytes())
}

/// The document ID Typst's writer gives a PDF 1.7 file exported with this
/// `ident`.
fn document_id(ident: &str) -> String {
    hash_base64(&("PDF 1.7", ident))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF made of `objects` (object `i + 1` is `objects[i]`), with the
    /// catalog at 1 and the information at 2, as Typst's writer lays one out.
    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\x80\x80\x80\x80\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
        );
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<</Size {}/Root 1 0 R/Info 2 0 R/ID[(docid)(packet-instance)]>>\nstartxref\n{xref}\n%%EOF",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    const XMP: &str = "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Packet</rdf:li></rdf:Alt></dc:title><dc:language><rdf:Bag><rdf:li>en</rdf:li></rdf:Bag></dc:language><stEvt:instanceID>packet-instance_source</stEvt:instanceID><xmpTPg:NPages>2</xmpTPg:NPages><xmpMM:InstanceID>packet-instance</xmpMM:InstanceID><xmpMM:DocumentID>docid</xmpMM:DocumentID>";

    /// Two one-page documents: a heading each, in the structure tree and
    /// in the outline. `annots` goes into the first page's dictionary.
    fn two_documents(annots: &str) -> Vec<u8> {
        let metadata = format!(
            "<</Length {}/Type/Metadata/Subtype/XML>>\nstream\n{XMP}\nendstream",
            XMP.len()
        );
        let page1 = format!(
            "<</Type/Page/Resources 14 0 R/MediaBox[0 0 612 792]/StructParents 0/Parent 3 0 R/Contents 12 0 R{annots}>>"
        );
        pdf(&[
            // 1: catalog, 2: information, 3: page tree, 4-5: pages
            "<</Type/Catalog/Pages 3 0 R/Metadata 6 0 R/Lang(en)/StructTreeRoot 7 0 R/MarkInfo<</Marked true/Suspects false>>/Outlines 15 0 R>>",
            "<</Title(Packet)/Creator(Typst 0.15.1)>>",
            "<</Type/Pages/Count 2/Kids[4 0 R 5 0 R]>>",
            &page1,
            "<</Type/Page/Resources 14 0 R/MediaBox[0 0 612 792]/StructParents 1/Parent 3 0 R/Contents 13 0 R>>",
            &metadata,
            // 7: structure root, 8: document, 9-10: headings, 11: an empty span
            "<</Type/StructTreeRoot/K[8 0 R]/ParentTree<</Nums[0[9 0 R] 1[10 0 R]]>>/IDTree<</Names[(a)9 0 R(b)10 0 R]>>/ParentTreeNextKey 2>>",
            "<</Type/StructElem/S/Document/P 7 0 R/K[9 0 R 11 0 R 10 0 R]>>",
            "<</Type/StructElem/S/H1/P 8 0 R/T(First \\(one\\))/K[0]/Pg 4 0 R>>",
            "<</Type/StructElem/S/H1/P 8 0 R/K[0]/Pg 5 0 R>>",
            "<</Type/StructElem/S/Span/P 8 0 R>>",
            "<</Length 9>>\nstream\nBT 0 0 Td\nendstream",
            "<</Length 9>>\nstream\nBT 1 1 Td\nendstream",
            "<</Font<<>>>>",
            // 15: outline root, 16-17: items, 18-19: destinations
            "<</Type/Outlines/First 16 0 R/Last 17 0 R/Count 2>>",
            "<</Parent 15 0 R/Next 17 0 R/Title(One)/Dest 18 0 R>>",
            "<</Parent 15 0 R/Prev 16 0 R/Title(Two)/Dest 19 0 R>>",
            "[4 0 R/XYZ 10 700 0]",
            "[5 0 R/XYZ 10 700 0]",
        ])
    }

    fn parts() -> [Part<'static>; 2] {
        [
            Part {
                pages: 0..1,
                title: "First (one)",
                lang: None,
                ident: "one",
            },
            Part {
                pages: 1..2,
                title: "Segundo – dos",
                lang: Some("es"),
                ident: "two",
            },
        ]
    }

    #[test]
    fn each_document_gets_its_pages_structure_outline_and_metadata() {
        let packet = two_documents("");
        let pdfs = split(&packet, &parts()).expect("the packet splits");
        assert_eq!(pdfs.len(), 2);
        for (i, pdf) in pdfs.iter().enumerate() {
            let file = File::parse(pdf).expect("a cut document parses again");
            let doc = Packet::read(&file).expect("and reads as a packet would");
            assert_eq!(doc.pages.len(), 1);
            // The page's content is the packet's page's, byte for byte.
            let contents = file
                .dict(doc.pages[0])
                .unwrap()
                .reference(b"Contents")
                .unwrap();
            let expected: &[u8] = if i == 0 { b"BT 0 0 Td" } else { b"BT 1 1 Td" };
            assert_eq!(file.get(contents).unwrap().stream, Some(expected));
            // The structure tree: the document element with this part's
            // heading only; the empty span goes with the part before it.
            let root = file.dict(doc.struct_root).unwrap();
            let Some(Value::Array(top)) = root.get(b"K") else {
                panic!()
            };
            let Value::Ref(document) = top[0] else {
                panic!()
            };
            let Some(Value::Array(kids)) = file.dict(document).unwrap().get(b"K") else {
                panic!()
            };
            assert_eq!(kids.len(), if i == 0 { 2 } else { 1 });
            let Some(Value::Dict(parents)) = root.get(b"ParentTree") else {
                panic!()
            };
            let Some(Value::Array(nums)) = parents.get(b"Nums") else {
                panic!()
            };
            assert_eq!(nums.len(), 2, "one parent tree entry: its page's");
            assert_eq!(nums[0].int(), Some(i as i64));
            let Some(Value::Dict(ids)) = root.get(b"IDTree") else {
                panic!()
            };
            assert_eq!(
                ids.get(b"Names")
                    .map(|v| matches!(v, Value::Array(a) if a.len() == 2)),
                Some(true)
            );
            // The outline: one item, no neighbours.
            let outlines = file.dict(doc.outlines.unwrap()).unwrap();
            assert_eq!(outlines.int(b"Count"), Some(1));
            let item = file.dict(outlines.reference(b"First").unwrap()).unwrap();
            assert!(item.get(b"Next").is_none() && item.get(b"Prev").is_none());
            // Title and language in the information, the catalog and XMP.
            let info = file.dict(doc.info).unwrap();
            let xmp = std::str::from_utf8(file.get(doc.metadata).unwrap().stream.unwrap()).unwrap();
            let lang = file.dict(doc.catalog).unwrap().get(b"Lang").cloned();
            if i == 0 {
                assert_eq!(
                    info.get(b"Title"),
                    Some(&Value::Raw(Cow::Borrowed(b"(First \\(one\\))")))
                );
                assert!(xmp.contains(">First (one)</rdf:li>"), "{xmp}");
                assert!(xmp.contains("<rdf:li>en</rdf:li>"));
                assert_eq!(lang, Some(Value::Raw(Cow::Borrowed(b"(en)"))));
            } else {
                assert_eq!(
                    info.get(b"Title"),
                    Some(&Value::Raw(Cow::Owned(text_string("Segundo – dos"))))
                );
                assert!(xmp.contains(">Segundo – dos</rdf:li>"));
                assert!(xmp.contains("<rdf:li>es</rdf:li>"));
                assert_eq!(lang, Some(Value::Raw(Cow::Borrowed(b"(es)"))));
            }
            assert!(xmp.contains("<xmpTPg:NPages>1</xmpTPg:NPages>"));
            assert!(
                !xmp.contains("packet-instance"),
                "the packet's instance ID is replaced"
            );
            assert!(xmp.contains(&format!(
                "<xmpMM:DocumentID>{}</xmpMM:DocumentID>",
                document_id(parts()[i].ident)
            )));
            let text = String::from_utf8_lossy(pdf);
            assert!(text.contains(&format!("/ID[({})(", document_id(parts()[i].ident))));
        }
        assert_eq!(
            split(&packet, &parts()),
            Some(pdfs),
            "the same bytes every time"
        );
    }

    #[test]
    fn a_link_into_another_document_is_left_to_a_separate_export() {
        let linked =
            two_documents("/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 1 1]/Dest[5 0 R/Fit]>>]");
        assert!(split(&linked, &parts()).is_none());
        // A link on the same page is fine.
        let local =
            two_documents("/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 1 1]/Dest[4 0 R/Fit]>>]");
        assert!(split(&local, &parts()).is_some());
    }

    #[test]
    fn anything_but_a_packet_it_understands_is_refused() {
        assert!(split(b"", &parts()).is_none());
        assert!(split(b"not a PDF at all", &parts()).is_none());
        let packet = two_documents("");
        assert!(
            split(&packet[..packet.len() / 2], &parts()).is_none(),
            "cut short"
        );
        // startxref pointing past the end of the file.
        let at = find(&packet, b"startxref\n").unwrap() + 10;
        let mut wild = packet[..at].to_vec();
        wild.extend_from_slice(b"99999999\n%%EOF");
        assert!(split(&wild, &parts()).is_none(), "startxref beyond the end");
        let beyond = [Part {
            pages: 1..3,
            title: "x",
            lang: None,
            ident: "x",
        }];
        assert!(split(&packet, &beyond).is_none(), "pages beyond the packet");
        let overlapping = [
            Part {
                pages: 0..2,
                title: "x",
                lang: None,
                ident: "x",
            },
            Part {
                pages: 1..2,
                title: "y",
                lang: None,
                ident: "y",
            },
        ];
        assert!(split(&packet, &overlapping).is_none());
    }

    #[test]
    fn values_are_written_back_as_they_were_read() {
        let numbers: HashMap<u32, u32> = [(960, 3), (1045, 7)].into_iter().collect();
        let source = b"<</Type/StructElem/S/P/P 960 0 R/A[<</O/Layout/Placement/Block>>]/T(a \\) (b) c)/Alt<FEFF0041>/K[21 -3.5 true]/Pg 1045 0 R>>";
        let value = Lexer::at(source, 0).value(0).unwrap();
        let mut out = Vec::new();
        write_value(&mut out, &value, &numbers).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<</Type/StructElem/S/P/P 3 0 R/A[<</O/Layout/Placement/Block>>]/T(a \\) (b) c)/Alt<FEFF0041>/K[21 -3.5 true]/Pg 7 0 R>>"
        );
    }

    #[test]
    fn titles_are_pdf_text_strings() {
        assert_eq!(
            text_string("Plain (text) \\"),
            b"(Plain \\(text\\) \\\\)".to_vec()
        );
        assert_eq!(text_string("Guía"), b"<FEFF0047007500ED0061>".to_vec());
    }
}
