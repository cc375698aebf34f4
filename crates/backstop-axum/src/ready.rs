//! The one piece of `Service` plumbing the policy layers share.

/// Takes the inner service that `poll_ready` readied, leaving a fresh clone in its place: the
/// future owns a ready service, and the next `poll_ready` readies the clone (the pattern tower's
/// docs give for a service whose future needs the inner service). A clone is cheap: axum routes
/// are reference-counted.
#[inline]
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}
