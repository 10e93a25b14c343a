//! Python's `repr()` of a string, which supervisord's messages embed with
//! `%r` (e.g. `can't find command 'foo'`).

/// Python's `repr()` of a str (one implementation, in config::pyfmt).
pub use crate::config::pyfmt::py_repr;

#[cfg(test)]
mod tests {
    use super::py_repr;

    #[test]
    fn quotes_like_python() {
        assert_eq!(py_repr("foo"), "'foo'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\nb"), "'a\\nb'");
    }
}
