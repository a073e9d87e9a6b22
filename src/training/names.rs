//! Module names as people write them: a module issue's title names its module when, without the
//! person's name, it is the module's name with case, punctuation and spacing ignored; and the
//! template name closest to a misspelt one. Pure: no IO.

use std::collections::BTreeSet;

/// The words of a text: runs of letters and digits, lowercased; `&` is the word "and".
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_inclusive('&').flat_map(|part| {
        let (part, and) = match part.strip_suffix('&') {
            Some(p) => (p, Some("and".to_string())),
            None => (part, None),
        };
        part.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).chain(and)
    })
}

/// The words of a person's name and username, which a module issue's title adds to the module's.
pub fn name_words(name: &str, username: &str) -> BTreeSet<String> {
    words(name).chain(words(username)).collect()
}

/// What a title or module name is compared by: its words without the person's, run together
/// ("Dee Diligent - GitLab-com SaaS Basics" and "gitlab.com saas basics" both give
/// `gitlabcomsaasbasics`). A name made only of the person's words keeps them all.
pub fn key(text: &str, person: &BTreeSet<String>) -> String {
    let all: Vec<String> = words(text).collect();
    let rest: Vec<&str> = all.iter().filter(|w| !person.contains(*w)).map(String::as_str).collect();
    if rest.is_empty() {
        all.concat()
    } else {
        rest.concat()
    }
}

/// The name in `names` closest to `wanted`: the most words in common (as a share of both), then
/// the fewest edits; `None` when none shares a word or is even half alike.
pub fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let want: BTreeSet<String> = words(wanted).collect();
    let score = |name: &str| {
        let have: BTreeSet<String> = words(name).collect();
        let shared = want.intersection(&have).count() as f64;
        let union = want.union(&have).count().max(1) as f64;
        let alike = strsim::normalized_damerau_levenshtein(&wanted.to_lowercase(), &name.to_lowercase());
        (shared / union, alike)
    };
    names
        .into_iter()
        .map(|n| (score(n), n))
        .filter(|((shared, alike), _)| *shared > 0.0 || *alike >= 0.5)
        .max_by(|((s1, a1), n1), ((s2, a2), n2)| s1.total_cmp(s2).then(a1.total_cmp(a2)).then(n2.cmp(n1)))
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_names_its_module_whatever_the_order_case_punctuation_and_spacing() {
        let dee = name_words("Dee Diligent", "ddiligent");
        let module = key("GitLab-com SaaS Basics", &dee);
        for (title, names) in [
            ("Dee Diligent - GitLab-com SaaS Basics", true),
            ("GitLab-com SaaS Basics - Dee Diligent", true),
            ("gitlab.com saas basics: Dee Diligent", true),
            ("Diligent, Dee | GitLab com SaaS basics", true),
            ("GitLabcom SaaSBasics (ddiligent)", true),
            ("GitLab-com SaaS Basics", true),
            ("Dee - GitLab-com SaaS Basics", true),
            ("Dee Diligent - GitLab&com SaaS Basics", false),
            ("Dee Diligent - GitLab-com SaaS Basics module", false),
            ("Dee Diligent - GitLab-com SaaS", false),
            ("Dee Diligent - GitLab Omnibus", false),
            ("Dee Diligent", false),
        ] {
            assert_eq!(key(title, &dee) == module, names, "{title:?}");
        }
    }

    #[test]
    fn an_ampersand_is_and() {
        let dee = name_words("Dee Diligent", "ddiligent");
        let module = key("Subscriptions License and Renewals", &dee);
        assert_eq!(key("subscriptions license & renewals: Dee", &dee), module);
        assert_eq!(key("Subscriptions License&Renewals - Dee Diligent", &dee), module);
        assert_ne!(key("Subscriptions License Renewals - Dee Diligent", &dee), module);
    }

    #[test]
    fn a_person_named_like_a_module_word_still_matches_their_modules() {
        // The person's words go from both sides, so a module that shares one still matches.
        let dee = name_words("Dee Support", "dsupport");
        let module = key("Support Manager Basics", &dee);
        assert_eq!(module, "managerbasics");
        assert_eq!(key("Dee Support - Support Manager Basics", &dee), module);
        assert_ne!(key("Dee Support - Manager Onboarding", &dee), module);
        // A name made only of the person's words keeps them.
        assert_eq!(key("Dee Support", &dee), "deesupport");
    }

    #[test]
    fn the_closest_template_name() {
        let real = [
            "GitLab Omnibus",
            "Subscriptions License and Renewals",
            "GitLab-com SaaS Basics",
            "Support Manager Basics",
            "Documentation",
        ];
        for (wanted, expected) in [
            ("Omnibus GitLab", Some("GitLab Omnibus")),
            ("License & Renewals", Some("Subscriptions License and Renewals")),
            ("GitLab.com SaaS Basics", Some("GitLab-com SaaS Basics")),
            ("Support Manager Onboarding", Some("Support Manager Basics")),
            ("Documentaton", Some("Documentation")),
            ("Kubernetes", None),
        ] {
            assert_eq!(closest(wanted, real), expected, "{wanted:?}");
        }
        assert_eq!(closest("anything", []), None);
    }
}
