//! The packet's content, checked from outside (issue 10): the letter that is
//! sent stays in English and on one page, the page with the signature says
//! which records go to whom, Spanish never puts a gendered article before a
//! doctor's title, the new pages are there, the question sheet always asks
//! the two questions every patient needs, and no text is under 10 pt.

use std::path::{Path, PathBuf};

use crate::support::{
    Case, ENTRIES, page_text, pages, pdf_text, pdftotext, require, sample, tool, word_heights,
    zip_entries,
};

/// A patient whose letter has the most to hold: every kind of record, long
/// names and addresses, every contact detail.
fn long_patient(language: &str) -> String {
    serde_json::json!({
        "packet_id": "LONG-1",
        "patient_name": "Maria-Guadalupe Alexandra Fernández-Castellanos de la Torre",
        "date_of_birth": "1951-07-30",
        "patient_address": "Apartment 14B, Riverside Towers\n1234 North Lakeshore Boulevard East\nSpringfield Heights, IL 62704-1234",
        "patient_phone": "(217) 555-0142 ext. 220",
        "patient_email": "maria.guadalupe.fernandez.castellanos@example.org",
        "medical_record_number": "MRN-0048291337-A",
        "current_doctor": "Dra. Priya Natarajan-Venkataraman",
        "current_practice": "Lakeside Orthopedic and Spine Associates of Central Illinois",
        "records_office_address": "Health Information Management, Release of Information\nLakeside Orthopedic and Spine Associates of Central Illinois\n400 Lakeshore Drive, Building C, Second Floor\nSpringfield, IL 62701-0400",
        "records_office_phone": "(217) 555-0100",
        "records_office_fax": "(217) 555-0101",
        "diagnosis": "Degenerative disc disease at L4-L5 with nerve compression",
        "recommended_treatment": "Lumbar spinal fusion (L4-L5)",
        "reasons": ["surgery_recommended", "serious_diagnosis", "explore_options"],
        "decision_deadline": "2027-01-15",
        "appointment_date": "2026-12-10",
        "second_opinion_doctor": "Dr. Samuel Okafor-Whitfield",
        "second_opinion_practice": "University Comprehensive Spine and Neurosurgery Center",
        "second_opinion_address": "1500 College Avenue, Suite 300, Clinical Sciences Building\nChampaign, IL 61820-6995",
        "second_opinion_fax": "(217) 555-0190",
        "records_requested": ["clinic_notes", "test_results", "imaging_reports", "imaging_files",
            "pathology_reports", "medication_list", "procedure_history", "allergies",
            "hospital_records", "billing_records"],
        "records_since": "2020-01-01",
        "records_delivery": "second_opinion_doctor",
        "records_format": "electronic",
        "language": language
    })
    .to_string()
}

/// Builds one input and returns the folder its single packet was unzipped to.
fn packet(case: &Case, name: &str, input: &str, extra: &[&str]) -> PathBuf {
    let file = case.write(&format!("{name}.json"), input);
    let out = format!("{name}-out");
    case.build(
        file.to_str().unwrap(),
        &out,
        &["--quiet"].iter().chain(extra).copied().collect::<Vec<_>>(),
    )
    .assert_code(0);
    let zip = std::fs::read_dir(case.path(&out))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("a packet was written");
    case.unzip(&zip, &format!("{name}-x"))
}

/// The language a PDF's metadata names.
fn language(pdf: &Path) -> String {
    let meta = tool("pdfinfo", &["-meta"], pdf);
    let start = meta
        .find("<dc:language><rdf:Bag><rdf:li>")
        .expect("a language")
        + 30;
    meta[start..].split('<').next().unwrap().to_string()
}

