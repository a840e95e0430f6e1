//! A doughnut: the shares of a whole (the takings per payment method).
//!
//! Each slice is a circle of circumference 100 (r = 15.915) whose dashed stroke shows
//! only its own share, turned so that the slices follow each other clockwise from noon.

use leptos::prelude::*;

use super::compact;

/// One slice, as the caller describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// What it stands for, machine-readable (`data-key`: `ESPECES`).
    pub key: String,
    /// Its colour (CSS).
    pub color: &'static str,
    /// Its value, whole units (a negative value counts as 0).
    pub value: i64,
}

/// Where one slice is drawn on the circle.
#[derive(Clone, Debug, PartialEq)]
pub struct Arc {
    /// Its share of the whole, in percent.
    pub share: f64,
    /// `stroke-dasharray`: the share drawn, the rest of the circle blank.
    pub dasharray: String,
    /// `stroke-dashoffset`: where it starts.
    pub dashoffset: String,
}

/// The sum the shares are of.
pub fn total(values: &[i64]) -> i64 {
    values.iter().map(|v| (*v).max(0)).sum()
}

/// `value`'s share of `total`, in percent (0 of nothing).
pub fn share(value: i64, total: i64) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    value.max(0) as f64 * 100.0 / total as f64
}

/// The arcs of `values`, clockwise from noon; none when there is nothing to share.
pub fn arcs(values: &[i64]) -> Vec<Arc> {
    let total = total(values);
    if total == 0 {
        return Vec::new();
    }
    let mut offset = 0.0;
    values
        .iter()
        .map(|&v| {
            let share = share(v, total);
            // The dash starts at three o'clock: 25 back is noon.
            let start = 25.0 - offset;
            offset += share;
            Arc {
                share,
                dasharray: format!("{share:.3} {:.3}", 100.0 - share),
                dashoffset: format!("{start:.3}"),
            }
        })
        .collect()
}

/// A doughnut with the total in its hole: `svg.donut`, each slice a
/// `circle.donut-segment[data-key]`. Draws the empty ring when there is nothing to share.
#[component]
pub fn Doughnut(
    /// What the chart shows, for screen readers (it follows the language).
    #[prop(into)]
    label: Signal<String>,
    /// The unit under the total (`FCFA`).
    unit: &'static str,
    /// The slices, clockwise from noon.
    slices: Vec<Slice>,
) -> impl IntoView {
    let values: Vec<i64> = slices.iter().map(|s| s.value).collect();
    let drawn = slices
        .into_iter()
        .zip(arcs(&values))
        .map(|(slice, arc)| {
            view! {
                <circle
                    class="donut-segment"
                    cx="21"
                    cy="21"
                    r="15.915"
                    fill="none"
                    stroke=slice.color
                    stroke-width="6"
                    stroke-dasharray=arc.dasharray
                    stroke-dashoffset=arc.dashoffset
                    data-key=slice.key
                />
            }
        })
        .collect_view();
    view! {
        <svg class="donut" viewBox="0 0 42 42" role="img" aria-label=move || label.get()>
            <circle cx="21" cy="21" r="15.915" fill="none" stroke="#eef0f3" stroke-width="6" />
            {drawn}
            <text x="21" y="20" text-anchor="middle" class="donut-total">{compact(total(&values))}</text>
            <text x="21" y="25" text-anchor="middle" class="donut-unit">{unit}</text>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_follow_each_other_from_noon() {
        let a = arcs(&[750, 250]);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].share, 75.0);
        assert_eq!(a[0].dasharray, "75.000 25.000");
        assert_eq!(a[0].dashoffset, "25.000", "the first starts at noon");
        assert_eq!(
            a[1].dashoffset, "-50.000",
            "the second where the first ends"
        );
    }

    #[test]
    fn nothing_to_share_draws_no_slice() {
        assert_eq!(arcs(&[]), Vec::new());
        assert_eq!(arcs(&[0, -10]), Vec::new());
        assert_eq!(share(5, 0), 0.0);
        assert_eq!(share(-5, 10), 0.0, "a negative value counts as 0");
        assert_eq!(total(&[100, -10, 50]), 150);
    }
}
