"""The HTTP edge: dependencies, templates, error rendering and the browser pages."""