#[test]
fn spanish_packets_send_the_letter_in_english_with_a_spanish_copy_not_to_send() {
    require!("pdftotext", "pdfinfo", "unzip");
    let case = Case::new();
    let es = packet(&case, "es", &sample(), &["--language", "es"]);
    let letter = es.join("records-request-letter.pdf");
    assert_eq!(language(&letter), "en");
    let text = pdf_text(&letter);
    for expected in [
        "Request for copies of my medical records",
        "Page 1 of 1",
        "Date of birth",
    ] {
        assert!(
            text.contains(expected),
            "the letter sent is English: {expected}\n{text}"
        );
    }
    for spanish in ["Solicitud", "Página", "expediente"] {
        assert!(
            !text.contains(spanish),
            "no Spanish in the letter sent: {spanish}"
        );
    }
    let copy = es.join("records-request-letter-copy.pdf");
    assert_eq!(language(&copy), "es");
    let copy_text = pdf_text(&copy);
    assert!(
        copy_text.contains("Para usted — no la envíe"),
        "{copy_text}"
    );
    // Every page of the copy says so, and it has nothing to sign.
    for page in 1..=pages(&copy) {
        assert!(
            page_text(&copy, page).contains("NO LA ENVÍE"),
            "page {page}"
        );
    }
    assert!(!copy_text.contains("Firma del paciente"));
    // The Spanish cover names the letter in Spanish and lists the copy.
    let cover = pdf_text(&es.join("checklist.pdf"));
    assert!(
        cover.contains("Carta para pedir el expediente médico (en inglés)"),
        "{cover}"
    );
    assert!(
        cover.contains("Copia en español de la carta (no la envíe)"),
        "{cover}"
    );

    // An English packet has no copy.
    let en_zip_dir = packet(&case, "en", &sample(), &[]);
    assert!(!en_zip_dir.join("records-request-letter-copy.pdf").exists());
}

#[test]
fn the_letter_fits_on_one_page_in_regular_print_even_with_long_lists() {
    require!("pdftotext", "pdfinfo", "unzip");
    let case = Case::new();
    for (name, input, paper) in [
        ("sample", sample(), "letter"),
        ("long", long_patient("en"), "letter"),
        ("long-a4", long_patient("en"), "a4"),
        ("long-es", long_patient("es"), "letter"),
    ] {
        let dir = packet(&case, name, &input, &["--paper", paper]);
        let letter = dir.join("records-request-letter.pdf");
        assert_eq!(pages(&letter), 1, "{name}: the letter is one page");
        let text = pdf_text(&letter);
        assert!(text.contains("Signature"), "{name}");
    }
}

#[test]
fn the_signature_page_names_the_recipient_and_the_records_in_every_setting() {
    require!("pdftotext", "pdfinfo", "unzip");
    let case = Case::new();
    for (name, extra) in [
        ("regular", &[][..]),
        ("large", &["--large-print"][..]),
        ("large-a4", &["--large-print", "--paper", "a4"][..]),
    ] {
        let dir = packet(&case, name, &long_patient("en"), extra);
        let letter = dir.join("records-request-letter.pdf");
        let last = page_text(&letter, pages(&letter));
        for expected in [
            "Signature",
            "I authorize and direct",
            "Lakeside Orthopedic and Spine Associates of Central Illinois",
            "Dr. Samuel Okafor-Whitfield",
            "University Comprehensive Spine and Neurosurgery Center",
            "visit notes",
            "billing records",
            "January 1, 2020",
        ] {
            assert!(
                last.contains(expected),
                "{name}: the signature page names {expected}:\n{last}"
            );
        }
    }
}

