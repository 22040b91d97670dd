// The SPARQL editor of the query pages: CodeMirror 6 over the page's <textarea data-sparql-editor>.
//
// Progressive enhancement: the textarea is a working form field without JavaScript; with it, the
// editor takes its place and writes back into it before the form is submitted. What it adds:
// - SPARQL highlighting (the legacy CodeMirror SPARQL mode);
// - completion of prefixes (the textarea's data-prefixes: {"cec": "https://…#", …}); choosing one
//   whose PREFIX line is missing adds that line at the top; keywords complete too;
// - an error marker where the server's parser stopped (data-error-line, data-error-column,
//   data-error-message), and, while typing, a marker on every prefixed name whose prefix is not
//   declared, with a fix that adds the declaration;
// - Ctrl/Cmd-Enter submits the form.
import { autocompletion, completeFromList } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { StreamLanguage, bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { linter, lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";

const KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED ORDER BY ASC DESC " +
  "LIMIT OFFSET GROUP HAVING OPTIONAL UNION MINUS FILTER BIND AS VALUES GRAPH UNDEF EXISTS NOT IN " +
  "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI BNODE " +
  "CONCAT STRLEN UCASE LCASE CONTAINS STRSTARTS STRENDS REGEX REPLACE YEAR MONTH DAY COALESCE IF " +
  "isIRI isBLANK isLITERAL isNUMERIC").split(" ");

// Prefixed names outside strings, IRIs and comments (a small scanner, enough for markers).
const TOKEN = /("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*|[?$][\w\u00b7-\uffff]+)|(\bPREFIX\s+([A-Za-z][\w.-]*)?:)|(?:^|[^\w?$:<])(([A-Za-z][\w.-]*)?:)(?=[\w%\\]|\s|$)/gi;

function declaredAndUsed(text) {
  const declared = new Set();
  const used = [];
  TOKEN.lastIndex = 0;
  let m;
  while ((m = TOKEN.exec(text))) {
    if (m[1]) continue;
    if (m[2]) { declared.add(m[3] || ""); continue; }
    if (m[4] !== undefined) {
      const from = m.index + m[0].length - m[4].length;
      used.push({ prefix: m[5] || "", from, to: from + m[4].length });
    }
  }
  return { declared, used };
}

function prefixLine(prefix, ns) { return `PREFIX ${prefix}: <${ns}>\n`; }

function prefixCompletions(prefixes) {
  return (context) => {
    const word = context.matchBefore(/[A-Za-z][\w.-]*:?|\w*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const { declared } = declaredAndUsed(context.state.doc.toString());
    const options = Object.entries(prefixes).map(([prefix, ns]) => ({
      label: `${prefix}:`, detail: ns, type: "namespace",
      apply: (view, completion, from, to) => {
        const changes = [{ from, to, insert: `${prefix}:` }];
        if (!declared.has(prefix)) changes.push({ from: 0, insert: prefixLine(prefix, ns) });
        view.dispatch({ changes });
      },
    }));
    for (const k of KEYWORDS) options.push({ label: k, type: "keyword" });
    return { from: word.from, options, validFor: /^[\w.-]*:?$/ };
  };
}

function prefixLinter(prefixes, messages, server) {
  return linter((view) => {
    const text = view.state.doc.toString();
    const { declared, used } = declaredAndUsed(text);
    // The server's marker stays while the text is the one the server parsed.
    const kept = text === server.text ? server.marks : [];
    return kept.concat(used.filter((u) => !declared.has(u.prefix)).map((u) => {
      const ns = prefixes[u.prefix];
      return {
        from: u.from, to: u.to, severity: "error",
        message: (messages.undeclared || "undeclared prefix") + ` ${u.prefix}:`,
        actions: ns ? [{ name: `PREFIX ${u.prefix}:`, apply: (v) => v.dispatch({ changes: { from: 0, insert: prefixLine(u.prefix, ns) } }) }] : [],
      };
    }));
  }, { delay: 400 });
}

function serverDiagnostic(state, area) {
  const line = parseInt(area.dataset.errorLine || "", 10);
  if (!line || line > state.doc.lines) return [];
  const l = state.doc.line(line);
  const column = Math.max(1, parseInt(area.dataset.errorColumn || "1", 10));
  let from = Math.min(l.from + column - 1, l.to);
  // The parser reports the place after the token it could not take: mark the token before it too.
  let start = from;
  while (start > l.from && /\s/.test(state.doc.sliceString(start - 1, start))) start--;
  while (start > l.from && !/\s/.test(state.doc.sliceString(start - 1, start))) start--;
  const to = Math.max(from, Math.min(l.to, from + 1));
  return [{ from: Math.min(start, from), to: Math.max(to, Math.min(start + 1, l.to)), severity: "error", message: area.dataset.errorMessage || "syntax error" }];
}

export function attach(area) {
  const prefixes = JSON.parse(area.dataset.prefixes || "{}");
  const messages = JSON.parse(area.dataset.messages || "{}");
  const form = area.form;
  const server = { text: area.value, marks: [] };
  const submit = () => { if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); } return true; };
  const view = new EditorView({
    state: EditorState.create({
      doc: area.value,
      extensions: [
        lineNumbers(), history(), bracketMatching(), highlightActiveLine(),
        StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [prefixCompletions(prefixes)] }),
        lintGutter(), prefixLinter(prefixes, messages, server),
        keymap.of([{ key: "Mod-Enter", run: submit }, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": area.getAttribute("aria-label") || "SPARQL", lang: "en" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) area.value = u.state.doc.toString(); }),
      ],
    }),
  });
  area.parentNode.insertBefore(view.dom, area);
  area.hidden = true;
  area.classList.add("enhanced");
  view.dom.classList.add("sparql-editor");
  server.marks = serverDiagnostic(view.state, area);
  if (server.marks.length) view.dispatch(setDiagnostics(view.state, server.marks));
  if (form) form.addEventListener("submit", () => { area.value = view.state.doc.toString(); });
  window.cecSparqlEditor = view;
  return view;
}

function start() {
  for (const area of document.querySelectorAll("textarea[data-sparql-editor]")) attach(area);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
