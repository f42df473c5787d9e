// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (e) {
    if (csrf) { e.detail.headers["X-CSRF-Token"] = csrf.content; }
  });
  // Forms that destroy something ask first.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.hasAttribute && t.hasAttribute("data-print")) { window.print(); }
  });
  // After a refused form, move the focus to the list of errors.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("erreurs");
    if (summary) { summary.focus(); }
  });
})();
// Signatures drawn with a finger or a mouse on a canvas, sent as a PNG in a hidden field.
(function () {
  "use strict";
  function setup(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) { drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault(); });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true; e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (n) { canvas.addEventListener(n, function () { drawing = false; }); });
    var form = canvas.closest("form");
    var clear = form && form.querySelector("[data-clear-signature]");
    if (clear) { clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; }); }
    if (form) {
      form.addEventListener("submit", function () {
        var field = form.querySelector("input[name=signature]");
        if (field) { field.value = drawn ? canvas.toDataURL("image/png") : ""; }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.querySelectorAll("canvas[data-signature]");
    for (var i = 0; i < list.length; i++) { setup(list[i]); }
  });
})();
