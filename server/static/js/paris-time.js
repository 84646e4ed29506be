// Carnet writes every time of day in Paris time (server/i18n/formats.py). On a device whose clock is elsewhere (a
// patient on holiday in Lisbon), the note at the top of the page says so: only where the page shows a time, and the
// device's offset from UTC is not Paris's at one of those times (the footer's data-times-shown, each written with
// Paris's offset then). In France, the usual case, the note stays hidden.
(function () {
  "use strict";

  function elsewhere(shown) {
    var offset = /([+-])(\d{2}):(\d{2})$/.exec(shown);
    var when = new Date(shown);
    if (!offset || isNaN(when.getTime())) return false;
    var paris = (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
    return -when.getTimezoneOffset() !== paris;
  }

  function check() {
    var note = document.querySelector("[data-paris-time]");
    if (!note) return;
    var footer = document.querySelector("[data-times-shown]");
    var times = footer ? footer.getAttribute("data-times-shown").split(" ") : [];
    note.hidden = !times.some(elsewhere);
  }

  document.addEventListener("htmx:load", check);  // a boosted page: a new body, with its own times
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", check);
  } else {
    check();
  }
})();
