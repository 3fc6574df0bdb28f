//! Status badges: small SVGs in the style of shields.io, text always present (not colour alone).

use super::feeds::escape;
use crate::domain::page::Indicator;
use crate::domain::ServiceStatus;

/// Approximate text width in the badge font (Verdana-like, 11 px).
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
                8
            } else if c == ' ' || c == 'i' || c == 'l' {
                4
            } else {
                7
            }
        })
        .sum::<usize>()
        + 12
}

fn svg(label: &str, value: &str, colour: &str) -> String {
    let (lw, vw) = (width(label), width(value));
    let total = lw + vw;
    let (label, value) = (escape(label), escape(value));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"20\" role=\"img\" aria-label=\"{label}: {value}\"><title>{label}: {value}</title>\
<rect width=\"{lw}\" height=\"20\" rx=\"3\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{vw}\" height=\"20\" rx=\"3\" fill=\"{colour}\"/>\
<rect x=\"{lw}\" width=\"4\" height=\"20\" fill=\"{colour}\"/>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\">\
<text x=\"{}\" y=\"14\">{label}</text><text x=\"{}\" y=\"14\">{value}</text></g></svg>",
        lw / 2,
        lw + vw / 2
    )
}

fn indicator_colour(i: Indicator) -> &'static str {
    match i {
        Indicator::None => "#1f7a3d",
        Indicator::Maintenance => "#1d5fa8",
        Indicator::Minor => "#9a5b00",
        Indicator::Major => "#b3470f",
        Indicator::Critical => "#b42318",
    }
}

fn status_colour(s: ServiceStatus) -> &'static str {
    match s {
        ServiceStatus::Operational => "#1f7a3d",
        ServiceStatus::UnderMaintenance => "#1d5fa8",
        ServiceStatus::DegradedPerformance => "#9a5b00",
        ServiceStatus::PartialOutage => "#b3470f",
        ServiceStatus::MajorOutage => "#b42318",
    }
}

/// The page's overall badge.
pub fn overall(indicator: Indicator, description: &str) -> String {
    svg("status", description, indicator_colour(indicator))
}

/// One service's badge.
pub fn service(name: &str, status: ServiceStatus) -> String {
    svg(name, status.label(), status_colour(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_say_the_status_in_words_and_escape_names() {
        let b = overall(Indicator::None, "All Systems Operational");
        assert!(
            b.starts_with("<svg") && b.contains("All Systems Operational") && b.contains("#1f7a3d")
        );
        let s = service("<API>", ServiceStatus::MajorOutage);
        assert!(s.contains("&lt;API&gt;") && s.contains("Major outage") && !s.contains("<API>"));
    }
}
