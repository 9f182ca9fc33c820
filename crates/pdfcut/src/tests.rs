//! The cut, checked on PDFs written here as Typst's writer lays them out.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::file::*;
use crate::id::*;
use crate::lexer::*;
use crate::object::*;
use crate::packet::*;
use crate::writer::*;
use crate::*;

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
        let xmp = std::str::from_utf8(file.get(doc.metadata).unwrap().stream.as_deref().unwrap())
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

/// Damaged packets are refused, never a panic: every truncation of the test
/// packet and a byte changed at every position (to a delimiter, a digit and
/// a letter in turn). The renderer catches a panic and falls back, but a
/// panic would still print to the clerk's terminal. The fuzz target
/// (`crates/pdfcut/fuzz`) searches much further than this.
#[test]
fn damaged_packets_are_refused_without_a_panic() {
    let packet = two_documents("");
    let parts = parts();
    let mut refused = 0;
    let mut cases = 0;
    let mut check = |data: &[u8]| {
        cases += 1;
        let split = split(data, &parts);
        if split.is_none() {
            refused += 1;
        }
        for pdf in split.iter().flat_map(|s| s.parts.iter().chain([&s.packet])) {
            assert!(pdf.starts_with(b"%PDF-"), "whatever is written is a PDF");
        }
        let _ = compact(data);
    };
    for end in 0..packet.len() {
        check(&packet[..end]);
    }
    for at in 0..packet.len() {
        for b in [b'>', b'9', b'x'] {
            let mut data = packet.clone();
            data[at] = b;
            check(&data);
        }
    }
    // The checks can fail: most damage is refused, and the whole packet is
    // not.
    assert!(refused > cases / 2, "{refused} of {cases} refused");
    assert!(split(&packet, &parts).is_some());
}

/// The fuzz target's seed (`crates/pdfcut/fuzz/seeds/two-documents`) is the
/// test packet above, after the byte that chooses two one-page documents,
/// so the fuzzer starts from a packet the cut accepts. Written again with
/// `UPDATE_SEEDS=1 cargo test -p second-opinion-pdfcut`.
#[test]
fn the_fuzz_seed_is_the_test_packet() {
    let mut seed = vec![0b0000_0001];
    seed.extend(two_documents(""));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/two-documents");
    if std::env::var_os("UPDATE_SEEDS").is_some() {
        std::fs::write(path, &seed).unwrap();
    }
    assert!(
        std::fs::read(path).unwrap() == seed,
        "the seed differs from the test packet: UPDATE_SEEDS=1"
    );
}