#[test]
fn spanish_names_doctors_in_sentences_with_the_article_their_title_asks_for() {
    require!("pdftotext", "unzip");
    // Issue 26: no title in brackets ("mi médico actual (Dra. Ana…)"); a
    // sentence that reads aloud, "la Dra." for a woman's title, "el Dr." or
    // "del Dr." for a man's, never the other way round.
    let case = Case::new();
    let dir = packet(&case, "es", &long_patient("es"), &[]);
    let mut names: Vec<String> = ENTRIES.iter().map(|e| e.to_string()).collect();
    names.push("records-request-letter-copy.pdf".into());
    let mut seen_la_dra = false;
    for entry in names {
        let text = pdf_text(&dir.join(&entry));
        seen_la_dra |= text.contains("de la Dra. Priya") || text.contains("la Dra. Priya");
        assert!(
            !text.contains("(Dr. ") && !text.contains("(Dra. "),
            "{entry}: a doctor's title in brackets"
        );
        let words: Vec<&str> = text.split_whitespace().collect();
        for pair in words.windows(2) {
            let article = pair[0].trim_start_matches(['(', '¿', '¡']).to_lowercase();
            let title = pair[1].to_lowercase();
            let wrong = (["el", "del", "al"].contains(&article.as_str())
                && title.starts_with("dra."))
                || (["la", "las", "los"].contains(&article.as_str()) && title.starts_with("dr."));
            assert!(!wrong, "{entry}: \"{} {}\"", pair[0], pair[1]);
        }
    }
    assert!(seen_la_dra, "a sentence names la Dra. Priya");
    let copy = pdf_text(&dir.join("records-request-letter-copy.pdf"));
    assert!(copy.contains("Soy paciente de la Dra. Priya"), "{copy}");
}

#[test]
fn the_new_pages_come_in_the_order_of_use_with_the_intake_filled_in() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let dir = packet(&case, "en", &sample(), &[]);
    let summary = pdf_text(&dir.join("my-health-summary.pdf"));
    for expected in [
        "My health summary",
        "Degenerative disc disease at L4-L5",
        "Dose",
        "How often",
        "My allergies",
        "Past surgeries and major illnesses",
        "My other doctors",
        "Dr. Priya Natarajan",
    ] {
        assert!(
            summary.contains(expected),
            "health summary: {expected}\n{summary}"
        );
    }
    let visit = pdf_text(&dir.join("second-opinion-appointment.pdf"));
    for expected in [
        "Dr. Samuel Okafor",
        "University Spine Center",
        "1500 College Avenue",
        "December 10, 2026",
        "What to bring",
        "What I understand so far",
        "My main worries",
        "The decision I face",
    ] {
        assert!(
            visit.contains(expected),
            "appointment page: {expected}\n{visit}"
        );
    }
    let cover = pdf_text(&dir.join("checklist.pdf"));
    let at = |s: &str| {
        cover
            .find(s)
            .unwrap_or_else(|| panic!("the cover lists {s}"))
    };
    assert!(at("My second-opinion appointment.") < at("My health summary."));
    assert!(at("My health summary.") < at("Question sheet for the appointment."));

    let es = packet(&case, "es", &sample(), &["--language", "es"]);
    // The Spanish reading copy comes right after the letter (issue 26).
    let mut expected: Vec<&str> = ENTRIES[..2].to_vec();
    expected.push("records-request-letter-copy.pdf");
    expected.extend(&ENTRIES[2..]);
    let zip = std::fs::read_dir(case.path("es-out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .unwrap();
    assert_eq!(zip_entries(&zip), expected);
    assert!(pdf_text(&es.join("my-health-summary.pdf")).contains("Mis medicamentos"));
    assert!(pdf_text(&es.join("second-opinion-appointment.pdf")).contains("Qué llevar"));
}

#[test]
fn the_question_sheet_always_asks_about_all_options_and_the_actual_scans() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let records = serde_json::json!([
        {"packet_id": "none", "patient_name": "Ann Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee", "diagnosis": "Gallstones"},
        {"packet_id": "many", "patient_name": "Bo Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee",
         "reasons": ["serious_diagnosis", "surgery_recommended", "unclear_diagnosis", "rare_condition",
                     "treatment_not_working", "conflicts_with_priorities", "feel_unheard", "explore_options"]}
    ]);
    let input = case.write("q.json", &records.to_string());
    case.build(input.to_str().unwrap(), "out", &["--quiet"])
        .assert_code(0);
    for id in ["none", "many"] {
        let dir = case.unzip(&case.path(&format!("out/{id}.zip")), id);
        let text = pdf_text(&dir.join("second-opinion-questions.pdf"));
        assert!(
            text.contains("What are all my options, including waiting or doing nothing?"),
            "{id}"
        );
        assert!(
            text.contains("Did you look at my actual scans and slides yourself"),
            "{id}"
        );
        // The marks: three to five questions, plus the one naming the mark
        // in the introduction.
        let marks = text.matches("Ask first").count() - 1;
        assert!((3..=5).contains(&marks), "{id}: {marks} questions marked");
        // No question is asked twice.
        let questions: Vec<&str> = text
            .split('?')
            .map(str::trim)
            .filter(|q| q.len() > 25)
            .collect();
        let mut unique = questions.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), questions.len(), "{id}: a question repeats");
    }
}

