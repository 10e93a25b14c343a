//! The INI dialect supervisor 4.3.0 reads: Python's RawConfigParser with
//! `;`/`#` full-line comments, inline comments only after whitespace,
//! indented continuation lines, lower-cased keys, a `[DEFAULT]` section that
//! every section inherits, and duplicate sections/keys merged (later wins).
//! No interpolation happens here: `%(name)s` is expanded later by the caller.

use super::pyfmt::{py_isspace, py_repr, py_strip};

/// One section: keys in first-insertion order.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub items: Vec<(String, String)>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&String> {
        self.items.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    fn set(&mut self, key: &str, value: String) {
        if let Some(slot) = self.items.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.items.push((key.to_string(), value));
        }
    }
}

/// The parser state after reading one or more files.
#[derive(Debug, Clone, Default)]
pub struct Ini {
    pub defaults: Section,
    /// Sections in first-seen order.
    pub sections: Vec<(String, Section)>,
    /// Position of each section in `sections`.
    section_index: std::collections::HashMap<String, usize>,
    /// Which file each section was first read from (only for files read
    /// with `read_included`, as supervisor records it).
    pub section_to_file: Vec<(String, String)>,
}

/// While a file is read, values are lists of lines joined at the end.
enum Value {
    Lines(Vec<String>),
}

fn nonspace_start(line: &str) -> usize {
    line.chars().take_while(|c| py_isspace(*c)).count()
}

/// Where an inline comment starts, found the way Python 3.11 does it: each
/// round looks at the next occurrence of every prefix and stops at the first
/// round where some occurrence follows whitespace.
fn inline_comment_start(line: &[char]) -> Option<usize> {
    let prefixes = [';', '#'];
    let mut positions: Vec<(char, isize)> = prefixes.iter().map(|p| (*p, -1isize)).collect();
    let mut comment_start: Option<usize> = None;
    while comment_start.is_none() && !positions.is_empty() {
        let mut next = Vec::new();
        for (prefix, index) in &positions {
            let from = (*index + 1) as usize;
            let found = line.iter().skip(from).position(|c| c == prefix).map(|p| p + from);
            let Some(idx) = found else { continue };
            next.push((*prefix, idx as isize));
            if idx == 0 || py_isspace(line[idx - 1]) {
                comment_start = Some(comment_start.map_or(idx, |c: usize| c.min(idx)));
            }
        }
        positions = next;
    }
    comment_start
}

/// Splits text into lines as Python's universal-newline reading does,
/// keeping a `\n` at the end of each line that had a terminator.
fn split_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                cur.push('\n');
                lines.push(std::mem::take(&mut cur));
            }
            '\n' => {
                cur.push('\n');
                lines.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Matches `\[(?P<header>.+)\]` at the start of `value`.
fn section_header(value: &str) -> Option<String> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    if close == 0 {
        return None;
    }
    Some(rest[..close].to_string())
}

/// Matches `(.*?)\s*[=:]\s*(.*)$`: the option ends at the first delimiter.
fn option_line(value: &str) -> Option<(String, String)> {
    let pos = value.find(['=', ':'])?;
    let name = value[..pos].trim_end_matches(py_isspace).to_string();
    let val = value[pos + 1..].trim_start_matches(py_isspace).to_string();
    Some((name, val))
}

impl Ini {
    pub fn has_section(&self, name: &str) -> bool {
        self.section_index.contains_key(name)
    }

    fn add_section(&mut self, name: &str) {
        if !self.has_section(name) {
            self.section_index.insert(name.to_string(), self.sections.len());
            self.sections.push((name.to_string(), Section::default()));
        }
    }

    pub fn section_names(&self) -> Vec<String> {
        self.sections.iter().map(|(n, _)| n.clone()).collect()
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.section_index.get(name).map(|&i| &self.sections[i].1)
    }

    fn section_mut(&mut self, name: &str) -> Option<&mut Section> {
        self.section_index.get(name).map(|&i| &mut self.sections[i].1)
    }

