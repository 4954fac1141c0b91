// The dashboard's only script, bundled as a string: every page works without it. It adds a copy
// button to shown-once secrets (`data-copy` names the input to copy), and the stock chart's hover
// read-out (the point nearest the pointer, its time, movement and level, under the chart), and
// a running restore's or import's live progress (the page polled every second, its progress card
// swapped in).
export const js = String.raw`
document.addEventListener("click", async function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById(button.getAttribute("data-copy") + "-status");
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = "Copied to the clipboard.";
  } catch (error) {
    input.select();
    if (status) status.textContent = "Select the text and copy it with Ctrl+C (or Cmd+C).";
  }
});
document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });

document.querySelectorAll("[data-chart]").forEach(function (chart) {
  var svg = chart.querySelector("svg");
  var readout = chart.querySelector("[data-chart-readout]");
  var points = Array.prototype.slice.call(chart.querySelectorAll("circle[data-label]"));
  if (!svg || !readout || points.length === 0) return;
  var summary = readout.textContent;
  var active = null;
  function show(point) {
    if (active) active.classList.remove("is-active");
    active = point;
    if (point) point.classList.add("is-active");
    readout.textContent = point ? point.getAttribute("data-label") : summary;
  }
  svg.addEventListener("pointermove", function (event) {
    var box = svg.getBoundingClientRect();
    var x = ((event.clientX - box.left) / box.width) * svg.viewBox.baseVal.width;
    var nearest = null;
    var best = Infinity;
    points.forEach(function (point) {
      var distance = Math.abs(point.cx.baseVal.value - x);
      if (distance < best) { best = distance; nearest = point; }
    });
    show(nearest);
  });
  svg.addEventListener("pointerleave", function () { show(null); });
});

(function pollRestore() {
  var card = document.querySelector("[data-restore-progress], [data-progress]");
  if (!card || card.getAttribute("data-done") === "true") return;
  setTimeout(async function () {
    try {
      var response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) return;
      var next = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-restore-progress], [data-progress]");
      if (!next) return;
      card.replaceWith(document.importNode(next, true));
      pollRestore();
    } catch (error) {
      // The reload link stays.
    }
  }, 1000);
})();
`;
