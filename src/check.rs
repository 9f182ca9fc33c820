//! The start-up check of the templates, bounded in time and memory.
//!
//! The core checks every template by building a fictional patient's packet
//! ([`Renderer::new`]), but Typst cannot be cancelled and a clinic's template
//! may loop for ever or make endless pages. So the command line runs the
//! check on a thread of its own while this one watches the clock and the
//! process's memory. Past either limit the error names the clinic's
//! templates and the check thread is left behind: the run stops, and the
//! process's exit ends the thread.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use second_opinion_core::error::{Code, Error};
use second_opinion_core::render::{RenderOptions, Renderer};

/// How long the start-up check may build the sample packet by default. It
/// takes about a second; a template that loops for ever is stopped here.
pub(crate) const CHECK_TIME: Duration = Duration::from_secs(20);

/// The resident memory the process may reach while the sample packet is
/// built, in MB: a template that makes endless pages or huge arrays is
/// stopped here, long before the machine runs out of memory.
pub(crate) const CHECK_MEMORY_MB: u64 = 400;

/// [`Renderer::new`], stopped past `limit` or [`CHECK_MEMORY_MB`].
pub(crate) fn renderer(
    options: RenderOptions,
    languages: &BTreeSet<String>,
    limit: Duration,
) -> Result<Renderer, Error> {
    let suspects = options.templates.clinic_templates();
    let languages = languages.clone();
    let (done, checked) = std::sync::mpsc::channel();
    let check = move || {
        let _ = done.send(Renderer::new(options, &languages));
    };
    std::thread::Builder::new()
        .stack_size(16 * 1024 * 1024)
        .spawn(check)
        .map_err(|_| Error::Usage {
            message: "the computer could not start the template check".into(),
            hint: "close other programs and run again".into(),
        })?;
    let started = Instant::now();
    let stopped = |reason: &'static str, details: String| {
        Error::template(
            Code::TemplateStopped,
            match suspects.len() {
                0 => "set (built-in)".to_string(),
                _ => suspects.join(", "),
            },
            details,
            "look for a loop that never ends or a document that repeats without end in the templates you changed or added; on a very slow computer set SECOND_OPINION_CHECK_SECONDS higher",
        )
        .with("reason", reason)
    };
    loop {
        match checked.recv_timeout(Duration::from_millis(50)) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(stopped(
                    "crashed",
                    "Typst stopped unexpectedly while building the sample packet".into(),
                ));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if started.elapsed() > limit {
            return Err(stopped(
                "time",
                format!(
                    "building the sample packet took longer than {} seconds",
                    limit.as_secs()
                ),
            ));
        }
        if resident_mb().is_some_and(|mb| mb > CHECK_MEMORY_MB) {
            return Err(stopped(
                "memory",
                format!(
                    "building the sample packet needed more than {CHECK_MEMORY_MB} MB of memory"
                ),
            ));
        }
    }
}

/// The process's resident memory in MB, where the system tells it.
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system setting.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()? / (1024 * 1024))
}