/// The smallest word height on any page of a PDF, in points, from
/// `pdftotext -bbox` word boxes.
fn smallest_word_height(pdf: &Path) -> f64 {
    word_heights(pdf, &[])
        .into_iter()
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn no_text_is_smaller_than_10_points() {
    require!("pdftotext", "unzip");
    // Calibration: pdftotext's word box is the font's ascent plus descent,
    // 1.14 times the size in Libertinus Serif (a 10 pt word is 11.40 pt
    // high, 9 pt is 10.26: measured on the packet's own 10 pt footer). In
    // DejaVu Sans (large print) it is 1.0 times the size, so there the same
    // bound asks for at least 11.3 pt: its smallest text is the 12 pt frame.
    const TEN_POINT_LIBERTINUS: f64 = 11.3;
    let case = Case::new();
    for (name, input, extra) in [
        ("en", sample(), &[][..]),
        ("es", sample(), &["--language", "es"][..]),
        ("long", long_patient("en"), &[][..]),
        ("large", sample(), &["--large-print"][..]),
    ] {
        let dir = packet(&case, name, &input, extra);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let pdf = entry.unwrap().path();
            let h = smallest_word_height(&pdf);
            assert!(
                h >= TEN_POINT_LIBERTINUS,
                "{name}/{}: a word only {h:.2} pt high (under 10 pt)",
                pdf.file_name().unwrap().to_string_lossy()
            );
        }
    }
}

/// The long patient with a 70-character name and 40-character values
/// without a space in every field that takes codes (issue 25 and 26).
fn longest_patient(language: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&long_patient(language)).unwrap();
    let run = "4".repeat(40);
    v["patient_name"] =
        "Maria-Guadalupe Alexandra Fernández-Castellanos de la Torre y Villanue".into();
    assert_eq!(v["patient_name"].as_str().unwrap().chars().count(), 70);
    v["date_of_birth"] = "1951-09-30".into();
    for field in [
        "patient_phone",
        "medical_record_number",
        "records_office_phone",
        "records_office_fax",
        "second_opinion_fax",
        "member_id",
        "group_number",
        "insurer_phone",
    ] {
        v[field] = run.clone().into();
    }
    v["insurer"] = "Prairie Health Plan Gold PPO Select Network Choice".into();
    v.to_string()
}

