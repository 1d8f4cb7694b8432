// The API docs page: Swagger UI from the vendored bundle (no CDN, no inline script: CSP).
window.addEventListener("load", () => {
  const el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: el.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    // Writes need the session's CSRF token (the session cookie itself is HttpOnly).
    requestInterceptor: async (req) => {
      if (!["GET", "HEAD", "OPTIONS"].includes((req.method || "GET").toUpperCase())) {
        const me = await fetch("/api/me", { credentials: "same-origin" });
        if (me.ok) req.headers["X-CSRF-Token"] = (await me.json()).csrf_token;
      }
      return req;
    },
  });
});