    /// `parser.get(section, option)`: the section's value, else `[DEFAULT]`'s.
    pub fn get(&self, section: &str, option: &str) -> Option<String> {
        let s = self.section(section)?;
        s.get(option).or_else(|| self.defaults.get(option)).cloned()
    }

    pub fn has_option(&self, section: &str, option: &str) -> bool {
        self.get(section, option).is_some()
    }

    /// `parser.options(section)`: the defaults' keys then the section's.
    pub fn options(&self, section: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        if let Some(s) = self.section(section) {
            for (k, _) in s.items.iter().chain(self.defaults.items.iter()) {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys
    }

    /// `items(section)`: the defaults overlaid with the section.
    fn items(&self, section: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.defaults.items.clone();
        if let Some(s) = self.section(section) {
            for (k, v) in &s.items {
                if let Some(slot) = out.iter_mut().find(|(ok, _)| ok == k) {
                    slot.1 = v.clone();
                } else {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
        out
    }

    /// supervisor's `expand_here`: textual replacement of `%(here)s` in
    /// every section's values (defaults included, copied into the section).
    pub fn expand_here(&mut self, here: &str) {
        for name in self.section_names() {
            for (k, v) in self.items(&name) {
                if v.contains("%(here)s") {
                    let nv = v.replace("%(here)s", here);
                    if let Some(s) = self.section_mut(&name) {
                        s.set(&k, nv);
                    }
                }
            }
        }
    }

    /// Reads one file's text (`fpname` is used in error messages exactly as
    /// Python would print it). Errors carry Python's message.
    pub fn read_string(&mut self, text: &str, fpname: &str) -> Result<(), String> {
        let mut cur: Option<String> = None; // "\0DEFAULT" for the defaults
        let mut optname: Option<String> = None;
        let mut indent_level = 0usize;
        let mut errors: Vec<(usize, String)> = Vec::new();
        // Values being read in this file, by (section, key).
        let mut pending: Vec<((String, String), Value)> = Vec::new();
        let mut pending_index: std::collections::HashMap<(String, String), usize> = Default::default();
        const DEFAULT_KEY: &str = "\0DEFAULT";

        fn pending_get<'a>(
            pending: &'a mut [((String, String), Value)],
            index: &std::collections::HashMap<(String, String), usize>,
            sect: &str,
            key: &str,
        ) -> Option<&'a mut Value> {
            let i = *index.get(&(sect.to_string(), key.to_string()))?;
            pending.get_mut(i).map(|(_, v)| v)
        }

        for (idx, line) in split_lines(text).iter().enumerate() {
            let lineno = idx + 1;
            let chars: Vec<char> = line.chars().collect();
            let mut comment_start = inline_comment_start(&chars);
            let stripped = py_strip(line);
            if stripped.starts_with('#') || stripped.starts_with(';') {
                comment_start = Some(0);
            }
            let value: String = match comment_start {
                Some(c) => py_strip(&chars[..c].iter().collect::<String>()).to_string(),
                None => stripped.to_string(),
            };
            if value.is_empty() {
                // A blank line (without a comment) inside a value is kept.
                if comment_start.is_none() {
                    if let (Some(sect), Some(opt)) = (&cur, &optname) {
                        if let Some(Value::Lines(lines)) = pending_get(&mut pending, &pending_index, sect, opt) {
                            lines.push(String::new());
                        }
                    }
                }
                continue;
            }
            let cur_indent = nonspace_start(line);
            if cur.is_some() && optname.is_some() && cur_indent > indent_level {
                let (sect, opt) = (cur.clone().unwrap_or_default(), optname.clone().unwrap_or_default());
                if let Some(Value::Lines(lines)) = pending_get(&mut pending, &pending_index, &sect, &opt) {
                    lines.push(value);
                }
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(&value) {
                if header == "DEFAULT" && !self.has_section("DEFAULT") {
                    cur = Some(DEFAULT_KEY.to_string());
                } else {
                    self.add_section(&header);
                    cur = Some(header);
                }
                optname = None;
                continue;
            }
            let Some(sect) = cur.clone() else {
                return Err(format!(
                    "File contains no section headers.\nfile: {}, line: {}\n{}",
                    py_repr(fpname),
                    lineno,
                    py_repr(line)
                ));
            };
            match option_line(&value) {
                Some((name, val)) => {
                    if name.is_empty() {
                        errors.push((lineno, py_repr(line)));
                    }
                    let key = name.to_lowercase();
                    if let Some(v) = pending_get(&mut pending, &pending_index, &sect, &key) {
                        *v = Value::Lines(vec![val]);
                    } else {
                        pending_index.insert((sect.clone(), key.clone()), pending.len());
                        pending.push(((sect.clone(), key.clone()), Value::Lines(vec![val])));
                    }
                    // Record the key now so that its position is the first
                    // assignment's, as a Python dict keeps it.
                    let target = if sect == DEFAULT_KEY {
                        Some(&mut self.defaults)
                    } else {
                        self.section_mut(&sect)
                    };
                    if let Some(s) = target {
                        s.set(&key, String::new());
                    }
                    // An empty name (already an error) takes no continuation lines.
                    optname = if key.is_empty() { None } else { Some(key) };
                }
                None => errors.push((lineno, py_repr(line))),
            }
        }
        for ((sect, key), v) in pending {
            let joined = match v {
                Value::Lines(lines) => lines.join("\n").trim_end_matches(py_isspace).to_string(),
            };
            let target = if sect == DEFAULT_KEY {
                Some(&mut self.defaults)
            } else {
                self.section_mut(&sect)
            };
            if let Some(s) = target {
                s.set(&key, joined);
            }
        }
        if !errors.is_empty() {
            let mut msg = format!("Source contains parsing errors: {}", py_repr(fpname));
            for (lineno, line) in errors {
                msg.push_str(&format!("\n\t[line {:2}]: {}", lineno, line));
            }
            return Err(msg);
        }
        Ok(())
    }

    /// `parser.read(filename)` for an included file: unreadable files are
    /// skipped silently (as Python does); new sections are recorded as
    /// coming from this file.
    pub fn read_included(&mut self, path: &str) -> Result<(), String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(_) => return Ok(()),
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("could not read config file {} (it is not valid UTF-8)", path))?;
        let before = self.section_names();
        self.read_string(&text, path)?;
        for name in self.section_names() {
            if !before.contains(&name) && !self.section_to_file.iter().any(|(s, _)| s == &name) {
                self.section_to_file.push((name, path.to_string()));
            }
        }
        Ok(())
    }

    pub fn file_of(&self, section: &str) -> Option<&str> {
        self.section_to_file.iter().find(|(s, _)| s == section).map(|(_, f)| f.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        ini.read_string(text, "t.conf").unwrap();
        ini
    }

    #[test]
    fn comments_inline_only_after_whitespace() {
        let ini = parse("[a]\nx = 1 ; c\ny=2;not\nz=3 #c\nw=a#b\n; full\n# full\n");
        assert_eq!(ini.get("a", "x").unwrap(), "1");
        assert_eq!(ini.get("a", "y").unwrap(), "2;not");
        assert_eq!(ini.get("a", "z").unwrap(), "3");
        assert_eq!(ini.get("a", "w").unwrap(), "a#b");
    }

    #[test]
    fn inline_comment_rounds_quirk() {
        // Python stops at the first round that finds any qualifying prefix.
        let ini = parse("[a]\nv=a#b #c ;d\n");
        assert_eq!(ini.get("a", "v").unwrap(), "a#b #c");
    }

    #[test]
    fn keys_fold_case_sections_do_not() {
        let ini = parse("[Prog]\nCommand = x\n");
        assert_eq!(ini.get("Prog", "command").unwrap(), "x");
        assert!(!ini.has_section("prog"));
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let ini = parse("[a]\nv = one\n  two\n\n  three\n\nw=1\n");
        assert_eq!(ini.get("a", "v").unwrap(), "one\ntwo\n\nthree");
        assert_eq!(ini.get("a", "w").unwrap(), "1");
    }

    #[test]
    fn duplicates_merge_later_wins() {
        let ini = parse("[a]\nx=1\ny=1\n[b]\n[a]\nx=2\n");
        assert_eq!(ini.get("a", "x").unwrap(), "2");
        assert_eq!(ini.get("a", "y").unwrap(), "1");
        assert_eq!(ini.section_names(), vec!["a", "b"]);
    }

    #[test]
    fn defaults_are_inherited() {
        let ini = parse("[DEFAULT]\nd=1\n[a]\n");
        assert_eq!(ini.get("a", "d").unwrap(), "1");
        assert_eq!(ini.section_names(), vec!["a"]);
    }

    #[test]
    fn first_delimiter_splits() {
        let ini = parse("[a]\ncommand=x:y=z\nfoo : bar\n");
        assert_eq!(ini.get("a", "command").unwrap(), "x:y=z");
        assert_eq!(ini.get("a", "foo").unwrap(), "bar");
    }

    #[test]
    fn percent_is_kept_raw() {
        let ini = parse("[a]\nv=100%%\n");
        assert_eq!(ini.get("a", "v").unwrap(), "100%%");
    }

    #[test]
    fn no_section_header_error() {
        let mut ini = Ini::default();
        let e = ini.read_string("x=1\n", "/p/f.conf").unwrap_err();
        assert_eq!(e, "File contains no section headers.\nfile: '/p/f.conf', line: 1\n'x=1\\n'");
    }

    #[test]
    fn parsing_errors_listed() {
        let mut ini = Ini::default();
        let e = ini.read_string("[a]\nbogus\nx=1\n=v\n", "f").unwrap_err();
        assert_eq!(e, "Source contains parsing errors: 'f'\n\t[line  2]: 'bogus\\n'\n\t[line  4]: '=v\\n'");
    }

    #[test]
    fn header_regex_is_greedy_and_unstripped() {
        let ini = parse("[a] trailing]\n[ b ]\n");
        assert_eq!(ini.section_names(), vec!["a] trailing", " b "]);
    }

    /// Random texts and what supervisor 4.3.0's parser made of them
    /// (generated by compat-tests/config/gen_ini_corpus.py).
    #[test]
    fn matches_supervisors_parser_on_the_corpus() {
        let corpus: serde_json::Value =
            serde_json::from_str(include_str!("../../compat-tests/config/ini-corpus.json")).unwrap();
        let mut failures = Vec::new();
        for case in corpus.as_array().unwrap() {
            let text = case["text"].as_str().unwrap();
            let want = &case["result"];
            let mut ini = Ini::default();
            let got = match ini.read_string(text, "<corpus>") {
                Err(e) => serde_json::json!({ "error": e }),
                Ok(()) => {
                    let pairs = |s: &Section| -> Vec<serde_json::Value> {
                        s.items.iter().map(|(k, v)| serde_json::json!([k, v])).collect()
                    };
                    let sections: Vec<serde_json::Value> =
                        ini.sections.iter().map(|(n, s)| serde_json::json!([n, pairs(s)])).collect();
                    serde_json::json!({ "sections": sections, "defaults": pairs(&ini.defaults) })
                }
            };
            if &got != want {
                failures.push(format!("{:?}\n  want {}\n  got  {}", text, want, got));
            }
        }
        assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), corpus.as_array().unwrap().len(), failures[..failures.len().min(5)].join("\n"));
    }

    #[test]
    fn expand_here_replaces_text() {
        let mut ini = parse("[a]\nx=%(here)s/y\n");
        ini.expand_here("/d");
        assert_eq!(ini.get("a", "x").unwrap(), "/d/y");
    }
}