/// Every word on every page of a PDF whose box is not inside the page, as
/// "page N: word".
fn words_off_the_page(pdf: &Path) -> Vec<String> {
    let boxes = pdftotext(pdf, &["-bbox"]);
    let num = |l: &str, key: &str| -> f64 {
        let start = l.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        l[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (mut page, mut width, mut height, mut words) = (0, 0.0, 0.0, 0);
    let mut off = Vec::new();
    for l in boxes.lines() {
        let l = l.trim_start();
        if l.starts_with("<page ") {
            page += 1;
            width = num(l, "width");
            height = num(l, "height");
        } else if l.starts_with("<word ") {
            words += 1;
            let inside = num(l, "xMin") >= 0.0
                && num(l, "yMin") >= 0.0
                && num(l, "xMax") <= width
                && num(l, "yMax") <= height;
            if !inside {
                let word = l
                    .split('>')
                    .nth(1)
                    .unwrap_or("")
                    .split('<')
                    .next()
                    .unwrap_or("");
                off.push(format!("page {page}: {word}"));
            }
        }
    }
    assert!(words > 0, "{}: no words read", pdf.display());
    off
}

#[test]
fn no_word_leaves_the_page_in_any_packet() {
    require!("pdftotext", "pdfinfo", "unzip");
    // English and Spanish, regular and large print, Letter and A4, with a
    // 70-character name and 40-character values without a space: the header
    // keeps to two lines, and long values break inside the page.
    let case = Case::new();
    for language in ["en", "es"] {
        for (print, paper) in [
            ("regular", "letter"),
            ("regular", "a4"),
            ("large", "letter"),
            ("large", "a4"),
        ] {
            let name = format!("{language}-{print}-{paper}");
            let mut extra = vec!["--paper", paper];
            if print == "large" {
                extra.push("--large-print");
            }
            let dir = packet(&case, &name, &longest_patient(language), &extra);
            let pdf = dir.join("packet.pdf");
            let off = words_off_the_page(&pdf);
            assert!(off.is_empty(), "{name}: words outside the page: {off:?}");
            // The name is on every page, whole or cut with "…", never gone.
            for page in 1..=pages(&pdf) {
                assert!(
                    page_text(&pdf, page).contains("Maria-Guadalupe"),
                    "{name}: page {page} has no name in its header"
                );
            }
        }
    }
    // The long values print as typed (no invisible characters in between).
    let dir = case.path("en-regular-letter-x");
    let script = pdf_text(&dir.join("insurance-call-script.pdf"));
    assert!(!script.contains('\u{200B}'));
    assert!(script.contains(&"4".repeat(16)), "{script}");
}

/// A copy of the sample record with some fields changed.
fn sample_with(changes: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&sample()).unwrap();
    let record = if v.is_array() { &mut v[0] } else { &mut v };
    for (k, value) in changes.as_object().unwrap() {
        if value.is_null() {
            record.as_object_mut().unwrap().remove(k);
        } else {
            record[k] = value.clone();
        }
    }
    record.to_string()
}

#[test]
fn the_close_deadline_box_is_there_only_when_a_date_is_close() {
    require!("pdftotext", "unzip");
    // The run date is 2026-11-23.
    let case = Case::new();
    let close = sample_with(
        serde_json::json!({"decision_deadline": "2026-12-03", "appointment_date": "2027-02-01"}),
    );
    let far = sample_with(
        serde_json::json!({"decision_deadline": "2027-01-20", "appointment_date": "2027-02-01"}),
    );
    let cover = pdf_text(&packet(&case, "close", &close, &[]).join("checklist.pdf"));
    assert!(
        cover.contains("Your decision date is in 10 days"),
        "{cover}"
    );
    assert!(cover.contains("What to do today"), "{cover}");
    assert!(!cover.contains("Your appointment is in"), "{cover}");
    let cover = pdf_text(&packet(&case, "far", &far, &[]).join("checklist.pdf"));
    assert!(!cover.contains("What to do today"), "{cover}");
    let es =
        pdf_text(&packet(&case, "close-es", &close, &["--language", "es"]).join("checklist.pdf"));
    assert!(
        es.contains("Su fecha para decidir es dentro de 10 días"),
        "{es}"
    );
}

#[test]
fn medicare_guidance_comes_first_and_no_insurance_has_a_path_of_its_own() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    for language in ["en", "es"] {
        let medicare =
            sample_with(serde_json::json!({"insurer": "Medicare", "language": language}));
        let script = packet(&case, &format!("medicare-{language}"), &medicare, &[])
            .join("insurance-call-script.pdf");
        let first = page_text(&script, 1);
        assert!(first.contains("1-800-MEDICARE"), "{language}: {first}");
        assert!(first.contains("SHIP"), "{language}: {first}");
        let text = pdf_text(&script);
        assert!(
            text.contains("Medicare") && !text.contains("in-network specialist"),
            "{language}"
        );

        let plan = sample_with(serde_json::json!({"language": language}));
        let script = packet(&case, &format!("plan-{language}"), &plan, &[])
            .join("insurance-call-script.pdf");
        assert!(
            !page_text(&script, 1).contains("1-800-MEDICARE"),
            "{language}"
        );

        let none = sample_with(serde_json::json!({"insurer": "none", "language": language}));
        let script = pdf_text(
            &packet(&case, &format!("none-{language}"), &none, &[])
                .join("insurance-call-script.pdf"),
        );
        for expected in ["Good Faith Estimate", "Medicaid"] {
            assert!(
                script.contains(expected),
                "{language}: {expected}\n{script}"
            );
        }
        assert!(
            !script.contains("Member ID") && !script.contains("Número de miembro"),
            "{language}"
        );
    }
}

