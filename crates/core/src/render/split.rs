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
//! What it writes, it writes more compactly than Typst does ([`Writer`]):
//! plain objects in compressed object streams and a cross-reference
//! stream, so that the packet ZIP can store its PDFs as they are. The
//! packet itself is rewritten the same way ([`compact`]). Streams are
//! finished here too, once per packet ([`File::finish_streams`]): the
//! renderer has Typst leave page contents, CMaps and font programs
//! uncompressed, and they are deflated here at a cheaper level than
//! krilla's.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::ops::Range;

/// The split's maps are keyed by object numbers and looked up for every
/// reference it reads or writes: a multiply (FxHash) instead of std's
/// SipHash, which was a tenth of the split's instructions
/// (bench/PROFILE.md, change 12). Nothing here depends on their order.
type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

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

/// Cuts each part's PDF out of `packet`, in order, and rewrites the packet
/// itself as the parts are written ([`Writer`]). `None` if the packet is
/// not a PDF this module understands, or a part cannot be separated from
/// the rest (see the module documentation).
pub(super) fn split(packet: &[u8], parts: &[Part<'_>]) -> Option<Split> {
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
pub(super) struct Split {
    /// `packet.pdf` itself, rewritten with object streams ([`compact`]).
    pub packet: Vec<u8>,
    /// Each part's PDF, in order.
    pub parts: Vec<Vec<u8>>,
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
        self.get(key)?.name()
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
    fn name(&self) -> Option<&[u8]> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

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
    stream: Option<Cow<'a, [u8]>>,
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
        let mut objects = HashMap::with_capacity_and_hasher(offsets.len(), Default::default());
        for (n, offset) in offsets {
            objects.insert(n, read_object(data, offset, n)?);
        }
        Some(File {
            header: data.get(..header_end)?,
            objects,
            trailer,
        })
    }

    /// Makes each stream what the files hold, from what the renderer has
    /// Typst write (`raw_streams`, a patch in vendor/, see
    /// `render::Renderer::export`): every stream krilla would have deflated
    /// at level 6 (page contents, font programs, CMaps) comes uncompressed
    /// and is deflated here at [`STREAM_LEVEL`], once per packet however
    /// many documents share it. The XMP metadata stays readable, as PDF/A
    /// wants it. A stream that has a filter already (the ICC profile, an
    /// image a clinic template places) is left as it is.
    fn finish_streams(&mut self) -> Option<()> {
        for object in self.objects.values_mut() {
            let (Value::Dict(dict), Some(data)) = (&mut object.value, &object.stream) else {
                continue;
            };
            if dict.get(b"Filter").is_some()
                || dict.get(b"DecodeParms").is_some()
                || dict.name(b"Type") == Some(b"Metadata")
            {
                continue;
            }
            let finished = deflate(&[data], STREAM_LEVEL)?;
            dict.set(b"Filter", Value::Name(Cow::Borrowed(b"FlateDecode")));
            dict.set(b"Length", Value::number(finished.len() as i64));
            object.stream = Some(Cow::Owned(finished));
        }
        Some(())
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
    lex.eat(b"endobj").then_some(Object {
        value,
        stream: stream.map(Cow::Borrowed),
    })
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

/// `packet.pdf` as Typst wrote it, rewritten the way the cut documents are
/// ([`Writer`]): the same objects under the same numbers, the plain ones
/// packed into compressed object streams. `None` if it is not a PDF this
/// module reads, or its trailer holds anything but the four entries Typst
/// writes.
pub(super) fn compact(pdf: &[u8]) -> Option<Vec<u8>> {
    let mut file = File::parse(pdf)?;
    file.finish_streams()?;
    compact_file(&file)
}

fn compact_file(file: &File<'_>) -> Option<Vec<u8>> {
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

/// Plain objects per object stream at most: a reader inflates a whole
/// stream to reach one object, so a few tens of kilobytes each keeps that
/// cheap while the compressor still sees enough to find the repeats.
const OBJECT_STREAM_OBJECTS: usize = 4096;
/// Uncompressed bytes per object stream at most (see above).
const OBJECT_STREAM_BYTES: usize = 64 * 1024;
/// zlib level for object streams and the cross-reference stream. The
/// objects are short, repetitive dictionaries (structure elements, mostly),
/// which level 1 already shrinks about fivefold (bench/PROFILE.md, change 7).
const OBJECT_STREAM_LEVEL: u32 = 1;
/// Bytes per cross-reference stream entry (`/W[1 4 2]`).
const XREF_ROW: usize = 7;
/// zlib level for the content streams deflated here
/// ([`File::finish_streams`]). Measured on 40 packets (bench/PROFILE.md,
/// change 8, before the cross-reference predictor): level 1 7.48 G
/// instructions and a 438 kB sample packet,
/// level 2 7.76 G and 405 kB, level 4 7.99 G and 386 kB; krilla's level 6
/// 8.01 G and 372 kB.
const STREAM_LEVEL: u32 = 1;

/// Writes a PDF whose plain objects (dictionaries, arrays: everything but
/// streams) are packed into compressed object streams, with a compressed
/// cross-reference stream instead of the classic table. Typst's writer
/// leaves the structure tree (PDF/UA) uncompressed, and it is half of
/// every document's bytes; compressed here, the packet ZIP no longer needs
/// to deflate the PDFs again, nor the read-back check to inflate them.
/// Streams (pages, fonts, images, the XMP metadata) are written as they
/// are given, byte for byte. PDF/A-2 and PDF/UA-1 allow both kinds of
/// stream (they are PDF 1.5); the header is kept, and it must say 1.5 or
/// later.
struct Writer {
    out: Vec<u8>,
    /// Where each object is, by its number (index 0 is the free object 0).
    entries: Vec<Entry>,
    /// The objects the cross-reference stream lists, streams included.
    size: u32,
    /// The object stream being filled: `number offset` pairs, then the
    /// objects themselves.
    pairs: Vec<u8>,
    body: Vec<u8>,
    count: usize,
}

#[derive(Clone, Copy)]
enum Entry {
    Free,
    /// Written as `n 0 obj`, at this offset.
    At(usize),
    /// The `index`-th object of object stream `stream`.
    In {
        stream: u32,
        index: u16,
    },
}

impl Writer {
    /// A writer for objects `1..=objects`, after `header`.
    fn new(header: &[u8], objects: usize) -> Option<Self> {
        let version = header.strip_prefix(b"%PDF-")?;
        if !(version.starts_with(b"1.")
            && version.get(2).is_some_and(|&b| (b'5'..=b'9').contains(&b))
            || version.starts_with(b"2."))
        {
            return None;
        }
        let mut out = Vec::with_capacity(header.len() + 64 * 1024);
        out.extend_from_slice(header);
        Some(Writer {
            out,
            entries: vec![Entry::Free; objects + 1],
            size: u32::try_from(objects + 1).ok()?,
            pairs: Vec::new(),
            body: Vec::with_capacity(OBJECT_STREAM_BYTES),
            count: 0,
        })
    }

    /// Writes object `n` (in `1..=objects`) with every reference renumbered.
    fn object(&mut self, n: u32, object: &Object<'_>, numbers: &HashMap<u32, u32>) -> Option<()> {
        let slot = usize::try_from(n).ok().filter(|&n| n > 0)?;
        if !matches!(self.entries.get(slot)?, Entry::Free) {
            return None;
        }
        let Some(data) = object.stream.as_deref() else {
            if self.count == OBJECT_STREAM_OBJECTS || self.body.len() >= OBJECT_STREAM_BYTES {
                self.flush()?;
            }
            push_number(&mut self.pairs, n);
            self.pairs.push(b' ');
            push_number(&mut self.pairs, self.body.len());
            self.pairs.push(b' ');
            write_value(&mut self.body, &object.value, numbers)?;
            self.body.push(b'\n');
            // The stream's number is the next free one once it is full.
            self.entries[slot] = Entry::In {
                stream: self.size,
                index: u16::try_from(self.count).ok()?,
            };
            self.count += 1;
            return Some(());
        };
        self.entries[slot] = Entry::At(self.out.len());
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n");
        write_value(&mut self.out, &object.value, numbers)?;
        self.out.extend_from_slice(b"\nstream\n");
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
        Some(())
    }

    /// Writes the object stream being filled, if it holds anything.
    fn flush(&mut self) -> Option<()> {
        if self.count == 0 {
            return Some(());
        }
        let first = self.pairs.len();
        let mut data = deflate(&[&self.pairs, &self.body], OBJECT_STREAM_LEVEL)?;
        let n = self.size;
        self.size = self.size.checked_add(1)?;
        self.entries.push(Entry::At(self.out.len()));
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n<</Type/ObjStm/N ");
        push_number(&mut self.out, self.count);
        self.out.extend_from_slice(b"/First ");
        push_number(&mut self.out, first);
        self.stream_tail(&mut data);
        self.pairs.clear();
        self.body.clear();
        self.count = 0;
        Some(())
    }

    /// Ends a stream object's dictionary with its filter and length, then
    /// writes its data.
    fn stream_tail(&mut self, data: &mut Vec<u8>) {
        self.out.extend_from_slice(b"/Filter/FlateDecode/Length ");
        push_number(&mut self.out, data.len());
        self.out.extend_from_slice(b">>\nstream\n");
        self.out.append(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes the last object stream and the cross-reference stream, whose
    /// dictionary is the trailer (`id` is the `/ID` array as written).
    fn finish(mut self, root: u32, info: u32, id: &[u8]) -> Option<Vec<u8>> {
        self.flush()?;
        if self.entries[1..].iter().any(|e| matches!(e, Entry::Free)) {
            return None;
        }
        let n = self.size;
        let start = self.out.len();
        self.entries.push(Entry::At(start));
        let size = n.checked_add(1)?;
        // /W [1 4 2]: type, offset or object stream, generation or index;
        // each row as its difference from the row before (the PNG "Up"
        // predictor), which turns slowly growing offsets and runs of the
        // same object stream into zeros the compressor halves again.
        let mut table = Vec::with_capacity(self.entries.len() * (XREF_ROW + 1));
        let mut above = [0u8; XREF_ROW];
        for entry in &self.entries {
            let (kind, field, index) = match *entry {
                Entry::Free => (0u8, 0u32, 65535u16),
                Entry::At(offset) => (1, u32::try_from(offset).ok()?, 0),
                Entry::In { stream, index } => (2, stream, index),
            };
            let mut row = [0u8; XREF_ROW];
            row[0] = kind;
            row[1..5].copy_from_slice(&field.to_be_bytes());
            row[5..7].copy_from_slice(&index.to_be_bytes());
            table.push(2);
            table.extend(row.iter().zip(&above).map(|(b, a)| b.wrapping_sub(*a)));
            above = row;
        }
        let mut data = deflate(&[&table], OBJECT_STREAM_LEVEL)?;
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n<</Type/XRef/Size ");
        push_number(&mut self.out, size);
        self.out.extend_from_slice(b"/W[1 4 2]/Root ");
        push_number(&mut self.out, root);
        self.out.extend_from_slice(b" 0 R/Info ");
        push_number(&mut self.out, info);
        self.out.extend_from_slice(b" 0 R/ID");
        self.out.extend_from_slice(id);
        self.out
            .extend_from_slice(b"/DecodeParms<</Predictor 12/Columns 7>>");
        self.stream_tail(&mut data);
        self.out.extend_from_slice(b"startxref\n");
        push_number(&mut self.out, start);
        self.out.extend_from_slice(b"\n%%EOF");
        Some(self.out)
    }
}

/// zlib-compresses `pieces` as one stream at `level`. One compressor per
/// thread and level, reset for each stream: setting a new one up zeroes its
/// tables, and a packet writes dozens of streams (bench/PROFILE.md,
/// change 7).
fn deflate(pieces: &[&[u8]], level: u32) -> Option<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    thread_local! {
        static COMPRESSORS: std::cell::RefCell<Vec<(u32, Compress)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    COMPRESSORS.with_borrow_mut(|compressors| {
        let at = match compressors.iter().position(|(l, _)| *l == level) {
            Some(at) => at,
            None => {
                compressors.push((level, Compress::new(Compression::new(level), true)));
                compressors.len() - 1
            }
        };
        let compressor = &mut compressors[at].1;
        compressor.reset();
        let len = pieces.iter().map(|p| p.len()).sum::<usize>();
        let mut out = Vec::with_capacity(len / 3 + 64);
        for (i, piece) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            let flush = if last {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            let mut input = *piece;
            loop {
                if out.capacity() - out.len() < 64 {
                    out.reserve(out.capacity().max(1024));
                }
                let before = compressor.total_in();
                let status = compressor.compress_vec(input, &mut out, flush).ok()?;
                let used = usize::try_from(compressor.total_in() - before).ok()?;
                input = input.get(used..)?;
                let done = match status {
                    Status::StreamEnd => true,
                    Status::Ok | Status::BufError => !last && input.is_empty(),
                };
                if done {
                    break;
                }
            }
        }
        Some(out)
    })
}

/// Writes a number in decimal. Object numbers and references are most of a
/// cut document's tokens, and `format!` allocated a string for each one
/// (bench/PROFILE.md).
fn push_number(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
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
        let bodies: Vec<Vec<u8>> = objects.iter().map(|o| o.as_bytes().to_vec()).collect();
        classic(
            &bodies,
            b"/Root 1 0 R/Info 2 0 R/ID[(docid)(packet-instance)]",
        )
    }

    /// A PDF with a classic cross-reference table: object `i + 1` is
    /// `bodies[i]`, and the trailer holds `/Size` and then `trailer`.
    fn classic(bodies: &[Vec<u8>], trailer: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\x80\x80\x80\x80\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", bodies.len() + 1).as_bytes(),
        );
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(format!("trailer\n<</Size {}", bodies.len() + 1).as_bytes());
        out.extend_from_slice(trailer);
        out.extend_from_slice(format!(">>\nstartxref\n{xref}\n%%EOF").as_bytes());
        out
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        use std::io::Read as _;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data)
            .read_to_end(&mut out)
            .expect("a zlib stream");
        out
    }

    /// The classic form of a PDF that [`Writer`] wrote: every object as
    /// `n 0 obj`, found through a cross-reference table, which is all that
    /// [`File::parse`] reads. The object streams and the cross-reference
    /// stream themselves are left out; the objects keep their numbers.
    fn expand(pdf: &[u8]) -> Vec<u8> {
        let number = |word: &[u8]| -> usize { std::str::from_utf8(word).unwrap().parse().unwrap() };
        let tail = pdf.len() - 64;
        let mut lex = Lexer::at(pdf, tail + find(&pdf[tail..], b"startxref").unwrap() + 9);
        lex.skip_space();
        let start = number(lex.word());
        let n = number(Lexer::at(pdf, start).word()) as u32;
        let xref = read_object(pdf, start, n).expect("the cross-reference stream");
        let trailer = xref.dict().unwrap().clone();
        assert_eq!(trailer.name(b"Type"), Some(&b"XRef"[..]));
        assert_eq!(trailer.int(b"Size"), Some(i64::from(n) + 1));
        let predicted = inflate(xref.stream.as_deref().unwrap());
        assert_eq!(
            predicted.len(),
            8 * (n as usize + 1),
            "/W[1 4 2], one row per object"
        );
        let mut table: Vec<u8> = Vec::new();
        for row in predicted.chunks(8) {
            assert_eq!(row[0], 2, "PNG Up");
            let above = table.len().checked_sub(7).map(|at| table[at..].to_vec());
            let above = above.unwrap_or(vec![0; 7]);
            table.extend(row[1..].iter().zip(above).map(|(b, a)| b.wrapping_add(a)));
        }
        let entries: Vec<(u8, u32, u16)> = table
            .chunks(7)
            .map(|e| {
                (
                    e[0],
                    u32::from_be_bytes(e[1..5].try_into().unwrap()),
                    u16::from_be_bytes(e[5..7].try_into().unwrap()),
                )
            })
            .collect();
        assert_eq!(entries[0], (0, 0, 65535));
        assert_eq!(entries[n as usize], (1, start as u32, 0));
        let streams: HashMap<u32, Vec<u8>> = entries
            .iter()
            .filter(|e| e.0 == 2)
            .map(|e| e.1)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|s| {
                let object = read_object(pdf, entries[s as usize].1 as usize, s).unwrap();
                assert_eq!(object.dict().unwrap().name(b"Type"), Some(&b"ObjStm"[..]));
                (s, inflate(object.stream.as_deref().unwrap()))
            })
            .collect();
        let mut objects = BTreeSet::new();
        let mut written: Vec<(u32, Object<'_>)> = Vec::new();
        for (i, &(kind, field, index)) in entries.iter().enumerate().skip(1) {
            let i = i as u32;
            let object = match kind {
                1 => read_object(pdf, field as usize, i).unwrap(),
                2 => {
                    let data = &streams[&field];
                    let head = read_object(pdf, entries[field as usize].1 as usize, field).unwrap();
                    let first = head.dict().unwrap().int(b"First").unwrap() as usize;
                    let mut lex = Lexer::at(data, 0);
                    let mut offset = None;
                    for k in 0..=index {
                        lex.skip_space();
                        assert_eq!(number(lex.word()) as u32 == i, k == index);
                        lex.skip_space();
                        offset = Some(number(lex.word()));
                    }
                    let value = Lexer::at(data, first + offset.unwrap()).value(0).unwrap();
                    Object {
                        value,
                        stream: None,
                    }
                }
                _ => panic!("object {i} is free"),
            };
            let kind_name = object.dict().and_then(|d| d.name(b"Type"));
            if kind_name == Some(b"ObjStm") || kind_name == Some(b"XRef") {
                continue;
            }
            assert!(
                kind == 2 || object.stream.is_some(),
                "object {i} is plain but not in an object stream"
            );
            objects.insert(i);
            written.push((i, object));
        }
        assert_eq!(
            objects,
            (1..=objects.len() as u32).collect(),
            "numbers 1..n"
        );
        let identity: HashMap<u32, u32> = objects.iter().map(|&n| (n, n)).collect();
        let bodies: Vec<Vec<u8>> = written
            .iter()
            .map(|(_, object)| {
                let mut body = Vec::new();
                write_value(&mut body, &object.value, &identity).unwrap();
                if let Some(data) = &object.stream {
                    body.extend_from_slice(b"\nstream\n");
                    body.extend_from_slice(data);
                    body.extend_from_slice(b"\nendstream");
                }
                body
            })
            .collect();
        let mut tail = Vec::new();
        for key in [&b"Root"[..], b"Info", b"ID"] {
            tail.push(b'/');
            tail.extend_from_slice(key);
            write_value(&mut tail, trailer.get(key).unwrap(), &identity).unwrap();
        }
        classic(&bodies, &tail)
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
        let Split {
            packet: whole,
            parts: pdfs,
        } = split(&packet, &parts()).expect("the packet splits");
        assert_eq!(pdfs.len(), 2);
        assert_eq!(Some(whole), compact(&packet), "the packet is compacted too");
        for (i, pdf) in pdfs.iter().enumerate() {
            let classic = expand(pdf);
            let file = File::parse(&classic).expect("a cut document parses again");
            let doc = Packet::read(&file).expect("and reads as a packet would");
            assert_eq!(doc.pages.len(), 1);
            // The page's content is the packet's page's, byte for byte.
            let contents = file
                .dict(doc.pages[0])
                .unwrap()
                .reference(b"Contents")
                .unwrap();
            let expected: &[u8] = if i == 0 { b"BT 0 0 Td" } else { b"BT 1 1 Td" };
            let contents = file.get(contents).unwrap();
            assert_eq!(inflate(contents.stream.as_deref().unwrap()), expected);
            assert_eq!(
                contents.dict().unwrap().name(b"Filter"),
                Some(&b"FlateDecode"[..])
            );
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
            let xmp =
                std::str::from_utf8(file.get(doc.metadata).unwrap().stream.as_deref().unwrap())
                    .unwrap();
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
            split(&packet, &parts()).map(|s| s.parts),
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
    fn a_compacted_pdf_holds_the_same_objects_under_the_same_numbers() {
        let packet = two_documents("");
        let compacted = compact(&packet).expect("Typst's kind of PDF compacts");
        let mut original = File::parse(&packet).unwrap();
        original.finish_streams().unwrap();
        let classic = expand(&compacted);
        let again = File::parse(&classic).unwrap();
        assert_eq!(original.objects.len(), again.objects.len());
        for (n, object) in &original.objects {
            let copy = again.get(*n).unwrap();
            assert_eq!(object.value, copy.value, "object {n}");
            assert_eq!(object.stream, copy.stream, "object {n}'s stream");
        }
        assert_eq!(original.trailer.get(b"ID"), again.trailer.get(b"ID"));
        assert!(
            find(&compacted, b"StructElem").is_none(),
            "plain objects are compressed"
        );
        assert!(
            find(&compacted, b"BT 1 1 Td").is_none(),
            "contents are deflated"
        );
        assert!(find(&compacted, b"<</Font").is_none());
        assert_eq!(
            compact(&packet),
            Some(compacted),
            "the same bytes every time"
        );
        // A trailer with anything Typst does not write is left alone, and
        // so is a PDF older than object streams.
        let mut prev = packet.clone();
        let at = find(&prev, b"/Size").unwrap();
        prev.splice(at..at, b"/Extra(x)".iter().copied());
        assert!(compact(&prev).is_none());
        let mut old = packet.clone();
        old[7] = b'4';
        assert!(compact(&old).is_none());
    }

    #[test]
    fn a_full_object_stream_is_written_and_another_begun() {
        let mut objects = vec![
            "<</Type/Catalog/Pages 3 0 R>>".to_string(),
            "<</Title(Many)>>".to_string(),
            "<</Type/Pages/Count 0/Kids[]>>".to_string(),
        ];
        for i in 0..OBJECT_STREAM_OBJECTS + 10 {
            objects.push(format!("[{i} 1 0 R]"));
        }
        let objects: Vec<&str> = objects.iter().map(String::as_str).collect();
        let many = pdf(&objects);
        let compacted = compact(&many).unwrap();
        let streams = compacted
            .windows(b"/Type/ObjStm".len())
            .filter(|w| w == b"/Type/ObjStm")
            .count();
        assert_eq!(streams, 2);
        let classic = expand(&compacted);
        let again = File::parse(&classic).unwrap();
        assert_eq!(again.objects.len(), objects.len());
        assert_eq!(
            again.get(objects.len() as u32).unwrap().value,
            Lexer::at(objects.last().unwrap().as_bytes(), 0)
                .value(0)
                .unwrap()
        );
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

    /// What Typst writes with `raw_streams` becomes what the files hold:
    /// streams without a filter deflated (but the XMP metadata), everything
    /// else as it was.
    #[test]
    fn streams_are_finished_once_and_the_rest_left_alone() {
        let stream = |dict: &str, data: &str| {
            format!(
                "<<{dict}/Length {}>>\nstream\n{data}\nendstream",
                data.len()
            )
        };
        let objects = [
            "<</Type/Catalog/Pages 3 0 R>>".to_string(),
            "<</Title(Streams)>>".to_string(),
            "<</Type/Pages/Count 0/Kids[]>>".to_string(),
            stream("", "BT 0 0 Td ET"),
            stream("/Subtype/CIDFontType0C/Length1 3", "ABC"),
            stream("/Type/Metadata/Subtype/XML", "<x:xmpmeta/>"),
            stream("/Filter/FlateDecode/DecodeParms<</Predictor 12>>", "abcd"),
            stream("/DecodeParms<<>>", "4142"),
            stream("/Filter/DCTDecode", "jpeg"),
            stream("/Filter/ASCIIHexDecode", "414>"),
        ];
        let objects: Vec<&str> = objects.iter().map(String::as_str).collect();
        let raw = pdf(&objects);
        let mut file = File::parse(&raw).unwrap();
        file.finish_streams().unwrap();
        let get = |n: u32| {
            let object = file.get(n).unwrap();
            let dict = object.dict().unwrap();
            let data = object.stream.as_deref().unwrap().to_vec();
            assert_eq!(dict.int(b"Length"), Some(data.len() as i64), "object {n}");
            (dict.get(b"Filter").cloned(), data)
        };
        let flate = Some(Value::Name(Cow::Borrowed(b"FlateDecode")));
        let (filter, data) = get(4);
        assert_eq!(
            (filter, inflate(&data)),
            (flate.clone(), b"BT 0 0 Td ET".to_vec())
        );
        let (filter, data) = get(5);
        assert_eq!((filter, inflate(&data)), (flate, b"ABC".to_vec()));
        assert_eq!(
            file.dict(5).unwrap().int(b"Length1"),
            Some(3),
            "other entries are kept"
        );
        assert_eq!(
            get(6),
            (None, b"<x:xmpmeta/>".to_vec()),
            "the XMP metadata stays readable"
        );
        assert_eq!(get(7).1, b"abcd");
        assert_eq!(
            get(8),
            (None, b"4142".to_vec()),
            "decode parameters: left alone"
        );
        assert_eq!(get(9).1, b"jpeg");
        assert_eq!(get(10).1, b"414>", "a filter of any kind: left alone");
        // The rest of the file as written, and the same bytes every time.
        let compacted = compact(&raw).unwrap();
        assert_eq!(compact(&raw), Some(compacted));
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
