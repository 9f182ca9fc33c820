//! Warnings about a record that can be built but that the patient should
//! complete before sending anything (issue 26). A warning names fields,
//! never their values: it is printed in `build`'s summary and on the page.

use super::Patient;

/// Something missing that a packet can be built without, but that slows
/// the records down: the fields it concerns, what is wrong and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The intake fields concerned, by name.
    pub fields: &'static [&'static str],
    /// What is missing, in words for a clinic clerk.
    pub message: &'static str,
    /// How to fix it.
    pub hint: &'static str,
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
}
