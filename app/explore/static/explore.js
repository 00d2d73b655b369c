// The explorer works without this file; it only saves a click: picking a date in the
// "as of" picker reloads the claim's page for that date at once.
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("form.as-of input[type=date]")) {
    input.addEventListener("change", () => {
      if (input.value === "" || /^\d{4}-\d{2}-\d{2}$/.test(input.value)) {
        input.form.requestSubmit();
      }
    });
  }
});
