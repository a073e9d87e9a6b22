//! Request parameters from the query string and a form-urlencoded or JSON body, Grape style.

use serde_json::Value;

/// Parameters as ordered key/value pairs; `key` and `key[]` name the same parameter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn from_query(query: &str) -> Self {
        let mut p = Params::default();
        p.extend_form(query.as_bytes());
        p
    }

    pub fn extend_form(&mut self, body: &[u8]) {
        self.pairs.extend(form_urlencoded::parse(body).into_owned());
    }

    /// Adds the members of a JSON object body. Arrays become repeated keys (an empty array
    /// becomes one empty value, so the key still counts as given); `null` counts as absent.
    pub fn extend_json(&mut self, body: &[u8]) -> Result<(), ()> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                for (k, v) in map {
                    self.add_json(&k, &v);
                }
                Ok(())
            }
            _ => Err(()),
        }
    }

    fn add_json(&mut self, key: &str, value: &Value) {
        match value {
            Value::Null => {}
            Value::String(s) => self.pairs.push((key.to_string(), s.clone())),
            Value::Bool(b) => self.pairs.push((key.to_string(), b.to_string())),
            Value::Number(n) => self.pairs.push((key.to_string(), n.to_string())),
            Value::Array(items) => {
                if items.is_empty() {
                    self.pairs.push((key.to_string(), String::new()));
                }
                for item in items {
                    self.add_json(key, item);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.add_json(&format!("{key}[{k}]"), v);
                }
            }
        }
    }

    fn names(key: &str, name: &str) -> bool {
        key == name || key.strip_suffix("[]") == Some(name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| Self::names(k, name))
    }

    /// The last value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| Self::names(k, name)).map(|(_, v)| v.as_str())
    }

    /// Every value given for `name`, split on commas and trimmed, empty items dropped;
    /// `None` when the parameter was not given at all.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        if !self.has(name) {
            return None;
        }
        Some(
            self.pairs
                .iter()
                .filter(|(k, _)| Self::names(k, name))
                .flat_map(|(_, v)| v.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// These parameters with every value of `names` removed.
    pub fn without(&self, names: &[&str]) -> Params {
        let pairs = self.pairs.iter().filter(|(k, _)| !names.iter().any(|n| Self::names(k, n))).cloned().collect();
        Params { pairs }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_bracketed_keys() {
        let p = Params::from_query("iids[]=1&iids[]=2&labels=a,%20b&not%5Blabels%5D=c&x=");
        assert_eq!(p.list("iids").unwrap(), ["1", "2"]);
        assert_eq!(p.list("labels").unwrap(), ["a", "b"]);
        assert_eq!(p.get("not[labels]"), Some("c"));
        assert_eq!(p.list("x").unwrap(), Vec::<String>::new());
        assert!(p.list("y").is_none());
    }

    #[test]
    fn json_bodies() {
        let mut p = Params::default();
        p.extend_json(br#"{"title":"t","assignee_ids":[3,4],"confidential":true,"labels":[],"due_date":null}"#)
            .unwrap();
        assert_eq!(p.get("title"), Some("t"));
        assert_eq!(p.list("assignee_ids").unwrap(), ["3", "4"]);
        assert_eq!(p.get("confidential"), Some("true"));
        assert_eq!(p.list("labels").unwrap(), Vec::<String>::new());
        assert!(!p.has("due_date"));
        assert!(p.extend_json(b"[1]").is_err());
    }
}
