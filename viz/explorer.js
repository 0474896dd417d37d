// The backpropagation explorer's script (written into the page by viz/explorer_page.py).
// Plain JavaScript, no framework, no network: everything it reads is in the page.
// Text is only ever set with textContent, so a label or a number can never become markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var graph = document.getElementById("graph");
  var nValues = data.nodes.length;
  var root = nValues - 1;  // the page lists values in topological order: the output is last
  var lastStep = data.steps.length - 1;
  var groups = data.groups || [];
  var views = data.views;
  var STATE_CLASSES = ["st-c", "st-d", "st-f", "st-p", "st-w", "st-k"];
  // A value's name is never drawn smaller than this (in CSS pixels) unless the reader zooms
  // out: below it a big graph is a grey smudge. Graphviz writes sizes in points (4/3 px).
  var MIN_LABEL_PX = 10;
  var PX_PER_PT = 4 / 3;
  var MARGIN = 24;  // px kept between the active value and the edge of the drawing's window

  // ---- The drawing in view. Graphviz titles its groups: value i is "n<i>", its op node
  // "n<i>op", a folded neuron k "g<k>", an opened neuron's frame "cluster_g<k>", an edge
  // "<from>-><to>" between those (x * x draws "n0->n1op" twice).
  var svg = null;
  var viewIndex = -1;
  var foldedIn = [];      // value i -> the folded neuron that hides it in this view, or -1
  var valueGroups, opGroups, gradTexts, boxGroups, boxGradTexts, edgesByKey, edgesOfValue, edgesOfBox;

  function titleOf(group) {
    var title = group.querySelector("title");
    return title ? title.textContent : "";
  }

  function attach(index) {
    viewIndex = index;
    var view = views[index];
    foldedIn = new Array(nValues).fill(-1);
    view.folded.forEach(function (k) {
      groups[k].members.forEach(function (i) { foldedIn[i] = k; });
    });
    var template = document.getElementById("view-" + index);
    graph.replaceChildren(template.content.cloneNode(true));
    svg = graph.querySelector("svg");
    svg.removeAttribute("width");  // the zoom sets the size; the viewBox keeps the drawing's shape
    svg.removeAttribute("height");
    valueGroups = []; opGroups = []; gradTexts = []; boxGroups = []; boxGradTexts = [];
    edgesByKey = {}; edgesOfValue = []; edgesOfBox = [];
    for (var i = 0; i < nValues; i++) { edgesOfValue.push([]); }
    for (var k = 0; k < groups.length; k++) { edgesOfBox.push([]); }

    Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (group) {
      var match = /^([ng])(\d+)(op)?$/.exec(titleOf(group));
      if (!match) { return; }
      var number = Number(match[2]);
      if (match[1] === "g") {
        boxGroups[number] = group;
        boxGradTexts[number] = gradText(group);
        group.classList.add("box");
        group.setAttribute("data-group", String(number));
        clickable(group, "neuron " + groups[number].name + ": open it");
        return;
      }
      if (match[3]) { opGroups[number] = group; return; }
      valueGroups[number] = group;
      group.classList.add("value");
      group.setAttribute("data-index", String(number));
      clickable(group, "value " + data.nodes[number].name + ": show its gradient's paths");
      gradTexts[number] = gradText(group);
    });
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (group) {
      var title = titleOf(group);
      var match = /->([ng])(\d+)(op)?$/.exec(title);
      if (!match) { return; }
      var repeat = 0;
      while (edgesByKey[title + "#" + repeat]) { repeat++; }
      var key = title + "#" + repeat;
      edgesByKey[key] = group;
      group.setAttribute("data-key", key);
      (match[1] === "g" ? edgesOfBox : edgesOfValue)[Number(match[2])].push(group);
    });
    Array.prototype.forEach.call(svg.querySelectorAll("g.cluster"), function (group) {
      var match = /^cluster_g(\d+)$/.exec(titleOf(group));
      if (!match) { return; }
      group.classList.add("frame");
      var label = group.querySelector("text");
      if (label) {
        label.classList.add("fold-label");
        label.setAttribute("data-group", match[1]);
        clickable(label, "neuron " + groups[Number(match[1])].name + ": fold it");
      }
    });
  }

  function gradText(group) {
    var texts = group.querySelectorAll("text");
    for (var t = 0; t < texts.length; t++) {
      if (texts[t].textContent.indexOf("grad ") === 0) { return texts[t]; }
    }
    return null;
  }

  function clickable(element, words) {
    // Reachable with Tab and chosen with Enter, as well as by a click.
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", words);
  }

  // ---- Every step's gradients and states, replayed once from the per-step changes.
  var snapshots = [];
  (function replay() {
    var grads = new Array(nValues).fill(null);
    var states = new Array(nValues).fill("w");
    data.steps.forEach(function (step) {
      step.grads.forEach(function (change) { grads[change[0]] = change[1]; });
      step.states.forEach(function (change) { states[change[0]] = change[1]; });
      snapshots.push({ grads: grads.slice(), states: states.slice() });
    });
  })();

  // A folded neuron's state, from its members' (constants left out): passing on while one is,
  // done when all are, complete when all are done or complete, partial once any has received
  // something.
  function boxState(k, states) {
    var all = { c: 0, d: 0, f: 0, p: 0, w: 0, k: 0 };
    groups[k].members.forEach(function (i) { all[states[i]]++; });
    var n = groups[k].members.length - all.k;
    if (all.c) { return "c"; }
    if (all.d === n) { return "d"; }
    if (all.d + all.f === n) { return "f"; }
    if (all.d + all.f + all.p) { return "p"; }
    return "w";
  }

  // ---- Controls.
  var slider = document.getElementById("slider");
  var stepNumber = document.getElementById("step-number");
  var stepTitle = document.getElementById("step-title");
  var playButton = document.getElementById("play");
  var details = document.getElementById("details");
  var foldBox = document.getElementById("fold");
  var zoomLevel = document.getElementById("zoom-level");
  var current = 0;
  var timer = null;
  var selection = [];

  slider.max = String(lastStep);
  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
  document.getElementById("first").addEventListener("click", function () { stop(); show(0); });
  document.getElementById("prev").addEventListener("click", function () { stop(); show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { stop(); show(current + 1); });
  document.getElementById("last").addEventListener("click", function () { stop(); show(lastStep); });
  playButton.addEventListener("click", function () { if (timer) { stop(); } else { play(); } });
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  document.getElementById("zoom-fit").addEventListener("click", function () { fit(); keepInView(true); });
  if (views.length > 1) {
    document.getElementById("fold-control").hidden = false;
    foldBox.addEventListener("change", function () { switchView(foldBox.checked ? 1 : 0, null); });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var onSlider = event.target === slider;  // the slider moves itself with the arrow keys
    var moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in moves && !onSlider) {
      stop(); show(current + moves[event.key]); event.preventDefault();
    } else if (event.key === "Home" && !onSlider) {
      stop(); show(0); event.preventDefault();
    } else if (event.key === "End" && !onSlider) {
      stop(); show(lastStep); event.preventDefault();
    } else if (event.key === " " && event.target.tagName !== "BUTTON") {
      if (timer) { stop(); } else { play(); }
      event.preventDefault();
    } else if (event.key === "Escape") {
      select([]);
    } else if (event.key === "Enter" && event.target.getAttribute && event.target.getAttribute("role") === "button"
               && event.target.tagName !== "BUTTON") {
      activate(event.target);
    } else if (event.key === "+" || event.key === "=") {
      zoomBy(1.25);
    } else if (event.key === "-") {
      zoomBy(0.8);
    } else if (event.key === "0") {
      fit(); keepInView(true);
    }
  });

  graph.addEventListener("click", function (event) {
    if (dragged) { return; }  // the end of a drag is not a click
    var target = event.target.closest ? event.target.closest("g.value, g.box, text.fold-label") : null;
    if (target) { activate(target); } else { select([]); }
  });

  function activate(element) {
    if (element.hasAttribute("data-index")) {
      select([Number(element.getAttribute("data-index"))]);
    } else if (element.classList.contains("box")) {
      openNeuron(Number(element.getAttribute("data-group")));
    } else if (element.classList.contains("fold-label")) {
      switchView(1, groups[Number(element.getAttribute("data-group"))].output);
    }
  }

  // A folded neuron opens in the drawing where it alone is open (or, for a model with too
  // many neurons to draw each open, in the drawing of all values), its output selected.
  function openNeuron(k) {
    var target = 0;
    views.forEach(function (view, index) { if (view.open === k) { target = index; } });
    selection = [groups[k].output];
    switchView(target, groups[k].output);
  }

  function switchView(index, focus) {
    var centre = focus === null || focus === undefined ? null : focus;
    attach(index);
    foldBox.checked = views[index].folded.length > 0;
    setZoom(zoom, null);
    show(current, false);
    select(selection);
    if (centre !== null) { keepInView(true, elementOf(centre)); } else { keepInView(true); }
  }

  function play() {
    if (current >= lastStep) { show(0); }
    playButton.textContent = "Pause";
    timer = window.setInterval(function () {
      if (current >= lastStep) { stop(); return; }
      show(current + 1);
    }, 700);
  }

  function stop() {
    if (timer) { window.clearInterval(timer); }
    timer = null;
    playButton.textContent = "Play";
  }

  // ---- Zoom and pan. The drawing is as large as zoom × its natural size (Graphviz's points
  // as CSS pixels); the window around it scrolls. Dragging with the mouse pans; a touch
  // screen pans by itself; ctrl + wheel (or a pinch on a touchpad) zooms about the pointer.
  var zoom = 1;
  var fitted = true;   // the zoom follows the window's width until the reader zooms
  var labelPt = 11;

  function naturalSize() {
    var box = svg.viewBox.baseVal;
    return { width: box.width * PX_PER_PT, height: box.height * PX_PER_PT };
  }

  function readableZoom() {
    return MIN_LABEL_PX / (labelPt * PX_PER_PT);
  }

  function fitZoom() {
    var room = graph.clientWidth - 16;
    var wanted = room / naturalSize().width;
    return Math.min(1.5, Math.max(readableZoom(), wanted));
  }

  function fit() {
    setZoom(fitZoom(), null);
    fitted = true;
  }

  function zoomBy(factor, anchor) {
    fitted = false;
    setZoom(zoom * factor, anchor || null);
  }

  // The new zoom, keeping the point under ``anchor`` (client coordinates; default: the
  // middle of the window) where it is.
  function setZoom(value, anchor) {
    var size = naturalSize();
    var z = Math.min(4, Math.max(0.1, value));
    var frame = graph.getBoundingClientRect();
    var ax = anchor ? anchor.x - frame.left : graph.clientWidth / 2;
    var ay = anchor ? anchor.y - frame.top : graph.clientHeight / 2;
    var ratio = z / zoom;
    var left = (graph.scrollLeft + ax) * ratio - ax;
    var top = (graph.scrollTop + ay) * ratio - ay;
    zoom = z;
    svg.style.width = (size.width * z) + "px";
    svg.style.height = (size.height * z) + "px";
    graph.scrollLeft = left;
    graph.scrollTop = top;
    var px = labelPt * PX_PER_PT * z;
    zoomLevel.textContent = Math.round(z * 100) + "%" + (px < MIN_LABEL_PX - 0.01 ? " (labels small)" : "");
  }

  graph.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) { return; }
    event.preventDefault();
    zoomBy(Math.exp(-event.deltaY / 300), { x: event.clientX, y: event.clientY });
  }, { passive: false });

  var drag = null;
  var dragged = false;
  graph.addEventListener("pointerdown", function (event) {
    if (event.pointerType !== "mouse" || event.button !== 0) { return; }
    drag = { x: event.clientX, y: event.clientY, left: graph.scrollLeft, top: graph.scrollTop, moved: false };
    dragged = false;
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 5) { return; }
    drag.moved = true;
    graph.classList.add("panning");
    graph.scrollLeft = drag.left - dx;
    graph.scrollTop = drag.top - dy;
  });
  window.addEventListener("pointerup", function () {
    if (!drag) { return; }
    dragged = drag.moved;
    drag = null;
    graph.classList.remove("panning");
    window.setTimeout(function () { dragged = false; }, 0);  // after the click this release makes
  });
  // When the window changes size (or first gets one: a notebook's frame may be laid out after
  // its page has run), fit again if the reader has not zoomed, and bring the active value back.
  var lastSize = "";
  function resized() {
    var size = graph.clientWidth + "x" + graph.clientHeight;
    if (size === lastSize) { return; }
    lastSize = size;
    if (fitted) { fit(); }
    keepInView(false);
  }
  if (window.ResizeObserver) {
    new ResizeObserver(resized).observe(graph);
  } else {
    window.addEventListener("resize", resized);
  }

  // The drawn element of value i in this view: its record, or the box of its folded neuron.
  function elementOf(i) {
    return foldedIn[i] >= 0 ? boxGroups[foldedIn[i]] : valueGroups[i];
  }

  // The value being worked on: the one passing its gradient on, or at step 0 the output.
  function activeElement() {
    var passing = data.steps[current].node;
    return elementOf(passing === null ? root : passing);
  }

  // Scroll the drawing's window (never the page) so that ``element`` (default: the active
  // value) is inside it: centred when it was outside, or always with ``centre``.
  function keepInView(centre, element) {
    var target = element || activeElement();
    if (!target) { return; }
    var box = target.getBoundingClientRect();
    var frame = graph.getBoundingClientRect();
    var left = frame.left + graph.clientLeft, top = frame.top + graph.clientTop;
    var right = left + graph.clientWidth, bottom = top + graph.clientHeight;
    var inside = box.left >= left + MARGIN / 2 && box.right <= right - MARGIN / 2 &&
                 box.top >= top + MARGIN / 2 && box.bottom <= bottom - MARGIN / 2;
    if (inside && !centre) { return; }
    var dx = (box.left + box.right) / 2 - (left + right) / 2;
    var dy = (box.top + box.bottom) / 2 - (top + bottom) / 2;
    // A value wider than the window shows its start (its name).
    if (box.width > graph.clientWidth - MARGIN) { dx = box.left - left - MARGIN; }
    if (box.height > graph.clientHeight - MARGIN) { dy = box.top - top - MARGIN; }
    graph.scrollLeft += dx;
    graph.scrollTop += dy;
  }

  // ---- Drawing one step.
  function show(step, scroll) {
    current = Math.max(0, Math.min(lastStep, step));
    var snapshot = snapshots[current];
    for (var i = 0; i < nValues; i++) {
      if (foldedIn[i] >= 0) { continue; }
      var stateClass = "st-" + snapshot.states[i];
      setState(valueGroups[i], stateClass);
      setState(opGroups[i], stateClass);
      var flowed = snapshot.states[i] === "c" || snapshot.states[i] === "d";
      edgesOfValue[i].forEach(function (edge) {
        edge.classList.toggle("flowed", flowed);
        edge.classList.toggle("still", !flowed);
      });
      setGrad(gradTexts[i], snapshot.grads[i]);
    }
    views[viewIndex].folded.forEach(function (k) {
      var state = boxState(k, snapshot.states);
      setState(boxGroups[k], "st-" + state);
      edgesOfBox[k].forEach(function (edge) {
        edge.classList.toggle("flowed", state === "c" || state === "d");
        edge.classList.toggle("still", !(state === "c" || state === "d"));
      });
      setGrad(boxGradTexts[k], snapshot.grads[groups[k].output]);
    });
    slider.value = String(current);
    stepNumber.textContent = "step " + current + " / " + lastStep;
    stepTitle.textContent = data.steps[current].title;
    document.body.setAttribute("data-step", String(current));
    if (scroll !== false) { keepInView(false); }
    showDetails();
  }

  function setState(group, stateClass) {
    if (!group) { return; }
    STATE_CLASSES.forEach(function (name) { group.classList.toggle(name, name === stateClass); });
  }

  function setGrad(text, grad) {
    if (!text) { return; }
    text.textContent = "grad " + (grad === null ? "·" : grad);
    // Squeeze a running gradient that is wider than the cell drawn for the widest one.
    text.removeAttribute("textLength");
    var cell = text.previousElementSibling;
    if (cell && cell.getBBox) {
      var room = cell.getBBox().width - 9;
      if (room > 0 && text.getComputedTextLength() > room) {
        text.setAttribute("textLength", String(room));
        text.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    }
  }

  // ---- A selected value: its numbers, its chain-rule paths, those paths drawn in blue. An
  // edge of the graph inside a folded neuron is drawn as that neuron's box, or not at all.
  function unitKey(i) { return foldedIn[i] >= 0 ? "g" + foldedIn[i] : "n" + i; }

  function drawnEdges(key) {
    var ends = /^n(\d+)(op)?->n(\d+)(op)?#(\d+)$/.exec(key);
    if (!ends) { return []; }
    var from = Number(ends[1]), to = Number(ends[3]);
    if (ends[2]) {  // op -> its value: drawn unless the value is folded away
      return foldedIn[to] >= 0 ? [] : [edgesByKey[key]];
    }
    var tail = unitKey(from), head = foldedIn[to] >= 0 ? "g" + foldedIn[to] : "n" + to + "op";
    if (foldedIn[to] >= 0 && foldedIn[from] === foldedIn[to]) { return []; }
    if (tail === "n" + from && head === "n" + to + "op") { return [edgesByKey[key]]; }
    var found = [];
    for (var repeat = 0; edgesByKey[tail + "->" + head + "#" + repeat]; repeat++) {
      found.push(edgesByKey[tail + "->" + head + "#" + repeat]);
    }
    return found;
  }

  function select(indices) {
    selection = indices;
    Array.prototype.forEach.call(svg.querySelectorAll(".on-path, .selected"), function (element) {
      element.classList.remove("on-path", "selected");
    });
    indices.forEach(function (index) {
      var chosen = elementOf(index);
      if (chosen) { chosen.classList.add("selected", "on-path"); }
      data.explanations[index].paths.forEach(function (path) {
        path.factors.forEach(function (f) {
          data.factors[f].edges.forEach(function (key) {
            drawnEdges(key).forEach(function (edge) { if (edge) { edge.classList.add("on-path"); } });
            var ends = /^n(\d+)(?:op)?->n(\d+)(?:op)?#/.exec(key);
            [Number(ends[1]), Number(ends[2])].forEach(function (n) {
              var drawn = elementOf(n);
              if (drawn) { drawn.classList.add("on-path"); }
              if (foldedIn[n] < 0 && opGroups[n]) { opGroups[n].classList.add("on-path"); }
            });
          });
        });
      });
    });
    showDetails();
  }

  function showDetails() {
    if (!selection.length) {
      if (details.getAttribute("data-index") !== null) { details.replaceChildren(hint()); }
      details.removeAttribute("data-index");
      return;
    }
    var parts = [];
    selection.forEach(function (index) { parts = parts.concat(describe(index)); });
    details.replaceChildren.apply(details, parts);
    details.setAttribute("data-index", selection.join(" "));
  }

  function hint() {
    return element("p", "hint", "Click a value to see its gradient as a sum over paths of products " +
      "of local derivatives. Step with ← → (Home, End) or Play.");
  }

  function describe(index) {
    var node = data.nodes[index];
    var spelled = data.explanations[index];
    var grad = snapshots[current].grads[index];
    var constant = snapshots[current].states[index] === "k";
    var parts = [element("div", "value-name", node.name)];
    var table = element("table", "numbers");
    var rows = [["data", node.data],
      ["grad at this step", constant ? "not shown: a constant needs no gradient" :
        grad === null ? "· (nothing received yet)" : grad],
      ["grad after backward", spelled.gradient === null ? "see below" : spelled.gradient],
      ["made by", constant ? "a constant" : node.leaf ? "a leaf (input or parameter)" : node.op]];
    if (node.group) { rows.push(["in neuron", node.group]); }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.appendChild(element("td", "", row[0]));
      tr.appendChild(element("td", "", row[1]));
      table.appendChild(tr);
    });
    parts.push(table);
    if (spelled.total === null) {  // more paths than the page lists
      parts.push(element("p", "", spelled.text));
      return parts;
    }
    var count = spelled.paths.length;
    if (!count) {
      parts.push(element("p", "", spelled.text));
      return parts;
    }
    parts.push(element("p", "", spelled.heading + " = sum over " + count + (count === 1 ? " path" : " paths") +
      " of the product of the local derivatives along it:"));
    spelled.paths.forEach(function (path, number) {
      var item = element("div", "path-item", "");
      var head = element("div", "path-head", "path " + (number + 1) + ": product ");
      head.appendChild(element("span", "product", path.product));
      item.appendChild(head);
      var factors = element("table", "factors", "");
      path.factors.forEach(function (f, k) {
        var tr = document.createElement("tr");
        tr.appendChild(element("td", "op", k ? "×" : ""));
        tr.appendChild(element("td", "symbol", data.factors[f].symbol));
        tr.appendChild(element("td", "number", data.factors[f].partial));
        factors.appendChild(tr);
      });
      item.appendChild(path.factors.length ? factors : element("div", "", "the output itself: no factor"));
      parts.push(item);
    });
    var sum = element("div", "sum", spelled.heading + " = ");
    sum.appendChild(element("span", "total", spelled.total));
    sum.appendChild(document.createTextNode("  (backward: " + spelled.gradient + ")"));
    parts.push(sum);
    if (spelled.note) { parts.push(element("p", "note", "(" + spelled.note + ")")); }
    return parts;
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }

  // ---- Start: the opening drawing, fitted but readable, the output in view.
  attach(data.view);
  foldBox.checked = views[data.view].folded.length > 0;
  labelPt = (function () {
    var text = svg.querySelector("g.node text");
    var size = text ? parseFloat(text.getAttribute("font-size")) : NaN;
    return size > 0 ? size : 11;
  })();
  if (window.innerWidth < 700) { document.getElementById("legend").open = false; }
  fit();
  show(0, false);
  keepInView(true);
  select(data.selected);
  document.body.setAttribute("data-ready", "1");
  if (window.performance && performance.mark) { performance.mark("explorer-ready"); }
})();