#[test]
fn the_release_form_step_is_only_for_records_sent_to_someone_else() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let to_me = sample_with(serde_json::json!({"records_delivery": "patient"}));
    let cover = pdf_text(&packet(&case, "me", &to_me, &[]).join("checklist.pdf"));
    assert!(!cover.contains("authorization) form"), "{cover}");
    assert!(cover.contains("patient portal"), "{cover}");
    let to_doctor = sample();
    let cover = pdf_text(&packet(&case, "doctor", &to_doctor, &[]).join("checklist.pdf"));
    assert!(cover.contains("authorization) form"), "{cover}");
    // The letter's box above the signature names the mailing address and
    // the fax, or blanks for them.
    let letter =
        pdf_text(&packet(&case, "doctor2", &to_doctor, &[]).join("records-request-letter.pdf"));
    assert!(letter.contains("mailing address"), "{letter}");
}

/// The number of the first page of `packet.pdf` at which the documents
/// before `entry` (in ZIP order) end, plus one: where `entry` starts.
fn first_page_of(dir: &Path, entry: &str) -> usize {
    let names = zip_order(dir);
    let before = names.iter().take_while(|n| n.as_str() != entry);
    1 + before.map(|n| pages(&dir.join(n))).sum::<usize>()
}

/// The PDFs of an unzipped packet in ZIP order (packet.pdf left out).
fn zip_order(dir: &Path) -> Vec<String> {
    let zip = std::fs::read_dir(
        dir.parent().unwrap().join(
            dir.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .replace("-x", "-out"),
        ),
    )
    .unwrap()
    .map(|e| e.unwrap().path())
    .find(|p| p.extension().is_some_and(|x| x == "zip"))
    .unwrap();
    zip_entries(&zip)
        .into_iter()
        .filter(|n| n.ends_with(".pdf") && n != "packet.pdf")
        .collect()
}

#[test]
fn the_reading_copy_comes_right_after_the_letter_and_large_print_english_has_one() {
    require!("pdftotext", "pdfinfo", "unzip");
    // Issue 26: the Spanish copy right after the English letter in
    // packet.pdf, not at the end; an English large-print packet gets a
    // large-print copy (the letter that is sent stays in the letter size).
    let case = Case::new();
    let copy = "records-request-letter-copy.pdf";
    for (name, extra, mark) in [
        ("es", vec!["--language", "es"], "PARA USTED — NO LA ENVÍE"),
        (
            "es-large",
            vec!["--language", "es", "--large-print"],
            "PARA USTED — NO LA ENVÍE",
        ),
        ("en-large", vec!["--large-print"], "FOR YOU — DO NOT SEND"),
    ] {
        let dir = packet(&case, name, &sample(), &extra);
        let order = zip_order(&dir);
        let letter = order.iter().position(|n| n == "records-request-letter.pdf");
        assert_eq!(
            order.iter().position(|n| n == copy),
            letter.map(|i| i + 1),
            "{name}: {order:?}"
        );
        // In packet.pdf: the page after the letter's last is the copy's
        // first, and the insurance script starts after the copy.
        let packet = dir.join("packet.pdf");
        let start = first_page_of(&dir, copy);
        assert_eq!(
            start,
            first_page_of(&dir, "records-request-letter.pdf")
                + pages(&dir.join("records-request-letter.pdf")),
            "{name}"
        );
        let first = page_text(&packet, start);
        assert!(first.contains(mark), "{name}: page {start}: {first}");
        let before = page_text(&packet, start - 1);
        assert!(
            !before.contains(mark),
            "{name}: page {}: {before}",
            start - 1
        );
        let script = first_page_of(&dir, "insurance-call-script.pdf");
        assert_eq!(script, start + pages(&dir.join(copy)), "{name}");
        // The copy cannot be signed; the letter that is sent can, on one page.
        let copy_text = pdf_text(&dir.join(copy));
        assert!(!copy_text.contains("Signature of patient"), "{name}");
        let letter_pdf = dir.join("records-request-letter.pdf");
        assert_eq!(pages(&letter_pdf), 1, "{name}");
        assert!(
            pdf_text(&letter_pdf).contains("Signature of patient"),
            "{name}"
        );
    }
    // The English copy is the letter, in large print, for the patient.
    let en = case.path("en-large-x").join(copy);
    let text = pdf_text(&en);
    assert!(
        text.contains("Request for copies of my medical records"),
        "{text}"
    );
    assert!(text.contains("What you sign"), "{text}");
    // English regular print prints the letter once.
    let dir = packet(&case, "en", &sample(), &[]);
    assert!(!dir.join(copy).exists());
    assert!(!zip_order(&dir).iter().any(|n| n == copy));
}

