//! Lines: one or more series over the same slots (a figure day by day, this period
//! against the last; the KPI dashboard's identification rate and revenue).
//!
//! A slot may have no value (a rate on a day without any sale): the line breaks there
//! and no dot is drawn, rather than falling to a 0 that was never measured.

use leptos::prelude::*;

use super::{baseline, grid, path_through, view_box, x_label, Axis, Slots, Titles};

/// One series over the slots: a line here, a band in a stacked area ([`super::area`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name (`data-series`, and its tooltip).
    pub name: String,
    /// Its colour (CSS).
    pub color: &'static str,
    /// One value per slot, whole units; `None` where there is nothing to show (a line
    /// breaks there, a band counts 0).
    pub values: Vec<Option<i64>>,
    /// The tooltip of each slot (`24/11 · 83,3 %`); without one, `name : value`.
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
    pub fn values(&self) -> Vec<Vec<Option<i64>>> {
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
    /// Per series, its point in each slot (in the middle of it), `None` where it has no
    /// value.
    pub points: Vec<Vec<Option<(f64, f64)>>>,
}

impl LineLayout {
    /// The `d` of series `i`'s path: one stroke per run of slots with a value (empty for
    /// an unknown series).
    pub fn path(&self, i: usize) -> String {
        let Some(points) = self.points.get(i) else {
            return String::new();
        };
        points
            .split(Option::is_none)
            .filter(|run| !run.is_empty())
            .map(|run| path_through(run.iter().flatten().copied()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Lays the series out on one axis, up to at least `floor`.
pub fn layout(series: &[Vec<Option<i64>>], floor: i64) -> LineLayout {
    let highest = series
        .iter()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0);
    let axis = Axis::new(highest, floor);
    let slots = Slots::new(series.iter().map(Vec::len).max().unwrap_or(0));
    let points = series
        .iter()
        .map(|values| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| v.map(|v| (slots.center(i), axis.y(v))))
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
                .filter_map(|(point, value)| {
                    // Every slot has its tooltip, drawn or not.
                    let tip = tips.next();
                    let ((x, y), v) = (point?, value?);
                    let tip = tip.unwrap_or_else(|| {
                        format!("{} : {}", s.name, crm_domain::money::group_thousands(v))
                    });
                    Some(view! {
                        <circle cx=x cy=y r="3" fill=s.color data-value=v>
                            <title>{tip}</title>
                        </circle>
                    })
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
        let l = layout(&[vec![Some(0), Some(2000)], vec![Some(1000)]], 1000);
        assert_eq!(l.axis.max, 2000, "the highest value of any series");
        assert_eq!(l.points[0][0], Some((l.slots.center(0), BASELINE)));
        assert_eq!(l.points[1][0].map(|p| p.1), Some(l.axis.y(1000)));
        let y = |s: usize, i: usize| l.points[s][i].unwrap().1;
        assert!(y(0, 1) < y(1, 0), "higher values are higher up");
        assert!(l.path(0).starts_with('M') && l.path(0).contains(" L"));
        assert_eq!(l.path(1).matches('L').count(), 0, "one point: no segment");
        assert_eq!(l.path(5), "");
    }

    #[test]
    fn a_line_breaks_where_a_slot_has_no_value() {
        let l = layout(
            &[vec![
                Some(10),
                Some(20),
                None,
                None,
                Some(30),
                Some(40),
                None,
            ]],
            100,
        );
        assert_eq!(l.points[0][2], None);
        let path = l.path(0);
        assert_eq!(path.matches('M').count(), 2, "two strokes: {path}");
        assert_eq!(path.matches('L').count(), 2, "each of two points: {path}");
        let x = |i: usize| format!("{:.1}", l.slots.center(i));
        assert!(path.starts_with(&format!("M{} ", x(0))), "{path}");
        assert!(path.contains(&format!(" M{} ", x(4))), "{path}");
        assert_eq!(
            layout(&[vec![None, None]], 100).path(0),
            "",
            "nothing to draw"
        );
        assert_eq!(layout(&[vec![None]], 100).axis.max, 100, "the floor stays");
    }
}
