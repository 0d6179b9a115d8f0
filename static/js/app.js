// Inline scripts are blocked by the Content-Security-Policy, so behaviour lives here.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
});
