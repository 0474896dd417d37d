// The backpropagation explorer's script (written into the page by viz/explorer_page.py).
// Plain JavaScript, no framework, no network: everything it reads is in the page.
// Text is only ever set with textContent, so a label or a number can never become markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var graph = document.getElementById("graph");
  var svg = graph.querySelector("svg");
  var nValues = data.nodes.length;
  var lastStep = data.steps.length - 1;
  var STATE_CLASSES = ["st-c", "st-d", "st-f", "st-p", "st-w"];

  // ---- The drawing, found by the titles Graphviz gives its groups: value i is "n<i>", its op
  // node "n<i>op", an edge "n<j>->n<i>op" (parent j into i's op) or "n<i>op->n<i>".
  var valueGroups = [], opGroups = [], gradTexts = [];
  var edgesByKey = {};   // "n0->n1op#1": the second of two edges with those ends (x * x)
  var edgesOfValue = []; // every edge whose gradient flows out of value i's op, by i
  for (var i = 0; i < nValues; i++) { edgesOfValue.push([]); }

  Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (group) {
    var match = /^n(\d+)(op)?$/.exec(titleOf(group));
    if (!match) { return; }
    var index = Number(match[1]);
    if (match[2]) { opGroups[index] = group; return; }
    valueGroups[index] = group;
    group.classList.add("value");
    group.setAttribute("data-index", String(index));
    // Reachable with Tab and chosen with Enter, as well as by a click.
    group.setAttribute("tabindex", "0");
    group.setAttribute("role", "button");
    group.setAttribute("aria-label", "value " + data.nodes[index].name + ": show its gradient's paths");
    var texts = group.querySelectorAll("text");
    for (var t = 0; t < texts.length; t++) {
      if (texts[t].textContent.indexOf("grad ") === 0) { gradTexts[index] = texts[t]; }
    }
  });
  Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (group) {
    var title = titleOf(group);
    var match = /->n(\d+)(op)?$/.exec(title);
    if (!match) { return; }
    var repeat = 0;
    while (edgesByKey[title + "#" + repeat]) { repeat++; }
    var key = title + "#" + repeat;
    edgesByKey[key] = group;
    group.setAttribute("data-key", key);
    edgesOfValue[Number(match[1])].push(group);
  });

  function titleOf(group) {
    var title = group.querySelector("title");
    return title ? title.textContent : "";
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

  // ---- Controls.
  var slider = document.getElementById("slider");
  var stepNumber = document.getElementById("step-number");
  var stepTitle = document.getElementById("step-title");
  var playButton = document.getElementById("play");
  var details = document.getElementById("details");
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
  document.getElementById("fit").addEventListener("change", function (event) {
    graph.classList.toggle("fit", event.target.checked);
  });
  graph.classList.toggle("fit", document.getElementById("fit").checked);

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
    } else if (event.key === "Enter" && event.target.classList && event.target.classList.contains("value")) {
      select([Number(event.target.getAttribute("data-index"))]);
    }
  });

  svg.addEventListener("click", function (event) {
    var group = event.target.closest ? event.target.closest("g.value") : null;
    select(group ? [Number(group.getAttribute("data-index"))] : []);
  });

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

  // ---- Drawing one step.
  function show(step, scroll) {
    current = Math.max(0, Math.min(lastStep, step));
    var snapshot = snapshots[current];
    for (var i = 0; i < nValues; i++) {
      var stateClass = "st-" + snapshot.states[i];
      setState(valueGroups[i], stateClass);
      setState(opGroups[i], stateClass);
      var flowed = snapshot.states[i] === "c" || snapshot.states[i] === "d";
      edgesOfValue[i].forEach(function (edge) {
        edge.classList.toggle("flowed", flowed);
        edge.classList.toggle("still", !flowed);
      });
      setGrad(i, snapshot.grads[i]);
    }
    slider.value = String(current);
    stepNumber.textContent = "step " + current + " / " + lastStep;
    stepTitle.textContent = data.steps[current].title;
    document.body.setAttribute("data-step", String(current));
    var passing = data.steps[current].node;
    if (passing !== null && valueGroups[passing] && scroll !== false) {
      valueGroups[passing].scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    showDetails();
  }

  function setState(group, stateClass) {
    if (!group) { return; }
    STATE_CLASSES.forEach(function (name) { group.classList.toggle(name, name === stateClass); });
  }

  function setGrad(i, grad) {
    var text = gradTexts[i];
    if (!text) { return; }
    text.textContent = "grad " + (grad === null ? "·" : grad);
    // Squeeze a running gradient that is wider than the cell drawn for the final one.
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

  // ---- A selected value: its numbers, its chain-rule paths, those paths drawn in blue.
  function select(indices) {
    selection = indices;
    Array.prototype.forEach.call(svg.querySelectorAll(".on-path, .selected"), function (element) {
      element.classList.remove("on-path", "selected");
    });
    indices.forEach(function (index) {
      valueGroups[index].classList.add("selected", "on-path");
      data.explanations[index].paths.forEach(function (path) {
        var keys = [];
        path.factors.forEach(function (f) { keys = keys.concat(data.factors[f].edges); });
        keys.forEach(function (key) {
          var edge = edgesByKey[key];
          if (!edge) { return; }
          edge.classList.add("on-path");
          var ends = /^n(\d+)(?:op)?->n(\d+)(?:op)?#/.exec(key);
          [ends[1], ends[2]].forEach(function (end) {
            var n = Number(end);
            if (valueGroups[n]) { valueGroups[n].classList.add("on-path"); }
            if (opGroups[n]) { opGroups[n].classList.add("on-path"); }
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
    var parts = [element("div", "value-name", node.name)];
    var table = element("table", "numbers");
    [["data", node.data],
     ["grad at this step", grad === null ? "· (nothing received yet)" : grad],
     ["grad after backward", spelled.gradient === null ? "see below" : spelled.gradient],
     ["made by", node.leaf ? "a leaf (input, parameter or constant)" : node.op]
    ].forEach(function (row) {
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
    return parts;
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }

  show(0, false);
  select(data.selected);
  document.body.setAttribute("data-ready", "1");
  if (window.performance && performance.mark) { performance.mark("explorer-ready"); }
})();
