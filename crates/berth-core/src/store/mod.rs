//! Queries the management API makes over the registry's tables. Writes that
//! the registry also makes (tags, artifact deletion, blob links) go through
//! `berth-registry`'s store so both paths keep the same invariants.

/// A condition on the artifact `a`: it is top-level, neither listed by an
/// index nor attached to a subject. Harbor lists only these.
macro_rules! top_level {
    () => {
        "a.parents = 0 AND a.subject_digest IS NULL"
    };
}

pub mod artifacts;
pub mod audit;
pub mod labels;
pub mod quotas;
pub mod repositories;
