// Forms and buttons marked data-confirm ask before they change anything (提交认定, 删除,
// 提交审核): in this file, not in onsubmit/onclick attributes, which the CSP forbids.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// Flask-Admin's (and select2's) links to "javascript:void(0)" do their work in click
// handlers; following the URL itself would only be refused by the CSP. Caught in the
// capture phase, before any handler can stop the event on its way.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("a[href^='javascript:']")) event.preventDefault();
}, true);
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm], a[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  // Flask-Admin's "With selected" actions (templates/admin/actions.html).
  var action = event.target.closest("[data-admin-action]");
  if (action && window.modelActions) {
    event.preventDefault();
    window.modelActions.execute(action.getAttribute("data-admin-action"));
  }
});

// 获取验证码 buttons: POST the phone and purpose, show the answer (and, in development
// with the console SMS backend, the code itself in a marked notice), then cool down 60 s.
document.addEventListener("click", function (event) {
  var button = event.target.closest(".js-send-code");
  if (!button) return;
  var form = button.closest("form");
  var data = new FormData();
  data.append("purpose", button.dataset.purpose);
  data.append("csrf_token", button.dataset.csrf);
  if (button.dataset.phoneField) {
    var phone = form.querySelector("[name='" + button.dataset.phoneField + "']");
    data.append("phone", phone ? phone.value : "");
  }
  // Other fields the code request needs (the login's account and identity).
  (button.dataset.fields || "").split(" ").filter(Boolean).forEach(function (name) {
    var element = form.elements[name];
    data.append(name, element ? element.value : "");
  });
  var result = button.parentNode.querySelector(".js-code-result");
  var dev = button.parentNode.querySelector(".js-dev-code");
  fetch(button.dataset.url, {method: "POST", body: data, credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (answer) {
      result.textContent = answer.message;
      result.className = "small mt-1 js-code-result " + (answer.ok ? "text-success" : "text-danger");
      if (dev && answer.dev_code) { dev.textContent = answer.dev_code; dev.classList.remove("d-none"); }
      if (answer.ok) {
        var left = 60;
        button.disabled = true;
        var timer = setInterval(function () {
          left -= 1; button.textContent = left + "s";
          if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = button.dataset.label || "OK"; }
        }, 1000);
        button.dataset.label = button.dataset.label || button.textContent;
      }
    });
});

// 省/市/区 selects: the cities follow the chosen province and the districts the chosen
// city; the tree is fetched once, on the first change (services/records/regions.py validates).
(function () {
  var province = document.querySelector("select[data-region='province']");
  if (!province) return;
  var city = province.form.querySelector("select[data-region='city']");
  var district = province.form.querySelector("select[data-region='district']");
  var tree = null;
  function load() {
    if (tree) return Promise.resolve(tree);
    return fetch(province.dataset.regionUrl).then(function (r) { return r.json(); })
      .then(function (data) { tree = data; return tree; });
  }
  function fill(select, names) {
    var prompt = select.options[0];
    select.innerHTML = "";
    select.appendChild(prompt);
    names.forEach(function (name) { select.add(new Option(name, name)); });
    select.value = "";
  }
  province.addEventListener("change", function () {
    load().then(function (t) { fill(city, Object.keys(t[province.value] || {})); fill(district, []); });
  });
  city.addEventListener("change", function () {
    load().then(function (t) { fill(district, (t[province.value] || {})[city.value] || []); });
  });
})();

// Show the chosen images (and the names of PDFs) before they are uploaded; delegated, so
// it also serves forms loaded into a dialog.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.classList || !input.classList.contains("js-preview")) return;
  var box = input.parentNode.querySelector(".js-preview-box");
  box.innerHTML = "";
  Array.prototype.forEach.call(input.files, function (file) {
    var item = document.createElement("div");
    item.className = "mr-2 mb-2 text-center small";
    if (file.type.indexOf("image/") === 0) {
      var img = document.createElement("img");
      img.className = "evidence-thumb border";
      img.src = URL.createObjectURL(file);
      item.appendChild(img);
    }
    var name = document.createElement("div");
    name.textContent = file.name;
    item.appendChild(name);
    box.appendChild(item);
  });
});

