//! RFC 3339 times as WeChat Pay sends and expects them.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time written in RFC 3339 (`2025-08-03T12:00:00+08:00`).
///
/// The text is kept exactly as written or received, so a value read from a response and sent back
/// is byte-identical, and a response with an odd but harmless spelling still decodes. Whether the
/// text is valid RFC 3339 is checked when a request is built (rule [`crate::Rule::DateTime`]);
/// [`DateTime::to_offset_date_time`] parses it on demand.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(String);

impl DateTime {
    /// Wraps RFC 3339 text, checking it now (the date and time are joined by `T`).
    pub fn parse(text: impl Into<String>) -> Result<Self, time::error::Parse> {
        let text = text.into();
        // Text without the `T` is refused as `time` refuses empty text, the one rule being
        // [`is_rfc3339`].
        let checked = if has_t(&text) { text.as_str() } else { "" };
        OffsetDateTime::parse(checked, &Rfc3339)?;
        Ok(Self(text))
    }

    /// The text as written or received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text.
    pub fn to_offset_date_time(&self) -> Result<OffsetDateTime, time::error::Parse> {
        OffsetDateTime::parse(&self.0, &Rfc3339)
    }

    /// Now, in China Standard Time (`+08:00`, how WeChat Pay writes times), to the second.
    pub fn now() -> Self {
        Self::from(std::time::SystemTime::now())
    }

    /// A Unix time (seconds) in China Standard Time (`+08:00`); `None` outside the years
    /// 1..=9999.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(|t| Self::from(t.to_offset(CHINA_STANDARD_TIME)))
    }

    /// The point in time as a [`SystemTime`](std::time::SystemTime).
    pub fn to_system_time(&self) -> Result<std::time::SystemTime, time::error::Parse> {
        self.to_offset_date_time().map(std::time::SystemTime::from)
    }

    /// Whether the text is valid RFC 3339.
    pub fn is_valid(&self) -> bool {
        is_rfc3339(&self.0)
    }
}

/// The one RFC 3339 date-time rule (`2025-08-03T12:00:00+08:00`): a real calendar date, hours
/// 00-23, an optional fraction, `Z` or an offset. Client, generator and simulator all ask this.
pub fn is_rfc3339(text: &str) -> bool {
    has_t(text) && OffsetDateTime::parse(text, &Rfc3339).is_ok()
}

/// `time` also takes a space between date and time; WeChat Pay writes and expects `T`.
fn has_t(text: &str) -> bool {
    matches!(text.as_bytes().get(10), Some(b'T' | b't'))
}

impl From<OffsetDateTime> for DateTime {
    /// Formats with the value's own offset; seconds are kept, sub-second digits only when non-zero.
    /// A value RFC 3339 cannot write (an offset with seconds) keeps a plain
    /// rendering, which building the request then reports as rule [`crate::Rule::DateTime`].
    fn from(value: OffsetDateTime) -> Self {
        Self(value.format(&Rfc3339).unwrap_or_else(|_| value.to_string()))
    }
}

/// `+08:00`.
const CHINA_STANDARD_TIME: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

impl From<std::time::SystemTime> for DateTime {
    /// In China Standard Time (`+08:00`), to the second (sub-second digits dropped, as WeChat
    /// Pay writes times).
    fn from(value: std::time::SystemTime) -> Self {
        let t = OffsetDateTime::from(value).to_offset(CHINA_STANDARD_TIME);
        Self::from(t.replace_nanosecond(0).unwrap_or(t))
    }
}

/// Unchecked text; an invalid value is reported when the request that carries it is built.
impl From<&str> for DateTime {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

/// Unchecked text; an invalid value is reported when the request that carries it is built.
impl From<String> for DateTime {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_byte_for_byte() {
        let t = DateTime::parse("2015-05-20T13:29:35.120+08:00").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2015-05-20T13:29:35.120+08:00\""
        );
        assert_eq!(t.to_offset_date_time().unwrap().millisecond(), 120);
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        assert!(DateTime::parse("2015-05-20 13:29:35").is_err());
        assert!(!DateTime::from("yesterday").is_valid());
    }

    #[test]
    fn a_time_rfc3339_cannot_write_is_reported_not_panicked() {
        // RFC 3339 offsets have no seconds.
        let odd = OffsetDateTime::from_unix_timestamp(0)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(8, 0, 30).unwrap());
        assert!(!DateTime::from(odd).is_valid());
    }

    #[test]
    fn system_time_and_unix_seconds_are_written_in_china_standard_time_to_the_second() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_432_099_775_120);
        assert_eq!(DateTime::from(t).as_str(), "2015-05-20T13:29:35+08:00");
        assert_eq!(
            DateTime::from_unix(1_432_099_775).map(|d| d.to_string()),
            Some("2015-05-20T13:29:35+08:00".to_string())
        );
        let back = DateTime::from(t).to_system_time().unwrap();
        assert_eq!(
            back,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_432_099_775)
        );
        let now = DateTime::now();
        assert!(now.is_valid() && now.as_str().ends_with("+08:00"), "{now}");
    }

    #[test]
    fn formats_offset_date_time() {
        let odt = OffsetDateTime::from_unix_timestamp(1_432_099_775)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap());
        assert_eq!(DateTime::from(odt).as_str(), "2015-05-20T13:29:35+08:00");
    }
}
