//! `/loyalty`: the loyalty policy and the stats page (SPEC §4).

pub mod policy;
pub mod stats;
