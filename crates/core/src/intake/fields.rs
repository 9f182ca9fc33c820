//! The intake contract: every field a patient record may carry.
//!
//! This table is the single source of truth for field names, kinds, whether a
//! field is required, the spreadsheet header aliases, and the documentation
//! `init` writes into starter forms. JSON keys and spreadsheet headers use the
//! same names, so one intake contract serves every input format.

use std::sync::OnceLock;

/// What kind of value a field holds; decides how raw cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Text that may span several lines (addresses).
    MultiLine,
    /// Text that must stay exactly as typed, digits included ("00123").
    Code,
    /// A calendar date.
    Date,
    /// One code from a fixed set.
    Choice(&'static [&'static str]),
    /// A list of codes from a fixed set.
    ChoiceList(&'static [&'static str]),
    /// A list of free texts.
    TextList,
}

/// One intake field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The field name used in JSON and as the canonical spreadsheet header.
    pub name: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// Whether a packet can be built without it.
    pub required: bool,
    /// Other spreadsheet headers accepted for this field (compared after
    /// normalising case, spaces and punctuation).
    pub aliases: &'static [&'static str],
    /// What the field means, for documentation and starter forms.
    pub help: &'static str,
    /// A fictional example value, for documentation and starter forms.
    pub example: &'static str,
}

/// Why a patient seeks a second opinion; chooses the questions on the sheet.
pub const REASONS: &[&str] = &[
    "serious_diagnosis",
    "surgery_recommended",
    "unclear_diagnosis",
    "rare_condition",
    "treatment_not_working",
    "conflicts_with_priorities",
    "feel_unheard",
    "explore_options",
];

/// Kinds of records that can be requested. The first eight are the default.
pub const RECORD_KINDS: &[&str] = &[
    "clinic_notes",
    "test_results",
    "imaging_reports",
    "imaging_files",
    "pathology_reports",
    "medication_list",
    "procedure_history",
    "allergies",
    "hospital_records",
    "billing_records",
];

/// The records requested when the intake names none: the first eight kinds.
pub const DEFAULT_RECORD_KINDS: &[&str] = RECORD_KINDS.split_at(8).0;

/// Who receives the requested records.
pub const DELIVERY: &[&str] = &["second_opinion_doctor", "patient"];

/// The form of the copies.
pub const FORMATS: &[&str] = &["electronic", "paper"];

const fn f(
    name: &'static str,
    kind: Kind,
    required: bool,
    aliases: &'static [&'static str],
    help: &'static str,
    example: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required,
        aliases,
        help,
        example,
    }
}

