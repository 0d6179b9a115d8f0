// Turns each <textarea data-code-editor> into a Python code editor. The textarea stays in the
// page and is kept in sync, so saving works the same with or without JavaScript, and the page
// listens for "input" events on it to autosave.
//
// Why CodeMirror 5 and not 6: no page may load more than 300 KB of JavaScript. CodeMirror 6's
// view and state modules alone are 214 KB minified, 355 KB with the fewest extensions a Python
// editor needs (basicSetup made it 466 KB), and the exam page also loads ui.js and exam.js.
// CodeMirror 5 with its Python mode and bracket matching is about 181 KB, and it takes its
// styles from our stylesheet (static/src/theme/_exam.scss), so it injects no <style> at all.
import CodeMirror from "codemirror5/lib/codemirror.js";
import "codemirror5/mode/python/python.js";
import "codemirror5/addon/edit/matchbrackets.js";

// Esc, then Tab (within this long) leaves the editor: Tab itself indents, as in any code
// editor, so the keyboard needs a way out. The page says so under each editor.
const ESCAPE_WINDOW_MS = 2000;

function mount(textarea) {
  let escapedAt = 0;
  const indent = (direction) => (cm) => {
    if (direction < 0) cm.execCommand("indentLess");
    else if (cm.somethingSelected()) cm.execCommand("indentMore");
    else cm.replaceSelection(" ".repeat(cm.getOption("indentUnit")), "end");
  };
  const cm = CodeMirror((element) => textarea.insertAdjacentElement("afterend", element), {
    value: textarea.value,
    mode: { name: "python", version: 3 },
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    lineNumbers: true,
    matchBrackets: true,
    // Keys go to CodeMirror's own hidden textarea (its default input on a computer), which
    // carries the label and the keyboard help below.
    inputStyle: "textarea",
    screenReaderLabel: textarea.getAttribute("aria-label") || "code",
    extraKeys: { Tab: indent(1), "Shift-Tab": indent(-1) },
  });
  // Consulted before every other key map. `false` means "not ours, and no default either":
  // CodeMirror then leaves the key to the browser, which moves the focus.
  cm.addKeyMap({
    call(key) {
      if (key === "Esc") escapedAt = Date.now();
      else if ((key === "Tab" || key === "Shift-Tab") && Date.now() - escapedAt < ESCAPE_WINDOW_MS) {
        escapedAt = 0;
        return false;
      }
      return undefined;
    },
  });
  const input = cm.getInputField();
  const help = textarea.getAttribute("aria-describedby");
  if (help) input.setAttribute("aria-describedby", help);
  cm.on("keydown", (_, event) => {
    if (event.key !== "Escape" && event.key !== "Tab" && event.key !== "Shift") escapedAt = 0;
  });
  cm.on("change", () => {
    textarea.value = cm.getValue();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });
  // The exam page replaces the text (a restored or chosen version) by setting the textarea's
  // value and sending this event; the editor takes it, and reports it back as an input. As an
  // edit, not setValue, so Ctrl+Z brings the earlier text back.
  textarea.addEventListener("hirebench:replace", () => {
    if (cm.getValue() === textarea.value) return;
    cm.replaceRange(textarea.value, CodeMirror.Pos(cm.firstLine(), 0),
      CodeMirror.Pos(cm.lastLine()), "+replace");
  });
  textarea.hidden = true;
  cm.getWrapperElement().classList.add("code-editor");
  return cm;
}

window.HirebenchEditor = { mount };
document.querySelectorAll("textarea[data-code-editor]").forEach(mount);
