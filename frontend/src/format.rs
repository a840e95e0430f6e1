//! Display helpers shared by the screens (the till, the sales history, loyalty, KPIs).

use chrono::{DateTime, Utc};
use crm_domain::money::group_thousands;
use crm_domain::sale::{PaymentMethod, SaleStatus};
use crm_domain::Level;

use crate::i18n::{lookup, Lang};

/// `12 500 FCFA`: thousands and currency joined by no-break spaces, so that an amount
/// never breaks across lines.
pub fn money(francs: i64) -> String {
    format!("{}\u{a0}FCFA", group_thousands(francs))
}

/// `1800` basis points → `18 %` (`5,5 %`).
pub fn rate(bp: u32) -> String {
    let whole = bp / 100;
    let rest = bp % 100;
    if rest == 0 {
        format!("{whole}\u{a0}%")
    } else {
        let decimals = format!("{rest:02}");
        format!("{whole},{}\u{a0}%", decimals.trim_end_matches('0'))
    }
}

/// `"5.00"` → `"5"`, `"2.50"` → `"2,5"` (French decimal comma).
pub fn trim_decimal(value: &str) -> String {
    let value = value.trim();
    let value = if value.contains('.') {
        value.trim_end_matches('0').trim_end_matches('.')
    } else {
        value
    };
    value.replace('.', ",")
}

/// Date and time of a sale. Côte d'Ivoire is on UTC all year (Africa/Abidjan).
pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%d/%m/%Y %H:%M").to_string()
}

/// Time only.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%H:%M").to_string()
}

/// The label of a payment method (`ORANGE_MONEY` → `Orange Money`).
pub fn method_label(lang: Lang, method: PaymentMethod) -> String {
    label(lang, "pay", method.as_str())
}

/// The string key of a level's name (`level.GOLD`).
pub fn level_key(level: Level) -> &'static str {
    match level {
        Level::Standard => "level.STANDARD",
        Level::Silver => "level.SILVER",
        Level::Gold => "level.GOLD",
        Level::Vip => "level.VIP",
    }
}

/// A level's colour in the charts (its badge's dominant colour; the bar charts of the
/// loyalty result use the same in style.css).
pub fn level_color(level: Level) -> &'static str {
    match level {
        Level::Standard => "#b3bac5",
        Level::Silver => "#6b7a90",
        Level::Gold => "#e0b73f",
        Level::Vip => "#5b2e91",
    }
}

/// The label of a sale status (`REFUNDED` → `Remboursée`).
pub fn status_label(lang: Lang, status: SaleStatus) -> String {
    label(lang, "status", status.as_str())
}

/// The text of `group.name`; the name itself if the table lacks it (a host test checks
/// that it does not).
fn label(lang: Lang, group: &str, name: &'static str) -> String {
    lookup(lang, &format!("{group}.{name}"))
        .unwrap_or(name)
        .to_string()
}

/// Amounts typed by the cashier: digits, spaces allowed (`10 000`). `None` when invalid.
pub fn parse_amount(text: &str) -> Option<i64> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202F}' && *c != '\u{a0}')
        .collect();
    let digits = digits
        .strip_suffix("FCFA")
        .or_else(|| digits.strip_suffix("fcfa"))
        .unwrap_or(&digits);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_amounts() {
        assert_eq!(rate(1800), "18\u{a0}%");
        assert_eq!(rate(550), "5,5\u{a0}%");
        assert_eq!(parse_amount("10 000"), Some(10_000));
        assert_eq!(parse_amount("12\u{202F}500 FCFA"), Some(12_500));
        assert_eq!(parse_amount("12a"), None);
        assert_eq!(parse_amount(""), None);
        assert_eq!(trim_decimal("5.00"), "5");
    }

    #[test]
    fn amounts_never_break_before_the_currency() {
        assert_eq!(money(12_500), "12\u{202F}500\u{a0}FCFA");
        assert_eq!(money(0), "0\u{a0}FCFA");
    }

    #[test]
    fn every_method_status_and_level_has_a_french_and_an_english_name() {
        for lang in [Lang::Fr, Lang::En] {
            for method in PaymentMethod::ALL {
                assert_ne!(method_label(lang, method), method.as_str(), "{method}");
            }
            for status in SaleStatus::ALL {
                assert_ne!(status_label(lang, status), status.as_str(), "{status}");
            }
            for level in Level::ALL {
                assert!(lookup(lang, level_key(level)).is_some(), "{level:?}");
            }
        }
        assert_eq!(
            method_label(Lang::Fr, PaymentMethod::OrangeMoney),
            "Orange Money"
        );
        assert_eq!(status_label(Lang::Fr, SaleStatus::Refunded), "Remboursée");
    }
}