/// Every intake field, in the order forms and documentation show them.
pub const FIELDS: &[FieldSpec] = &[
    f(
        "packet_id",
        Kind::Code,
        false,
        &["packet", "packet number", "case id", "case number"],
        "Names the output file when given (letters, digits, - and _ are kept). Otherwise the patient's name is used.",
        "SO-2026-0042",
    ),
    f(
        "patient_name",
        Kind::Text,
        true,
        &["name", "patient", "full name", "patient full name"],
        "The patient's name as it should appear on letters.",
        "Jordan A. Rivera",
    ),
    f(
        "date_of_birth",
        Kind::Date,
        true,
        &[
            "dob",
            "birth date",
            "birthdate",
            "date of birth",
            "birthday",
        ],
        "Date of birth, written YYYY-MM-DD.",
        "1968-04-09",
    ),
    f(
        "patient_address",
        Kind::MultiLine,
        false,
        &[
            "address",
            "home address",
            "mailing address",
            "patient mailing address",
        ],
        "The patient's mailing address; may span several lines.",
        "12 Alder Lane\nSpringfield, IL 62704",
    ),
    f(
        "patient_phone",
        Kind::Code,
        false,
        &[
            "phone",
            "phone number",
            "telephone",
            "patient telephone",
            "mobile",
            "cell phone",
        ],
        "A phone number where the patient can be reached.",
        "(217) 555-0142",
    ),
    f(
        "patient_email",
        Kind::Text,
        false,
        &["email", "e-mail", "email address", "patient e-mail"],
        "The patient's e-mail address.",
        "jordan.rivera@example.org",
    ),
    f(
        "medical_record_number",
        Kind::Code,
        false,
        &[
            "mrn",
            "medical record number",
            "medical record #",
            "record number",
            "chart number",
            "mrn #",
        ],
        "The patient's record number at the current practice, exactly as printed (leading zeros kept).",
        "00482913",
    ),
    f(
        "current_doctor",
        Kind::Text,
        true,
        &[
            "doctor",
            "current physician",
            "treating doctor",
            "first opinion doctor",
            "referring doctor",
            "physician",
        ],
        "The doctor whose diagnosis or treatment plan is being reviewed.",
        "Dr. Priya Natarajan",
    ),
    f(
        "current_practice",
        Kind::Text,
        false,
        &["practice", "current clinic", "clinic", "current hospital"],
        "The current doctor's practice, clinic or hospital.",
        "Lakeside Orthopedic Associates",
    ),
    f(
        "records_office_address",
        Kind::MultiLine,
        false,
        &["records address", "medical records address", "him address"],
        "Where the records request letter is sent; may span several lines.",
        "Health Information Management\n400 Lakeshore Drive\nSpringfield, IL 62701",
    ),
    f(
        "records_office_phone",
        Kind::Code,
        false,
        &["records phone", "medical records phone"],
        "The records office's phone number.",
        "(217) 555-0100",
    ),
    f(
        "records_office_fax",
        Kind::Code,
        false,
        &["records fax", "medical records fax"],
        "The records office's fax number.",
        "(217) 555-0101",
    ),
    f(
        "diagnosis",
        Kind::Text,
        false,
        &["current diagnosis", "condition"],
        "The diagnosis given so far. Leave empty when it is unclear.",
        "Degenerative disc disease, L4-L5",
    ),
    f(
        "recommended_treatment",
        Kind::Text,
        false,
        &[
            "treatment",
            "recommended surgery",
            "proposed treatment",
            "treatment plan",
            "recommended procedure",
        ],
        "The treatment or surgery that has been recommended.",
        "Lumbar spinal fusion",
    ),
    f(
        "reasons",
        Kind::ChoiceList(REASONS),
        false,
        &["reason", "reasons for second opinion", "why"],
        "Why a second opinion is wanted; chooses the questions on the question sheet. One or more of the codes listed below.",
        "surgery_recommended; explore_options",
    ),
    f(
        "decision_deadline",
        Kind::Date,
        false,
        &["deadline", "decision date", "decide by"],
        "The date by which a decision is expected, if any.",
        "2027-01-15",
    ),
    f(
        "appointment_date",
        Kind::Date,
        false,
        &["appointment", "second opinion date", "appointment day"],
        "The date of the second-opinion appointment, if booked.",
        "2026-12-10",
    ),
    f(
        "second_opinion_doctor",
        Kind::Text,
        false,
        &[
            "second doctor",
            "second opinion physician",
            "new doctor",
            "consulting doctor",
        ],
        "The doctor giving the second opinion, if known.",
        "Dr. Samuel Okafor",
    ),
    f(
        "second_opinion_practice",
        Kind::Text,
        false,
        &[
            "second opinion clinic",
            "second practice",
            "second opinion hospital",
        ],
        "That doctor's practice or centre.",
        "University Spine Center",
    ),
    f(
        "second_opinion_address",
        Kind::MultiLine,
        false,
        &["second opinion mailing address", "second doctor address"],
        "Where the second-opinion doctor receives records; may span several lines.",
        "1500 College Avenue, Suite 300\nChampaign, IL 61820",
    ),
    f(
        "second_opinion_fax",
        Kind::Code,
        false,
        &["second doctor fax", "second opinion fax number"],
        "The second-opinion doctor's fax number.",
        "(217) 555-0190",
    ),
    f(
        "insurer",
        Kind::Text,
        false,
        &[
            "insurance",
            "insurance company",
            "health plan",
            "plan",
            "payer",
        ],
        "The health insurer or plan.",
        "Prairie Health Plan",
    ),
    f(
        "member_id",
        Kind::Code,
        false,
        &[
            "member #",
            "member number",
            "member no",
            "insurance id",
            "subscriber id",
            "policy number",
        ],
        "The member or subscriber ID on the insurance card.",
        "PHP778102553",
    ),
    f(
        "group_number",
        Kind::Code,
        false,
        &["group #", "group", "group no", "group id"],
        "The group number on the insurance card.",
        "GRP-20410",
    ),
    f(
        "insurer_phone",
        Kind::Code,
        false,
        &["insurance phone", "member services phone", "plan phone"],
        "The member services phone number on the insurance card.",
        "1-800-555-0175",
    ),
    f(
        "records_requested",
        Kind::ChoiceList(RECORD_KINDS),
        false,
        &["records", "records wanted"],
        "Which records to ask for. Empty means the usual set (the first eight codes below).",
        "clinic_notes; imaging_files; pathology_reports",
    ),
    f(
        "records_since",
        Kind::Date,
        false,
        &["records from", "records start date"],
        "Ask for records from this date on. Empty means all records.",
        "2025-01-01",
    ),
    f(
        "records_delivery",
        Kind::Choice(DELIVERY),
        false,
        &["send records to", "delivery"],
        "Who receives the records: second_opinion_doctor (default when that doctor is named) or patient.",
        "second_opinion_doctor",
    ),
    f(
        "records_format",
        Kind::Choice(FORMATS),
        false,
        &["format"],
        "electronic (default) or paper copies.",
        "electronic",
    ),
    f(
        "language",
        Kind::Choice(super::LANGUAGES),
        false,
        &["lang", "preferred language", "idioma"],
        "The language of the patient's documents: en (English) or es (Spanish). Empty means the run's language (--language, else en).",
        "en",
    ),
    f(
        "my_questions",
        Kind::TextList,
        false,
        &[
            "questions",
            "my own questions",
            "patient questions",
            "own questions",
        ],
        "The patient's own questions for the appointment.",
        "Can I keep working while I decide?; What would recovery look like for someone my age?",
    ),
];

