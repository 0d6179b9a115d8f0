// Turns each <textarea data-code-editor> into a CodeMirror 6 Python editor. The textarea stays
// in the form and is kept in sync, so saving works the same with or without JavaScript, and
// the page can listen for "input" events on it to autosave.
import { basicSetup, EditorView } from "codemirror";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";

// CodeMirror injects its styles as <style> elements. The Content-Security-Policy allows only
// styles from our own files and elements carrying this response's nonce, which the page puts in
// <meta name="csp-nonce">; without it the editor would render unstyled.
const nonceMeta = document.querySelector('meta[name="csp-nonce"]');
const nonce = nonceMeta ? nonceMeta.content : "";

function mount(textarea) {
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      ...(nonce ? [EditorView.cspNonce.of(nonce)] : []),
      basicSetup,
      python(),
      indentUnit.of("    "),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) {
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }
      }),
      EditorView.contentAttributes.of({ "aria-label": textarea.getAttribute("aria-label") || "code" }),
    ],
  });
  // The exam page replaces the text (a restored or chosen version) by setting the textarea's
  // value and sending this event; the editor takes it, and reports it back as an input.
  textarea.addEventListener("hirebench:replace", () => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", view.dom);
  view.dom.classList.add("code-editor");
  return view;
}

window.HirebenchEditor = { mount };
document.querySelectorAll("textarea[data-code-editor]").forEach(mount);
