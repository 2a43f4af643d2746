// Draws the interactive API docs at /docs from the app's own schema (no inline script: CSP).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,  // the stable ids docs/api.md lists
    presets: [SwaggerUIBundle.presets.apis],
  });
});
