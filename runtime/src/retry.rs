//! The one retry classifier: whether a failed attempt is worth sending again.
//!
//! Order: the operation's documented error row for the answer's status and code decides first
//! (busifavor's `400 SYSTEM_ERROR` is documented `retry: true`, so it is retried although 400 is
//! not a server error); without a matching row, a 5xx or 429 is retried; a transport failure or
//! timeout is retried; anything else is final. Only retry-safe operations are ever repeated; the
//! client checks that before asking here.

use crate::ErrorDoc;

/// What an attempt ended with, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// WeChat Pay answered with an error status and (maybe) a `code`.
    Status {
        /// HTTP status.
        status: u16,
        /// The `code` member of the error body.
        code: Option<&'a str>,
    },
    /// The request could not be sent or the answer not read, or no answer came in time.
    Transport,
    /// Anything else (a built-in refusal, an untrusted or undecodable answer): never retried.
    Final,
}

/// Whether to send again, given the operation's documented error rows.
pub fn should_retry(errors: &[ErrorDoc], outcome: Outcome<'_>) -> bool {
    match outcome {
        Outcome::Status { status, code } => {
            let row = code.and_then(|code| {
                errors
                    .iter()
                    .find(|row| row.status == status && row.code == code)
            });
            match row {
                Some(row) => row.retry,
                None => status >= 500 || status == 429,
            }
        }
        Outcome::Transport => true,
        Outcome::Final => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &[ErrorDoc] = &[
        ErrorDoc::new(400, "SYSTEM_ERROR", "Busy.", "Retry.", true),
        ErrorDoc::new(500, "SYSTEM_ERROR", "Busy.", "Retry.", true),
        ErrorDoc::new(500, "ORDER_PAID", "Paid already.", "Query.", false),
        ErrorDoc::new(400, "PARAM_ERROR", "Bad.", "Fix.", false),
    ];

    fn status(status: u16, code: &str) -> Outcome<'_> {
        Outcome::Status {
            status,
            code: Some(code),
        }
    }

    #[test]
    fn a_documented_row_decides_first() {
        assert!(should_retry(ROWS, status(400, "SYSTEM_ERROR")));
        assert!(!should_retry(ROWS, status(500, "ORDER_PAID")));
        assert!(!should_retry(ROWS, status(400, "PARAM_ERROR")));
    }

    #[test]
    fn then_status_then_transport() {
        assert!(should_retry(ROWS, status(503, "UNDOCUMENTED")));
        assert!(should_retry(ROWS, status(429, "FREQUENCY_LIMITED")));
        assert!(!should_retry(ROWS, status(400, "UNDOCUMENTED")));
        assert!(should_retry(
            &[],
            Outcome::Status {
                status: 502,
                code: None
            }
        ));
        assert!(should_retry(&[], Outcome::Transport));
        assert!(!should_retry(ROWS, Outcome::Final));
    }
}
