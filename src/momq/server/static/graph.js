// Graph results (nodes, relationships, paths) drawn as an SVG graph: a circle layout
// relaxed by a small force simulation. Written by hand: the UI must work offline.
"use strict";

const MomqGraph = (() => {
  const SVG = "http://www.w3.org/2000/svg";

  // collect {kind: node|relationship|path} values from every cell (nested lists too)
  function collect(rows) {
    const nodes = new Map();
    const edges = [];
    const seenEdges = new Set();
    function visit(value) {
      if (Array.isArray(value)) { value.forEach(visit); return; }
      if (!value || typeof value !== "object") return;
      if (value.kind === "node") {
        if (!nodes.has(value.ref)) nodes.set(value.ref, value);
      } else if (value.kind === "relationship") {
        const key = JSON.stringify([value.type, value.start, value.end, value.rank, value.properties]);
        if (!seenEdges.has(key)) { seenEdges.add(key); edges.push(value); }
      } else if (value.kind === "path") {
        value.nodes.forEach(visit);
        value.relationships.forEach(visit);
      }
    }
    rows.forEach((row) => row.forEach(visit));
    for (const edge of edges) {  // endpoints that are not in the result: show them by id
      for (const ref of [edge.start, edge.end]) {
        if (!nodes.has(ref)) nodes.set(ref, {kind: "node", ref, id: ref.replace(/^id:/, ""), labels: [], properties: {}});
      }
    }
    return {nodes: [...nodes.values()], edges};
  }

  function caption(node) {
    const p = node.properties || {};
    for (const key of ["name", "title", "companyName", "productName", "categoryName"]) {
      if (p[key] !== undefined && p[key] !== null) return String(p[key]);
    }
    if (node.id !== null && node.id !== undefined) return String(node.id);
    return (node.labels || []).join(":") || "?";
  }

  function layout(nodes, edges, width, height) {
    const n = nodes.length;
    const cx = width / 2, cy = height / 2, radius = Math.min(width, height) / 2 - 40;
    const pos = nodes.map((_, i) => ({
      x: cx + radius * Math.cos((2 * Math.PI * i) / Math.max(n, 1)),
      y: cy + radius * Math.sin((2 * Math.PI * i) / Math.max(n, 1)),
    }));
    const index = new Map(nodes.map((node, i) => [node.ref, i]));
    const links = edges.map((e) => [index.get(e.start), index.get(e.end)]).filter(([a, b]) => a !== undefined && b !== undefined);
    const ideal = Math.max(60, radius / Math.sqrt(Math.max(n, 1)) * 1.5);
    for (let step = 0; step < 200; step++) {
      const cool = 1 - step / 200;
      const force = pos.map(() => ({x: 0, y: 0}));
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          let dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y;
          const d2 = Math.max(dx * dx + dy * dy, 1);
          const push = (ideal * ideal) / d2;
          force[i].x += dx * push / 10; force[i].y += dy * push / 10;
          force[j].x -= dx * push / 10; force[j].y -= dy * push / 10;
        }
      }
      for (const [a, b] of links) {
        const dx = pos[b].x - pos[a].x, dy = pos[b].y - pos[a].y;
        const d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
        const pull = (d - ideal) / d / 4;
        force[a].x += dx * pull; force[a].y += dy * pull;
        force[b].x -= dx * pull; force[b].y -= dy * pull;
      }
      for (let i = 0; i < n; i++) {
        const step_ = Math.min(Math.hypot(force[i].x, force[i].y), 20 * cool + 1);
        const len = Math.max(Math.hypot(force[i].x, force[i].y), 1e-6);
        pos[i].x = Math.min(width - 30, Math.max(30, pos[i].x + force[i].x / len * step_));
        pos[i].y = Math.min(height - 20, Math.max(20, pos[i].y + force[i].y / len * step_));
      }
    }
    return {pos, index};
  }

  function element(name, attrs, parent) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (parent) parent.appendChild(el);
    return el;
  }

  // an <svg> of the graph in `rows`, or null when the result holds no graph values
  function draw(rows, width = 640, height = 380) {
    const {nodes, edges} = collect(rows);
    if (!nodes.length) return null;
    const shown = nodes.slice(0, 150);
    const {pos, index} = layout(shown, edges, width, height);
    const svg = element("svg", {class: "graph", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `graph of ${shown.length} nodes and ${edges.length} relationships`, "data-testid": "graph"});
    const defs = element("defs", {}, svg);
    const marker = element("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "19", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse"}, defs);
    element("path", {d: "M 0 0 L 10 5 L 0 10 z", class: "arrow"}, marker);
    for (const edge of edges) {
      const a = index.get(edge.start), b = index.get(edge.end);
      if (a === undefined || b === undefined) continue;
      const group = element("g", {class: "edge"}, svg);
      element("line", {x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y, "marker-end": "url(#arrow)"}, group);
      const label = element("text", {x: (pos[a].x + pos[b].x) / 2, y: (pos[a].y + pos[b].y) / 2 - 3}, group);
      label.textContent = edge.type;
    }
    shown.forEach((node, i) => {
      const group = element("g", {class: "node"}, svg);
      const circle = element("circle", {cx: pos[i].x, cy: pos[i].y, r: 10}, group);
      const title = element("title", {}, circle);
      title.textContent = `${(node.labels || []).join(":")} ${JSON.stringify(node.properties || {})}`;
      const text = element("text", {x: pos[i].x + 13, y: pos[i].y + 4}, group);
      text.textContent = caption(node).slice(0, 28);
    });
    return svg;
  }

  return {draw, collect, caption};
})();
