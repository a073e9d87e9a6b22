//! Where a person stands on a path, and what is owed to them about it.
//!
//! Evidence is what the person did (their ticks and skips), the training modules the roster says
//! they completed, and the stage their manager states. The calendar never ticks anything unless
//! the config asks for it; it only says who is on track, behind or overdue. A manager's word (a
//! stated stage, a pause, an extension) is progress's too, whoever states it and however
//! (`overrides`); `comments` decides what onboarder says about it. Pure: no IO.

mod assess;
pub mod comments;
pub mod overrides;

pub use assess::{assess, complete, holding_back, pace, stage_reached, Assessment, Pace, PaceInput, Rules};
