//! The administration screens' rules, plain Rust and host-tested: what a typed amount or
//! VAT rate means, how a role reads, the query of a list.

use crm_domain::Role;

/// A price or cost typed in a form (`4 750`, `4750`): whole FCFA, through the domain's
/// own reading (`crm_domain::money::parse_francs`, as the price-list import).
pub fn francs(text: &str) -> Option<i64> {
    crm_domain::money::parse_francs(text.trim())
}

/// A VAT rate typed in percent (`18`, `5,5`) → basis points (1 800, 550); at most 100 %.
pub fn vat_bp(text: &str) -> Option<u32> {
    let text = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
    let bp = whole.checked_mul(100)?.checked_add(fraction)?;
    (bp <= 10_000).then_some(bp)
}

/// Basis points as the form shows them: `18`, `5,5`.
pub fn vat_text(bp: u32) -> String {
    let (whole, fraction) = (bp / 100, bp % 100);
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole},{}", f / 10),
        f => format!("{whole},{f:02}"),
    }
}

/// The string key of a role's name.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Cashier => "role.CASHIER",
        Role::Marketing => "role.MARKETING",
        Role::Director => "role.DIRECTOR",
        Role::Admin => "role.ADMIN",
    }
}

/// The query of `GET /users` for the filters on screen (`""`: every account).
pub fn users_query(role: &str, state: &str, page: u64, per_page: u64) -> String {
    let mut q = Vec::new();
    if !role.is_empty() {
        q.push(format!("role={role}"));
    }
    match state {
        "active" => q.push("active=true".to_owned()),
        "inactive" => q.push("active=false".to_owned()),
        _ => {}
    }
    q.push(format!("page={page}&per_page={per_page}"));
    q.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_francs() {
        assert_eq!(francs(" 4 750 "), Some(4_750));
        assert_eq!(francs("4750,00"), Some(4_750));
        assert_eq!(francs("47,5"), None);
        assert_eq!(francs("-1"), None);
        assert_eq!(francs(""), None);
    }

    #[test]
    fn vat_rates_in_percent() {
        assert_eq!(vat_bp("18"), Some(1_800));
        assert_eq!(vat_bp("5,5"), Some(550));
        assert_eq!(vat_bp("9 %"), Some(900));
        assert_eq!(vat_bp("0"), Some(0));
        assert_eq!(vat_bp("101"), None);
        assert_eq!(vat_bp("1,234"), None);
        assert_eq!(vat_bp("abc"), None);
        for bp in [0, 550, 900, 1_800, 1_825, 10_000] {
            assert_eq!(vat_bp(&vat_text(bp)), Some(bp), "{bp}");
        }
    }

    #[test]
    fn the_users_query_follows_the_filters() {
        assert_eq!(users_query("", "", 1, 20), "page=1&per_page=20");
        assert_eq!(
            users_query("CASHIER", "inactive", 2, 20),
            "role=CASHIER&active=false&page=2&per_page=20"
        );
    }
}