#[test]
fn the_question_sheet_asks_about_cost_and_results_and_ends_with_teach_back() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let en = pdf_text(&packet(&case, "q-en", &sample(), &[]).join("second-opinion-questions.pdf"));
    for expected in [
        "What would each option cost me",
        "when and how will I get the results",
        "Let me say back what I heard",
    ] {
        assert!(en.contains(expected), "{expected}\n{en}");
    }
    let es = pdf_text(
        &packet(&case, "q-es", &sample(), &["--language", "es"])
            .join("second-opinion-questions.pdf"),
    );
    for expected in [
        "¿Cuánto me costaría cada opción",
        "¿cuándo y cómo recibiré los resultados",
        "Déjeme repetir lo que entendí",
    ] {
        assert!(es.contains(expected), "{expected}\n{es}");
    }
}

#[test]
fn the_free_interpreter_is_named_in_every_packet_not_in_english_and_none_in_english() {
    require!("pdftotext", "unzip");
    // ACA section 1557: the doctor's office too, not only the insurer.
    let case = Case::new();
    let es = packet(&case, "i-es", &sample(), &["--language", "es"]);
    for entry in [
        "second-opinion-questions.pdf",
        "second-opinion-appointment.pdf",
    ] {
        let text = pdf_text(&es.join(entry));
        assert!(text.contains("sección 1557"), "{entry}\n{text}");
        assert!(text.contains("intérprete"), "{entry}\n{text}");
    }
    let en = pdf_text(&packet(&case, "i-en", &sample(), &[]).join("packet.pdf"));
    assert!(!en.contains("1557"), "{en}");
}

