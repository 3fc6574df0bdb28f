// Live updates for a page that works without them (the public page, its incident and maintenance
// pages, and the dashboard overview). Wired by data attributes:
//   [data-live-stream="URL"]  the Server-Sent Events stream to follow (same origin);
//   [data-partials="a b"]     on the same element: fetch each region from {data-partials-at}{name};
//                             without it, the page's own URL is fetched and its regions taken;
//   [data-live="name"]        a region to replace with the server's fresh rendering of it;
//   [data-live-indicator]     hidden without JS; says "Live" or "Reconnecting…";
//   [data-title] on a region  the tab title to show (the public banner's, with the status).
// After any event (bursts coalesced), the regions are fetched again and patched in place, so what
// arrives looks exactly like a reload. A `resync` event reloads the page. A lost stream is opened
// again with exponential backoff, and the regions are refreshed when it is back.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-stream]");
  if (!root || !root.querySelector("[data-live]") || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var stream = root.getAttribute("data-live-stream");
  var partials = (root.getAttribute("data-partials") || "").split(" ").filter(Boolean);
  var partialsAt = root.getAttribute("data-partials-at") || "";
  var indicator = document.querySelector("[data-live-indicator]");
  var label = indicator && indicator.querySelector(".live-text");
  var TYPES = ["service.created", "service.updated", "service.deleted", "service.status_changed",
    "incident.created", "incident.updated", "incident.resolved", "incident.deleted", "incident_update.created",
    "maintenance.created", "maintenance.updated", "maintenance.started", "maintenance.completed",
    "maintenance.deleted", "page.status_changed"];

  function show(state, text) {
    if (!indicator) return;
    indicator.hidden = false;
    indicator.setAttribute("data-state", state);
    indicator.title = state === "connected" ? "Updates appear here as they happen" : "Trying to reconnect; the page may be out of date";
    if (label.textContent !== text) label.textContent = text;
  }

  // Groups the reader opened or closed stay that way when their region is replaced.
  var opened = {};
  root.addEventListener("toggle", function (e) {
    var name = e.target.querySelector && e.target.querySelector("summary .name");
    if (name) opened[name.textContent] = e.target.open;
  }, true);
  function keepOpen(el) {
    var groups = el.querySelectorAll("details");
    for (var i = 0; i < groups.length; i++) {
      var name = groups[i].querySelector("summary .name");
      if (name && opened.hasOwnProperty(name.textContent)) groups[i].open = opened[name.textContent];
    }
  }

  // A region the reader is working in (a focused select or button) is patched once they leave it.
  var deferred = false;
  function busy(el) {
    var a = document.activeElement;
    return a && a !== document.body && el.contains(a) && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(a.tagName);
  }
  root.addEventListener("focusout", function () {
    if (deferred) { deferred = false; schedule(); }
  });

  // Replaces the region's attributes and content in place, so the element (and any aria-live on
  // it) stays; nothing happens when the server's rendering is what is shown already.
  function patch(old, fresh) {
    fresh = document.importNode(fresh, true);
    keepOpen(fresh);
    document.dispatchEvent(new CustomEvent("beacon:patched", { detail: fresh }));
    if (fresh.outerHTML === old.outerHTML) return;
    if (busy(old)) { deferred = true; return; }
    var i;
    for (i = old.attributes.length - 1; i >= 0; i--) {
      if (!fresh.hasAttribute(old.attributes[i].name)) old.removeAttribute(old.attributes[i].name);
    }
    for (i = 0; i < fresh.attributes.length; i++) old.setAttribute(fresh.attributes[i].name, fresh.attributes[i].value);
    while (old.firstChild) old.removeChild(old.firstChild);
    while (fresh.firstChild) old.appendChild(fresh.firstChild);
  }

  function swap(doc, names) {
    for (var i = 0; i < names.length; i++) {
      var sel = '[data-live="' + names[i] + '"]';
      var old = root.querySelector(sel), fresh = doc.querySelector(sel);
      if (old && fresh) patch(old, fresh);
    }
    var titled = root.querySelector("[data-title]");
    if (titled) document.title = titled.getAttribute("data-title");
    else if (!partials.length && doc.title) document.title = doc.title;
  }

  function get(url) {
    return fetch(url, { cache: "no-cache", credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      // Signed out of a private page, or the incident is gone: let the browser show what is there now.
      if (r.redirected || r.status === 404) { location.reload(); throw new Error("gone"); }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function regions() {
    var els = root.querySelectorAll("[data-live]"), names = [];
    for (var i = 0; i < els.length; i++) names.push(els[i].getAttribute("data-live"));
    return names;
  }

  var timer = null, running = false, again = false;
  function schedule() {
    if (timer) return; // one refresh for a burst of events
    timer = setTimeout(function () { timer = null; refresh(); }, 150);
  }
  function refresh() {
    if (running) { again = true; return; }
    running = true;
    var work = partials.length
      ? Promise.all(partials.map(function (name) { return get(partialsAt + name); })).then(function (docs) {
        for (var i = 0; i < docs.length; i++) swap(docs[i], [partials[i]]);
      })
      : get(location.pathname + location.search).then(function (doc) { swap(doc, regions()); });
    work.catch(function () {}).then(function () {
      running = false;
      if (again) { again = false; schedule(); }
    });
  }

  var source = null, delay = 1000, retry = null;
  function connect() {
    source = new EventSource(stream);
    source.onopen = function () {
      delay = 1000;
      show("connected", "Live");
      schedule(); // whatever changed before this stream opened
    };
    source.onerror = function () {
      // Reconnect ourselves, waiting longer each time (the page's sections are refreshed on open).
      source.close();
      show("reconnecting", "Reconnecting…");
      clearTimeout(retry);
      retry = setTimeout(connect, delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(delay * 2, 60000);
    };
    source.onmessage = schedule;
    for (var i = 0; i < TYPES.length; i++) source.addEventListener(TYPES[i], schedule);
    source.addEventListener("resync", function () { location.reload(); });
  }
  window.addEventListener("pagehide", function () { if (source) source.close(); clearTimeout(retry); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) connect(); });
  show("connecting", "Connecting…");
  connect();
})();
