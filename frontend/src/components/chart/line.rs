//! Lines: one or more series over the same slots (a figure day by day, this period
//! against the last; the KPI dashboard's identification rate and revenue).

use leptos::prelude::*;

use super::{baseline, grid, path_through, view_box, x_label, Axis, Slots, Titles};

/// One series over the slots: a line here, a band in a stacked area ([`super::area`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name (`data-series`, and its tooltip).
    pub name: String,
    /// Its colour (CSS).
    pub color: &'static str,
    /// One value per slot, whole units.
    pub values: Vec<i64>,
    /// The tooltip of each value (`24/11 · 83,3 %`); without one, `name : value`.
    pub tips: Vec<String>,
}

/// What a line or stacked area chart draws: series over labelled slots.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesData {
    /// The label of each slot (`24/11`).
    pub labels: Vec<String>,
    /// The series (for stacked areas, the bottom band first).
    pub series: Vec<Series>,
    /// The least top of the value axis.
    pub floor: i64,
}

impl SeriesData {
    /// The values of each series, for the layouts.
    pub fn values(&self) -> Vec<Vec<i64>> {
        self.series.iter().map(|s| s.values.clone()).collect()
    }
}

/// The labels under the slots of a line or area chart.
pub(super) fn x_labels(slots: Slots, labels: &[String]) -> impl IntoView {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| x_label(slots, i, l))
        .collect_view()
}

/// The geometry of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineLayout {
    /// The value axis, shared by every series.
    pub axis: Axis,
    /// The x slots: as many as the longest series.
    pub slots: Slots,
    /// Per series, its points (in the middle of their slots).
    pub points: Vec<Vec<(f64, f64)>>,
}

impl LineLayout {
    /// The `d` of series `i`'s path (empty for an unknown series).
    pub fn path(&self, i: usize) -> String {
        self.points
            .get(i)
            .map(|p| path_through(p.iter().copied()))
            .unwrap_or_default()
    }
}

/// Lays the series out on one axis, up to at least `floor`.
pub fn layout(series: &[Vec<i64>], floor: i64) -> LineLayout {
    let highest = series.iter().flatten().copied().max().unwrap_or(0);
    let axis = Axis::new(highest, floor);
    let slots = Slots::new(series.iter().map(Vec::len).max().unwrap_or(0));
    let points = series
        .iter()
        .map(|values| {
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| (slots.center(i), axis.y(v)))
                .collect()
        })
        .collect();
    LineLayout {
        axis,
        slots,
        points,
    }
}

/// A line chart: `<svg id=… class="chart chart-lines">`, each series a
/// `g.chart-line[data-series]` with its path and a dot per value.
#[component]
pub fn LineChart(
    /// Its id, name and unit.
    titles: Titles,
    /// The lines over their slots.
    data: SeriesData,
) -> impl IntoView {
    let shape = layout(&data.values(), data.floor);
    let SeriesData { labels, series, .. } = data;
    let slots = shape.slots;
    let lines = series
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let mut tips = s.tips.into_iter();
            let dots = shape
                .points
                .get(i)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .zip(s.values)
                .map(|((x, y), v)| {
                    let tip = tips.next().unwrap_or_else(|| {
                        format!("{} : {}", s.name, crm_domain::money::group_thousands(v))
                    });
                    view! {
                        <circle cx=x cy=y r="3" fill=s.color data-value=v>
                            <title>{tip}</title>
                        </circle>
                    }
                })
                .collect_view();
            view! {
                <g class="chart-line" data-series=s.name.clone()>
                    <path d=shape.path(i) fill="none" stroke=s.color stroke-width="2" />
                    {dots}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg id=titles.id class="chart chart-lines" viewBox=view_box() role="img" aria-label=move || titles.label.get()>
            {grid(&shape.axis, titles.unit)}
            {baseline()}
            {lines}
            {x_labels(slots, &labels)}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::chart::BASELINE;

    #[test]
    fn points_sit_mid_slot_on_a_shared_axis() {
        let l = layout(&[vec![0, 2000], vec![1000]], 1000);
        assert_eq!(l.axis.max, 2000, "the highest value of any series");
        assert_eq!(l.points[0][0], (l.slots.center(0), BASELINE));
        assert_eq!(l.points[1][0].1, l.axis.y(1000));
        assert!(
            l.points[0][1].1 < l.points[1][0].1,
            "higher values are higher up"
        );
        assert!(l.path(0).starts_with('M') && l.path(0).contains(" L"));
        assert_eq!(l.path(1).matches('L').count(), 0, "one point: no segment");
        assert_eq!(l.path(5), "");
    }
}
