//! Warnings about a record that can be built but that the patient should
//! complete before sending anything (issue 26). A warning names fields,
//! never their values: `build` and `validate` print it among their warnings
//! ([`RecordWarnings`]), and so does the page.

use super::Patient;
use crate::error::Code;
use crate::intake::Origin;

/// Most record warnings a run lists one by one; the others are counted in
/// one more line, so a sheet of thousands of records does not bury the
/// summary.
pub const MAX_LISTED: usize = 20;

/// Something missing that a packet can be built without, but that slows
/// the records down: the fields it concerns, what is wrong and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What is missing, as a stable code for front ends to word.
    pub code: Code,
    /// The intake fields concerned, by name.
    pub fields: &'static [&'static str],
    /// What is missing, in words for a clinic clerk.
    pub message: &'static str,
    /// How to fix it.
    pub hint: &'static str,
}

impl Warning {
    /// The warning as one line naming the record and the fields, never a
    /// value: "intake.csv, row 3: second_opinion_address,
    /// second_opinion_fax: the records go to … (hint: …)".
    pub fn line(&self, origin: &Origin) -> String {
        format!(
            "{origin}: {}: {} (hint: {})",
            self.fields.join(", "),
            self.message,
            self.hint
        )
    }
}

/// The record warnings of a run, gathered as the records are checked, for
/// `build`, `validate` and the page to print beside the file warnings.
#[derive(Debug, Default)]
pub struct RecordWarnings {
    listed: Vec<(Origin, Warning)>,
    more: usize,
}

impl RecordWarnings {
    /// Adds a checked record's warnings, if any.
    pub fn add(&mut self, patient: &Patient) {
        self.add_all(&patient.origin, patient.warnings());
    }

    /// Adds the warnings of the record at `origin` ([`Patient::warnings`]).
    pub fn add_all(&mut self, origin: &Origin, warnings: Vec<Warning>) {
        for warning in warnings {
            if self.listed.len() < MAX_LISTED {
                self.listed.push((origin.clone(), warning));
            } else {
                self.more += 1;
            }
        }
    }

    /// The lines, with one more counting those not listed.
    pub fn into_lines(self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .listed
            .iter()
            .map(|(origin, warning)| warning.line(origin))
            .collect();
        if self.more > 0 {
            lines.push(format!(
                "{} more warnings about records like those above (check the second doctor's address and fax in each record)",
                self.more
            ));
        }
        lines
    }

    /// The warnings listed one by one, with their records, and how many
    /// more were counted but not listed ([`Code::MoreRecordWarnings`]), for
    /// a front end that words each code itself.
    pub fn into_parts(self) -> (Vec<(Origin, Warning)>, usize) {
        (self.listed, self.more)
    }
}

impl Patient {
    /// The warnings of this record, in a fixed order; empty when nothing is
    /// missing. Values never appear in them.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let to_doctor = self.records_delivery == "second_opinion_doctor"
            && self.second_opinion_doctor.is_some();
        if to_doctor && self.second_opinion_address.is_none() && self.second_opinion_fax.is_none() {
            warnings.push(Warning {
                code: Code::DoctorWithoutAddressOrFax,
                fields: &["second_opinion_address", "second_opinion_fax"],
                message: "the records go to the second-opinion doctor, but the intake has neither their mailing address nor their fax",
                hint: "add one or both, or the patient fills in the blanks on the letter before signing it",
            });
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doctor_without_address_or_fax_is_warned_about_by_field_name() {
        let mut p = crate::record::sample_patient();
        p.records_delivery = "second_opinion_doctor".into();
        p.second_opinion_doctor = Some("Dr. ZZSECRET".into());
        p.second_opinion_address = None;
        p.second_opinion_fax = None;
        let warnings = p.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].fields,
            &["second_opinion_address", "second_opinion_fax"]
        );
        assert!(!format!("{warnings:?}").contains("ZZSECRET"));
        // A fax alone is enough to send the paper records; so is an address.
        p.second_opinion_fax = Some("(217) 555-0190".into());
        assert!(p.warnings().is_empty());
        p.second_opinion_fax = None;
        p.second_opinion_address = Some("1 Main St".into());
        assert!(p.warnings().is_empty());
        // Records sent to the patient need neither.
        p.second_opinion_address = None;
        p.records_delivery = "patient".into();
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn a_runs_warnings_name_the_record_and_are_capped() {
        let mut p = crate::record::sample_patient();
        p.records_delivery = "second_opinion_doctor".into();
        p.second_opinion_doctor = Some("Dr. ZZSECRET".into());
        p.second_opinion_address = None;
        p.second_opinion_fax = None;
        let mut all = RecordWarnings::default();
        all.add(&p);
        let lines = all.into_lines();
        assert_eq!(lines.len(), 1);
        let origin = p.origin.to_string();
        assert!(
            lines[0].starts_with(&format!(
                "{origin}: second_opinion_address, second_opinion_fax: "
            )),
            "{}",
            lines[0]
        );
        assert!(!lines[0].contains("ZZSECRET"));
        let mut all = RecordWarnings::default();
        for _ in 0..MAX_LISTED + 3 {
            all.add(&p);
        }
        let lines = all.into_lines();
        assert_eq!(lines.len(), MAX_LISTED + 1);
        assert!(
            lines[MAX_LISTED].starts_with("3 more warnings"),
            "{}",
            lines[MAX_LISTED]
        );
        // A record with nothing missing adds nothing.
        let mut all = RecordWarnings::default();
        all.add(&crate::record::sample_patient());
        assert!(all.into_lines().is_empty());
    }
}
