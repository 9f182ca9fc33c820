//! The XMP metadata of a part: its title, language, page count and identifiers.

use crate::Part;
use crate::packet::Packet;

/// The packet's XMP metadata with the part's title, language, page count
/// and identifiers; `None` if a field is not where Typst's writer puts it.
pub(crate) fn xmp(
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
pub(crate) fn replace_between(text: &str, start: &str, end: &str, with: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}{with}{}", &text[..from], &text[to..]))
}

pub(crate) fn xml_escape(text: &str) -> String {
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
