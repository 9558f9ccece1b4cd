// Starts Swagger UI (/docs) or ReDoc (/redoc) on the page that loaded it (ui/docs.py). A file and not
// an inline script, because the Content-Security-Policy lets only this hub's own files run.
(function () {
  "use strict";
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({
      url: swagger.dataset.openapi,
      dom_id: "#swagger-ui",
      deepLinking: true,
      // null: no badge fetched from validator.swagger.io (the page works offline).
      validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    window.Redoc.init(redoc.dataset.openapi, {}, redoc);
  }
})();
