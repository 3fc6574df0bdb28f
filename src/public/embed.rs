//! `embed.js`: a script other sites include to show a small, dismissable notice while an
//! incident or maintenance is active. The notice's data is baked into the script when the
//! snapshot is built, so the script makes no request of its own.

use super::model::PageModel;
use serde::Serialize;

#[derive(Serialize)]
struct Notice<'a> {
    id: &'a str,
    title: &'a str,
    status: &'a str,
    url: String,
    kind: &'static str,
}

/// The script for one page.
pub fn script(m: &PageModel) -> String {
    let mut notices: Vec<Notice> = m
        .unresolved()
        .map(|i| Notice {
            id: i.id.as_str(),
            title: &i.name,
            status: i.status.label(),
            url: format!("{}/incidents/{}", m.url, i.id),
            kind: "incident",
        })
        .collect();
    notices.extend(m.active_maintenances().map(|x| Notice {
        id: x.id.as_str(),
        title: &x.name,
        status: x.status.label(),
        url: format!("{}/maintenances/{}", m.url, x.id),
        kind: "maintenance",
    }));
    // JSON inside a script: escape '<' so no "</script>" can close it.
    let data = serde_json::to_string(&notices)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    let accent = serde_json::to_string(&m.accent).unwrap_or_else(|_| "\"#4f46e5\"".into());
    format!(
        r#"(function () {{
  "use strict";
  var notices = {data};
  var accent = {accent};
  if (!notices.length || typeof document === "undefined") return;
  var n = notices[0];
  var key = "beacon-dismissed-" + n.id + "-" + n.status;
  try {{ if (window.localStorage.getItem(key)) return; }} catch (e) {{}}
  function show() {{
    var box = document.createElement("div");
    box.setAttribute("role", "status");
    box.style.cssText = "position:fixed;z-index:2147483647;bottom:16px;right:16px;max-width:360px;padding:12px 40px 12px 14px;border-radius:8px;background:#fff;color:#111;border-left:4px solid " + accent + ";box-shadow:0 4px 16px rgba(0,0,0,.18);font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif";
    var title = document.createElement("a");
    title.href = n.url;
    title.textContent = n.title;
    title.style.cssText = "color:#111;font-weight:600;text-decoration:underline";
    var status = document.createElement("div");
    status.textContent = (n.kind === "maintenance" ? "Maintenance: " : "Incident: ") + n.status + (notices.length > 1 ? " (+" + (notices.length - 1) + " more)" : "");
    status.style.cssText = "color:#444;margin-top:2px";
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.style.cssText = "position:absolute;top:6px;right:8px;border:0;background:none;font-size:20px;cursor:pointer;color:#444";
    close.onclick = function () {{
      try {{ window.localStorage.setItem(key, "1"); }} catch (e) {{}}
      box.parentNode.removeChild(box);
    }};
    box.appendChild(title);
    box.appendChild(status);
    box.appendChild(close);
    document.body.appendChild(box);
  }}
  if (document.body) show(); else document.addEventListener("DOMContentLoaded", show);
}})();
"#
    )
}
