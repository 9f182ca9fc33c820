//! Lock, temporary and report files never opened through links; shards of
//! another count refused (issue 25).
