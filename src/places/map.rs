//! A drawing of France for the places' map, made offline from the embedded communes: each
//! département is the concave hull of its communes' points (`geo`), metropolitan France with Corsica
//! at the top, the overseas départements and Nouvelle-Calédonie in insets below. No tile server.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

use geo::concave_hull::ConcaveHullOptions;
use geo::{ConcaveHull, MultiPoint, Point, Simplify};

use super::communes;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 730.0;

/// A rectangle of the world drawn into a rectangle of the map.
struct Frame {
    name: &'static str,
    lat: (f64, f64),
    lon: (f64, f64),
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    scale: f64,
    cos: f64,
}

impl Frame {
    fn new(name: &'static str, lat: (f64, f64), lon: (f64, f64), x: f64, y: f64, w: f64, h: f64) -> Frame {
        let cos = ((lat.0 + lat.1) / 2.0).to_radians().cos();
        let scale = (w / ((lon.1 - lon.0) * cos)).min(h / (lat.1 - lat.0));
        Frame { name, lat, lon, x, y, w, h, scale, cos }
    }

    fn contains(&self, lat: f64, lon: f64) -> bool {
        lat >= self.lat.0 && lat <= self.lat.1 && lon >= self.lon.0 && lon <= self.lon.1
    }

    fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        let dw = self.w - (self.lon.1 - self.lon.0) * self.cos * self.scale;
        let dh = self.h - (self.lat.1 - self.lat.0) * self.scale;
        (
            self.x + dw / 2.0 + (lon - self.lon.0) * self.cos * self.scale,
            self.y + dh / 2.0 + (self.lat.1 - lat) * self.scale,
        )
    }
}

fn frames() -> &'static [Frame] {
    static F: OnceLock<Vec<Frame>> = OnceLock::new();
    F.get_or_init(|| {
        let y = 615.0;
        let (w, h) = (100.0, 100.0);
        vec![
            Frame::new("France métropolitaine", (41.2, 51.2), (-5.3, 9.7), 5.0, 5.0, 630.0, 600.0),
            Frame::new("Guadeloupe", (15.8, 16.55), (-61.85, -60.95), 5.0, y, w, h),
            Frame::new("Martinique", (14.35, 14.9), (-61.25, -60.78), 110.0, y, w, h),
            Frame::new("Guyane", (2.0, 5.9), (-54.7, -51.5), 215.0, y, w, h),
            Frame::new("La Réunion", (-21.42, -20.85), (55.18, 55.86), 320.0, y, w, h),
            Frame::new("Mayotte", (-13.02, -12.62), (44.98, 45.32), 425.0, y, w, h),
            Frame::new("Nouvelle-Calédonie", (-22.75, -19.5), (163.5, 168.2), 530.0, y, w, h),
        ]
    })
}

/// Where a point goes on the map, if it lies in one of its frames.
pub fn project(lat: f64, lon: f64) -> Option<(f64, f64)> {
    frames().iter().find(|f| f.contains(lat, lon)).map(|f| f.project(lat, lon))
}

/// The départements' outlines and the insets' frames, as SVG (built once).
pub fn background() -> &'static str {
    static SVG: OnceLock<String> = OnceLock::new();
    SVG.get_or_init(|| {
        let mut by_dep: BTreeMap<&str, Vec<Point<f64>>> = BTreeMap::new();
        for c in communes::all() {
            if let (Some(lat), Some(lon)) = (c.latitude, c.longitude)
                && let Some((x, y)) = project(lat, lon)
            {
                by_dep.entry(c.departement.as_str()).or_default().push(Point::new(x, y));
            }
        }
        let mut svg = String::new();
        for (i, f) in frames().iter().enumerate().skip(1) {
            let _ = write!(
                svg,
                "<rect class=\"inset\" x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\"/><text class=\"inset-name\" x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                f.x, f.y, f.w, f.h, f.x + 3.0, f.y + f.h + 10.0, f.name
            );
            let _ = i;
        }
        for (dep, points) in by_dep {
            if points.len() < 3 {
                continue;
            }
            let hull = MultiPoint::new(points).concave_hull_with_options(ConcaveHullOptions { concavity: 2.0, length_threshold: 1.5 });
            let hull = hull.simplify(0.6);
            let mut d = String::new();
            for (j, c) in hull.exterior().coords().enumerate() {
                let _ = write!(d, "{}{:.1},{:.1}", if j == 0 { "M" } else { "L" }, c.x, c.y);
            }
            d.push('Z');
            let _ = write!(svg, "<path class=\"dep\" d=\"{d}\"><title>Département {dep}</title></path>");
        }
        svg
    })
}

/// A marker for the map.
#[derive(Clone)]
pub struct Marker {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    pub href: Option<String>,
    /// "lieu", "origine" or "intervenant".
    pub kind: &'static str,
    /// Its number in the list beside the map, drawn on the marker.
    pub number: Option<usize>,
}

use crate::text::escape as esc;

