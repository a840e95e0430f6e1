//! Charts as inline SVG, one module per kind: [`bar`], [`line`], [`area`] (stacked, of
//! the same [`line::Series`]) and [`doughnut`]. No chart library: each kind is a small
//! pure function that computes the geometry (host-tested) and a thin component that
//! draws it.
//!
//! The three axis charts share one frame — a 640 × 260 `viewBox` with the value axis on
//! the left and the labels of the x slots below — so charts side by side on a dashboard
//! line up. Values are whole units (FCFA, counts): money never becomes a float, only its
//! position on screen does.

pub mod area;
pub mod bar;
pub mod doughnut;
pub mod line;

use leptos::prelude::*;

pub use area::StackedAreaChart;
pub use bar::{Bar, BarChart};
pub use doughnut::{Doughnut, Slice};
pub use line::{LineChart, Series, SeriesData};

/// What an axis chart is called.
#[derive(Clone, Copy)]
pub struct Titles {
    /// Element id of the `<svg>`.
    pub id: &'static str,
    /// What the chart shows, for screen readers (it follows the language).
    pub label: Signal<String>,
    /// The unit written above the value axis (`FCFA`).
    pub unit: &'static str,
}

/// Width of the axis charts' `viewBox`.
pub const WIDTH: f64 = 640.0;
/// Height of the axis charts' `viewBox`.
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 28.0;
/// At most this many x labels: beyond, every second (third…) slot is labelled.
const MAX_X_LABELS: usize = 12;

/// Width of the plot area.
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
/// Height of the plot area.
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;
/// Where the value 0 sits.
pub const BASELINE: f64 = TOP + PLOT_H;

/// At most this many intervals between the value axis's grid lines.
const MAX_INTERVALS: i64 = 5;

/// The value axis: grid lines a "nice" step apart (1, 2 or 5 × 10ⁿ), the top one at or
/// above the highest value. Every label is then short and exact (`500`, `1,5 k`, `20 k`),
/// never a quarter of a round number (`3,7 k`).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The value at the top of the plot: a whole number of steps.
    pub max: i64,
    /// The value between two grid lines.
    pub step: i64,
}

impl Axis {
    /// The axis for values up to `highest`, never below `floor` (an empty chart still has
    /// a scale: 1 000 FCFA, 10 sales…).
    pub fn new(highest: i64, floor: i64) -> Axis {
        let value = highest.max(floor).max(1);
        let step = nice_step(value);
        Axis {
            max: steps(value, step).saturating_mul(step),
            step,
        }
    }

    /// The height of `value` in the `viewBox` (the top of a bar, a point of a line).
    pub fn y(&self, value: i64) -> f64 {
        BASELINE - (value as f64 / self.max.max(1) as f64) * PLOT_H
    }

    /// The grid lines, bottom to top: (value, height).
    pub fn ticks(&self) -> Vec<(i64, f64)> {
        (0..=self.max / self.step.max(1))
            .map(|k| {
                let v = k * self.step;
                (v, self.y(v))
            })
            .collect()
    }
}

/// The x axis: `n` equal slots across the plot, one per day (bar, point).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slots {
    n: usize,
    /// The width of one slot.
    pub width: f64,
}

impl Slots {
    /// `n` slots (at least one, so that an empty chart still draws its frame).
    pub fn new(n: usize) -> Slots {
        let n = n.max(1);
        Slots {
            n,
            width: PLOT_W / n as f64,
        }
    }

    /// The left edge of slot `i`.
    pub fn start(self, i: usize) -> f64 {
        LEFT + self.width * i as f64
    }

    /// The middle of slot `i` (where its label and its point go).
    pub fn center(self, i: usize) -> f64 {
        self.start(i) + self.width / 2.0
    }

    /// Whether slot `i` gets its label: all of them up to twelve, then one in two, three…
    pub fn labelled(self, i: usize) -> bool {
        i.is_multiple_of(self.n.div_ceil(MAX_X_LABELS))
    }
}

