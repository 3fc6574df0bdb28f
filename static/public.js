// Shows every <time datetime> in the reader's own time zone. The page works without it.
(function () {
  "use strict";
  var times = document.querySelectorAll("time[datetime]");
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { return; }
  for (var i = 0; i < times.length; i++) {
    var d = new Date(times[i].getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      times[i].title = times[i].textContent;
      times[i].textContent = fmt.format(d);
    }
  }
  var note = document.querySelector(".js-local");
  if (note) note.textContent = " (converted to your local time where shown)";
})();
