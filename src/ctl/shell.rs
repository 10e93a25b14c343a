//! The interactive shell: runs `status` first, then reads commands at the
//! prompt (rustyline on a terminal, plain lines otherwise), with tab
//! completion of commands, group and process names, and a history file in
//! readline's plain one-line-per-entry format.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::controller::{field_str, items, Controller, COMMANDS};

/// Completion candidates for the word `text` in the line `line`, as
/// supervisorctl 4.3.0's completer computes them (each ends with a space).
pub fn candidates(c: &mut Controller, text: &str, line: &str) -> Vec<String> {
    let actions = |text: &str| -> Vec<String> {
        // The vocabulary lists `help` twice (once per source), as 4.3.0's does.
        std::iter::once("help").chain(COMMANDS.iter().copied()).filter(|a| a.starts_with(text)).map(|a| format!("{a} ")).collect()
    };
    if line.trim().is_empty() {
        return actions(text);
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let action = words[0];
    if words.len() == 1 && !line.ends_with(' ') {
        return actions(text);
    }
    // 4.3.0 tests `action in ('help')`, a substring test on "help".
    if "help".contains(action) {
        return actions(text);
    }
    let groups = ["add", "remove", "update"].contains(&action);
    let processes =
        ["clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail"].contains(&action);
    if !groups && !processes {
        return Vec::new();
    }
    if c.complete_cache.is_none() {
        let fetched = c.call("supervisor.getAllProcessInfo", &[]).ok().and_then(|v| items(&v).ok().map(|s| s.to_vec()));
        c.complete_cache = fetched;
    }
    let infos = c.complete_cache.clone().unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for info in &infos {
        let (Ok(group), Ok(name)) = (field_str(info, "group"), field_str(info, "name")) else { continue };
        if groups {
            if !names.contains(&group) {
                names.push(group);
            }
        } else if text.contains(':') || name != group {
            names.push(format!("{group}:{name}"));
            let all = format!("{group}:*");
            if !names.contains(&all) {
                names.push(all);
            }
        } else {
            names.push(name);
        }
    }
    names.into_iter().filter(|n| n.starts_with(text)).map(|n| format!("{n} ")).collect()
}

/// Where the word being completed starts: after the last readline word
/// delimiter (':', '*' and '-' are part of words, as 4.3.0 sets them).
fn word_start(line: &str, pos: usize) -> usize {
    const DELIMS: &str = " \t\n\"\\'`@$><=;|&{(";
    line[..pos].rfind(|c: char| DELIMS.contains(c)).map(|i| i + 1).unwrap_or(0)
}

struct ShellHelper {
    ctl: Rc<RefCell<Controller>>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = word_start(line, pos);
        let text = &line[start..pos];
        let Ok(mut c) = self.ctl.try_borrow_mut() else { return Ok((start, Vec::new())) };
        let mut found = candidates(&mut c, text, line);
        found.dedup();
        Ok((start, found.into_iter().map(|s| Pair { display: s.trim_end().to_string(), replacement: s }).collect()))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// Runs the shell until quit, EOF or Ctrl-C at the prompt. The exit code
/// of the shell is always 0, as in 4.3.0.
pub fn run(ctl: Controller) -> i32 {
    let ctl = Rc::new(RefCell::new(ctl));
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if tty {
        super::interrupt::watch_in_shell();
    }
    let stop = ctl.borrow_mut().onecmd("status");
    if tty && super::interrupt::take() {
        ctl.borrow_mut().output("");
        return 0;
    }
    if stop {
        return 0;
    }
    if tty {
        run_editor(ctl)
    } else {
        run_plain(ctl)
    }
}

fn prompt_of(ctl: &Rc<RefCell<Controller>>) -> String {
    format!("{}> ", ctl.borrow().settings.prompt)
}

/// Without a terminal: the prompt goes to stdout and lines come from stdin,
/// as Python's `input()` does then.
fn run_plain(ctl: Rc<RefCell<Controller>>) -> i32 {
    loop {
        let prompt = prompt_of(&ctl);
        let line = ctl.borrow_mut().console.read_line(&prompt);
        let stop = match line {
            Some(l) => ctl.borrow_mut().onecmd(&l),
            None => ctl.borrow_mut().onecmd("EOF"),
        };
        if stop {
            return 0;
        }
    }
}

fn run_editor(ctl: Rc<RefCell<Controller>>) -> i32 {
    // List completion behaves like GNU readline: the first Tab inserts the
    // common prefix, the second lists the candidates.
    let config = Config::builder()
        .auto_add_history(true)
        .completion_type(CompletionType::List)
        .bracketed_paste(false)
        .history_ignore_dups(false)
        .map(|b| b.build());
    let config = config.unwrap_or_default();
    let mut editor: Editor<ShellHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(_) => return run_plain(ctl),
    };
    editor.set_helper(Some(ShellHelper { ctl: ctl.clone() }));
    let history_file = ctl.borrow().settings.history_file.clone();
    if let Some(path) = &history_file {
        if let Ok(text) = std::fs::read_to_string(path) {
            for entry in text.lines() {
                let _ = editor.history_mut().add(entry);
            }
        }
    }
    loop {
        let prompt = prompt_of(&ctl);
        let stop = match editor.readline(&prompt) {
            Ok(line) => {
                let stop = ctl.borrow_mut().onecmd(&line);
                if super::interrupt::take() {
                    ctl.borrow_mut().output("");
                    true
                } else {
                    stop
                }
            }
            // The editor has already moved to a new line, which is all 4.3.0
            // shows on Ctrl-D and Ctrl-C at the prompt.
            Err(ReadlineError::Eof) | Err(ReadlineError::Interrupted) => true,
            Err(_) => ctl.borrow_mut().onecmd("EOF"),
        };
        if stop {
            break;
        }
    }
    if let Some(path) = &history_file {
        let entries: Vec<String> = editor.history().iter().map(|s| format!("{s}\n")).collect();
        let _ = std::fs::write(path, entries.concat());
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_keep_namespecs_whole() {
        assert_eq!(word_start("start grp:a", 11), 6);
        assert_eq!(word_start("sta", 3), 0);
        assert_eq!(word_start("tail -f my-prog", 15), 8);
    }
}
