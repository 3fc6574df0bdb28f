// Shows every <time datetime> in the reader's own time zone, also in sections that live updates
// replace (live.js announces them). The page works without it.
(function () {
  "use strict";
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { return; }
  function localize(root) {
    var times = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        times[i].title = times[i].textContent;
        times[i].textContent = fmt.format(d);
      }
    }
  }
  localize(document);
  document.addEventListener("beacon:patched", function (e) { localize(e.detail); });
  var note = document.querySelector(".js-local");
  if (note) note.textContent = " (converted to your local time where shown)";
})();
