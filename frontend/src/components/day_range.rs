//! A custom period typed as two days `jj/mm/aaaa` ("Mes ventes", the KPI dashboard).
//!
//! A day is typed as `jj/mm/aaaa`, whatever the browser's locale (a date input shows the
//! browser's own format). [`custom_range`] says whether both days are whole, valid and in
//! order, so a screen asks the server only then: typing sends nothing and never shows a
//! server error. [`day_field`] is one of the two fields, said wrong once its text can no
//! longer become a date, or when it is left unfinished.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::i18n::I18n;

/// How days are written and read on screen: `24/11/2026`.
pub const DAY_FORMAT: &str = "%d/%m/%Y";

/// What a day typed as `jj/mm/aaaa` is so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedDay {
    /// Nothing typed.
    Empty,
    /// Still on its way to a date (`24/11/20`).
    Partial,
    /// A whole, valid day.
    Valid(NaiveDate),
    /// Can no longer become a date (`31/02/2026`, `24-11-2026`, a five-digit year).
    Invalid,
}

/// Reads a day typed as `jj/mm/aaaa`.
pub fn typed_day(text: &str) -> TypedDay {
    let text = text.trim();
    if text.is_empty() {
        return TypedDay::Empty;
    }
    if !text.chars().all(|c| c.is_ascii_digit() || c == '/') {
        return TypedDay::Invalid;
    }
    let parts: Vec<&str> = text.split('/').collect();
    let short = |p: &&str| p.len() <= 2;
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 && !d.is_empty() && !m.is_empty() && short(d) && short(m) => {
            match (d.parse(), m.parse(), y.parse()) {
                (Ok(d), Ok(m), Ok(y)) => {
                    NaiveDate::from_ymd_opt(y, m, d).map_or(TypedDay::Invalid, TypedDay::Valid)
                }
                _ => TypedDay::Invalid,
            }
        }
        [.., last] if parts.len() <= 3 && last.len() < 4 && parts.iter().take(2).all(short) => {
            TypedDay::Partial
        }
        _ => TypedDay::Invalid,
    }
}

/// Why a custom period is not asked for yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeProblem {
    /// A day is empty or still being typed.
    Incomplete,
    /// A day can never be read (its field says why).
    Invalid,
    /// The last day is before the first.
    Reversed,
}

/// The first and last days of a custom period typed as `jj/mm/aaaa`.
pub fn custom_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), RangeProblem> {
    match (typed_day(from), typed_day(to)) {
        (TypedDay::Valid(f), TypedDay::Valid(t)) if f <= t => Ok((f, t)),
        (TypedDay::Valid(_), TypedDay::Valid(_)) => Err(RangeProblem::Reversed),
        (TypedDay::Invalid, _) | (_, TypedDay::Invalid) => Err(RangeProblem::Invalid),
        _ => Err(RangeProblem::Incomplete),
    }
}

/// A day field of a custom period (`<input id=…>` with its label and its error line):
/// typed `jj/mm/aaaa`, said wrong once it cannot become a date, or when left
/// unfinished. `on_input` runs at each change of the text, just before it is set.
pub fn day_field(
    i18n: I18n,
    id: &'static str,
    label: &'static str,
    text: RwSignal<String>,
    on_input: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let left = RwSignal::new(false);
    let wrong = move || match typed_day(&text.get()) {
        TypedDay::Invalid => true,
        TypedDay::Partial => left.get(),
        TypedDay::Empty | TypedDay::Valid(_) => false,
    };
    let error_id = format!("{id}-error");
    view! {
        <label class="field">
            <span class="field-label">{i18n.tr(label)}</span>
            <input
                id=id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                maxlength="10"
                placeholder=i18n.tr("sales.date_placeholder")
                aria-invalid=move || if wrong() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                prop:value=move || text.get()
                on:input=move |ev| {
                    left.set(false);
                    on_input();
                    text.set(event_target_value(&ev));
                }
                on:blur=move |_| left.set(true)
            />
            <span id=error_id class="date-error" role="alert">
                {move || wrong().then(|| i18n.t("sales.date_invalid"))}
            </span>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_typed_in_france() {
        let day = |d, m, y| TypedDay::Valid(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(typed_day("24/11/2026"), day(24, 11, 2026));
        assert_eq!(typed_day(" 1/2/2026 "), day(1, 2, 2026));
        for partial in ["2", "24/", "24/11", "24/11/", "24/11/202"] {
            assert_eq!(typed_day(partial), TypedDay::Partial, "{partial}");
        }
        for wrong in [
            "31/02/2026",
            "24-11-2026",
            "24/11/20262",
            "2026-11-24",
            "24/13/2026",
            "a",
        ] {
            assert_eq!(typed_day(wrong), TypedDay::Invalid, "{wrong}");
        }
        assert_eq!(typed_day(""), TypedDay::Empty);
    }

    #[test]
    fn a_custom_period_is_asked_only_whole_and_in_order() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(custom_range("01/11/2026", "24/11/2026"), Ok((d(1), d(24))));
        assert_eq!(
            custom_range("01/11/2026", "24/11/20"),
            Err(RangeProblem::Incomplete)
        );
        assert_eq!(
            custom_range("", "24/11/2026"),
            Err(RangeProblem::Incomplete)
        );
        assert_eq!(
            custom_range("24/11/2026", "01/11/2026"),
            Err(RangeProblem::Reversed)
        );
        assert_eq!(
            custom_range("30/02/2026", "01/11/2026"),
            Err(RangeProblem::Invalid)
        );
    }
}
