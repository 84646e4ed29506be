// The printable Historique: its "Imprimer" button, hidden until this script can make it work.
(function () {
  "use strict";

  function showButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("htmx:load", showButtons);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showButtons);
  } else {
    showButtons();
  }
})();
