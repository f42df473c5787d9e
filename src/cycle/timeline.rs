//! The timeline of a cycle, drawn as SVG on the server: its three phases as lanes, each session as a
//! mark at its date, the months, and today.

use crate::text::escape as esc;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::catalogue::ModuleKind;
use crate::cycle::store::TrainingSession;
use crate::cycle::{Phase, phase_of};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 150.0;
const LANE: f64 = 46.0;
const TOP: f64 = 30.0;

/// The SVG of the timeline (safe to embed: every text is escaped).
pub fn svg(sessions: &[TrainingSession], status: Phase, tz: chrono_tz::Tz, now: DateTime<Utc>) -> String {
    let first = sessions.iter().map(|s| s.start()).min().unwrap_or(now);
    let last = sessions.iter().map(|s| s.end()).max().unwrap_or(now + Duration::days(180));
    let from = first.min(now) - Duration::days(7);
    let to = (last.max(now) + Duration::days(14)).max(from + Duration::days(60));
    let span = (to - from).num_seconds() as f64;
    let x = |t: DateTime<Utc>| LEFT + (t - from).num_seconds() as f64 / span * (WIDTH - LEFT - 10.0);
    let lanes = [(Phase::Phase1, "Temps 1"), (Phase::Phase2, "Temps 2"), (Phase::Phase3, "Temps 3")];
    let height = TOP + LANE * lanes.len() as f64 + 20.0;
    let mut out = format!(
        r#"<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="frise-titre frise-desc" xmlns="http://www.w3.org/2000/svg"><title id="frise-titre">Frise du cycle</title><desc id="frise-desc">{} séances ; le cycle en est au temps : {}.</desc>"#,
        sessions.len(),
        esc(status.short())
    );
    // months
    let mut m = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or_default();
    while let Some(t) = m.and_hms_opt(0, 0, 0).map(|d| d.and_utc()) {
        if t > to {
            break;
        }
        if t >= from {
            let px = x(t);
            out.push_str(&format!(r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{}" stroke="#d0d4da"/><text x="{:.1}" y="18" font-size="12" fill="#444">{}</text>"##, TOP - 6.0, height - 14.0, px + 3.0, esc(&format!("{} {}", crate::fr::MONTHS_SHORT[m.month0() as usize], m.year()))));
        }
        m = if m.month() == 12 {
            NaiveDate::from_ymd_opt(m.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1)
        }
        .unwrap_or(m + Duration::days(31));
    }
    for (i, (phase, label)) in lanes.iter().enumerate() {
        let y = TOP + LANE * i as f64;
        let current = *phase == status;
        out.push_str(&format!(
            r##"<rect x="0" y="{y}" width="{WIDTH}" height="{}" fill="{}"/><text x="8" y="{:.1}" font-size="14" font-weight="{}" fill="#1a1a1a">{}</text>"##,
            LANE - 6.0,
            if current { "#e3ecf7" } else { "#f5f6f8" },
            y + LANE / 2.0,
            if current { "700" } else { "400" },
            esc(label)
        ));
        for s in sessions.iter().filter(|s| phase_of(s.module_kind) == *phase) {
            let (x1, x2) = (x(s.start()), x(s.end()).max(x(s.start()) + 10.0));
            let color = match s.module_kind {
                ModuleKind::CultureTraining => "#1d4e89",
                ModuleKind::Conference => "#b45309",
                ModuleKind::UsageTraining => "#17632f",
                ModuleKind::Amo => "#6b21a8",
            };
            let when = s.start().with_timezone(&tz).format("%d/%m/%Y %H:%M");
            out.push_str(&format!(
                r#"<rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2" fill="{color}"><title>{} — {} ({when})</title></rect>"#,
                y + 8.0,
                x2 - x1,
                LANE - 22.0,
                esc(&s.module_title),
                esc(&s.title)
            ));
        }
    }
    if now >= from && now <= to {
        let px = x(now);
        out.push_str(&format!(r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{}" stroke="#a4161a" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#a4161a">aujourd'hui</text>"##, TOP - 6.0, height - 14.0, px + 3.0, height - 2.0));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(kind: ModuleKind, start: i64, title: &str) -> TrainingSession {
        TrainingSession {
            id: 1,
            cycle_id: 1,
            cycle_module_id: 1,
            module_kind: kind,
            module_title: "Module <b>".into(),
            position: 1,
            title: title.into(),
            description: String::new(),
            start_at: start,
            end_at: start + 8 * 3600,
            minutes: 420,
            room_id: None,
            room_name: None,
            intervenant_id: None,
            intervenant_name: None,
            capacity: None,
            registration_token: None,
            registered: 0,
            cancelled_at: None,
            cancel_reason: String::new(),
        }
    }

    #[test]
    fn the_timeline_draws_each_session_in_its_phase_and_escapes_text() {
        let now = DateTime::from_timestamp(1_796_119_200, 0).unwrap();
        let s = vec![
            session(ModuleKind::CultureTraining, 1_798_000_000, "Jour 1 & <script>"),
            session(ModuleKind::UsageTraining, 1_800_000_000, "Demi-journée 1"),
        ];
        let svg = svg(&s, Phase::Phase1, crate::fr::DEFAULT_TZ, now);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("rx=\"2\"").count(), 2);
        assert!(svg.contains("Jour 1 &amp; &lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("aujourd'hui"));
        assert!(svg.contains(r##"font-weight="700" fill="#1a1a1a">Temps 1"##));
    }
}
