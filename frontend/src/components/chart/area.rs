//! Stacked areas: several series piled up slot by slot, so the top edge is their total
//! (the KPI dashboard's customers per level over time).

use leptos::prelude::*;

use super::line::{x_labels, SeriesData};
use super::{baseline, grid, path_through, view_box, Axis, Slots, Titles};

/// The geometry of a stacked area chart.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaLayout {
    /// The value axis: up to the highest total.
    pub axis: Axis,
    /// The x slots: as many as the longest series.
    pub slots: Slots,
    /// Per series, the closed outline of its band (`d` of a `<path>`).
    pub bands: Vec<String>,
}

/// Piles the series up, the first at the bottom; missing values count as 0.
pub fn layout(series: &[Vec<i64>], floor: i64) -> AreaLayout {
    let n = series.iter().map(Vec::len).max().unwrap_or(0);
    let value = |s: &Vec<i64>, i: usize| s.get(i).copied().unwrap_or(0).max(0);
    let totals: Vec<i64> = (0..n)
        .map(|i| series.iter().map(|s| value(s, i)).sum())
        .collect();
    let axis = Axis::new(totals.iter().copied().max().unwrap_or(0), floor);
    let slots = Slots::new(n);
    let mut below = vec![0_i64; n];
    let bands = series
        .iter()
        .map(|s| {
            let top: Vec<i64> = below
                .iter()
                .enumerate()
                .map(|(i, b)| b + value(s, i))
                .collect();
            // Along the top left to right, back along the bottom right to left.
            let outline = top
                .iter()
                .enumerate()
                .map(|(i, &v)| (slots.center(i), axis.y(v)))
                .chain(
                    below
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, &v)| (slots.center(i), axis.y(v))),
                );
            let mut d = path_through(outline);
            if !d.is_empty() {
                d.push_str(" Z");
            }
            below = top;
            d
        })
        .collect();
    AreaLayout { axis, slots, bands }
}

/// A stacked area chart: `<svg id=… class="chart chart-areas">`, each band a
/// `path.chart-area[data-series]`.
#[component]
pub fn StackedAreaChart(
    /// Its id, name and unit.
    titles: Titles,
    /// The bands, bottom first (a negative value counts as 0).
    data: SeriesData,
) -> impl IntoView {
    // A band without a value in a slot is 0 thick there.
    let values: Vec<Vec<i64>> = data
        .values()
        .into_iter()
        .map(|s| s.into_iter().map(|v| v.unwrap_or(0)).collect())
        .collect();
    let AreaLayout { axis, slots, bands } = layout(&values, data.floor);
    let SeriesData { labels, series, .. } = data;
    let drawn = series
        .into_iter()
        .zip(bands)
        .map(|(s, d)| {
            let tip = s.name.clone();
            view! {
                <path class="chart-area" d=d fill=s.color fill-opacity="0.75" data-series=s.name>
                    <title>{tip}</title>
                </path>
            }
        })
        .collect_view();
    view! {
        <svg id=titles.id class="chart chart-areas" viewBox=view_box() role="img" aria-label=move || titles.label.get()>
            {grid(&axis, titles.unit)}
            {drawn}
            {baseline()}
            {x_labels(slots, &labels)}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_pile_up_to_the_total() {
        let l = layout(&[vec![1000, 1000], vec![500, 1500]], 1000);
        assert_eq!(l.axis.max, 2500, "the highest total: 1 000 + 1 500");
        let y = |v| format!("{:.1}", l.axis.y(v));
        let (x0, x1) = (
            format!("{:.1}", l.slots.center(0)),
            format!("{:.1}", l.slots.center(1)),
        );
        let bottom = format!(
            "M{x0} {} L{x1} {} L{x1} {} L{x0} {} Z",
            y(1000),
            y(1000),
            y(0),
            y(0)
        );
        assert_eq!(l.bands[0], bottom, "the first band stands on the baseline");
        let top = format!(
            "M{x0} {} L{x1} {} L{x1} {} L{x0} {} Z",
            y(1500),
            y(2500),
            y(1000),
            y(1000)
        );
        assert_eq!(l.bands[1], top, "the second stands on the first");
    }

    #[test]
    fn short_or_negative_series_count_as_zero() {
        let l = layout(&[vec![1000, -50], vec![]], 10);
        assert_eq!(l.axis.max, 1000);
        assert_eq!(l.bands.len(), 2);
        assert!(l.bands[1].ends_with(" Z"), "an empty series is a flat band");
        assert_eq!(layout(&[], 10).bands, Vec::<String>::new());
    }
}