/// The smallest step of 1, 2 or 5 × 10ⁿ that covers `value` (≥ 1) in at most
/// [`MAX_INTERVALS`] steps.
pub fn nice_step(value: i64) -> i64 {
    let mut magnitude = 1i64;
    loop {
        for unit in [1, 2, 5] {
            let step = magnitude.saturating_mul(unit);
            if steps(value, step) <= MAX_INTERVALS {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// How many `step`s it takes to reach `value` (both > 0).
fn steps(value: i64, step: i64) -> i64 {
    value / step + i64::from(value % step != 0)
}

/// `125000` → `125 k`, `1500000` → `1,5 M` (axis labels).
pub fn compact(value: i64) -> String {
    let (unit, scale) = if value >= 1_000_000 {
        ("M", 100_000)
    } else if value >= 1_000 {
        ("k", 100)
    } else {
        return value.to_string();
    };
    let tenths = value / scale;
    if tenths % 10 == 0 {
        format!("{}\u{a0}{unit}", tenths / 10)
    } else {
        format!("{},{}\u{a0}{unit}", tenths / 10, tenths % 10)
    }
}

/// An SVG path through `points`: `M x y L x y …` (one decimal: enough on a 640-wide box).
fn path_through(points: impl IntoIterator<Item = (f64, f64)>) -> String {
    points
        .into_iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" }))
        .collect()
}

/// The frame every axis chart draws first: its unit, the grid with the value labels.
fn grid(axis: &Axis, unit: &'static str) -> impl IntoView {
    let lines = axis
        .ticks()
        .into_iter()
        .map(|(v, gy)| {
            view! {
                <g class="chart-grid">
                    <line x1=LEFT x2=WIDTH - RIGHT y1=gy y2=gy />
                    <text x=LEFT - 6.0 y=gy + 4.0 text-anchor="end" class="chart-axis">
                        {compact(v)}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <text x="4" y="12" class="chart-axis chart-unit">{unit}</text>
        {lines}
    }
}

/// The legend of a chart's series or slices: a swatch of each colour and its name.
pub fn legend(entries: Vec<(String, &'static str)>) -> impl IntoView {
    let items = entries
        .into_iter()
        .map(|(name, color)| {
            view! {
                <li>
                    <span class="swatch" style=format!("background:{color}")></span>
                    {name}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="legend legend-inline">{items}</ul> }
}

/// The label of slot `i` under the plot, if it gets one.
fn x_label(slots: Slots, i: usize, label: &str) -> Option<impl IntoView> {
    let label = label.to_string();
    slots.labelled(i).then(|| {
        view! {
            <text x=slots.center(i) y=HEIGHT - 10.0 text-anchor="middle" class="chart-axis">
                {label}
            </text>
        }
    })
}

/// The line the values stand on, drawn last (over the bars' feet).
fn baseline() -> impl IntoView {
    view! { <line class="chart-baseline" x1=LEFT x2=WIDTH - RIGHT y1=BASELINE y2=BASELINE /> }
}

/// The `viewBox` of the axis charts.
fn view_box() -> String {
    format!("0 0 {WIDTH} {HEIGHT}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of an axis's grid lines.
    fn grid_values(highest: i64, floor: i64) -> Vec<i64> {
        Axis::new(highest, floor)
            .ticks()
            .into_iter()
            .map(|(v, _)| v)
            .collect()
    }

    #[test]
    fn nice_steps_of_one_two_or_five() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(5), 1);
        assert_eq!(nice_step(6), 2);
        assert_eq!(nice_step(10), 2);
        assert_eq!(nice_step(11), 5);
        assert_eq!(nice_step(1000), 200);
        assert_eq!(nice_step(1001), 500);
        assert_eq!(nice_step(3_700), 1000);
        assert_eq!(nice_step(212_500), 50_000);
        assert_eq!(nice_step(i64::MAX), 2_000_000_000_000_000_000);
        assert_eq!(
            Axis::new(i64::MAX, 0).ticks().len(),
            5,
            "no overflow at the very top"
        );
    }

    #[test]
    fn the_top_is_the_first_step_at_or_above_the_highest_value() {
        assert_eq!(grid_values(1000, 1000), [0, 200, 400, 600, 800, 1000]);
        assert_eq!(grid_values(1001, 1000), [0, 500, 1000, 1500]);
        // Quarters of a round maximum gave "0 – 1,2 k – 2,5 k – 3,7 k – 5 k".
        assert_eq!(grid_values(3_700, 1000), [0, 1000, 2000, 3000, 4000]);
        assert_eq!(
            grid_values(212_500, 1000),
            [0, 50_000, 100_000, 150_000, 200_000, 250_000]
        );
        assert_eq!(grid_values(510_000, 1000), [0, 200_000, 400_000, 600_000]);
        assert_eq!(
            grid_values(7, 10),
            [0, 2, 4, 6, 8, 10],
            "a count keeps its floor"
        );
        assert_eq!(grid_values(0, 0), [0, 1]);
        for highest in [1, 9, 99, 1_234, 98_765, 4_321_000, 987_654_321] {
            let axis = Axis::new(highest, 1);
            assert!(
                axis.max >= highest && axis.max - axis.step < highest,
                "{highest}"
            );
            assert!((2..=6).contains(&axis.ticks().len()), "{highest}");
            let leading = axis.step / 10i64.pow(axis.step.ilog10());
            assert!(
                [1, 2, 5].contains(&leading),
                "{highest}: step {}",
                axis.step
            );
        }
    }

    /// `compact`'s label read back: `1,5 k` → 1500.
    fn read_label(label: &str) -> i64 {
        let (number, scale) = match label.split_once('\u{a0}') {
            Some((n, "k")) => (n, 1_000),
            Some((n, "M")) => (n, 1_000_000),
            Some((_, unit)) => panic!("unknown unit {unit}"),
            None => (label, 1),
        };
        match number.split_once(',') {
            Some((whole, tenth)) => {
                whole.parse::<i64>().unwrap() * scale + tenth.parse::<i64>().unwrap() * scale / 10
            }
            None => number.parse::<i64>().unwrap() * scale,
        }
    }

    /// docs/screenshots/fidelite.png (the loyalty result, counts up to 3 on a floor of 4)
    /// read `0 1 2 3 _ 5`: the axis was a round maximum (5) with a grid line at each
    /// quarter of it, and 5 × k ÷ 4 in whole units gave 0, 1, 2, 3 and 5 — no line and
    /// no label at 4, and lines at 1,25, 2,5, 3,75 labelled 1, 2, 3. Steps of 1, 2 or 5 ×
    /// 10ⁿ put every line on a whole step and label it exactly.
    #[test]
    fn small_counts_get_a_line_and_a_label_at_every_step() {
        assert_eq!(grid_values(3, 4), [0, 1, 2, 3, 4]);
        assert_eq!(grid_values(4, 4), [0, 1, 2, 3, 4]);
        assert_eq!(grid_values(3, 5), [0, 1, 2, 3, 4, 5]);
        assert_eq!(grid_values(5, 4), [0, 1, 2, 3, 4, 5]);
        assert_eq!(grid_values(9, 5), [0, 2, 4, 6, 8, 10]);
        let labels: Vec<String> = Axis::new(3, 5)
            .ticks()
            .into_iter()
            .map(|(v, _)| compact(v))
            .collect();
        assert_eq!(labels, ["0", "1", "2", "3", "4", "5"]);
    }

    #[test]
    fn every_label_reads_its_line_and_the_lines_are_evenly_spaced() {
        let highs = (0..=1_200)
            .chain([
                1_999, 2_001, 9_999, 12_345, 99_999, 212_500, 1_234_567, 9_876_543,
            ])
            .chain([123_456_789, 4_321_000_000]);
        for highest in highs {
            for floor in [0, 1, 4, 5, 10, 100, 1000] {
                let axis = Axis::new(highest, floor);
                let ticks = axis.ticks();
                let gaps: Vec<f64> = ticks.windows(2).map(|w| w[0].1 - w[1].1).collect();
                let first = gaps[0];
                assert!(
                    gaps.iter().all(|g| (g - first).abs() < 1e-9),
                    "{highest}/{floor}: uneven lines {ticks:?}"
                );
                for (k, (value, _)) in ticks.iter().enumerate() {
                    assert_eq!(
                        *value,
                        axis.step * k as i64,
                        "{highest}/{floor}: one step apart"
                    );
                    assert_eq!(
                        read_label(&compact(*value)),
                        *value,
                        "{highest}/{floor}: label of {value}"
                    );
                }
                assert_eq!(
                    ticks.last().map(|t| t.0),
                    Some(axis.max),
                    "{highest}/{floor}: the top is labelled"
                );
            }
        }
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(125_000), "125\u{a0}k");
        assert_eq!(compact(1_500_000), "1,5\u{a0}M");
        assert_eq!(compact(2_000_000), "2\u{a0}M");
        assert_eq!(compact(950), "950");
    }

    #[test]
    fn the_axis_puts_zero_on_the_baseline_and_the_maximum_on_top() {
        let axis = Axis::new(212_500, 1000);
        assert_eq!(axis.max, 250_000);
        assert_eq!(axis.y(0), BASELINE);
        assert_eq!(axis.y(250_000), TOP);
        let ticks = axis.ticks();
        assert_eq!(ticks.len(), 6);
        assert_eq!(ticks.first(), Some(&(0, BASELINE)));
        assert_eq!(ticks.last(), Some(&(250_000, TOP)));
        assert_eq!(
            Axis::new(0, 1000).max,
            1000,
            "an empty chart keeps its floor"
        );
    }

    #[test]
    fn slots_share_the_plot_and_label_at_most_twelve() {
        let week = Slots::new(7);
        assert_eq!(week.start(0), LEFT);
        assert!((week.start(7) - (WIDTH - RIGHT)).abs() < 1e-9);
        assert!((0..7).all(|i| week.labelled(i)));
        let month = Slots::new(30);
        assert_eq!(
            (0..30).filter(|&i| month.labelled(i)).count(),
            10,
            "one in three"
        );
        assert_eq!(Slots::new(0), Slots::new(1), "an empty chart has one slot");
    }

    #[test]
    fn paths_go_through_the_points() {
        assert_eq!(path_through([(1.0, 2.0), (3.26, 4.0)]), "M1.0 2.0 L3.3 4.0");
        assert_eq!(path_through([]), "");
    }
}
