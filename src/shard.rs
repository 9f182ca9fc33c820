//! Shards: one run split into N disjoint slices, so that N machines (a Slurm
//! job array, a Kubernetes Indexed Job) build one batch together into one
//! shared folder (`build --shard K/N`, then `report merge`; docs/scale.md).
//!
//! Valid record number `i` (counted from 0 in input order, only records that
//! pass the checks) belongs to shard `i % N + 1`. Round robin rather than
//! blocks, so a shard's slice depends only on the input, never on how many
//! records there are, and long and short stretches of a sheet spread evenly.
//! Every shard still reads, checks and names every record in the same order,
//! so each packet gets exactly the file name a single run would give it
//! ("Maria-Garcia-2.zip" stays the second Maria Garcia's, whichever shard
//! builds the first); a shard writes only its own packets.
//!
//! The shards of one run share one count. A shard of another count in the
//! same folder (`--shard 2/3` beside a running `1/2`) would build an
//! overlapping slice under colliding names, and the merge would refuse the
//! folder after all the work, so it is refused before any work
//! (`output::OutputDir::prepare_for`). Each shard first takes its own lock
//! file ([`Shard::lock_file`]) and only then tries, one by one, the lock
//! files of other counts it finds in the folder ([`Shard::of_lock_file`]);
//! one held means a live shard of another count, and the shard stops. Of two
//! shards of different counts starting together, the one that locked second
//! always sees the first's lock held (it was taken before the second looked),
//! so they never both run; at worst both stop, and are started again. Then
//! it looks for finished reports of another count, after the locks: a shard
//! that had released its lock had written its report before.
//!
//! `--shard auto` maps a scheduler's variables to a slice only when they
//! determine it exactly; otherwise (a Slurm array with gaps, a Slurm that
//! does not say the array's last task number) it refuses and asks for
//! `--shard K/N`: a wrong slice would build some records twice and others
//! never.
//!
//! A shard knows its own file names (its report, lock file and temporary
//! files, from the core's report names and `crate::files`' prefix), so that
//! the output folder, its locks, the summaries and the merge all import it,
//! and it imports nothing of theirs.

use std::fmt;

use second_opinion_core::error::Error;

/// The most shards a run may be split into: more than any site has
/// machines for one batch, and each shard's report lists every record, so
/// the reports grow with the number of shards.
pub(crate) const MAX_SHARDS: usize = 10_000;

/// Slurm: the task's number in the job array (`sbatch --array=1-8`).
pub(crate) const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
/// Slurm: the array's first task number.
pub(crate) const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// Slurm: the array's last task number.
pub(crate) const SLURM_TASK_MAX: &str = "SLURM_ARRAY_TASK_MAX";
/// Slurm: how many tasks the array has.
pub(crate) const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// Slurm: the step between task numbers (`--array=1-15:2` has 2).
pub(crate) const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
/// Kubernetes: the pod's index in an Indexed Job, from 0.
pub(crate) const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The number of shards under Kubernetes, which tells a pod its index but
/// not the Job's `completions`: the manifest sets this to the same number.
pub(crate) const SHARD_COUNT: &str = "SECOND_OPINION_SHARD_COUNT";

/// Shard `index` of `count` (both from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// What `--shard` asked for: a slice, or the one the scheduler gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `--shard K/N`.
    Slice(Shard),
    /// `--shard auto`: read the job scheduler's variables.
    Auto,
}

impl Shard {
    /// Shard `index` of `count`, if `1 <= index <= count <= MAX_SHARDS`;
    /// else why not, in words for the `--shard` error.
    pub fn new(index: usize, count: usize) -> Result<Self, String> {
        if count == 0 {
            Err("N, the number of shards, must be at least 1".into())
        } else if count > MAX_SHARDS {
            Err(format!(
                "a run can be split into at most {MAX_SHARDS} shards"
            ))
        } else if index == 0 {
            Err("shards are numbered from 1: K must be 1 to N".into())
        } else if index > count {
            Err(format!(
                "there is no shard {index} of {count}: K must be 1 to N"
            ))
        } else {
            Ok(Shard { index, count })
        }
    }

    /// The shard's number, from 1.
    pub fn index(self) -> usize {
        self.index
    }

    /// How many shards the run has.
    pub fn count(self) -> usize {
        self.count
    }

    /// The shard that builds valid record number `valid` (from 0) of a run
    /// split into `count` shards.
    pub fn owner(count: usize, valid: usize) -> usize {
        valid % count + 1
    }