// A background job's page (large imports, exports): follow its progress until it ends.
(function () {
  var card = document.querySelector("[data-job-status]");
  if (!card) return;
  function part(name) { return card.querySelector('[data-job="' + name + '"]'); }
  function toggle(name, text) {
    part(name).textContent = text || "";
    part(name).classList.toggle("d-none", !text);
  }
  function show(state) {
    card.querySelector("progress").value = state.percent;
    part("status").textContent = state.status_label;
    part("stage").textContent = state.stage;
    part("counts").textContent = state.total ? state.done + " / " + state.total : "";
    toggle("note", state.note);
    toggle("error", state.error);
    if (state.result) { part("result").href = state.result; part("done").classList.remove("d-none"); }
    return state.final;
  }
  function poll() {
    fetch(card.getAttribute("data-job-status"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (show(state)) part("hint").classList.add("d-none");
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
// Phones: each table in the page's main area (learner pages and every admin list alike)
// gets its column titles on its cells (data-label), which static/app.css shows when the
// table is stacked into labelled cards below 576 px. A table marked data-no-stack keeps
// its columns. Flask-Admin's checkbox and row-action columns have no title: they get one
// (read aloud, and shown on the card) from the words <main> carries.
(function () {
  var main = document.querySelector("main");
  if (!main) return;
  var words = {select: main.getAttribute("data-label-select") || "", actions: main.getAttribute("data-label-actions") || "",
               sort: main.getAttribute("data-label-sort") || ""};
  function title(cell) {
    // Without the sort marker of the list's current order (templates/_macros.html).
    var text = cell.textContent.replace(/[▲▼]/g, "").trim();
    if (text) return text;
    var name = cell.querySelector("input[type=checkbox]") ? words.select : words.actions;
    if (name && !cell.querySelector(".sr-only")) {
      var hidden = document.createElement("span");
      hidden.className = "sr-only";
      hidden.textContent = name;
      cell.appendChild(hidden);
    }
    return name;
  }
  var tables = main.querySelectorAll("table.table:not([data-no-stack])");
  Array.prototype.forEach.call(tables, function (table) {
    var titles = [];
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (cell) {
      var name = title(cell);
      for (var i = 0; i < (cell.colSpan || 1); i++) titles.push(name);
    });
    var rows = table.tBodies.length ? Array.prototype.slice.call(table.tBodies).reduce(function (all, body) {
      return all.concat(Array.prototype.slice.call(body.rows));
    }, []) : [];
    // Flask-Admin writes its rows straight into <table> (the browser wraps them in a tbody).
    rows.forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        // An empty value (white space only) is left off the card rather than shown as a bare title.
        if (!cell.textContent.trim() && !cell.querySelector("input, img, a, button, svg")) cell.classList.add("cb-blank");
        if (!cell.hasAttribute("data-label") && titles[column] && cell.colSpan < titles.length) {
          cell.setAttribute("data-label", titles[column]);
        }
        column += cell.colSpan || 1;
      });
    });
    // The word before the sortable titles, which stay above the cards (static/app.css).
    head.setAttribute("data-sort-label", words.sort);
    table.classList.add("cb-stacked");
  });
})();


// Flask-Admin's select boxes (select2 3.5) speak the page's language: the texts come from
// the element the admin base template fills (#cb-select2-texts).
(function () {
  var texts = document.getElementById("cb-select2-texts");
  if (!texts || !window.jQuery || !jQuery.fn.select2) return;
  var d = texts.dataset;
  jQuery.extend(jQuery.fn.select2.defaults, {
    formatNoMatches: function () { return d.noMatches; },
    formatSearching: function () { return d.searching; },
    formatLoadMore: function () { return d.loadMore; },
    formatInputTooShort: function (input, min) { return d.inputTooShort.replace("{n}", min - input.length); },
    formatInputTooLong: function (input, max) { return d.inputTooLong.replace("{n}", input.length - max); },
    formatSelectionTooBig: function (limit) { return d.selectionTooBig.replace("{n}", limit); },
    formatAjaxError: function () { return d.ajaxError; }
  });
  // The date pickers of filters and forms (bootstrap-daterangepicker 1.3, loaded after this
  // file): Flask-Admin passes no locale, so add one before its ready handler runs.
  jQuery(function () {
    if (!jQuery.fn.daterangepicker) return;
    var original = jQuery.fn.daterangepicker;
    var locale = {applyLabel: d.apply, cancelLabel: d.cancel, fromLabel: d.from, toLabel: d.to, weekLabel: d.week,
                  daysOfWeek: d.days.split(","), monthNames: d.months.split(","), firstDay: 1};
    jQuery.fn.daterangepicker = function (options, callback) {
      options = jQuery.extend({}, options, {locale: jQuery.extend({}, locale, (options || {}).locale)});
      return original.call(this, options, callback);
    };
  });
})();

