// Inline scripts are blocked by the Content-Security-Policy, so behaviour lives here.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
});

// Review form: choosing a comment from the bank appends it to the criterion's comment box.
document.querySelectorAll("select[data-bank-target]").forEach((select) => {
  select.addEventListener("change", () => {
    const box = document.getElementById(select.dataset.bankTarget);
    if (!box || !select.value) return;
    box.value = box.value.trim() ? `${box.value.trim()}\n${select.value}` : select.value;
    select.value = "";
  });
});
