//! Bars: one value per slot (the revenue per day of "Mes ventes").

use crm_domain::money::group_thousands;
use leptos::prelude::*;

use super::{baseline, grid, view_box, x_label, Axis, Slots, Titles, BASELINE};

/// Up to this many bars, each shows its value above it.
const MAX_VALUES_SHOWN: usize = 10;

/// One bar, as the caller describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// What it stands for, machine-readable (`data-key`: `2026-11-24`).
    pub key: String,
    /// Its label under the axis (`24/11`).
    pub label: String,
    /// Its value, whole units.
    pub value: i64,
    /// The tooltip.
    pub tip: String,
}

/// Where one bar is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BarShape {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height (never negative).
    pub height: f64,
}

/// The geometry of a bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct BarLayout {
    /// The value axis.
    pub axis: Axis,
    /// The x slots, one per bar.
    pub slots: Slots,
    /// One shape per value, in order.
    pub shapes: Vec<BarShape>,
    /// Whether the values are written above the bars (few bars only).
    pub show_values: bool,
}

/// Lays `values` out, each bar 70 % of its slot (1 to 48 wide), centred in it; the axis
/// goes up to at least `floor`.
pub fn layout(values: &[i64], floor: i64) -> BarLayout {
    let axis = Axis::new(values.iter().copied().max().unwrap_or(0), floor);
    let slots = Slots::new(values.len());
    let width = (slots.width * 0.7).clamp(1.0, 48.0);
    let shapes = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let y = axis.y(v);
            BarShape {
                x: slots.start(i) + (slots.width - width) / 2.0,
                y,
                width,
                height: (BASELINE - y).max(0.0),
            }
        })
        .collect();
    BarLayout {
        axis,
        slots,
        shapes,
        show_values: values.len() <= MAX_VALUES_SHOWN,
    }
}

/// A bar chart: `<svg id=… class="chart">`, each bar a `g.chart-bar[data-key][data-value]`.
#[component]
pub fn BarChart(
    /// Its id, name and unit.
    titles: Titles,
    /// The bars, left to right.
    bars: Vec<Bar>,
    /// The least top of the value axis.
    floor: i64,
) -> impl IntoView {
    let values: Vec<i64> = bars.iter().map(|b| b.value).collect();
    let BarLayout {
        axis,
        slots,
        shapes,
        show_values,
    } = layout(&values, floor);
    let drawn = bars
        .into_iter()
        .zip(shapes)
        .enumerate()
        .map(|(i, (bar, shape))| {
            let middle = shape.x + shape.width / 2.0;
            let value = (show_values && bar.value > 0).then(|| {
                view! {
                    <text x=middle y=shape.y - 5.0 text-anchor="middle" class="chart-value">
                        {group_thousands(bar.value)}
                    </text>
                }
            });
            view! {
                <g class="chart-bar" data-key=bar.key data-value=bar.value>
                    <rect x=shape.x y=shape.y width=shape.width height=shape.height rx="2">
                        <title>{bar.tip}</title>
                    </rect>
                    {value}
                    {x_label(slots, i, &bar.label)}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg id=titles.id class="chart" viewBox=view_box() role="img" aria-label=move || titles.label.get()>
            {grid(&axis, titles.unit)}
            {drawn}
            {baseline()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stand_on_the_baseline_centred_in_their_slot() {
        let l = layout(&[0, 500, 1000], 1000);
        assert_eq!(l.axis.max, 1000);
        let [empty, half, full] = l.shapes.as_slice() else {
            panic!("three bars");
        };
        assert_eq!(empty.height, 0.0);
        assert_eq!(empty.y, BASELINE);
        assert!((half.height * 2.0 - full.height).abs() < 1e-9);
        assert!((full.y + full.height - BASELINE).abs() < 1e-9);
        let gap = l.slots.width - full.width;
        assert!((full.x - (l.slots.start(2) + gap / 2.0)).abs() < 1e-9);
        assert!(l.show_values);
    }

    #[test]
    fn bar_widths_stay_readable() {
        assert_eq!(
            layout(&[1], 1000).shapes[0].width,
            48.0,
            "one bar: 48 wide at most"
        );
        let month = layout(&[1; 31], 1000);
        assert!(month
            .shapes
            .iter()
            .all(|s| s.width < 48.0 && s.width >= 1.0));
        assert!(!month.show_values, "too many bars to write their values");
        assert_eq!(layout(&[], 1000).shapes, Vec::new());
    }
}
