//! Two issues with one key. When one is onboarder's own untouched copy (its description is
//! exactly what onboarder wrote and nobody commented), it is closed as a duplicate of the other
//! with one comment; otherwise the conflict is reported and the person's result fails until
//! a person resolves it.

use super::outcome::Failure;
use super::write::Writer;
use crate::issue::{Edit, Observed};
use crate::plan::{Action, IssueState, Kind};
use crate::region;

/// Written by onboarder and never touched since: no comment, no text outside the managed
/// region, and every checkbox as onboarder's state block says it set it.
pub(super) fn untouched(o: &Observed, me: u64) -> bool {
    if !o.open || o.user_notes_count > 0 || o.author_id != Some(me) {
        return false;
    }
    let live = region::parse(&o.description);
    let Some(state) = IssueState::of(&live) else { return false };
    if !live.intact || !live.before.trim().is_empty() || !live.after.trim().is_empty() {
        return false;
    }
    let asserted = state.asserted_marks();
    live.items.len() == asserted.len() && live.items.iter().all(|i| asserted.get(&i.id) == Some(&i.mark))
}

/// Close the untouched copies (keeping a touched one, else the first), or fail with the conflict.
pub(super) async fn resolve(w: &Writer<'_>, a: &Action, observed: &[Observed]) -> Result<Action, Failure> {
    let me = w.gl.me().id;
    // An issue planned while listing has no description left to judge: it is read now, and that
    // read is fresh enough to write on; the others are read again right before their write.
    let mut list: Vec<(Observed, bool)> = Vec::new();
    for o in observed.iter().filter(|o| o.moved_to_id.is_none() && o.key().as_deref() == Some(a.key.as_str())) {
        list.push(if o.dropped() { (w.gl.issue(&o.project, o.iid).await?, true) } else { (o.clone(), false) });
    }
    list.sort_by_key(|(o, _)| (o.project.clone(), o.iid));
    let conflict = || {
        Failure::Other(format!(
            "{}; more than one of them has a person's edits or comments, so a person must close the extra ones",
            a.reason.as_deref().unwrap_or("issues share this key")
        ))
    };
    let touched: Vec<&Observed> = list.iter().map(|(o, _)| o).filter(|o| !untouched(o, me)).collect();
    let keep = match touched.as_slice() {
        [] => list.first().map(|(o, _)| o).ok_or_else(conflict)?,
        [one] => *one,
        _ => return Err(conflict()),
    };
    let mut closed = Vec::new();
    for (o, read_now) in list.iter().filter(|(o, _)| (o.project.as_str(), o.iid) != (keep.project.as_str(), keep.iid)) {
        // Re-read before writing: someone may have started using this copy since the listing.
        let fresh = if *read_now { o.clone() } else { w.gl.issue(&o.project, o.iid).await? };
        if !untouched(&fresh, me) {
            return Err(conflict());
        }
        let edit = Edit {
            description: Some(format!(
                "Duplicate of {}: onboarder created this issue twice. Closed by onboarder; nothing here was used.",
                keep.web_url
            )),
            remove_labels: fresh.labels.iter().filter(|l| *l == &w.config.marker_label).cloned().collect(),
            close: true,
            ..Edit::default()
        };
        w.gl.edit_issue(&o.project, o.iid, &edit, None).await?;
        let note = format!("Closed as a duplicate of {} (same person and template).", keep.web_url);
        w.gl.create_note(&o.project, o.iid, &note).await?;
        closed.push(format!("{}#{}", o.project, o.iid));
    }
    Ok(Action {
        kind: Kind::Close,
        iid: Some(keep.iid),
        web_url: Some(keep.web_url.clone()),
        project: keep.project.clone(),
        reason: Some(format!("closed {} as duplicate(s) of {}#{}", closed.join(", "), keep.project, keep.iid)),
        ..a.clone()
    })
}
