//! What the customer list asks the server: the search box and the filters, written once
//! as a query string for both `GET /customers` and its CSV export — plain Rust,
//! host-tested.

use chrono::NaiveDate;

/// The list's filters as the screen holds them (texts as typed; empty = no filter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// The search box: a phone in any form, a customer number or the start of a name.
    pub q: String,
    /// `STANDARD`, `SILVER`, `GOLD`, `VIP` or empty.
    pub level: String,
    /// City, any case.
    pub city: String,
    /// `YYYY-MM-DD` as a date field gives it, or empty.
    pub last_visit_from: String,
    /// `YYYY-MM-DD`, or empty.
    pub last_visit_to: String,
    /// `true`, `false` or empty (either).
    pub sms_consent: String,
}

/// `value` percent-encoded for a query string (everything but letters, digits and
/// `-_.~`), so that `+225 07…` reaches the server as typed.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Filters {
    /// The query string without paging (`q=kouas&level=GOLD`); empty filters are left
    /// out, and a day that is not a whole `YYYY-MM-DD` is not sent (the server would
    /// refuse the whole query).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |name: &str, value: &str| {
            let value = value.trim();
            if !value.is_empty() {
                parts.push(format!("{name}={}", encode(value)));
            }
        };
        push("q", &self.q);
        push("level", &self.level);
        push("city", &self.city);
        for (name, day) in [
            ("last_visit_from", &self.last_visit_from),
            ("last_visit_to", &self.last_visit_to),
        ] {
            if NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").is_ok() {
                push(name, day);
            }
        }
        if matches!(self.sms_consent.as_str(), "true" | "false") {
            push("sms_consent", &self.sms_consent);
        }
        parts.join("&")
    }

    /// The list's query for `page` of `per_page`.
    pub fn page_query(&self, page: u64, per_page: u64) -> String {
        let filters = self.query();
        let paging = format!("page={page}&per_page={per_page}");
        if filters.is_empty() {
            paging
        } else {
            format!("{filters}&{paging}")
        }
    }

    /// The CSV export's path for the same filters.
    pub fn export_path(&self) -> String {
        let filters = self.query();
        if filters.is_empty() {
            "/customers/export".to_owned()
        } else {
            format!("/customers/export?{filters}")
        }
    }

    /// Whether any filter or search is set (the empty list then says "nobody matches"
    /// rather than "no customer yet").
    pub fn is_narrowed(&self) -> bool {
        !self.query().is_empty()
    }
}

/// Whether the customer number typed to confirm an erasure is the customer's (case and
/// spaces ignored): the erasure cannot be undone.
pub fn confirms(typed: &str, customer_number: &str) -> bool {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    !customer_number.is_empty() && compact.eq_ignore_ascii_case(customer_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_filters_ask_for_everything() {
        let f = Filters::default();
        assert_eq!(f.query(), "");
        assert_eq!(f.page_query(2, 20), "page=2&per_page=20");
        assert_eq!(f.export_path(), "/customers/export");
        assert!(!f.is_narrowed());
    }

    #[test]
    fn every_filter_is_sent_encoded_and_the_export_takes_the_same() {
        let f = Filters {
            q: " +225 07 01 23 45 67 ".into(),
            level: "GOLD".into(),
            city: "Bouaké".into(),
            last_visit_from: "2026-11-01".into(),
            last_visit_to: "2026-11-30".into(),
            sms_consent: "true".into(),
        };
        let q = "q=%2B225%2007%2001%2023%2045%2067&level=GOLD&city=Bouak%C3%A9\
                 &last_visit_from=2026-11-01&last_visit_to=2026-11-30&sms_consent=true";
        assert_eq!(f.query(), q);
        assert_eq!(f.page_query(1, 20), format!("{q}&page=1&per_page=20"));
        assert_eq!(f.export_path(), format!("/customers/export?{q}"));
        assert!(f.is_narrowed());
    }

    #[test]
    fn half_typed_days_and_unknown_consents_are_not_sent() {
        let f = Filters {
            last_visit_from: "2026-11".into(),
            sms_consent: "peut-être".into(),
            ..Filters::default()
        };
        assert_eq!(f.query(), "");
    }

    #[test]
    fn an_erasure_is_confirmed_by_the_exact_customer_number() {
        assert!(confirms("CLT0000042", "CLT0000042"));
        assert!(confirms(" clt 0000042 ", "CLT0000042"));
        assert!(!confirms("CLT000004", "CLT0000042"));
        assert!(!confirms("", "CLT0000042"));
        assert!(!confirms("", ""));
    }
}