// Flask-Admin's row checkboxes carry only a title; give them an accessible name too.
Array.prototype.forEach.call(document.querySelectorAll("input.action-checkbox, input.action-rowtoggle"), function (box) {
  if (!box.hasAttribute("aria-label") && box.title) box.setAttribute("aria-label", box.title);
});

// 审核 / 申请转换 on lists where ticking nothing means "every row matching the query":
// a [data-chosen-url] link carries the ticked ids; a form with data-confirm-all asks
// first, naming how many learners it will include.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-chosen-url]");
  if (!link) return;
  var ids = Array.prototype.map.call(document.querySelectorAll("input.action-checkbox:checked"), function (box) {
    return box.value;
  });
  if (!ids.length) return;
  event.preventDefault();
  var url = link.dataset.chosenUrl;
  window.location = url + (url.indexOf("?") < 0 ? "?" : "&") + "ids=" + ids.join(",");
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.dataset || !form.dataset.confirmAll) return;
  var ticked = form.querySelectorAll("input.action-checkbox:checked").length;
  var text = ticked ? form.dataset.confirmSome.replace("__N__", ticked) : form.dataset.confirmAll;
  if (!window.confirm(text)) event.preventDefault();
});
document.addEventListener("change", function (event) {
  var toggle = event.target;
  if (toggle.classList && toggle.classList.contains("action-rowtoggle") && !toggle.closest(".model-list")) {
    Array.prototype.forEach.call(document.querySelectorAll("input.action-checkbox"), function (box) {
      box.checked = toggle.checked;
    });
  }
  if (toggle.dataset && toggle.dataset.counter) {
    var shown = document.querySelector("[data-counter-of='" + toggle.dataset.counter + "']");
    if (shown) shown.textContent = toggle.value.length;
  }
});
document.addEventListener("input", function (event) {
  var field = event.target;
  if (!field.dataset || !field.dataset.counter) return;
  var shown = document.querySelector("[data-counter-of='" + field.dataset.counter + "']");
  if (shown) shown.textContent = field.value.length;
});
// 导入模板 downloads by GET with the import form's choices (kind, type): the form's CSRF
// token is left out of that URL (and out of access logs), and is back for 提交导入.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (!button || button.getAttribute("data-excel") !== "template") return;
  var token = event.target.querySelector("input[name='csrf_token']");
  if (!token) return;
  token.disabled = true;
  setTimeout(function () { token.disabled = false; }, 0);
});
// 统计报表: the chart of the table (the local Chart.js), and a new period kind shows its
// latest period at once.
window.addEventListener("load", function () {
  var canvas = document.getElementById("report-chart");
  var source = document.getElementById("report-data");
  if (!canvas || !source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{label: data.label, data: data.values, backgroundColor: "#007bff", maxBarThickness: 48}]},
    options: {responsive: true, animation: false, indexAxis: data.labels.length > 8 ? "y" : "x",
              plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true}, y: {beginAtZero: true}}}
  });
});
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.hasAttribute || !select.hasAttribute("data-report-period")) return;
  var which = select.form.querySelector("select[name='value']");
  if (which) which.disabled = true;
  select.form.submit();
});

