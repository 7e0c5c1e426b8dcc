"""The JSON API (`/api/v1/`, OpenAPI 3), over the same services and selectors as the pages."""
