"""A council's business in the browser: state, projection, services and pages."""