// 学分银行移动应用 (static/sw.js): pages that offer the manifest register the service
// worker. A new version waits until the person chooses to switch (no page ever runs two
// versions at once); a copy opened offline says so, with the time it was saved; the home
// page asks the worker to keep the learner's record pages it links to; logging out empties
// the worker's caches (the server's Clear-Site-Data does too).
(function () {
  var saved = document.body.getAttribute("data-offline-saved");
  var banner = document.querySelector("[data-offline-banner]");
  if (saved !== null && banner) {
    var when = saved ? new Date(saved) : null;
    var text = when && !isNaN(when) ? when.toLocaleString(document.documentElement.lang || undefined, {hour12: false}) : "";
    banner.textContent = banner.textContent.replace("__TIME__", text);
    banner.hidden = false;
    document.body.classList.add("cb-offline-copy");
  }
  if (!("serviceWorker" in navigator) || !document.querySelector("link[rel=manifest]")) return;
  var update = document.querySelector("[data-app-update]");
  function offer(worker) {
    if (!update || !worker || !navigator.serviceWorker.controller) return;
    update.hidden = false;
    update.querySelector("[data-app-update-button]").addEventListener("click", function () {
      worker.postMessage({type: "skip-waiting"});
    });
  }
  var reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (update && !update.hidden && !reloading) { reloading = true; window.location.reload(); }
  });
  navigator.serviceWorker.register("/sw.js").then(function (registration) {
    if (registration.waiting) offer(registration.waiting);
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      worker.addEventListener("statechange", function () { if (worker.state === "installed") offer(worker); });
    });
  });
  var keep = document.querySelectorAll("a[data-offline-keep]");
  if (keep.length && saved === null) {
    navigator.serviceWorker.ready.then(function (registration) {
      var urls = Array.prototype.map.call(keep, function (a) { return a.href; });
      if (registration.active) registration.active.postMessage({type: "keep", urls: urls});
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.getAttribute("action") === "/logout" && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "forget"});
    }
  });
})();

// Files too large for the server are caught here, before anything is sent: the server
// would refuse the whole request (413) and the page with everything typed into it would
// be lost. A file over its field's limit (data-max-bytes, else the largest request) is
// taken off the field with a message beside it; a form whose files add up to more than
// the largest request is not sent.
(function () {
  var main = document.querySelector("main");
  if (!main) return;
  var maxRequest = parseInt(main.getAttribute("data-max-request"), 10) || 0;
  function megabytes(bytes) { return String(Math.round(bytes / 1048576 * 10) / 10); }
  function say(input, text) {
    var box = input.parentNode.querySelector(".js-file-size-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "invalid-feedback d-block js-file-size-error";
      box.setAttribute("role", "alert");
      input.parentNode.insertBefore(box, input.nextSibling);
    }
    box.textContent = text;
    box.hidden = !text;
    input.classList.toggle("is-invalid", !!text);
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file]")) return;
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10) || maxRequest;
    var big = Array.prototype.filter.call(input.files || [], function (file) { return limit && file.size > limit; });
    if (big.length) {
      say(input, main.getAttribute("data-file-too-large").replace("__NAME__", big[0].name).replace("__LIMIT__", megabytes(limit)));
      input.value = "";
      var box = input.parentNode.querySelector(".js-preview-box");
      if (box) box.innerHTML = "";
    } else {
      say(input, "");
    }
  }, true);
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file]");
    if (!inputs.length || !maxRequest) return;
    var total = 0;
    Array.prototype.forEach.call(inputs, function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
    });
    if (total > maxRequest) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var last = inputs[inputs.length - 1];
      say(last, main.getAttribute("data-request-too-large").replace("__LIMIT__", megabytes(maxRequest)));
      last.focus();
    }
  }, true);
})();

// select2 3.5 (Flask-Admin's filters and forms) gives its text inputs role="button", a role
// an <input type=text> may not take (assistive software then misreads the box): the role
// goes, whenever select2 draws one, the drop-down it opens stays announced by aria-haspopup.
(function () {
  function fix(root) {
    Array.prototype.forEach.call((root.querySelectorAll ? root : document).querySelectorAll(
      "input.select2-focusser[role], input.select2-input[role]"), function (input) { input.removeAttribute("role"); });
  }
  fix(document);
  if (!window.MutationObserver) return;
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) { if (node.nodeType === 1) fix(node); });
    });
  }).observe(document.body, {childList: true, subtree: true});
})();
