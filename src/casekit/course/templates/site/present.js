// Projector view: one "##" section of the notebook per screen; arrow keys move.
(function () {
  "use strict";
  var deck = document.querySelector(".deck");
  if (!deck) { return; }
  // Each top-level block of the notebook belongs to the slide opened by the last <h2>.
  var blocks = Array.prototype.slice.call(deck.children);
  var slides = [];
  var current = null;
  blocks.forEach(function (block) {
    var opens = block.matches("h2") || block.querySelector("h2") !== null;
    if (!current || (opens && current.childElementCount > 0)) {
      current = document.createElement("section");
      current.className = "slide";
      slides.push(current);
    }
    current.appendChild(block);
  });
  slides.forEach(function (s) { deck.appendChild(s); });
  var counter = document.querySelector(".present-count");
  function show(i) {
    var n = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function (s, k) { s.classList.toggle("current", k === n); });
    if (counter) { counter.textContent = (n + 1) + " / " + slides.length; }
    if (history.replaceState) { history.replaceState(null, "", "#" + (n + 1)); }
    document.body.dataset.slide = String(n + 1);
    window.scrollTo(0, 0);
    return n;
  }
  var at = show((parseInt(location.hash.slice(1), 10) || 1) - 1);
  document.addEventListener("keydown", function (e) {
    if (["ArrowRight", "PageDown", " "].indexOf(e.key) >= 0) { at = show(at + 1); e.preventDefault(); }
    else if (["ArrowLeft", "PageUp"].indexOf(e.key) >= 0) { at = show(at - 1); e.preventDefault(); }
    else if (e.key === "Home") { at = show(0); }
    else if (e.key === "End") { at = show(slides.length - 1); }
  });
  var prev = document.querySelector(".present-prev");
  var next = document.querySelector(".present-next");
  if (prev) { prev.addEventListener("click", function () { at = show(at - 1); }); }
  if (next) { next.addEventListener("click", function () { at = show(at + 1); }); }
})();