/// The part of the map to show: all of it, or the markers' neighbourhood when they are all close
/// together in metropolitan France (x, y, width, height).
fn view(points: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let metro = &frames()[0];
    let all = (0.0, 0.0, WIDTH, HEIGHT);
    if points.is_empty() || points.iter().any(|(x, y)| *y > metro.y + metro.h || *x > metro.x + metro.w) {
        return all;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in points {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    // At least a sixth of the country's width, with a margin, and square.
    let side = ((x1 - x0).max(y1 - y0) * 1.3).max(110.0);
    if side > 450.0 {
        return all;
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (cx - side / 2.0, cy - side / 2.0, side, side)
}

/// The whole map with its markers, as an inline SVG element (zoomed on the markers when they are
/// close together).
pub fn render(markers: &[Marker], label: &str) -> String {
    let projected: Vec<(&Marker, (f64, f64))> =
        markers.iter().filter_map(|m| project(m.lat, m.lon).map(|p| (m, p))).collect();
    let (vx, vy, vw, vh) = view(&projected.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    // Markers keep their size on screen whatever the zoom.
    let k = vw / WIDTH;
    // A map whose markers are links is a group of links (a picture cannot hold them).
    let role = if markers.iter().any(|m| m.href.is_some()) { "group" } else { "img" };
    let mut svg = format!(
        "<svg class=\"carte\" viewBox=\"{vx:.1} {vy:.1} {vw:.1} {vh:.1}\" role=\"{role}\" aria-labelledby=\"carte-titre\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"carte-titre\">{}</title>{}",
        esc(label),
        background()
    );
    let ordered = projected
        .iter()
        .filter(|(m, _)| m.kind != "origine")
        .chain(projected.iter().filter(|(m, _)| m.kind == "origine"));
    for (m, (x, y)) in ordered {
        let (x, y) = (*x, *y);
        let shape = match m.kind {
            "origine" => format!(
                "<path class=\"m-origine\" d=\"M{:.2},{:.2}l{s:.2},{s:.2}l-{s:.2},{s:.2}l-{s:.2},-{s:.2}z\"/>",
                x,
                y - 7.0 * k,
                s = 7.0 * k
            ),
            "intervenant" => {
                let half = if m.number.is_some() { 7.0 } else { 4.0 };
                format!(
                    "<rect class=\"m-intervenant\" x=\"{:.2}\" y=\"{:.2}\" width=\"{s:.2}\" height=\"{s:.2}\"/>",
                    x - half * k,
                    y - half * k,
                    s = 2.0 * half * k
                )
            }
            _ => match m.number {
                Some(_) => format!("<circle class=\"m-lieu\" cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{:.2}\"/>", 7.5 * k),
                None => format!("<circle class=\"m-lieu\" cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{:.2}\"/>", 3.5 * k),
            },
        };
        let number = m
            .number
            .map(|n| {
                format!(
                    "<text class=\"m-num\" x=\"{x:.2}\" y=\"{:.2}\" font-size=\"{:.2}\" text-anchor=\"middle\" aria-hidden=\"true\">{n}</text>",
                    y + 3.2 * k,
                    9.0 * k
                )
            })
            .unwrap_or_default();
        let name = match m.number {
            Some(n) => format!("{n}. {}", m.label),
            None => m.label.clone(),
        };
        match &m.href {
            Some(h) => {
                let _ = write!(
                    svg,
                    "<a href=\"{}\" aria-label=\"{}\"><title>{}</title>{shape}{number}</a>",
                    esc(h),
                    esc(&name),
                    esc(&name)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<g role=\"img\" aria-label=\"{}\"><title>{}</title>{shape}{number}</g>",
                    esc(&name),
                    esc(&name)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn france_is_drawn_with_its_departements_and_insets() {
        let bg = background();
        assert!(bg.matches("class=\"dep\"").count() >= 100, "{}", bg.matches("class=\"dep\"").count());
        assert!(bg.contains("Département 2A") && bg.contains("Département 974") && bg.contains("Nouvelle-Calédonie"));
        // Paris lies north of Marseille, Brest west of Strasbourg; Saint-Denis (974) in its inset.
        let paris = project(48.8566, 2.3522).unwrap();
        let marseille = project(43.2965, 5.3698).unwrap();
        let brest = project(48.39, -4.49).unwrap();
        let strasbourg = project(48.57, 7.75).unwrap();
        assert!(paris.1 < marseille.1 && brest.0 < strasbourg.0);
        let reunion = project(-20.88, 55.45).unwrap();
        assert!(reunion.1 > 600.0);
        assert!(project(40.7, -74.0).is_none());
        let svg = render(
            &[Marker {
                lat: 45.65,
                lon: 0.16,
                label: "Angoulême <x>".into(),
                href: None,
                kind: "origine",
                number: None,
            }],
            "Carte",
        );
        assert!(svg.contains("m-origine") && svg.contains("Angoulême &lt;x&gt;"));
        // Markers close together: the view zooms on them; far apart or overseas: the whole map.
        assert!(!svg.contains("viewBox=\"0.0 0.0 640.0 730.0\""), "{}", &svg[..200]);
        let far = [
            Marker { lat: 48.39, lon: -4.49, label: "Brest".into(), href: None, kind: "lieu", number: Some(1) },
            Marker { lat: 43.30, lon: 5.37, label: "Marseille".into(), href: None, kind: "lieu", number: None },
        ];
        let svg = render(&far, "x");
        assert!(svg.contains("viewBox=\"0.0 0.0 640.0 730.0\""));
        assert!(svg.contains("aria-label=\"1. Brest\"") && svg.contains(">1</text>"), "numbered as in the list");
        assert!(svg.contains("role=\"img\""), "no link: a picture");
        let linked = [Marker { href: Some("/lieux/1".into()), ..far[0].clone() }];
        assert!(render(&linked, "x").contains("role=\"group\""), "links inside a picture would be hidden");
        let overseas =
            [Marker { lat: -20.88, lon: 55.45, label: "Saint-Denis".into(), href: None, kind: "lieu", number: None }];
        assert!(render(&overseas, "x").contains("viewBox=\"0.0 0.0 640.0 730.0\""));
    }
}
