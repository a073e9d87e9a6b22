//! Two issues with one key. When one is onboarder's own untouched copy (its description is
//! exactly what onboarder wrote and nobody commented), it is closed as a duplicate of the other
//! with one comment; otherwise the conflict is reported and the person's result fails until
//! a person resolves it.

use super::outcome::Failure;
use super::write::Writer;
use crate::checklist::Mark;
use crate::dashboard;
use crate::issue::{Edit, Observed};
use crate::plan::{self, Action, IssueState, Kind, Settings, Trust};
use crate::region;

/// Written by onboarder and never touched since: opened by onboarder's account, no comment, no
/// text outside the managed region, a state block onboarder sealed, and every checkbox as that
/// block says onboarder set it (a dashboard's command boxes all unticked).
pub(super) fn untouched(o: &Observed, key: &str, s: &Settings) -> bool {
    if !o.open || o.user_notes_count > 0 || !plan::is_ours(o, s) {
        return false;
    }
    let live = region::parse(&o.description);
    if !live.intact || !live.before.trim().is_empty() || !live.after.trim().is_empty() {
        return false;
    }
    if dashboard::is_key(key) {
        return dashboard::sealed(&live, o, key, s.seal) && live.items.iter().all(|i| i.mark == Mark::Open);
    }
    let Trust::Proven(state) = IssueState::trust(&live, o, key, s.seal) else { return false };
    let asserted = state.asserted_marks();
    live.items.len() == asserted.len() && live.items.iter().all(|i| asserted.get(&i.id) == Some(&i.mark))
}

/// Close the untouched copies (keeping a touched one, else the first), or fail with the conflict.
pub(super) async fn resolve(w: &Writer<'_>, a: &Action, observed: &[Observed]) -> Result<Action, Failure> {
    let s = w.settings;
    // An issue planned while listing has no description left to judge: it is read now, and that
    // read is fresh enough to write on; the others are read again right before their write.
    let mut list: Vec<(Observed, bool)> = Vec::new();
    let copies = observed
        .iter()
        .filter(|o| o.moved_to_id.is_none() && plan::is_ours(o, s) && o.key().as_deref() == Some(a.key.as_str()));
    for o in copies {
        list.push(if o.dropped() { (w.gl.issue(&o.project, o.iid).await?, true) } else { (o.clone(), false) });
    }
    list.sort_by_key(|(o, _)| (o.project.clone(), o.iid));
    let conflict = || {
        Failure::Other(format!(
            "{}; more than one of them has a person's edits or comments, so a person must close the extra ones",
            a.reason.as_deref().unwrap_or("issues share this key")
        ))
    };
    let touched: Vec<&Observed> = list.iter().map(|(o, _)| o).filter(|o| !untouched(o, &a.key, s)).collect();
    let keep = match touched.as_slice() {
        [] => list.first().map(|(o, _)| o).ok_or_else(conflict)?,
        [one] => *one,
        _ => return Err(conflict()),
    };
    let mut closed = Vec::new();
    for (o, read_now) in list.iter().filter(|(o, _)| (o.project.as_str(), o.iid) != (keep.project.as_str(), keep.iid)) {
        // Re-read before writing: someone may have started using this copy since the listing.
        let fresh = if *read_now { o.clone() } else { w.gl.issue(&o.project, o.iid).await? };
        if !untouched(&fresh, &a.key, s) {
            return Err(conflict());
        }
        let edit = Edit {
            description: Some(format!(
                "Duplicate of {}: onboarder created this issue twice. Closed by onboarder; nothing here was used.",
                crate::escape::web_url(&keep.web_url)
            )),
            remove_labels: fresh.labels.iter().filter(|l| *l == &w.config.marker_label).cloned().collect(),
            close: true,
            ..Edit::default()
        };
        w.gl.edit_issue(&o.project, o.iid, &edit, None).await?;
        let note =
            format!("Closed as a duplicate of {} (same person and template).", crate::escape::web_url(&keep.web_url));
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