    /// Whether this shard builds valid record number `valid` (from 0).
    pub fn owns(self, valid: usize) -> bool {
        Self::owner(self.count, valid) == self.index
    }

    /// The report status of valid record number `valid` (from 0) when
    /// another shard builds it; `None` when it is this shard's own.
    pub fn elsewhere(self, valid: usize) -> Option<second_opinion_core::report::Status> {
        let owner = Self::owner(self.count, valid);
        (owner != self.index).then_some(second_opinion_core::report::Status::OtherShard {
            shard: owner,
            of: self.count,
        })
    }

    /// The name of this shard's report in the shared folder.
    pub fn report_file(self) -> String {
        second_opinion_core::report::shard_report_file(self.index, self.count)
    }

    /// The shard whose report file this is (`report-2-of-4.csv`), if any.
    pub fn of_report_file(name: &str) -> Option<Self> {
        let (index, count) = second_opinion_core::report::parse_shard_report_file(name)?;
        Shard::new(index, count).ok()
    }

    /// The hidden file this shard locks in the output folder, so that a
    /// second copy of the same shard is refused while the other shards run.
    pub fn lock_file(self) -> String {
        format!(
            "{}shard-{}-of-{}.lock",
            crate::files::TEMP_PREFIX,
            self.index,
            self.count
        )
    }

    /// The shard whose lock file this is (`.second-opinion-shard-2-of-4.lock`),
    /// if any: exactly the name [`Shard::lock_file`] gives, so that a shard
    /// finds the lock files of the shards of other counts in its folder.
    pub fn of_lock_file(name: &str) -> Option<Self> {
        let rest = name.strip_prefix(crate::files::TEMP_PREFIX)?;
        let (index, count) = rest
            .strip_prefix("shard-")?
            .strip_suffix(".lock")?
            .split_once("-of-")?;
        let shard = Shard::new(number(index)?, number(count)?).ok()?;
        (shard.lock_file() == name).then_some(shard)
    }

    /// The prefix of this shard's temporary files. It ends in `-`, which the
    /// random part of a temporary name never holds, so shard 1 of 3 never
    /// takes shard 1 of 30's files, nor an unsharded run's, for its own.
    pub fn temp_prefix(self) -> String {
        format!(
            "{}shard-{}-of-{}-",
            crate::files::TEMP_PREFIX,
            self.index,
            self.count
        )
    }

    /// The slice as `--shard` takes it: `2/4`. Only the tests write a slice
    /// back (the messages say `shard 2 of 4`), so only they have this.
    #[cfg(test)]
    pub fn arg(self) -> String {
        format!("{}/{}", self.index, self.count)
    }

    /// The shard `--shard auto` stands for, from the job scheduler's
    /// variables (`var` looks one up; tests pass their own). Slurm's job
    /// array first, then a Kubernetes Indexed Job. Only `--shard auto` reads
    /// these: a plain run inside a job array builds everything.
    pub fn from_scheduler(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(id) = var(SLURM_TASK_ID) {
            return from_slurm(&id, &var);
        }
        if let Some(index) = var(K8S_INDEX) {
            return from_kubernetes(&index, &var);
        }
        Err(auto_error(
            format!(
                "--shard auto found no job array: neither {SLURM_TASK_ID} (Slurm) nor {K8S_INDEX} (Kubernetes) is set"
            ),
            "submit the command as a Slurm job array (sbatch --array=1-8) or a Kubernetes Indexed Job, or give the slice yourself, like --shard 2/8",
        ))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shard {} of {}", self.index, self.count)
    }
}

/// `--shard`'s value parser: `K/N` or `auto`. Its error text follows
/// clap's "invalid value '…' for '--shard <K/N|auto>': ".
pub(crate) fn parse_arg(text: &str) -> Result<ShardArg, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("auto") {
        return Ok(ShardArg::Auto);
    }
    let numbers = text
        .split_once('/')
        .and_then(|(k, n)| Some((number(k)?, number(n)?)));
    let Some((index, count)) = numbers else {
        return Err(
            "write the slice as K/N, like --shard 2/4 (the second of four), or --shard auto under a job scheduler"
                .into(),
        );
    };
    Shard::new(index, count).map(ShardArg::Slice)
}

/// A whole number as a person or a scheduler writes one. Numbers too large
/// for `usize` read as `usize::MAX`, which [`Shard::new`] then refuses.
fn number(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(usize::MAX))
}

