// The dashboard's only script, bundled as a string: every page works without it. It adds a copy
// button to shown-once secrets (`data-copy` names the input to copy).
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
`;
