//! Input errors: each names file:line:column and the offending text, so a manager can fix the roster.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A place in an input file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: Arc<Path>,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: &Arc<Path>, line: usize, column: usize) -> Self {
        Self { file: Arc::clone(file), line: line.max(1), column: column.max(1) }
    }

    /// The start of a file, for problems that belong to the whole file.
    pub fn file_start(file: &Arc<Path>) -> Self {
        Self::new(file, 1, 1)
    }

    pub(crate) fn from_yaml(file: &Arc<Path>, line_offset: usize, at: &serde_saphyr::Location) -> Self {
        Self::new(file, at.line() as usize + line_offset, at.column() as usize)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A value read from an input file, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub at: Location,
}

/// One problem with the input: bad YAML, a wrong value, a template that does not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub at: Location,
    pub message: String,
    /// The source line the problem is on, shown under the message.
    pub source_line: Option<String>,
}

impl InputError {
    pub fn new(at: Location, message: impl Into<String>) -> Self {
        Self { at, message: message.into(), source_line: None }
    }

    /// Attach the text of the offending line from the file's contents.
    pub fn with_source(mut self, contents: &str) -> Self {
        self.source_line = contents.lines().nth(self.at.line - 1).map(|l| truncate(l, 160));
        self
    }

    /// An error from the YAML parser, placed in `file` (whose YAML starts `line_offset` lines in).
    pub fn from_yaml(file: &Arc<Path>, line_offset: usize, contents: &str, err: &serde_saphyr::Error) -> Self {
        let at = match err.location() {
            Some(loc) => Location::from_yaml(file, line_offset, &loc),
            None => Location::file_start(file),
        };
        let raw = err.without_snippet().to_string();
        // The parser appends its own position and a hint about its options; we print ours.
        let message = raw
            .split(" at line ")
            .next()
            .unwrap_or(&raw)
            .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
        InputError::new(at, message).with_source(contents)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)?;
        if let Some(line) = &self.source_line {
            write!(f, "\n{:>5} | {}", self.at.line, line)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Every input problem found in one pass; `check` reports them all, not only the first.
#[derive(Debug, Default, Clone)]
pub struct InputErrors(pub Vec<InputError>);

impl InputErrors {
    pub fn push(&mut self, e: InputError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was reported, else all the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, InputErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// Shorten `s` to at most `max` characters for display.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