/// A usage error of `--shard auto`.
fn auto_error(message: String, hint: &str) -> Error {
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

/// A variable that must hold a whole number.
fn numeric(name: &str, value: Option<String>, why: &str) -> Result<usize, Error> {
    let Some(value) = value else {
        return Err(auto_error(
            format!("--shard auto: {name} is not set ({why})"),
            "run the command inside the job array as the scheduler starts it, or give the slice yourself, like --shard 2/8",
        ));
    };
    number(&value).ok_or_else(|| {
        auto_error(
            format!("--shard auto: {name} is not a whole number"),
            "run the command inside the job array as the scheduler starts it, or give the slice yourself, like --shard 2/8",
        )
    })
}

/// Slurm: shard `ID - MIN + 1` of `COUNT`, for an array of consecutive task
/// numbers (`--array=1-8`, `--array=0-7`, `--array=1-8%2`).
///
/// Only `MAX - MIN + 1 == COUNT` proves the task numbers consecutive: an
/// array with gaps (`--array=1,3,5`: MIN 1, COUNT 3) has tasks whose
/// `ID - MIN + 1` is a slice of the wrong count or of none. So all four of
/// `ID`, `MIN`, `MAX` and `COUNT` must be set and agree, and `STEP`, when
/// set, must be 1; anything else is refused in every task alike, with the
/// advice to give `--shard K/N`.
fn from_slurm(id: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, Error> {
    let consecutive = "submit the array with consecutive task numbers, like sbatch --array=1-8 (a limit on how many run at once, like --array=1-8%2, is fine)";
    let why = "Slurm sets it in every task of a job array";
    let id = numeric(SLURM_TASK_ID, Some(id.to_string()), why)?;
    let min = numeric(SLURM_TASK_MIN, var(SLURM_TASK_MIN), why)?;
    let count = numeric(SLURM_TASK_COUNT, var(SLURM_TASK_COUNT), why)?;
    if let Some(step) = var(SLURM_TASK_STEP) {
        let step = numeric(SLURM_TASK_STEP, Some(step), why)?;
        if step != 1 {
            return Err(auto_error(
                format!(
                    "--shard auto: the Slurm array counts in steps of {step} ({SLURM_TASK_STEP}), so its tasks are not shards 1 to N"
                ),
                consecutive,
            ));
        }
    }
    // A one-task array is what rerunning one task of an array gives
    // (`sbatch --array=2`): Slurm no longer knows the array it came from, and
    // "shard 1 of 1" would build every record. Asked to pick the slice, the
    // tool cannot, so it says so rather than guess.
    if count == 1 {
        return Err(auto_error(
            format!(
                "--shard auto: the Slurm array has one task ({SLURM_TASK_COUNT} is 1), so it does not say which slice this is"
            ),
            "to rerun one shard, give its slice, like --shard 2/4 (docs/scale.md, \"Rerunning one shard\"); to build every record in one task, leave --shard out",
        ));
    }
    // An older Slurm, or a wrapper, that sets no MAX leaves gaps unseen:
    // on `--array=1,3,5` task 3 would take shard 3 of 3 (the slice of task
    // 5) and task 5 none. Without MAX the slice cannot be known exactly.
    let Some(max) = var(SLURM_TASK_MAX) else {
        return Err(auto_error(
            format!(
                "--shard auto: {SLURM_TASK_MAX} is not set, so the Slurm array may have gaps in its task numbers (like --array=1,3,5) and this task's slice cannot be known exactly"
            ),
            "give the slice yourself with --shard K/N: K is this task's place in the array (1 for the first task) and N the number of tasks, like --shard 2/8",
        ));
    };
    let max = numeric(SLURM_TASK_MAX, Some(max), why)?;
    let gaps = max.checked_sub(min).and_then(|d| d.checked_add(1)) != Some(count);
    let index = id
        .checked_sub(min)
        .and_then(|d| d.checked_add(1))
        .filter(|_| !gaps);
    let Some(index) = index.filter(|&k| k <= count) else {
        return Err(auto_error(
            format!(
                "--shard auto: the Slurm array's task numbers are not consecutive ({SLURM_TASK_ID}, {SLURM_TASK_MIN}, {SLURM_TASK_MAX}, {SLURM_TASK_COUNT})"
            ),
            consecutive,
        ));
    };
    Shard::new(index, count).map_err(|reason| {
        auto_error(
            format!("--shard auto: {SLURM_TASK_COUNT}: {reason}"),
            "submit an array of at most 10000 tasks, like sbatch --array=1-8",
        )
    })
}

/// Kubernetes: shard `JOB_COMPLETION_INDEX + 1` of
/// `SECOND_OPINION_SHARD_COUNT`.
fn from_kubernetes(index: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, Error> {
    let set_count = format!(
        "set {SHARD_COUNT} in the Job's env to the same number as its completions (Kubernetes does not tell a pod how many there are)"
    );
    let index = numeric(
        K8S_INDEX,
        Some(index.to_string()),
        "Kubernetes sets it in every pod of an Indexed Job",
    )?;
    let count = var(SHARD_COUNT).ok_or_else(|| {
        auto_error(
            format!("--shard auto: {K8S_INDEX} is set but {SHARD_COUNT} is not"),
            &set_count,
        )
    })?;
    let count = number(&count).ok_or_else(|| {
        auto_error(
            format!("--shard auto: {SHARD_COUNT} is not a whole number"),
            &set_count,
        )
    })?;
    if index >= count {
        return Err(auto_error(
            format!(
                "--shard auto: {K8S_INDEX} is {SHARD_COUNT} or more, so this pod is not one of the shards"
            ),
            &set_count,
        ));
    }
    Shard::new(index + 1, count)
        .map_err(|reason| auto_error(format!("--shard auto: {SHARD_COUNT}: {reason}"), &set_count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn shard(index: usize, count: usize) -> Shard {
        Shard::new(index, count).unwrap()
    }

    fn auto(vars: &[(&str, &str)]) -> Result<Shard, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Shard::from_scheduler(&|name| vars.get(name).cloned()).map_err(|e| e.to_string())
    }

    #[test]
    fn slices_are_parsed_and_checked() {
        assert_eq!(parse_arg("2/4"), Ok(ShardArg::Slice(shard(2, 4))));
        assert_eq!(parse_arg(" 1/1 "), Ok(ShardArg::Slice(shard(1, 1))));
        assert_eq!(
            parse_arg("10000/10000"),
            Ok(ShardArg::Slice(shard(10_000, 10_000)))
        );
        assert_eq!(parse_arg("auto"), Ok(ShardArg::Auto));
        assert_eq!(parse_arg("AUTO"), Ok(ShardArg::Auto));
        for (bad, says) in [
            ("0/4", "numbered from 1"),
            ("5/4", "there is no shard 5 of 4"),
            ("1/0", "at least 1"),
            ("1/10001", "at most 10000"),
            ("1/99999999999999999999999", "at most 10000"),
            ("2", "K/N"),
            ("2-4", "K/N"),
            ("-1/4", "K/N"),
            ("2/4/8", "K/N"),
            ("a/b", "K/N"),
            ("", "K/N"),
        ] {
            let err = parse_arg(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn valid_records_are_dealt_round_robin() {
        let shards: Vec<Shard> = (1..=3).map(|k| shard(k, 3)).collect();
        for valid in 0..12 {
            let owners: Vec<usize> = shards
                .iter()
                .filter(|s| s.owns(valid))
                .map(|s| s.index())
                .collect();
            assert_eq!(owners, [valid % 3 + 1], "record {valid} has one owner");
            assert_eq!(Shard::owner(3, valid), valid % 3 + 1);
        }
        assert!((0..5).all(|i| shard(1, 1).owns(i)));
        assert_eq!(shard(2, 3).elsewhere(1), None);
        assert_eq!(
            shard(2, 3).elsewhere(5),
            Some(second_opinion_core::report::Status::OtherShard { shard: 3, of: 3 })
        );
    }

    #[test]
    fn file_names_carry_the_slice() {
        let s = shard(2, 4);
        assert_eq!(s.report_file(), "report-2-of-4.csv");
        assert_eq!(Shard::of_report_file("report-2-of-4.csv"), Some(s));
        assert_eq!(Shard::of_report_file("report-5-of-4.csv"), None);
        assert_eq!(Shard::of_report_file("report.csv"), None);
        assert_eq!(s.lock_file(), ".second-opinion-shard-2-of-4.lock");
        assert_eq!(s.temp_prefix(), ".second-opinion-shard-2-of-4-");
        assert!(
            !shard(1, 30)
                .temp_prefix()
                .starts_with(&shard(1, 3).temp_prefix())
        );
        assert_eq!(s.arg(), "2/4");
        assert_eq!(s.to_string(), "shard 2 of 4");
    }

    #[test]
    fn slurm_arrays_give_the_shard() {
        let array = |id: &str, min: &str, max: &str, count: &str, step: &str| {
            auto(&[
                (SLURM_TASK_ID, id),
                (SLURM_TASK_MIN, min),
                (SLURM_TASK_MAX, max),
                (SLURM_TASK_COUNT, count),
                (SLURM_TASK_STEP, step),
            ])
        };
        assert_eq!(array("1", "1", "4", "4", "1"), Ok(shard(1, 4)));
        assert_eq!(array("4", "1", "4", "4", "1"), Ok(shard(4, 4)));
        assert_eq!(array("0", "0", "7", "8", "1"), Ok(shard(1, 8)));
        assert_eq!(array("12", "5", "12", "8", "1"), Ok(shard(8, 8)));
        // Steps and gaps are refused, in every task alike.
        let err = array("3", "1", "7", "4", "2").unwrap_err();
        assert!(err.contains("steps of 2"), "{err}");
        assert!(err.contains(SLURM_TASK_STEP), "{err}");
        assert!(err.contains("--array=1-8"), "{err}");
        for id in ["1", "3", "7"] {
            let err = array(id, "1", "7", "3", "1").unwrap_err();
            assert!(err.contains("not consecutive"), "{id}: {err}");
        }
        // Older Slurm without MAX cannot tell a gapped array: refused.
        let err = auto(&[
            (SLURM_TASK_ID, "2"),
            (SLURM_TASK_MIN, "1"),
            (SLURM_TASK_COUNT, "3"),
        ])
        .unwrap_err();
        assert!(err.contains("SLURM_ARRAY_TASK_MAX is not set"), "{err}");
        assert!(err.contains("--shard K/N"), "{err}");
        let err = auto(&[(SLURM_TASK_ID, "2"), (SLURM_TASK_COUNT, "3")]).unwrap_err();
        assert!(err.contains("SLURM_ARRAY_TASK_MIN is not set"), "{err}");
        let err = array("2", "1", "3", "three", "1").unwrap_err();
        assert!(
            err.contains("SLURM_ARRAY_TASK_COUNT is not a whole number"),
            "{err}"
        );
        let err = array("1", "1", "20000", "20000", "1").unwrap_err();
        assert!(err.contains("at most 10000"), "{err}");
        // One task of an array submitted again (`sbatch --array=2`): not
        // "shard 1 of 1", which would build every record.
        for (id, min) in [("2", "2"), ("1", "1"), ("0", "0")] {
            let err = array(id, min, id, "1", "1").unwrap_err();
            assert!(err.contains("has one task"), "{err}");
            assert!(err.contains("--shard 2/4"), "{err}");
        }
    }

    /// Every combination of the Slurm variables a task may see (ID always
    /// set), for a consecutive array (`--array=1-3`) and a gapped one
    /// (`--array=1,3,5`), in every task: a slice only when ID, MIN, MAX and
    /// COUNT are all set and prove the numbers consecutive (and STEP, if
    /// set, is 1); every other combination is refused, asking for
    /// `--shard K/N`, and no task of the gapped array ever gets a slice.
    #[test]
    fn slurm_variables_give_a_slice_only_when_they_determine_it_exactly() {
        /// Task ids, MIN, MAX, COUNT, and the STEPs Slurm might give.
        type Array<'a> = (&'a [&'a str], &'a str, &'a str, &'a str, &'a [&'a str]);
        let arrays: [Array; 2] = [
            (&["1", "2", "3"], "1", "3", "3", &["1"]),
            (&["1", "3", "5"], "1", "5", "3", &["1", "2"]),
        ];
        for (gapped, (ids, min, max, count, steps)) in [false, true].into_iter().zip(arrays) {
            for (k, id) in ids.iter().enumerate() {
                for step in steps {
                    for mask in 0..16u8 {
                        let mut vars = vec![(SLURM_TASK_ID, *id)];
                        let has = |bit: u8| mask & (1 << bit) != 0;
                        for (bit, name, value) in [
                            (0, SLURM_TASK_MIN, min),
                            (1, SLURM_TASK_MAX, max),
                            (2, SLURM_TASK_COUNT, count),
                            (3, SLURM_TASK_STEP, *step),
                        ] {
                            if has(bit) {
                                vars.push((name, value));
                            }
                        }
                        let got = auto(&vars);
                        let exact = !gapped && has(0) && has(1) && has(2);
                        let case = format!("gapped {gapped}, task {id}, vars {vars:?}");
                        if exact {
                            assert_eq!(got, Ok(shard(k + 1, 3)), "{case}");
                            continue;
                        }
                        let err = got.expect_err(&case);
                        assert!(err.contains("--shard auto: "), "{case}: {err}");
                        assert!(
                            err.contains("--shard 2/8") || err.contains("--array=1-8"),
                            "{case}: {err}"
                        );
                        if has(0) && has(2) && !has(1) && !(has(3) && *step != "1") {
                            assert!(err.contains("SLURM_ARRAY_TASK_MAX is not set"), "{case}");
                            assert!(err.contains("--shard K/N"), "{case}: {err}");
                        }
                    }
                }
            }
        }
        // A gapped array whose span happens to look right is still caught
        // by a task number outside it.
        let err = auto(&[
            (SLURM_TASK_ID, "9"),
            (SLURM_TASK_MIN, "1"),
            (SLURM_TASK_MAX, "3"),
            (SLURM_TASK_COUNT, "3"),
        ])
        .unwrap_err();
        assert!(err.contains("not consecutive"), "{err}");
        let err = auto(&[
            (SLURM_TASK_ID, "2"),
            (SLURM_TASK_MIN, "1"),
            (SLURM_TASK_MAX, "x"),
            (SLURM_TASK_COUNT, "3"),
        ])
        .unwrap_err();
        assert!(
            err.contains("SLURM_ARRAY_TASK_MAX is not a whole number"),
            "{err}"
        );
    }

    #[test]
    fn lock_file_names_are_read_back_exactly() {
        for s in [shard(1, 1), shard(2, 4), shard(10_000, 10_000)] {
            assert_eq!(Shard::of_lock_file(&s.lock_file()), Some(s));
        }
        for not_a_lock in [
            ".second-opinion-shard-02-of-4.lock",
            ".second-opinion-shard-5-of-4.lock",
            ".second-opinion-shard-2-of-4-abc.tmp",
            ".second-opinion-shard-2-of-4.lock.tmp",
            ".second-opinion-shard-+2-of-4.lock",
            ".second-opinion.lock",
            "report-2-of-4.csv",
        ] {
            assert_eq!(Shard::of_lock_file(not_a_lock), None, "{not_a_lock}");
        }
    }

    #[test]
    fn kubernetes_indexed_jobs_give_the_shard_with_the_count_from_the_manifest() {
        assert_eq!(
            auto(&[(K8S_INDEX, "0"), (SHARD_COUNT, "8")]),
            Ok(shard(1, 8))
        );
        assert_eq!(
            auto(&[(K8S_INDEX, "7"), (SHARD_COUNT, "8")]),
            Ok(shard(8, 8))
        );
        let err = auto(&[(K8S_INDEX, "0")]).unwrap_err();
        assert!(
            err.contains("JOB_COMPLETION_INDEX is set but SECOND_OPINION_SHARD_COUNT is not"),
            "{err}"
        );
        assert!(err.contains("completions"), "{err}");
        let err = auto(&[(K8S_INDEX, "8"), (SHARD_COUNT, "8")]).unwrap_err();
        assert!(err.contains("not one of the shards"), "{err}");
        let err = auto(&[(K8S_INDEX, "x"), (SHARD_COUNT, "8")]).unwrap_err();
        assert!(
            err.contains("JOB_COMPLETION_INDEX is not a whole number"),
            "{err}"
        );
        // Slurm wins when both are set; an empty variable is not set.
        assert_eq!(
            auto(&[
                (SLURM_TASK_ID, "2"),
                (SLURM_TASK_MIN, "1"),
                (SLURM_TASK_MAX, "2"),
                (SLURM_TASK_COUNT, "2"),
                (K8S_INDEX, "0"),
                (SHARD_COUNT, "8"),
            ]),
            Ok(shard(2, 2))
        );
        assert_eq!(
            auto(&[(SLURM_TASK_ID, " "), (K8S_INDEX, "1"), (SHARD_COUNT, "2")]),
            Ok(shard(2, 2))
        );
    }

    #[test]
    fn auto_without_a_scheduler_says_how_to_fix_it() {
        let err = auto(&[]).unwrap_err();
        assert!(
            err.contains(SLURM_TASK_ID) && err.contains(K8S_INDEX),
            "{err}"
        );
        assert!(err.contains("hint: "), "{err}");
        assert!(err.contains("--shard 2/8"), "{err}");
    }
}
