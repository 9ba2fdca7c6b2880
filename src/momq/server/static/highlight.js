// Query highlighting for SQL, Cypher and nGQL: keywords, strings, numbers, comments.
// Written by hand (no library): the UI must work offline.
"use strict";

const MomqHighlight = (() => {
  const KEYWORDS = new Set((
    "select from where and or not in is null as join left right inner outer full cross on using group by " +
    "order asc desc limit offset having distinct union all intersect except with case when then else end " +
    "exists between like ilike count sum avg min max values table over partition cast " +
    "match optional return unwind skip call yield contains starts ends " +
    "go steps over reversely bidirect fetch prop on lookup find shortest path noloop get subgraph " +
    "show describe vertex vertices edge edges upto to pipe true false " +
    "insert update delete drop create alter truncate merge set remove detach into grant revoke"
  ).split(" "));
  const TOKEN = /(--[^\n]*|\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|([\s\S])/g;

  function escape(text) {
    return text.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function html(query) {
    let out = "";
    for (const m of query.matchAll(TOKEN)) {
      const [text, comment, string, number, word] = m;
      if (comment) out += `<span class="tok-comment">${escape(text)}</span>`;
      else if (string) out += `<span class="tok-string">${escape(text)}</span>`;
      else if (number) out += `<span class="tok-number">${escape(text)}</span>`;
      else if (word && KEYWORDS.has(word.toLowerCase())) out += `<span class="tok-keyword">${escape(text)}</span>`;
      else out += escape(text);
    }
    return out;
  }

  return {html, escape};
})();
