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