#[test]
fn the_appointment_page_says_what_to_ask_when_booking_and_how_to_find_a_doctor() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    // A plan, a named doctor: the booking questions, no "How to find" box.
    let text =
        pdf_text(&packet(&case, "b-plan", &sample(), &[]).join("second-opinion-appointment.pdf"));
    for expected in [
        "When you call to book",
        "Which records and images do you need",
        "your own release form",
        "Do you take my plan (Prairie Health Plan)?",
        "How will the visit be billed",
        "cost estimate in writing",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(
        !text.contains("How to find a second-opinion doctor"),
        "{text}"
    );
    // Medicare asks whether they accept it; no insurance asks the price.
    let medicare = sample_with(serde_json::json!({"insurer": "Medicare"}));
    let text = pdf_text(
        &packet(&case, "b-medicare", &medicare, &[]).join("second-opinion-appointment.pdf"),
    );
    assert!(text.contains("Do you accept Medicare?"), "{text}");
    assert!(!text.contains("Do you take my plan"), "{text}");
    let none = sample_with(serde_json::json!({"insurer": "none"}));
    let text =
        pdf_text(&packet(&case, "b-none", &none, &[]).join("second-opinion-appointment.pdf"));
    assert!(text.contains("Good Faith Estimate"), "{text}");
    // No second doctor yet: the three lines on how to find one.
    let nobody = sample_with(serde_json::json!({
        "second_opinion_doctor": null, "second_opinion_practice": null,
        "second_opinion_address": null, "second_opinion_fax": null,
        "records_delivery": "patient"
    }));
    let text =
        pdf_text(&packet(&case, "b-nobody", &nobody, &[]).join("second-opinion-appointment.pdf"));
    for expected in [
        "How to find a second-opinion doctor",
        "NCI",
        "board certified",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    // Spanish, with a woman's title: "Médica", and the block in Spanish.
    let dra = sample_with(
        serde_json::json!({"second_opinion_doctor": "Dra. Carmen López", "language": "es"}),
    );
    let text = pdf_text(&packet(&case, "b-es", &dra, &[]).join("second-opinion-appointment.pdf"));
    assert!(text.contains("Cuando llame para hacer la cita"), "{text}");
    assert!(text.contains("Médica:"), "{text}");
}

#[test]
fn a_record_without_the_second_doctors_address_and_fax_is_warned_about_by_field_name() {
    // Issue 26: build and validate name the record and the fields, never a
    // value; a record with a fax is not warned about.
    let case = Case::new();
    let missing = sample_with(serde_json::json!({
        "second_opinion_doctor": "Dra. Zzyzx Quintero",
        "second_opinion_address": null, "second_opinion_fax": null
    }));
    let file = case.write("missing.json", &missing);
    for run in [
        case.build(file.to_str().unwrap(), "w-out", &[]),
        case.run(&["validate", file.to_str().unwrap()]),
    ] {
        run.assert_code(0);
        let all = format!("{}{}", run.stdout(), run.stderr());
        let line = all
            .lines()
            .find(|l| l.starts_with("warning:") && l.contains("second_opinion_fax"))
            .unwrap_or_else(|| panic!("no warning:\n{all}"));
        assert!(line.contains("missing.json, record 1"), "{line}");
        assert!(line.contains("second_opinion_address"), "{line}");
        assert!(!all.contains("Zzyzx"), "a value in the output:\n{all}");
    }
    let file = case.write("fine.json", &sample());
    let run = case.run(&["validate", file.to_str().unwrap()]);
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(!all.contains("second_opinion_fax"), "{all}");
}

/// The cover ends with free help chosen by how the visit is paid for and
/// the reasons: the plan's member services for a plan, Medicare's line and
/// SHIP for Medicare, a hospital's financial assistance without insurance,
/// the cancer and rare-disease lines only for those reasons, and a free
/// interpreter in Spanish only.
#[test]
fn the_cover_lists_free_help_that_fits_the_patient() {
    require!("pdftotext", "pdfinfo", "unzip");
    let case = Case::new();
    let help = |name: &str, changes: serde_json::Value| {
        let checklist = packet(&case, name, &sample_with(changes), &[]).join("checklist.pdf");
        let text = page_text(&checklist, pages(&checklist));
        let start = text
            .find("Free help")
            .or_else(|| text.find("Ayuda gratuita"))
            .unwrap_or_else(|| panic!("{name}: no help list on the last page:\n{text}"));
        text[start..].to_string()
    };
    let plan = help("help-plan", serde_json::json!({}));
    assert!(plan.contains("member services"), "{plan}");
    for absent in [
        "MEDICARE",
        "financial assistance",
        "CANCER",
        "rarediseases",
        "interpreter",
    ] {
        assert!(!plan.contains(absent), "{absent}: {plan}");
    }
    let medicare = help(
        "help-medicare",
        serde_json::json!({"insurer": "Medicare", "reasons": ["serious_diagnosis", "rare_condition"]}),
    );
    for present in [
        "1-800-MEDICARE",
        "SHIP",
        "1-800-4-CANCER",
        "rarediseases.",
        "info.nih.gov",
    ] {
        assert!(medicare.contains(present), "{present}: {medicare}");
    }
    assert!(!medicare.contains("member services"), "{medicare}");
    let none = help(
        "help-none",
        serde_json::json!({"insurer": "sin seguro", "language": "es"}),
    );
    for present in ["ayuda financiera", "Medicaid", "intérprete gratis"] {
        assert!(none.contains(present), "{present}: {none}");
    }
    assert!(!none.contains("Servicios para miembros"), "{none}");
}
