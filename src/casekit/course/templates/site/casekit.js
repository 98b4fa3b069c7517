/* casekit site: draw every chart with the bundled vega-embed (svg renderer, no network).
   Each chart's Vega-Lite spec was compiled to Vega when the site was built, with the
   Vega-Lite that is also in vega-bundle.js, so the page only runs Vega. */
(function () {
  "use strict";
  var options = {
    renderer: "svg",
    mode: "vega",
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: "casekit-chart"
  };
  function fail(box, err) {
    box.setAttribute("data-rendered", "failed");
    console.error("casekit: chart " + box.id + " could not be drawn: " + err);
  }
  function draw(box) {
    var specNode = box.querySelector("script.casekit-chart-spec");
    var view = box.querySelector(".casekit-chart-view");
    var spec;
    try {
      spec = JSON.parse(specNode.textContent);
      return window.vegaEmbed(view, spec, options).then(function () {
        box.setAttribute("data-rendered", "true");
      }, function (err) { fail(box, err); });
    } catch (err) {
      fail(box, err);
      return Promise.resolve();
    }
  }
  function drawAll() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".casekit-chart"));
    var done = function () { document.documentElement.setAttribute("data-charts", "done"); };
    if (typeof window.vegaEmbed !== "function") {
      console.error("casekit: assets/vega/vega-bundle.js did not load; charts are not drawn");
      done();
      return;
    }
    Promise.all(boxes.map(draw)).then(done, done);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
