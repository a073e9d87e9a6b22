//! The only module that talks to GitLab. `transport` sends every request (the token only to the
//! configured origin, timeouts, retries, pacing); `issues`, `users`, `projects`, `repository`
//! (roster files), `templates` (a project's issue templates), `tokens` (the token's expiry), `labels` (the run lock) and `merge_requests`
//! (the plan's comment) are the endpoints onboarder uses, built with the `gitlab` crate's endpoint builders; `errors` reads GitLab's
//! answers when they are not a success.

mod client;
mod errors;
mod issues;
mod labels;
mod merge_requests;
mod projects;
mod repository;
mod settings;
mod templates;
mod tokens;
mod transport;
mod users;

pub use client::{Gitlab, Project, User};
pub use errors::{error_message, ApiError};
pub use issues::{Asked, Assignee, FirstPage, Listing};
pub use labels::Label;
pub use merge_requests::{MrNote, NoteAuthor};
pub use projects::reach_advice;
pub use repository::{Tree, TreeEntry, MAX_TREE_PAGES};
pub use settings::{ClientSettings, RateLimits, RequestCounts};
pub use transport::Token;
