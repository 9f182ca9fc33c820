//! Errors, written for the clinic staff and patients who will read them.
//!
//! Two kinds exist. An [`Error`] stops the whole run (exit code 2): unreadable
//! input, a bad option, a folder we cannot write to, a broken template. A
//! [`Problem`] belongs to one record: it is reported with the record's file and
//! row, and the other records are still built (exit code 1).
//!
//! No message here ever contains a field's *value*: intake data is health
//! information and messages end up in terminals, logs and e-mails. Messages
//! name the file, the record or row, the field, what is wrong, and a hint.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line option or combination that cannot work.
    #[error("{message}\nhint: {hint}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// An input file that cannot be read as intake data at all.
    #[error("{}: {message}\nhint: {hint}", shown(file))]
    Input {
        /// The input file.
        file: PathBuf,
        /// What is wrong, without any field value.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// A file-system operation that failed.
    #[error("{}: {action}: {reason}\nhint: {hint}", shown(path))]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What we were doing ("could not read the file").
        action: String,
        /// The operating system's reason, in words.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// A template that does not compile against a sample record.
    #[error(
        "the template {} could not be built:\n{details}\nhint: {hint}",
        printable(name)
    )]
    Template {
        /// The template file name.
        name: String,
        /// Typst's diagnostics, with file, line and column.
        details: String,
        /// How to fix it.
        hint: String,
    },
}

impl Error {
    /// A failed read of an input file.
    pub fn io_read(path: &Path, err: &std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "check the file name and folder; the file does not exist"
            }
            std::io::ErrorKind::PermissionDenied => {
                "you are not allowed to read this file; ask for access or copy it somewhere you can read it"
            }
            _ => "check that the file is readable and not open in another program",
        };
        Error::Io {
            path: path.to_path_buf(),
            action: "could not read the file".into(),
            reason: io_reason(err),
            hint: hint.into(),
        }
    }

    /// A failed write (packets, report, starter files, exported templates).
    pub fn io_write(path: &Path, err: &std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                "choose a folder you are allowed to write to"
            }
            std::io::ErrorKind::StorageFull => "the disk is full; free some space and run again",
            _ => "check that the folder exists and the disk has free space, then run again",
        };
        Error::Io {
            path: path.to_path_buf(),
            action: "could not write".into(),
            reason: io_reason(err),
            hint: hint.into(),
        }
    }
}

/// The operating system's reason for an I/O error, without Rust's decoration
/// ("No such file or directory (os error 2)" becomes "no such file or directory").
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown error".into(),
    }
}

/// Whether a character must not reach a terminal or a cell as it is:
/// control characters (line breaks, tabs, the escape that starts a
/// terminal's colour and cursor sequences, C1 controls) and the invisible
/// marks that reverse the direction of the text around them (so a name
/// cannot show one thing and be another).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (and direction mark) written out
/// visibly, as `\n`, `\t` or `\u{1b}`: a file name may hold anything
/// but `/`, and printed as it is, an escape sequence in it would recolour
/// the terminal or rewrite what the clerk sees, and a line break would
/// forge a line of its own. Text without such characters is borrowed as
/// it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, hidden)
}

/// [`printable`] for whole messages, which may span lines: every control
/// character but the line break is written out, so a message keeps its
/// lines and nothing else in it can act on the terminal.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && hidden(c))
}

fn escape(text: &str, hide: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hide) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hide(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as messages print it: [`printable`], since a file name is
/// whatever its creator typed, and messages reach terminals and logs.
pub fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

/// One problem with one record: which field, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The intake field (or column / key as written) concerned, if any.
    pub field: Option<String>,
    /// What is wrong, never quoting the value.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Problem {
    /// A problem with a named field.
    pub fn field(
        field: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem {
            field: Some(field.into()),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A problem with the record as a whole.
    pub fn record(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Problem {
            field: None,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {} (hint: {})", self.message, self.hint),
            None => write!(f, "{} (hint: {})", self.message, self.hint),
        }
    }
}

/// The process exit status, decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every packet was built (or every record is valid).
    AllGood,
    /// Some records failed; the others were built.
    SomeFailed,
    /// Nothing could be done.
    Fatal,
}

impl Outcome {
    /// The exit code for this outcome: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Outcome::AllGood => 0,
            Outcome::SomeFailed => 1,
            Outcome::Fatal => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_names_are_printed_visibly() {
        assert_eq!(printable("intake.csv"), "intake.csv");
        assert!(matches!(printable("intake.csv"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[31mred\nb\tc\u{202e}d"),
            "a\\u{1b}[31mred\\nb\\tc\\u{202e}d"
        );
        assert_eq!(printable_lines("one\ntwo\u{7}"), "one\ntwo\\u{7}");
        let error = Error::Input {
            file: PathBuf::from("in/\u{1b}]0;pwned\u{7}.csv"),
            message: "m".into(),
            hint: "h".into(),
        };
        let text = error.to_string();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        assert!(
            text.starts_with("in/\\u{1b}]0;pwned\\u{7}.csv: m"),
            "{text}"
        );
    }
}
