//! The values a template may use, as handlebars sees them.

use serde::Serialize;

use crate::roster::Specialty;

/// The values a template may use. Every field is always present (null when unknown) so that
/// strict mode reports typos, not missing optional data.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    pub person: PersonContext,
    pub manager: Option<ContactContext>,
    pub buddy: Option<BuddyContext>,
    pub template: TemplateInfo,
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonContext {
    pub name: String,
    pub username: String,
    pub title: String,
    pub role: Option<String>,
    pub region: Option<String>,
    pub region_group: Option<String>,
    pub start_date: String,
    pub end_date: Option<String>,
    pub department: String,
    /// `{{#if person.specialty.us_government}}`: every specialty is always present, true or false.
    pub specialty: SpecialtyContext,
}

/// The job family's specialties, as flags a template can test.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SpecialtyContext {
    pub us_government: bool,
    pub shift: bool,
    pub ase: bool,
}

impl SpecialtyContext {
    /// The flags for whoever has the specialties `has` says.
    pub fn of(has: impl Fn(Specialty) -> bool) -> SpecialtyContext {
        SpecialtyContext {
            us_government: has(Specialty::UsGovernment),
            shift: has(Specialty::Shift),
            ase: has(Specialty::Ase),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactContext {
    pub name: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuddyContext {
    pub username: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateInfo {
    pub key: String,
    pub title: String,
}
