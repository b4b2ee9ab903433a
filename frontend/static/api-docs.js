// Starts Swagger UI on /api/docs; a file of its own, as the CSP allows no inline script.
(function () {
  const host = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: host.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
})();
