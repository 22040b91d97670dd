// Suggestions for the search boxes (<input data-suggest>): names from /search?format=json, in the
// page's language, offered through the <datalist id="search-suggestions">. Without JavaScript the
// boxes are plain forms to /search.
(function () {
  var list = document.getElementById("search-suggestions");
  if (!list) return;
  var lang = document.documentElement.lang || "en";
  var timer = null, last = "";
  function suggest(input) {
    var q = input.value.trim();
    if (q.length < 2 || q === last) return;
    last = q;
    fetch("/search?format=json&limit=8&lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(q),
          { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (data) {
        if (input.value.trim() !== q) return;
        list.textContent = "";
        var seen = {};
        data.hits.forEach(function (h) {
          if (seen[h.label]) return;
          seen[h.label] = true;
          var o = document.createElement("option");
          o.value = h.label;
          list.appendChild(o);
        });
      })
      .catch(function () {});
  }
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { suggest(input); }, 150);
    });
  });
})();
