/* lossedu site fixes, loaded on every page.
 *
 * Navigation on phones and tablets: the pinned sphinx-book-theme 1.3 and
 * pydata-sphinx-theme 0.17 bind their sidebar handlers to the *first*
 * .primary-toggle / .secondary-toggle on the page, which sits in the hidden top
 * header. The buttons a reader actually sees are in the article header and get
 * no handler, so below 960 px the chapter list could not be opened at all. Here a
 * click on a visible toggle is forwarded to the one that has the handlers.
 *
 * Wide figures on phones: a plot drawn 900 px wide would shrink to a third of its size
 * in a 390 px screen, with unreadable text. Each figure is put in a box that scrolls
 * sideways; on narrow screens the stylesheet keeps the figure at least 60 % of its drawn
 * size (--lossedu-min-width), and a tap opens the full image.
 *
 * Search results: Sphinx builds each result's summary from the page's text, in which
 * formulas are still TeX source ("\(H(p) = -\sum_x ...\)"). The formulas are turned
 * into plain text ("H(p) = −∑_x ...") before the summary is made.
 */
(function () {
  "use strict";
  function forward(selector) {
    var all = Array.prototype.slice.call(document.querySelectorAll(selector));
    if (all.length < 2) return;
    var handled = all[0];
    all.slice(1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        handled.click();
      }, true);
    });
  }
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function scrollableFigures() {
    var images = document.querySelectorAll(".cell_output img, .bd-article figure img");
    Array.prototype.forEach.call(images, function (img) {
      var drawn = parseFloat(img.style.width) || parseFloat(img.getAttribute("width")) || img.naturalWidth;
      if (!drawn || img.closest(".lossedu-figure-scroll")) return;
      var box = document.createElement("div");
      box.className = "lossedu-figure-scroll";
      box.style.setProperty("--lossedu-min-width", Math.round(0.6 * drawn) + "px");
      var link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "lossedu-figure-link";
      link.title = "Open the figure at full size";
      img.parentNode.insertBefore(box, img);
      box.appendChild(link);
      link.appendChild(img);
    });
  }

  // Long code in a table cell ("binary_cross_entropy_with_logits()") may wrap after
  // "_", ".", "(", "," or "=", so that it does not force the table wider than the column.
  function breakableCodeInTables() {
    // tables of five or more columns are set a little smaller (see lossedu.css)
    Array.prototype.forEach.call(document.querySelectorAll(".bd-article table"), function (table) {
      var row = table.querySelector("tr");
      if (row && row.children.length >= 5) table.classList.add("lossedu-many-columns");
    });
    var codes = document.querySelectorAll(".bd-article td code, .bd-article th code");
    Array.prototype.forEach.call(codes, function (code) {
      if (code.textContent.length < 16) return;
      var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      var texts = [];
      while (walker.nextNode()) texts.push(walker.currentNode);
      texts.forEach(function (node) {
        var parts = node.nodeValue.replace(/([._(,=\/])/g, "$1\u0000").split("\u0000");
        if (parts.length < 2) return;
        var pieces = document.createDocumentFragment();
        parts.forEach(function (part, i) {
          if (i) pieces.appendChild(document.createElement("wbr"));
          pieces.appendChild(document.createTextNode(part));
        });
        node.parentNode.replaceChild(pieces, node);
      });
    });
  }

  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    sum: "∑", prod: "∏", int: "∫", infty: "∞", partial: "∂", nabla: "∇", le: "≤", leq: "≤",
    ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼", propto: "∝", cdot: "·",
    times: "×", pm: "±", to: "→", rightarrow: "→", mapsto: "↦", in: "∈", notin: "∉",
    subset: "⊂", forall: "∀", exists: "∃", mid: "|", lVert: "‖", rVert: "‖", Vert: "‖",
    langle: "⟨", rangle: "⟩", ldots: "…", dots: "…", cdots: "⋯", top: "⊤", circ: "∘",
    odot: "⊙", star: "⋆", quad: " ", qquad: " ", ",": " ", ";": " ", ":": " ", "!": "",
    "{": "{", "}": "}", "|": "‖", left: "", right: "", big: "", Big: "", bigl: "", bigr: "",
    displaystyle: "", limits: "", lvert: "|", rvert: "|", lfloor: "⌊", rfloor: "⌋"
  };

  function texToText(tex) {
    var s = String(tex).trim();
    s = s.replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").replace(/^\$\$|\$\$$/g, "");
    s = s.replace(/\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}/g, " ").replace(/&/g, "").replace(/\\\\/g, "; ");
    s = s.replace(/\\KL\{([^{}]*)\}\{([^{}]*)\}/g, "D_KL($1 ‖ $2)");
    for (var i = 0; i < 4; i++) {
      s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, function (_, a, b) {
        var wrap = function (x) { return /^[\w.]+$/.test(x) ? x : "(" + x + ")"; };
        return " " + wrap(a) + "/" + wrap(b);
      });
      s = s.replace(/\\sqrt\{([^{}]*)\}/g, " √($1)");
      s = s.replace(/\\(?:mathrm|mathbf|mathit|mathsf|mathcal|mathbb|operatorname|text|textrm|textbf|boldsymbol|bm|hat|tilde|bar|overline)\{([^{}]*)\}/g, "$1");
    }
    s = s.replace(/\\([A-Za-z]+|[,;:!{}|])/g, function (_, name) {
      if (Object.prototype.hasOwnProperty.call(SYMBOLS, name)) return SYMBOLS[name];
      return /^[A-Za-z]+$/.test(name) ? " " + name + " " : name;  // \log, \max ... keep apart
    });
    s = s.replace(/([_^])\{([^{}]*)\}/g, function (_, op, body) {
      return op + (body.length > 1 ? "(" + body + ")" : body);
    });
    return s.replace(/[{}]/g, "").replace(/\s+/g, " ").replace(/([_^(]) | ([_^)])/g, "$1$2").trim();
  }
  window.losseduTexToText = texToText;

  function plainFormulasInSearch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.losseduPatched) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math, .MathJax").forEach(function (el) {
        el.textContent = texToText(el.textContent);
      });
      var main = doc.querySelector('[role="main"] article') || doc.querySelector('[role="main"]');
      if (!main) return original(htmlString, anchor);
      main.querySelectorAll(".headerlink, script, style, .bd-header-article, .header-article-items")
        .forEach(function (el) { el.remove(); });
      // A label's anchor is an empty <span> before a heading: use the section it opens.
      var target = null;
      try { target = anchor ? main.querySelector(anchor) : null; } catch (e) { target = null; }
      // A glossary term: its own definition, not the top of the glossary.
      if (target && target.tagName === "DT") {
        var definition = target.nextElementSibling;
        return target.textContent + ": " + (definition ? definition.textContent : "");
      }
      if (target && target.textContent.trim().length < 80) {
        var next = target.nextElementSibling;
        target = target.closest("section") || (next && next.closest("section")) || target;
        if (next && /^H[1-6]$/.test(next.tagName) && next.parentElement) target = next.parentElement;
      }
      return (target || main).textContent;
    };
    Search.losseduPatched = true;
  }

  // Printing (the browser's "print" or "save as PDF", and `make pdf`): unfold every folded
  // block, and shrink a displayed formula or a table that is wider than the printed column
  // (a printed page cannot scroll sideways, so it would be cut off).
  function fitForPrint() {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".toggle-hidden").forEach(function (el) { el.classList.remove("toggle-hidden"); });
    var article = document.querySelector(".bd-article") || document.body;
    var right = article.getBoundingClientRect().right;
    function shrink(el, floor) {
      for (var pass = 0; pass < 3; pass++) {
        var box = el.getBoundingClientRect();
        var avail = right - box.left;
        var need = Math.max(el.scrollWidth, box.width);
        if (!box.width || need <= avail + 1) return;
        var current = parseFloat(el.style.fontSize) || 100;
        var next = Math.max(floor, Math.floor(current * avail / need) - 1);
        if (next >= current) return;
        el.style.fontSize = next + "%";
      }
    }
    article.querySelectorAll('mjx-container[display="true"]').forEach(function (el) { shrink(el, 45); });
    article.querySelectorAll("table").forEach(function (el) { shrink(el, 55); });
  }
  window.losseduFitForPrint = fitForPrint;
  window.addEventListener("beforeprint", fitForPrint);

  plainFormulasInSearch();
  ready(function () {
    forward(".primary-toggle");
    forward(".secondary-toggle");
    scrollableFigures();
    breakableCodeInTables();
  });
})();
