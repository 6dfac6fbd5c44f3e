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
  var button = event.target.closest("button[data-confirm]");
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
// city; the tree is fetched once, on the first change (services/regions.py validates).
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