/// Looks a field up by its exact name.
pub fn by_name(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Normalises a header or code for comparison: lower case, and runs of
/// spaces, non-breaking spaces, underscores and punctuation (except `#`,
/// which carries meaning in "Member #") folded into one `_`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '#' {
            if pending_gap && !out.is_empty() {
                out.push('_');
            }
            pending_gap = false;
            out.extend(c.to_lowercase());
        } else {
            pending_gap = true;
        }
    }
    out
}

/// Finds the field a spreadsheet header stands for, by name or alias,
/// ignoring case, spaces, underscores and punctuation.
///
/// Names and aliases are normalised once per process (a CSV being sniffed
/// asks for every cell of its first lines), and a header too long to be any
/// of them is not normalised at all.
pub fn by_header(header: &str) -> Option<&'static FieldSpec> {
    static NORMALISED: OnceLock<Vec<(String, &'static FieldSpec)>> = OnceLock::new();
    let known = NORMALISED.get_or_init(|| {
        FIELDS
            .iter()
            .flat_map(|f| {
                std::iter::once(normalise(f.name))
                    .chain(f.aliases.iter().map(|a| normalise(a)))
                    .map(move |n| (n, f))
            })
            .collect()
    });
    if header.len() > MAX_HEADER_BYTES {
        return None;
    }
    let wanted = normalise(header);
    if wanted.is_empty() {
        return None;
    }
    known.iter().find(|(n, _)| *n == wanted).map(|(_, f)| *f)
}

/// The longest header looked up: every name and alias is far shorter, even
/// with the spaces and punctuation normalising removes.
pub(crate) const MAX_HEADER_BYTES: usize = 200;

/// The field reference as a Markdown table, for docs/intake.md (a test
/// keeps the file in step with this table).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| field | required | format | meaning | example | spreadsheet headers also accepted |\n|---|---|---|---|---|---|\n",
    );
    for f in FIELDS {
        let format = match f.kind {
            Kind::Text => "text, one line".to_string(),
            Kind::MultiLine => "text, may span lines".to_string(),
            Kind::Code => "text, kept exactly (quote it in JSON)".to_string(),
            Kind::Date => "date `YYYY-MM-DD`".to_string(),
            Kind::Choice(codes) => format!(
                "one of: {}",
                codes
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::ChoiceList(codes) => format!(
                "list of: {}",
                codes
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::TextList => "list of texts".to_string(),
        };
        let example = f.example.replace('\n', " ⏎ ");
        let aliases = f
            .aliases
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            f.name,
            if f.required { "**yes**" } else { "no" },
            format,
            f.help,
            example,
            aliases
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_ignoring_case_and_punctuation() {
        for header in [
            "Patient Name",
            "patient_name",
            "PATIENT-NAME",
            " patient\u{a0}name ",
        ] {
            assert_eq!(
                by_header(header).map(|f| f.name),
                Some("patient_name"),
                "{header}"
            );
        }
        assert_eq!(by_header("DOB").map(|f| f.name), Some("date_of_birth"));
        assert_eq!(
            by_header("Date of Birth").map(|f| f.name),
            Some("date_of_birth")
        );
        assert_eq!(
            by_header("MRN").map(|f| f.name),
            Some("medical_record_number")
        );
        assert_eq!(by_header("Member #").map(|f| f.name), Some("member_id"));
        assert!(by_header("Favourite colour").is_none());
        assert!(by_header("   ").is_none());
    }

    #[test]
    fn no_alias_is_claimed_by_two_fields() {
        let mut seen = std::collections::HashMap::new();
        for field in FIELDS {
            for key in std::iter::once(field.name).chain(field.aliases.iter().copied()) {
                if let Some(other) = seen.insert(normalise(key), field.name) {
                    assert_eq!(other, field.name, "{key} is claimed twice");
                }
            }
        }
    }

    #[test]
    fn defaults_are_known_record_kinds() {
        for kind in DEFAULT_RECORD_KINDS {
            assert!(RECORD_KINDS.contains(kind));
        }
    }

    #[test]
    fn docs_intake_md_lists_every_field() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("docs/intake.md");
        let doc = std::fs::read_to_string(&path).expect("docs/intake.md exists");
        let (start, end) = ("<!-- fields:start -->\n", "<!-- fields:end -->");
        let (a, b) = (
            doc.find(start).expect("start marker") + start.len(),
            doc.find(end).expect("end marker"),
        );
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{}{}", &doc[..a], markdown_table(), &doc[b..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        assert_eq!(
            &doc[a..b],
            markdown_table(),
            "docs/intake.md is out of date: run UPDATE_DOCS=1 cargo test docs_intake"
        );
    }
}
