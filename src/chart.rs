//! Charts as inline SVG: drawn with attributes only (no `style`), so the security policy
//! (`style-src 'self'`) lets them through, and read by a screen reader from their title and
//! description; each page that shows one also shows its figures in a table.

use crate::text::escape;

/// One series of a chart (a colour and its legend).
pub struct Series {
    pub name: &'static str,
    /// A colour with at least 3:1 contrast against white (WCAG 1.4.11).
    pub colour: &'static str,
}

/// Before, at the end, « à froid ».
pub const BEFORE: Series = Series { name: "Avant la formation", colour: "#8a5a00" };
pub const AFTER: Series = Series { name: "En fin de formation", colour: "#1d5fa8" };
pub const COLD: Series = Series { name: "À froid", colour: "#2e7d32" };

/// Series of the quality pages.
pub const ATTENDANCE: Series = Series { name: "Assiduité", colour: "#1d5fa8" };
pub const COMPLETION: Series = Series { name: "Achèvement", colour: "#2e7d32" };
pub const SATISFACTION: Series = Series { name: "Satisfaction", colour: "#8a5a00" };
pub const AMOUNT: Series = Series { name: "Montant", colour: "#1d5fa8" };

/// A value as a share of `max`, in percent of the bar.
pub fn share(value: f64, max: f64) -> Option<u32> {
    if max > 0.0 && value.is_finite() { Some((value.max(0.0) / max * 100.0).round().min(100.0) as u32) } else { None }
}

/// A labelled row: one value per series, in percent of the bar (none where there is no figure),
/// and what to print at the end of each bar (empty: the percentage).
#[derive(Default)]
pub struct Row {
    pub label: String,
    pub values: Vec<Option<u32>>,
    pub texts: Vec<String>,
}

impl Row {
    fn text(&self, j: usize) -> String {
        match (self.texts.get(j), self.values.get(j).copied().flatten()) {
            (Some(t), _) if !t.is_empty() => t.clone(),
            (_, Some(v)) => format!("{v} %"),
            _ => "—".into(),
        }
    }
}

const WIDTH: u32 = 640;
const LABEL_H: u32 = 20;
const BAR_H: u32 = 14;
const GAP: u32 = 12;
const LEFT: u32 = 8;
const BAR_W: u32 = 520;

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Horizontal bars, a group per row (its label above, a bar per series below, the value at its
/// end), from 0 to 100 %. `id` makes the title's and description's ids unique on the page.
pub fn bars(id: &str, title: &str, series: &[&Series], rows: &[Row]) -> String {
    let group_h = LABEL_H + BAR_H * series.len() as u32 + GAP;
    let legend_h = 24;
    let height = legend_h + group_h * rows.len().max(1) as u32 + 4;
    let desc: Vec<String> = rows
        .iter()
        .map(|r| {
            let values: Vec<String> = series
                .iter()
                .zip(&r.values)
                .enumerate()
                .map(|(j, (s, _))| format!("{} : {}", s.name, r.text(j)))
                .collect();
            format!("{} — {}", r.label, values.join(", "))
        })
        .collect();
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(&desc.join(" ; "))
    );
    let mut x = LEFT;
    for s in series {
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"16\" font-size=\"12\" fill=\"#222\">{}</text>",
            s.colour,
            x + 16,
            escape(s.name)
        ));
        x += 24 + 7 * s.name.chars().count() as u32;
    }
    for (i, r) in rows.iter().enumerate() {
        let top = legend_h + i as u32 * group_h;
        out.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{}\" font-size=\"13\" fill=\"#222\">{}</text>",
            top + 14,
            escape(&shorten(&r.label, 88))
        ));
        for (j, (s, v)) in series.iter().zip(&r.values).enumerate() {
            let y = top + LABEL_H + j as u32 * BAR_H;
            out.push_str(&format!(
                "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{BAR_W}\" height=\"{}\" fill=\"#eeeeee\"/>",
                BAR_H - 3
            ));
            if let Some(v) = v {
                let w = BAR_W * (*v).min(100) / 100;
                out.push_str(&format!(
                    "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>",
                    BAR_H - 3,
                    s.colour
                ));
            }
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#222\">{}</text>",
                LEFT + BAR_W + 6,
                y + 10,
                escape(&r.text(j))
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_a_bar_per_value_and_says_its_figures() {
        let svg = bars(
            "c1",
            "Progrès <du> groupe",
            &[&BEFORE, &AFTER],
            &[
                Row { label: "Veille & partage".into(), values: vec![Some(25), Some(100)], ..Row::default() },
                Row {
                    label: "Réseaux".into(), values: vec![None, Some(50)], texts: vec![String::new(), "5 €".into()]
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("style="), "no inline style: the security policy refuses it");
        assert!(svg.contains("<title id=\"c1-t\">Progrès &lt;du&gt; groupe</title>"));
        assert!(svg.contains("Veille &amp; partage — Avant la formation : 25 %, En fin de formation : 100 %"));
        assert!(svg.contains(&format!("width=\"{}\"", BAR_W / 4)), "25 % of the bar");
        assert!(svg.contains(&format!("width=\"{}\"", BAR_W / 2)));
        assert_eq!(svg.matches("fill=\"#eeeeee\"").count(), 4, "a track per value, drawn or not");
        assert!(svg.contains(">5 €</text>"), "a value printed as given");
        assert!(svg.contains(">5 €</text>"), "a value printed as given");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
